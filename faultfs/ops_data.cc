// File data: create, open, read, write, fsync, fallocate, ... The ones that
// change persistent state are recorded under the recorder's mutex. The
// control file's open, read and write are handled here too.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "faultfs/ops_internal.h"

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
  Inode& dir = GetInode(req, parent);
  const int flags = BackingFlags(fi->flags) & ~O_TRUNC;
  fuse_entry_param e;
  struct stat st;
  Recorder::Scope scope = Ctx(req).recorder.Lock(Pid(req));
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
    scope.Append(NamespaceRecord(Op::kCreate, scope.IdOf(dir.key), name, id,
                                 st.st_mode));
  } else if ((fi->flags & O_TRUNC) && S_ISREG(st.st_mode)) {
    scope.Append(TruncateRecord(scope.IdOf(KeyOf(st)), 0));
  }
  if (int err = LookupEntry(req, dir, name, &e); err != 0) {
    ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;
  fuse_reply_create(req, &e, fi);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (IsControl(req, ino)) {
    // Every write() must arrive as one request, and reads must reach us.
    fi->direct_io = 1;
    fi->fh = 0;
    return (void)fuse_reply_open(req, fi);
  }
  Inode& inode = GetInode(req, ino);
  const std::string path = ProcPath(inode.fd);
  const int flags = BackingFlags(fi->flags);
  int fd;
  if (fi->flags & O_TRUNC) {
    Recorder::Scope scope = Ctx(req).recorder.Lock(Pid(req));
    fd = ::open(path.c_str(), flags);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    struct stat st;
    if (StatFd(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      scope.Append(TruncateRecord(scope.IdOf(inode.key), 0));
    }
  } else {
    fd = ::open(path.c_str(), flags);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
  }
  fi->fh = static_cast<uint64_t>(fd);
  // Safe: every change to the file passes through this mount's page cache.
  fi->keep_cache = 1;
  fuse_reply_open(req, fi);
}

void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
            fuse_file_info* fi) {
  if (IsControl(req, ino)) {
    const std::string line = Ctx(req).control.StatusLine();
    const size_t start = std::min(line.size(), static_cast<size_t>(off));
    const size_t n = std::min(size, line.size() - start);
    return (void)fuse_reply_buf(req, line.data() + start, n);
  }
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags =
      static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = static_cast<int>(fi->fh);
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void OpWrite(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size,
             off_t off, fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  if (IsControl(req, ino)) {
    const int err = ctx.control.Execute(std::string_view(buf, size), Pid(req));
    if (err != 0) return (void)fuse_reply_err(req, err);
    return (void)fuse_reply_write(req, size);
  }
  Inode& inode = GetInode(req, ino);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const ssize_t n = ::pwrite(static_cast<int>(fi->fh), buf, size, off);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  Record r = FileRecord(Op::kWrite, scope.IdOf(inode.key));
  r.offset = static_cast<uint64_t>(off);
  r.data.assign(buf, static_cast<size_t>(n));
  scope.Append(std::move(r));
  fuse_reply_write(req, static_cast<size_t>(n));
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

void OpFsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, 0);
  Inode& inode = GetInode(req, ino);
  const int fd = static_cast<int>(fi->fh);
  Recorder::Scope scope = Ctx(req).recorder.Lock(Pid(req));
  const int rc = datasync ? ::fdatasync(fd) : ::fsync(fd);
  if (rc != 0) return (void)fuse_reply_err(req, errno);
  scope.Append(FileRecord(datasync ? Op::kFdatasync : Op::kFsync,
                          scope.IdOf(inode.key)));
  fuse_reply_err(req, 0);
}

void OpFallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
                 off_t length, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, EOPNOTSUPP);
  Inode& inode = GetInode(req, ino);
  Recorder::Scope scope = Ctx(req).recorder.Lock(Pid(req));
  if (::fallocate(static_cast<int>(fi->fh), mode, offset, length) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  Record r = FileRecord(Op::kFallocate, scope.IdOf(inode.key));
  r.mode = static_cast<uint32_t>(mode);
  r.offset = static_cast<uint64_t>(offset);
  r.length = static_cast<uint64_t>(length);
  scope.Append(std::move(r));
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
