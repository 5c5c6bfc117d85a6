// Attributes: setattr (a size change is recorded as kTruncate and is a
// fault point; mode, owner and times pass through unrecorded) and extended
// attributes (pass through unrecorded; wired only with --xattrs, see ops.h).
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/ops_internal.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {
namespace {

timespec TimeArg(int valid, int set_bit, int now_bit, const timespec& value) {
  if (valid & now_bit) return timespec{0, UTIME_NOW};
  if (valid & set_bit) return value;
  return timespec{0, UTIME_OMIT};
}

// Applies the non-size changes; returns 0 or errno.
int SetPlainAttributes(const Inode& inode, int fd, const struct stat& attr,
                       int valid) {
  const std::string path = ProcPath(inode.fd);
  if (valid & FUSE_SET_ATTR_MODE) {
    const int rc = fd >= 0
                       ? ::fchmod(fd, attr.st_mode)
                       : ::fchmodat(AT_FDCWD, path.c_str(), attr.st_mode, 0);
    if (rc != 0) return errno;
  }
  if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    const uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr.st_uid : -1;
    const gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr.st_gid : -1;
    if (::fchownat(inode.fd, "", uid, gid,
                   AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return errno;
    }
  }
  if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
    const timespec times[2] = {TimeArg(valid, FUSE_SET_ATTR_ATIME,
                                       FUSE_SET_ATTR_ATIME_NOW, attr.st_atim),
                               TimeArg(valid, FUSE_SET_ATTR_MTIME,
                                       FUSE_SET_ATTR_MTIME_NOW, attr.st_mtim)};
    const int rc = fd >= 0 ? ::futimens(fd, times)
                           : ::utimensat(AT_FDCWD, path.c_str(), times, 0);
    if (rc != 0) return errno;
  }
  return 0;
}

}  // namespace

void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid,
               fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  struct stat st;
  if (IsControl(req, ino)) {
    st = ctx.control.Attributes();  // `> .crashlab-ctl` truncates: accept
    return (void)fuse_reply_attr(req, &st, ctx.timeout_s);
  }
  Inode& inode = GetInode(req, ino);
  const int fd = fi != nullptr ? static_cast<int>(fi->fh) : -1;
  if (int err = SetPlainAttributes(inode, fd, *attr, valid); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  if (valid & FUSE_SET_ATTR_SIZE) {
    Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
    const FileId id = scope.IdOf(inode.key);
    FaultPoint fp(ctx, scope, {.op = FaultOp::kTruncate, .file = id});
    if (int err = fp.Before()) return fp.Reply(req, err);
    const auto size = static_cast<uint64_t>(attr->st_size);
    std::optional<UndoLog::Pending> undo;
    if (ctx.undo != nullptr) {
      undo = ctx.undo->SaveTruncate(id, inode.key, inode.fd, size);
    }
    const int rc = fd >= 0
                       ? ::ftruncate(fd, attr->st_size)
                       : ::truncate(ProcPath(inode.fd).c_str(), attr->st_size);
    if (rc != 0) return fp.Reply(req, errno);
    if (undo) ctx.undo->Commit(std::move(*undo), 0);
    Record r = FileRecord(Op::kTruncate, id);
    r.offset = size;
    scope.Append(std::move(r));
    fp.After();
  }
  if (int err = StatFd(inode.fd, &st); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  fuse_reply_attr(req, &st, ctx.timeout_s);
}

void OpSetxattr(fuse_req_t req, fuse_ino_t ino, const char* name,
                const char* value, size_t size, int flags) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, ENOTSUP);
  const std::string path = ProcPath(GetInode(req, ino).fd);
  const int rc = ::setxattr(path.c_str(), name, value, size, flags);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void OpGetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, ENODATA);
  const std::string path = ProcPath(GetInode(req, ino).fd);
  if (size == 0) {
    const ssize_t n = ::getxattr(path.c_str(), name, nullptr, 0);
    if (n < 0) return (void)fuse_reply_err(req, errno);
    return (void)fuse_reply_xattr(req, static_cast<size_t>(n));
  }
  std::vector<char> buf(size);
  const ssize_t n = ::getxattr(path.c_str(), name, buf.data(), size);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
}

void OpListxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  if (IsControl(req, ino)) {
    return (void)(size == 0 ? fuse_reply_xattr(req, 0)
                            : fuse_reply_buf(req, nullptr, 0));
  }
  const std::string path = ProcPath(GetInode(req, ino).fd);
  if (size == 0) {
    const ssize_t n = ::listxattr(path.c_str(), nullptr, 0);
    if (n < 0) return (void)fuse_reply_err(req, errno);
    return (void)fuse_reply_xattr(req, static_cast<size_t>(n));
  }
  std::vector<char> buf(size);
  const ssize_t n = ::listxattr(path.c_str(), buf.data(), size);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
}

void OpRemovexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, ENODATA);
  const std::string path = ProcPath(GetInode(req, ino).fd);
  const int rc = ::removexattr(path.c_str(), name);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

}  // namespace crashlab::faultfs
