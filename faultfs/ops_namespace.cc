// Namespace operations: lookup, forget, getattr, and the operations that
// add, remove or move names (each recorded under the recorder's mutex, and
// each a fault point).
#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <vector>

#include "faultfs/ops_internal.h"

namespace crashlab::faultfs {
namespace {

// Finishes an operation that created `name` in `parent` (already done on
// the backing file system, inside `scope`): hands the new inode to the
// caller's user, gives it a fresh id and registers it with the kernel.
int FinishNewEntry(fuse_req_t req, Recorder::Scope& scope, Inode& parent,
                   const char* name, fuse_entry_param* e, FileId* id) {
  GiveToCaller(req, parent.fd, name);
  if (int err = LookupEntry(req, parent, name, e); err != 0) return err;
  *id = scope.NewId(KeyOf(e->attr));
  return 0;
}

// Stats `name` in `dir`; returns 0 or errno.
int StatName(const Inode& dir, const char* name, struct stat* st) {
  if (::fstatat(dir.fd, name, st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  return 0;
}

void RemoveName(fuse_req_t req, fuse_ino_t parent, const char* name, Op op) {
  if (IsControlName(parent, name)) return (void)fuse_reply_err(req, EPERM);
  FsContext& ctx = Ctx(req);
  Inode& dir = GetInode(req, parent);
  struct stat st;
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  if (int err = StatName(dir, name, &st); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  const FileId dir_id = scope.IdOf(dir.key);
  const FileId id = scope.IdOf(KeyOf(st));
  FaultPoint fp(ctx, scope,
                {.op = op == Op::kRmdir ? FaultOp::kRmdir : FaultOp::kUnlink,
                 .file = id,
                 .parent = dir_id,
                 .name = name});
  if (int err = fp.Before()) return fp.Reply(req, err);
  const int flags = op == Op::kRmdir ? AT_REMOVEDIR : 0;
  if (::unlinkat(dir.fd, name, flags) != 0) return fp.Reply(req, errno);
  scope.Append(NamespaceRecord(op, dir_id, name, id, 0));
  fp.After();
  fp.Reply(req, 0);
}

}  // namespace

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e;
  const int err = LookupEntry(req, GetInode(req, parent), name, &e);
  if (err == ENOENT) {
    // A negative entry the kernel may cache: nothing changes BACKING but us.
    e.ino = 0;
    return (void)fuse_reply_entry(req, &e);
  }
  ReplyEntry(req, err, e);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  if (!IsControl(req, ino)) Ctx(req).table.Forget(ino, nlookup);
  fuse_reply_none(req);
}

void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) {
    if (IsControl(req, forgets[i].ino)) continue;
    Ctx(req).table.Forget(forgets[i].ino, forgets[i].nlookup);
  }
  fuse_reply_none(req);
}

void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  if (IsControl(req, ino)) {
    struct stat st = ctx.control.Attributes();
    return (void)fuse_reply_attr(req, &st, ctx.timeout_s);
  }
  struct stat st;
  if (int err = StatFd(GetInode(req, ino).fd, &st); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  fuse_reply_attr(req, &st, ctx.timeout_s);
}

void OpReadlink(fuse_req_t req, fuse_ino_t ino) {
  std::vector<char> buf(PATH_MAX + 1);
  ssize_t n = ::readlinkat(GetInode(req, ino).fd, "", buf.data(), buf.size());
  if (n < 0) return (void)fuse_reply_err(req, errno);
  if (static_cast<size_t>(n) >= buf.size()) {
    return (void)fuse_reply_err(req, ENAMETOOLONG);
  }
  buf[n] = '\0';
  fuse_reply_readlink(req, buf.data());
}

void OpMknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
             dev_t rdev) {
  if (IsControlName(parent, name)) return (void)fuse_reply_err(req, EPERM);
  Inode& dir = GetInode(req, parent);
  fuse_entry_param e;
  FileId id = 0;
  FsContext& ctx = Ctx(req);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId dir_id = scope.IdOf(dir.key);
  FaultPoint fp(
      ctx, scope,
      {.op = FaultOp::kCreate, .file = dir_id, .parent = dir_id, .name = name});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (::mknodat(dir.fd, name, mode, rdev) != 0) return fp.Reply(req, errno);
  int err = FinishNewEntry(req, scope, dir, name, &e, &id);
  // FIFOs, sockets and devices hold no data a crash could lose: they get
  // an id (a later unlink names it) but no record.
  if (err == 0 && S_ISREG(e.attr.st_mode)) {
    scope.Append(
        NamespaceRecord(Op::kCreate, dir_id, name, id, e.attr.st_mode));
  }
  fp.After();
  fp.Finish();
  ReplyEntry(req, err, e);
}

void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (IsControlName(parent, name)) return (void)fuse_reply_err(req, EPERM);
  Inode& dir = GetInode(req, parent);
  fuse_entry_param e;
  FileId id = 0;
  FsContext& ctx = Ctx(req);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId dir_id = scope.IdOf(dir.key);
  FaultPoint fp(
      ctx, scope,
      {.op = FaultOp::kMkdir, .file = dir_id, .parent = dir_id, .name = name});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (::mkdirat(dir.fd, name, mode) != 0) return fp.Reply(req, errno);
  int err = FinishNewEntry(req, scope, dir, name, &e, &id);
  if (err == 0) {
    scope.Append(NamespaceRecord(Op::kMkdir, dir_id, name, id, e.attr.st_mode));
  }
  fp.After();
  fp.Finish();
  ReplyEntry(req, err, e);
}

void OpSymlink(fuse_req_t req, const char* link, fuse_ino_t parent,
               const char* name) {
  if (IsControlName(parent, name)) return (void)fuse_reply_err(req, EPERM);
  Inode& dir = GetInode(req, parent);
  fuse_entry_param e;
  FileId id = 0;
  FsContext& ctx = Ctx(req);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId dir_id = scope.IdOf(dir.key);
  FaultPoint fp(ctx, scope,
                {.op = FaultOp::kSymlink,
                 .file = dir_id,
                 .parent = dir_id,
                 .name = name});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (::symlinkat(link, dir.fd, name) != 0) return fp.Reply(req, errno);
  int err = FinishNewEntry(req, scope, dir, name, &e, &id);
  if (err == 0) {
    Record r = NamespaceRecord(Op::kSymlink, dir_id, name, id, e.attr.st_mode);
    r.data = link;
    scope.Append(std::move(r));
  }
  fp.After();
  fp.Finish();
  ReplyEntry(req, err, e);
}

void OpLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
            const char* newname) {
  if (IsControl(req, ino) || IsControlName(newparent, newname)) {
    return (void)fuse_reply_err(req, EPERM);
  }
  FsContext& ctx = Ctx(req);
  Inode& inode = GetInode(req, ino);
  Inode& dir = GetInode(req, newparent);
  fuse_entry_param e{};
  e.attr_timeout = ctx.timeout_s;
  e.entry_timeout = ctx.timeout_s;
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId id = scope.IdOf(inode.key);
  const FileId dir_id = scope.IdOf(dir.key);
  FaultPoint fp(ctx, scope,
                {.op = FaultOp::kLink,
                 .file = id,
                 .new_parent = dir_id,
                 .new_name = newname});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (::linkat(AT_FDCWD, ProcPath(inode.fd).c_str(), dir.fd, newname,
               AT_SYMLINK_FOLLOW) != 0) {
    return fp.Reply(req, errno);
  }
  scope.Append(NamespaceRecord(Op::kLink, dir_id, newname, id, 0));
  fp.After();
  fp.Finish();
  if (int err = StatFd(inode.fd, &e.attr); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  e.ino = ctx.table.Ref(ino);
  fuse_reply_entry(req, &e);
}

void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  RemoveName(req, parent, name, Op::kUnlink);
}

void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  RemoveName(req, parent, name, Op::kRmdir);
}

void OpRename(fuse_req_t req, fuse_ino_t parent, const char* name,
              fuse_ino_t newparent, const char* newname, unsigned int flags) {
  if (IsControlName(parent, name) || IsControlName(newparent, newname)) {
    return (void)fuse_reply_err(req, EPERM);
  }
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
    return (void)fuse_reply_err(req, EINVAL);  // RENAME_WHITEOUT
  }
  Inode& from = GetInode(req, parent);
  Inode& to = GetInode(req, newparent);
  struct stat src, dst;
  FsContext& ctx = Ctx(req);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  if (int err = StatName(from, name, &src); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  FaultPoint fp(ctx, scope,
                {.op = FaultOp::kRename,
                 .file = scope.IdOf(KeyOf(src)),
                 .parent = scope.IdOf(from.key),
                 .name = name,
                 .new_parent = scope.IdOf(to.key),
                 .new_name = newname});
  if (int err = fp.Before()) return fp.Reply(req, err);
  const bool replaces = StatName(to, newname, &dst) == 0;
  if (::renameat2(from.fd, name, to.fd, newname, flags) != 0) {
    return fp.Reply(req, errno);
  }
  // Two names of one inode: rename(2) succeeds and changes nothing.
  if (!(replaces && KeyOf(src) == KeyOf(dst))) {
    Record r;
    r.op = Op::kRename;
    r.parent = scope.IdOf(from.key);
    r.name = name;
    r.new_parent = scope.IdOf(to.key);
    r.new_name = newname;
    r.file = scope.IdOf(KeyOf(src));
    r.other = replaces ? scope.IdOf(KeyOf(dst)) : 0;
    r.flags = flags;
    scope.Append(std::move(r));
  }
  fp.After();
  fp.Reply(req, 0);
}

void OpStatfs(fuse_req_t req, fuse_ino_t ino) {
  struct statvfs st;
  if (::fstatvfs(GetInode(req, FUSE_ROOT_ID).fd, &st) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  fuse_reply_statfs(req, &st);
}

}  // namespace crashlab::faultfs
