// Shared helpers, init, and the operations table.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "faultfs/fault_engine.h"
#include "faultfs/ops_internal.h"
#include "faultfs/request_stats.h"

namespace crashlab::faultfs {

bool IsControlName(fuse_ino_t parent, const char* name) {
  return parent == FUSE_ROOT_ID && ControlFile::kName == name;
}

bool Watched(FsContext& ctx, FaultOp op, bool state_changing) {
  return ctx.faults != nullptr && ctx.faults->Interested(op, state_changing);
}

int SyncBacking(FsContext& ctx, int fd, bool datasync) {
  if (!ctx.backing_fsync) return 0;
  ctx.backing_syncs.fetch_add(1, std::memory_order_relaxed);
  return (datasync ? ::fdatasync(fd) : ::fsync(fd)) == 0 ? 0 : errno;
}

std::string ProcPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int StatFd(int fd, struct stat* st) {
  if (::fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  return 0;
}

int LookupEntry(fuse_req_t req, Inode& parent, const char* name,
                fuse_entry_param* e) {
  FsContext& ctx = Ctx(req);
  std::memset(e, 0, sizeof(*e));
  e->attr_timeout = ctx.timeout_s;
  e->entry_timeout = ctx.timeout_s;
  if (&parent == &ctx.table.Get(FUSE_ROOT_ID) && ControlFile::kName == name) {
    e->ino = ctx.control_ino();
    e->attr = ctx.control.Attributes();
    return 0;
  }
  int fd = ::openat(parent.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  if (int err = StatFd(fd, &e->attr); err != 0) {
    ::close(fd);
    return err;
  }
  e->ino = ctx.table.Remember(fd, KeyOf(e->attr));
  return 0;
}

void GiveToCaller(fuse_req_t req, int parent_fd, const char* name) {
  if (!Ctx(req).chown_new_files) return;
  const fuse_ctx* c = fuse_req_ctx(req);
  if (c->uid == ::geteuid() && c->gid == ::getegid()) return;
  struct stat dir;
  // In a set-group-ID directory the new entry keeps the directory's group.
  const bool keep_group = ::fstatat(parent_fd, "", &dir, AT_EMPTY_PATH) == 0 &&
                          (dir.st_mode & S_ISGID);
  (void)::fchownat(parent_fd, name, c->uid, keep_group ? -1 : c->gid,
                   AT_SYMLINK_NOFOLLOW);
}

void ReplyEntry(fuse_req_t req, int err, const fuse_entry_param& e) {
  if (err != 0) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_entry(req, &e);
  }
}

Record NamespaceRecord(Op op, FileId parent, const char* name, FileId file,
                       uint32_t mode) {
  Record r;
  r.op = op;
  r.parent = parent;
  r.name = name;
  r.file = file;
  r.mode = mode;
  return r;
}

Record FileRecord(Op op, FileId file) {
  Record r;
  r.op = op;
  r.file = file;
  return r;
}

void OpInit(void* userdata, fuse_conn_info* conn) {
  // The recorder must see every write and every fsync in the order the
  // application issued them: no kernel writeback cache.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // open(O_TRUNC) arrives as one open request carrying O_TRUNC, recorded as
  // one truncate, instead of a separate setattr.
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) {
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  }
  if (conn->capable & FUSE_CAP_SPLICE_WRITE) {
    conn->want |= FUSE_CAP_SPLICE_WRITE;
  }
}

// Counting<kKind, kFn>: kFn, counting its requests in FsContext::requests.
template <Request kKind, auto kFn>
constexpr auto Counting = &Counted<FsContext, kKind, kFn>::Op;

fuse_lowlevel_ops MakeOps(bool xattrs) {
  using enum Request;
  fuse_lowlevel_ops ops;
  std::memset(&ops, 0, sizeof(ops));
  ops.init = OpInit;
  ops.lookup = Counting<kLookup, OpLookup>;
  ops.forget = Counting<kForget, OpForget>;
  ops.forget_multi = Counting<kForget, OpForgetMulti>;
  ops.getattr = Counting<kGetattr, OpGetattr>;
  ops.setattr = Counting<kSetattr, OpSetattr>;
  ops.readlink = Counting<kReadlink, OpReadlink>;
  ops.mknod = Counting<kMknod, OpMknod>;
  ops.mkdir = Counting<kMkdir, OpMkdir>;
  ops.symlink = Counting<kSymlink, OpSymlink>;
  ops.link = Counting<kLink, OpLink>;
  ops.unlink = Counting<kUnlink, OpUnlink>;
  ops.rmdir = Counting<kRmdir, OpRmdir>;
  ops.rename = Counting<kRename, OpRename>;
  ops.statfs = Counting<kStatfs, OpStatfs>;
  ops.opendir = Counting<kOpendir, OpOpendir>;
  ops.readdir = Counting<kReaddir, OpReaddir>;
  ops.releasedir = Counting<kReleasedir, OpReleasedir>;
  ops.fsyncdir = Counting<kFsyncdir, OpFsyncdir>;
  ops.create = Counting<kCreate, OpCreate>;
  ops.open = Counting<kOpen, OpOpen>;
  ops.read = Counting<kRead, OpRead>;
  ops.write = Counting<kWrite, OpWrite>;
  ops.flush = Counting<kFlush, OpFlush>;
  ops.release = Counting<kRelease, OpRelease>;
  ops.fsync = Counting<kFsync, OpFsync>;
  ops.fallocate = Counting<kFallocate, OpFallocate>;
  ops.lseek = Counting<kLseek, OpLseek>;
  if (xattrs) {
    ops.setxattr = Counting<kSetxattr, OpSetxattr>;
    ops.getxattr = Counting<kGetxattr, OpGetxattr>;
    ops.listxattr = Counting<kListxattr, OpListxattr>;
    ops.removexattr = Counting<kRemovexattr, OpRemovexattr>;
  }
  return ops;
}

}  // namespace crashlab::faultfs
