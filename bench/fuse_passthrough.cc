// crashlab-bench-passthrough: the floor of any FUSE recorder.
//
//   crashlab-bench-passthrough BACKING MOUNT [--ready-fd N] [--stats FILE]
//                              [--no-fsync] [--threads N]
//
// A bare low-level FUSE passthrough with faultfs's mount options (fsname,
// auto_unmount, default_permissions; no writeback cache, atomic O_TRUNC,
// splice replies, keep_cache, 1 s entry and attribute timeouts, the same
// multi-threaded loop) and faultfs's inode table, but no recording, no
// fault points and no control file. The recording benchmark
// (recording_bench.cc) runs the same workload on it and on faultfs, so the
// difference is what recording costs. --no-fsync answers fsyncs without
// passing them on, as faultfs does by default. --stats FILE writes the
// requests served by kind (faultfs/request_stats.h) at exit.
//
// A benchmark baseline, not a product: it implements what SQLite, LevelDB
// and the shell need (no links, symlinks, xattrs or special files), and
// stops on SIGTERM/SIGINT/SIGHUP or an unmount.
#include <dirent.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/files.h"
#include "faultfs/inode_table.h"
#include "faultfs/request_stats.h"

namespace crashlab::faultfs {
namespace {

struct Passthrough {
  Passthrough(int root_fd, InodeKey root) : table(root_fd, root) {}
  InodeTable table;
  RequestStats requests;
  bool fsync = true;
  double timeout_s = 1.0;
};

Passthrough& Ctx(fuse_req_t req) {
  return *static_cast<Passthrough*>(fuse_req_userdata(req));
}
Inode& Get(fuse_req_t req, fuse_ino_t ino) { return Ctx(req).table.Get(ino); }
int Fh(fuse_file_info* fi) { return static_cast<int>(fi->fh); }
std::string ProcPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int StatFd(int fd, struct stat* st) {
  return ::fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0
             ? 0
             : errno;
}

int Lookup(fuse_req_t req, fuse_ino_t parent, const char* name,
           fuse_entry_param* e) {
  std::memset(e, 0, sizeof(*e));
  e->attr_timeout = e->entry_timeout = Ctx(req).timeout_s;
  const int fd =
      ::openat(Get(req, parent).fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  if (int err = StatFd(fd, &e->attr); err != 0) {
    ::close(fd);
    return err;
  }
  e->ino = Ctx(req).table.Remember(fd, KeyOf(e->attr));
  return 0;
}

void ReplyEntry(fuse_req_t req, int err, const fuse_entry_param& e) {
  if (err != 0) return (void)fuse_reply_err(req, err);
  fuse_reply_entry(req, &e);
}

void OpInit(void*, fuse_conn_info* conn) {
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) {
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  }
  if (conn->capable & FUSE_CAP_SPLICE_WRITE) {
    conn->want |= FUSE_CAP_SPLICE_WRITE;
  }
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e;
  const int err = Lookup(req, parent, name, &e);
  if (err == ENOENT) {
    e.ino = 0;
    return (void)fuse_reply_entry(req, &e);
  }
  ReplyEntry(req, err, e);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  Ctx(req).table.Forget(ino, n);
  fuse_reply_none(req);
}

void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) {
    Ctx(req).table.Forget(forgets[i].ino, forgets[i].nlookup);
  }
  fuse_reply_none(req);
}

void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  struct stat st;
  if (int err = StatFd(Get(req, ino).fd, &st); err != 0) {
    return (void)fuse_reply_err(req, err);
  }
  fuse_reply_attr(req, &st, Ctx(req).timeout_s);
}

void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid,
               fuse_file_info* fi) {
  const Inode& inode = Get(req, ino);
  const std::string path = ProcPath(inode.fd);
  int rc = 0;
  if (valid & FUSE_SET_ATTR_MODE) rc = ::chmod(path.c_str(), attr->st_mode);
  if (rc == 0 && (valid & FUSE_SET_ATTR_SIZE)) {
    rc = fi != nullptr ? ::ftruncate(Fh(fi), attr->st_size)
                       : ::truncate(path.c_str(), attr->st_size);
  }
  if (rc == 0 && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
    const timespec now_or_omit[2] = {
        {0, (valid & FUSE_SET_ATTR_ATIME) ? UTIME_NOW : UTIME_OMIT},
        {0, (valid & FUSE_SET_ATTR_MTIME) ? UTIME_NOW : UTIME_OMIT}};
    rc = ::utimensat(AT_FDCWD, path.c_str(), now_or_omit, 0);
  }
  if (rc != 0) return (void)fuse_reply_err(req, errno);
  OpGetattr(req, ino, fi);
}

void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (::mkdirat(Get(req, parent).fd, name, mode) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  fuse_entry_param e;
  ReplyEntry(req, Lookup(req, parent, name, &e), e);
}

void Remove(fuse_req_t req, fuse_ino_t parent, const char* name, int flags) {
  const int rc = ::unlinkat(Get(req, parent).fd, name, flags);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}
void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Remove(req, parent, name, 0);
}
void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Remove(req, parent, name, AT_REMOVEDIR);
}

void OpRename(fuse_req_t req, fuse_ino_t parent, const char* name,
              fuse_ino_t newparent, const char* newname, unsigned int flags) {
  const int rc = ::renameat2(Get(req, parent).fd, name, Get(req, newparent).fd,
                             newname, flags);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void OpStatfs(fuse_req_t req, fuse_ino_t ino) {
  struct statvfs st;
  if (::fstatvfs(Get(req, ino).fd, &st) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  fuse_reply_statfs(req, &st);
}

// Directory handles: the DIR*, one request at a time per handle.
DIR* DirOf(fuse_file_info* fi) { return reinterpret_cast<DIR*>(fi->fh); }

void OpOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  const int fd =
      ::openat(Get(req, ino).fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (dir == nullptr) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  fi->fh = reinterpret_cast<uint64_t>(dir);
  if (fuse_reply_open(req, fi) != 0) ::closedir(dir);
}

void OpReaddir(fuse_req_t req, fuse_ino_t, size_t size, off_t off,
               fuse_file_info* fi) {
  DIR* dir = DirOf(fi);
  ::seekdir(dir, off);
  std::vector<char> buf(size);
  size_t used = 0;
  for (;;) {
    const long before = ::telldir(dir);
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    struct stat st = {};
    st.st_ino = entry->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
    const size_t n = fuse_add_direntry(req, buf.data() + used, size - used,
                                       entry->d_name, &st, entry->d_off);
    if (n > size - used) {
      ::seekdir(dir, before);
      break;
    }
    used += n;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ::closedir(DirOf(fi));
  fuse_reply_err(req, 0);
}

int SyncFd(fuse_req_t req, int fd, int datasync) {
  if (!Ctx(req).fsync) return 0;
  return (datasync ? ::fdatasync(fd) : ::fsync(fd)) == 0 ? 0 : errno;
}

void OpFsyncdir(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  fuse_reply_err(req, SyncFd(req, ::dirfd(DirOf(fi)), datasync));
}

// As faultfs: no O_APPEND (the kernel gives the offset), no O_DIRECT.
int BackingFlags(int flags) {
  return (flags & ~(O_NOFOLLOW | O_APPEND | O_DIRECT | O_CREAT | O_EXCL)) |
         O_CLOEXEC;
}

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi) {
  const int fd =
      ::openat(Get(req, parent).fd, name,
               BackingFlags(fi->flags) | O_CREAT | (fi->flags & O_EXCL), mode);
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  fuse_entry_param e;
  if (int err = Lookup(req, parent, name, &e); err != 0) {
    ::close(fd);
    return (void)fuse_reply_err(req, err);
  }
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;
  fuse_reply_create(req, &e, fi);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  const int fd =
      ::open(ProcPath(Get(req, ino).fd).c_str(), BackingFlags(fi->flags));
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  fi->fh = static_cast<uint64_t>(fd);
  fi->keep_cache = 1;
  fuse_reply_open(req, fi);
}

void OpRead(fuse_req_t req, fuse_ino_t, size_t size, off_t off,
            fuse_file_info* fi) {
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags =
      static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = Fh(fi);
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void OpWrite(fuse_req_t req, fuse_ino_t, const char* data, size_t size,
             off_t off, fuse_file_info* fi) {
  const ssize_t n = ::pwrite(Fh(fi), data, size, off);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_write(req, static_cast<size_t>(n));
}

void OpFlush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  const int dup_fd = ::dup(Fh(fi));
  if (dup_fd < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_err(req, ::close(dup_fd) == 0 ? 0 : errno);
}

void OpRelease(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ::close(Fh(fi));
  fuse_reply_err(req, 0);
}

void OpFsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  fuse_reply_err(req, SyncFd(req, Fh(fi), datasync));
}

void OpFallocate(fuse_req_t req, fuse_ino_t, int mode, off_t offset,
                 off_t length, fuse_file_info* fi) {
  const int rc = ::fallocate(Fh(fi), mode, offset, length);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

template <Request kKind, auto kFn>
constexpr auto Counting = &Counted<Passthrough, kKind, kFn>::Op;

fuse_lowlevel_ops MakeOps() {
  using enum Request;
  fuse_lowlevel_ops ops;
  std::memset(&ops, 0, sizeof(ops));
  ops.init = OpInit;
  ops.lookup = Counting<kLookup, OpLookup>;
  ops.forget = Counting<kForget, OpForget>;
  ops.forget_multi = Counting<kForget, OpForgetMulti>;
  ops.getattr = Counting<kGetattr, OpGetattr>;
  ops.setattr = Counting<kSetattr, OpSetattr>;
  ops.mkdir = Counting<kMkdir, OpMkdir>;
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
  return ops;
}

struct Args {
  std::string backing, mount, stats;
  int ready_fd = -1;
  int threads = 0;
  bool fsync = true;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_next = i + 1 < argc;
    if (arg == "--ready-fd" && has_next) {
      a->ready_fd = std::atoi(argv[++i]);
    } else if (arg == "--stats" && has_next) {
      a->stats = argv[++i];
    } else if (arg == "--threads" && has_next) {
      a->threads = std::atoi(argv[++i]);
    } else if (arg == "--no-fsync") {
      a->fsync = false;
    } else if (!arg.empty() && arg[0] != '-') {
      paths.push_back(arg);
    } else {
      return false;
    }
  }
  if (paths.size() != 2) return false;
  a->backing = paths[0];
  a->mount = paths[1];
  return true;
}

int Serve(const Args& a) {
  const int root_fd =
      ::open(a.backing.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (root_fd < 0 || StatFd(root_fd, &st) != 0) {
    std::fprintf(stderr, "passthrough: cannot open %s: %s\n", a.backing.c_str(),
                 std::strerror(errno));
    return 3;
  }
  // As faultfs: the kernel already applied the caller's umask.
  ::umask(0);
  Passthrough ctx(root_fd, KeyOf(st));
  ctx.fsync = a.fsync;
  const std::string opts =
      "fsname=crashlab-passthrough,auto_unmount,default_permissions";
  const char* fuse_argv[] = {"crashlab-bench-passthrough", "-o", opts.c_str()};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(fuse_argv));
  const fuse_lowlevel_ops ops = MakeOps();
  fuse_session* se = fuse_session_new(&args, &ops, sizeof(ops), &ctx);
  if (se == nullptr || fuse_set_signal_handlers(se) != 0 ||
      fuse_session_mount(se, a.mount.c_str()) != 0) {
    std::fprintf(stderr, "passthrough: cannot mount %s\n", a.mount.c_str());
    if (se != nullptr) fuse_session_destroy(se);
    return 3;
  }
  if (a.ready_fd >= 0) {
    (void)!::write(a.ready_fd, "ready\n", 6);
    ::close(a.ready_fd);
  }
  fuse_loop_config* config = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(config, 0);
  if (a.threads > 0) fuse_loop_cfg_set_max_threads(config, a.threads);
  const int rc = fuse_session_loop_mt(se, config);
  fuse_loop_cfg_destroy(config);
  fuse_remove_signal_handlers(se);
  fuse_session_unmount(se);
  fuse_session_destroy(se);
  if (!a.stats.empty()) {
    const nlohmann::json stats = {{"requests", ctx.requests.ToJson()},
                                  {"cpu", ProcessCpuJson()}};
    if (!WriteStringToFile(a.stats, stats.dump() + "\n").ok()) return 3;
  }
  return rc < 0 ? 3 : 0;
}

}  // namespace
}  // namespace crashlab::faultfs

int main(int argc, char** argv) {
  crashlab::faultfs::Args args;
  if (!crashlab::faultfs::ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: crashlab-bench-passthrough BACKING MOUNT "
                 "[--ready-fd N] [--stats FILE] [--no-fsync] [--threads N]\n");
    return 2;
  }
  return crashlab::faultfs::Serve(args);
}
