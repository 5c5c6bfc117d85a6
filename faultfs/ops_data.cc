// Files: create, open, read, flush, release, lseek. Creates and truncating
// opens are recorded under the recorder's mutex; every one may be faulted
// (fault_point.h). The control file's open and read are handled here too;
// writes, fsyncs and fallocate live in ops_write.cc.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "faultfs/ops_internal.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {
namespace {

// Flags for opening the backing file. O_APPEND goes: the kernel already
// turned an appending write into a write at the end it knows, and pwrite on
// an O_APPEND fd would ignore that offset (so the trace would lie about it).
// O_DIRECT goes: FUSE page-cache buffers need not meet its alignment rules.
int BackingFlags(int flags) {
  return (flags & ~(O_NOFOLLOW | O_APPEND | O_DIRECT | O_CREAT | O_EXCL)) |
         O_CLOEXEC;
}

Record TruncateRecord(FileId file, uint64_t size) {
  Record r = FileRecord(Op::kTruncate, file);
  r.offset = size;
  return r;
}

}  // namespace

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi) {
  if (IsControlName(parent, name)) return (void)fuse_reply_err(req, EPERM);
  FsContext& ctx = Ctx(req);
  Inode& dir = GetInode(req, parent);
  const int flags = BackingFlags(fi->flags) & ~O_TRUNC;
  fuse_entry_param e;
  struct stat st;
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  // Whether this creates the file decides the fault op (create or open).
  struct stat old;
  const bool exists = ::fstatat(dir.fd, name, &old, AT_SYMLINK_NOFOLLOW) == 0;
  const bool truncates = exists && (fi->flags & O_TRUNC) &&
                         !(fi->flags & O_EXCL) && S_ISREG(old.st_mode);
  const FileId dir_id = scope.IdOf(dir.key);
  FaultPoint fp(
      ctx, scope,
      {exists ? FaultOp::kOpen : FaultOp::kCreate, !exists || truncates,
       exists ? scope.IdOf(KeyOf(old)) : dir_id, dir_id, name});
  if (int err = fp.Before()) return fp.Reply(req, err);
  std::optional<UndoLog::Pending> undo;
  if (truncates && ctx.undo != nullptr) {
    const int pfd = ::openat(dir.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pfd >= 0) {
      undo = ctx.undo->SaveTruncate(scope.IdOf(KeyOf(old)), KeyOf(old), pfd, 0);
      ::close(pfd);
    }
  }
  // Find out whether this creates the file: only then is it a kCreate.
  bool created = true;
  int fd = ::openat(dir.fd, name, flags | O_CREAT | O_EXCL, mode);
  if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL)) {
    created = false;
    fd = ::openat(dir.fd, name, flags | (fi->flags & O_TRUNC));
  }
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  if (created) GiveToCaller(req, dir.fd, name);
  if (int err = StatFd(fd, &st); err != 0) {
    ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  if (created) {
    const FileId id = scope.NewId(KeyOf(st));
    scope.Append(NamespaceRecord(Op::kCreate, dir_id, name, id, st.st_mode));
  } else if ((fi->flags & O_TRUNC) && S_ISREG(st.st_mode)) {
    scope.Append(TruncateRecord(scope.IdOf(KeyOf(st)), 0));
    if (undo && KeyOf(st) == KeyOf(old)) ctx.undo->Commit(std::move(*undo), 0);
  }
  if (int err = LookupEntry(req, dir, name, &e); err != 0) {
    ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;
  fp.After();
  fp.Finish();
  fuse_reply_create(req, &e, fi);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (IsControl(req, ino)) {
    // Every write() must arrive as one request, and reads must reach us.
    fi->direct_io = 1;
    fi->fh = 0;
    return (void)fuse_reply_open(req, fi);
  }
  FsContext& ctx = Ctx(req);
  Inode& inode = GetInode(req, ino);
  const std::string path = ProcPath(inode.fd);
  const int flags = BackingFlags(fi->flags);
  const bool truncates = fi->flags & O_TRUNC;
  int fd;
  if (truncates || Watched(ctx, FaultOp::kOpen, false)) {
    Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
    const FileId id = scope.IdOf(inode.key);
    FaultPoint fp(ctx, scope, {FaultOp::kOpen, truncates, id});
    if (int err = fp.Before()) return fp.Reply(req, err);
    std::optional<UndoLog::Pending> undo;
    if (truncates && ctx.undo != nullptr) {
      undo = ctx.undo->SaveTruncate(id, inode.key, inode.fd, 0);
    }
    fd = ::open(path.c_str(), flags);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    struct stat st;
    if (truncates && StatFd(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      scope.Append(TruncateRecord(id, 0));
      if (undo) ctx.undo->Commit(std::move(*undo), 0);
    }
    fp.After();
    fp.Finish();
  } else {
    fd = ::open(path.c_str(), flags);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
  }
  fi->fh = static_cast<uint64_t>(fd);
  // Safe: every change to the file passes through this mount's page cache
  // (and faultfs invalidates it when it drops unsynced data).
  fi->keep_cache = 1;
  fuse_reply_open(req, fi);
}

void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
            fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  if (IsControl(req, ino)) {
    const std::string line = ctx.control.StatusLine();
    const size_t start = std::min(line.size(), static_cast<size_t>(off));
    const size_t n = std::min(size, line.size() - start);
    return (void)fuse_reply_buf(req, line.data() + start, n);
  }
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags =
      static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = static_cast<int>(fi->fh);
  buf.buf[0].pos = off;
  if (!Watched(ctx, FaultOp::kRead, false)) {
    return (void)fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
  }
  // Only reads some rule watches pay for the recording mutex.
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  FaultPoint fp(ctx, scope,
                {.op = FaultOp::kRead,
                 .state_changing = false,
                 .file = scope.IdOf(GetInode(req, ino).key),
                 .holds_pages = true});
  if (int err = fp.Before()) return fp.Reply(req, err);
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
  fp.After();
}

void OpFlush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, 0);
  // Closing a duplicate runs the backing file system's close-time work
  // (and releases POSIX locks) without giving up the handle.
  const int dup_fd = ::dup(static_cast<int>(fi->fh));
  if (dup_fd < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_err(req, ::close(dup_fd) == 0 ? 0 : errno);
}

void OpRelease(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (!IsControl(req, ino)) ::close(static_cast<int>(fi->fh));
  fuse_reply_err(req, 0);
}

void OpLseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
             fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, ESPIPE);
  const off_t pos = ::lseek(static_cast<int>(fi->fh), off, whence);
  if (pos < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_lseek(req, pos);
}

}  // namespace crashlab::faultfs
