// Directory handles: opendir, readdir, releasedir and fsyncdir (recorded,
// and a fault point).
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "faultfs/ops_internal.h"

namespace crashlab::faultfs {
namespace {

// One open directory. The kernel sends one request at a time per handle.
struct DirHandle {
  ~DirHandle() {
    if (dir != nullptr) ::closedir(dir);
  }
  DIR* dir = nullptr;
  off_t offset = 0;                  // position `dir` is at
  struct dirent* pending = nullptr;  // read but not yet returned
};

DirHandle* HandleOf(fuse_file_info* fi) {
  return reinterpret_cast<DirHandle*>(fi->fh);
}

}  // namespace

void OpOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, ENOTDIR);
  int fd =
      ::openat(GetInode(req, ino).fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  auto handle = std::make_unique<DirHandle>();
  handle->dir = ::fdopendir(fd);
  if (handle->dir == nullptr) {
    const int err = errno;
    ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  fi->fh = reinterpret_cast<uint64_t>(handle.get());
  if (fuse_reply_open(req, fi) == 0) handle.release();
}

void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
               fuse_file_info* fi) {
  DirHandle* d = HandleOf(fi);
  if (off != d->offset) {
    ::seekdir(d->dir, off);
    d->pending = nullptr;
    d->offset = off;
  }
  std::vector<char> buf(size);
  size_t used = 0;
  const bool at_root = ino == FUSE_ROOT_ID;
  for (;;) {
    struct dirent* entry = d->pending;
    if (entry == nullptr) {
      errno = 0;
      entry = ::readdir(d->dir);
      if (entry == nullptr) {
        if (errno != 0 && used == 0) return (void)fuse_reply_err(req, errno);
        break;
      }
    }
    if (at_root && ControlFile::kName == entry->d_name) {
      d->pending = nullptr;  // shadowed by the control file: never listed
      d->offset = entry->d_off;
      continue;
    }
    struct stat st;
    std::memset(&st, 0, sizeof(st));
    st.st_ino = entry->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
    const size_t n = fuse_add_direntry(req, buf.data() + used, size - used,
                                       entry->d_name, &st, entry->d_off);
    if (n > size - used) {
      d->pending = entry;  // did not fit: first of the next reply
      break;
    }
    used += n;
    d->pending = nullptr;
    d->offset = entry->d_off;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  delete HandleOf(fi);
  fuse_reply_err(req, 0);
}

void OpFsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
                fuse_file_info* fi) {
  const int fd = ::dirfd(HandleOf(fi)->dir);
  FsContext& ctx = Ctx(req);
  Inode& inode = GetInode(req, ino);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId id = scope.IdOf(inode.key);
  FaultPoint fp(ctx, scope, {.op = FaultOp::kFsyncDir, .file = id});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (int err = SyncBacking(ctx, fd, datasync); err != 0) {
    return fp.Reply(req, err);
  }
  scope.Append(FileRecord(Op::kFsyncDir, id));
  fp.After();
  fp.Reply(req, 0);
}

}  // namespace crashlab::faultfs
