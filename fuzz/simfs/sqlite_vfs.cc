#include "fuzz/simfs/sqlite_vfs.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace crashlab {

// One open file. SQLite allocates szOsFile bytes and hands them to xOpen,
// so the struct is plain (standard layout, sqlite3_file first); its two
// strings are owned pointers freed by xClose.
struct SqliteVfs::File {
  sqlite3_file base;
  SqliteVfs* vfs;
  int fd;               // SimFs descriptor; -1 for a nameless temp file
  std::string* memory;  // a nameless temp file's contents
  std::string* path;    // named files: the full path
  FileId id;
  int lock;             // SQLITE_LOCK_*
  bool dirsync;         // fsync the directory after the next xSync
};

namespace {

constexpr int kSectorSize = 512;
// 1970-01-01 as a Julian day number in milliseconds (os_unix.c).
constexpr int64_t kUnixEpochJulianMs = 24405875 * int64_t{8640000};

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/"
                                                  : path.substr(0, slash);
}

}  // namespace

// The C callbacks, friends of SqliteVfs.
struct VfsMethods {
  using File = SqliteVfs::File;
  static File* F(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  static SqliteVfs* V(sqlite3_vfs* v) {
    return static_cast<SqliteVfs*>(v->pAppData);
  }

  static int Close(sqlite3_file* file) {
    File* f = F(file);
    if (f->fd >= 0) (void)f->vfs->fs_->Close(f->fd);
    f->vfs->open_.erase(f);
    delete f->memory;
    delete f->path;
    f->memory = f->path = nullptr;
    return SQLITE_OK;
  }

  static int Read(sqlite3_file* file, void* buf, int amount, sqlite3_int64 off) {
    File* f = F(file);
    char* out = static_cast<char*>(buf);
    size_t got = 0;
    if (f->fd < 0) {
      const std::string& m = *f->memory;
      if (static_cast<uint64_t>(off) < m.size()) {
        got = std::min<uint64_t>(amount, m.size() - off);
        std::memcpy(out, m.data() + off, got);
      }
    } else if (f->vfs->fs_->Pread(f->fd, off, out, amount, &got) != 0) {
      return SQLITE_IOERR_READ;
    }
    if (got < static_cast<size_t>(amount)) {
      std::memset(out + got, 0, amount - got);
      return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
  }

  static int Write(sqlite3_file* file, const void* buf, int amount,
                   sqlite3_int64 off) {
    File* f = F(file);
    const std::string_view data(static_cast<const char*>(buf), amount);
    if (f->fd < 0) {
      std::string& m = *f->memory;
      if (m.size() < off + data.size()) m.resize(off + data.size(), '\0');
      m.replace(off, data.size(), data);
      return SQLITE_OK;
    }
    return f->vfs->fs_->Pwrite(f->fd, off, data) == 0 ? SQLITE_OK
                                                       : SQLITE_IOERR_WRITE;
  }

  static int Truncate(sqlite3_file* file, sqlite3_int64 size) {
    File* f = F(file);
    if (f->fd < 0) {
      f->memory->resize(size);
      return SQLITE_OK;
    }
    return f->vfs->fs_->Ftruncate(f->fd, size) == 0 ? SQLITE_OK
                                                     : SQLITE_IOERR_TRUNCATE;
  }

  static int Sync(sqlite3_file* file, int flags) {
    File* f = F(file);
    if (f->fd < 0) return SQLITE_OK;
    SimFs& fs = *f->vfs->fs_;
    const int err = (flags & SQLITE_SYNC_DATAONLY) ? fs.Fdatasync(f->fd)
                                                   : fs.Fsync(f->fd);
    if (err != 0) return SQLITE_IOERR_FSYNC;
    if (f->dirsync) {
      // unixSync: once, after the file; errors ignored (as unix does).
      (void)f->vfs->SyncParent(*f->path);
      f->dirsync = false;
    }
    return SQLITE_OK;
  }

  static int FileSize(sqlite3_file* file, sqlite3_int64* size) {
    File* f = F(file);
    if (f->fd < 0) {
      *size = static_cast<sqlite3_int64>(f->memory->size());
      return SQLITE_OK;
    }
    SimFs::Stat st;
    if (f->vfs->fs_->Fstat(f->fd, &st) != 0) return SQLITE_IOERR_FSTAT;
    *size = static_cast<sqlite3_int64>(st.size);
    return SQLITE_OK;
  }

  static int Lock(sqlite3_file* file, int level) {
    return F(file)->vfs->Lock(F(file), level);
  }
  static int Unlock(sqlite3_file* file, int level) {
    File* f = F(file);
    if (f->lock > level) f->lock = level;
    return SQLITE_OK;
  }
  static int CheckReservedLock(sqlite3_file* file, int* out) {
    return F(file)->vfs->CheckReserved(F(file), out);
  }
  static int FileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
  static int SectorSize(sqlite3_file*) { return kSectorSize; }
  static int DeviceCharacteristics(sqlite3_file* file) {
    const SqliteVfs::Options& o = F(file)->vfs->options_;
    return (o.device.atomic ? SQLITE_IOCAP_ATOMIC512 : 0) |
           (o.device.safe_append ? SQLITE_IOCAP_SAFE_APPEND : 0) |
           (o.device.sequential ? SQLITE_IOCAP_SEQUENTIAL : 0) |
           (o.powersafe_overwrite ? SQLITE_IOCAP_POWERSAFE_OVERWRITE : 0);
  }

  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file,
                  int flags, int* out_flags) {
    return V(vfs)->Open(name, F(file), flags, out_flags);
  }
  static int Delete(sqlite3_vfs* vfs, const char* path, int dir_sync) {
    return V(vfs)->Delete(path, dir_sync);
  }
  static int Access(sqlite3_vfs* vfs, const char* path, int flags, int* out) {
    return V(vfs)->Access(path, flags, out);
  }
  static int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
    const std::string full = name[0] == '/' ? name : "/" + std::string(name);
    if (full.size() + 1 > static_cast<size_t>(n)) return SQLITE_CANTOPEN;
    std::memcpy(out, full.c_str(), full.size() + 1);
    return SQLITE_OK;
  }
  static void* DlOpen(sqlite3_vfs*, const char*) { return nullptr; }
  static void DlError(sqlite3_vfs*, int n, char* out) {
    std::snprintf(out, n, "extensions cannot be loaded on simfs");
  }
  static void (*DlSym(sqlite3_vfs*, void*, const char*))(void) {
    return nullptr;
  }
  static void DlClose(sqlite3_vfs*, void*) {}
  static int Randomness(sqlite3_vfs* vfs, int n, char* out) {
    for (int i = 0; i < n; ++i) out[i] = static_cast<char>(V(vfs)->rng_.Next());
    return n;
  }
  static int Sleep(sqlite3_vfs*, int micros) { return micros; }
  static int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* t) {
    // A logical clock, one millisecond per call, from a fixed date.
    *t = kUnixEpochJulianMs + int64_t{1700000000000} + V(vfs)->clock_ms_++;
    return SQLITE_OK;
  }
  static int CurrentTime(sqlite3_vfs* vfs, double* t) {
    sqlite3_int64 ms;
    CurrentTimeInt64(vfs, &ms);
    *t = ms / 86400000.0;
    return SQLITE_OK;
  }
  static int GetLastError(sqlite3_vfs*, int, char*) { return 0; }

  static constexpr sqlite3_io_methods kIo = {
      1,         Close,        Read,
      Write,     Truncate,     Sync,
      FileSize,  Lock,         Unlock,
      CheckReservedLock,       FileControl,
      SectorSize, DeviceCharacteristics,
  };
};

SqliteVfs::SqliteVfs(SimFs* fs, Options options)
    : fs_(fs), options_(options), rng_(Rng(options.seed).Fork("sqlite-vfs")) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "crashlab-simfs-%p", static_cast<void*>(this));
  name_ = buf;
  vfs_.iVersion = 2;
  vfs_.szOsFile = sizeof(File);
  vfs_.mxPathname = 512;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = VfsMethods::Open;
  vfs_.xDelete = VfsMethods::Delete;
  vfs_.xAccess = VfsMethods::Access;
  vfs_.xFullPathname = VfsMethods::FullPathname;
  vfs_.xDlOpen = VfsMethods::DlOpen;
  vfs_.xDlError = VfsMethods::DlError;
  vfs_.xDlSym = VfsMethods::DlSym;
  vfs_.xDlClose = VfsMethods::DlClose;
  vfs_.xRandomness = VfsMethods::Randomness;
  vfs_.xSleep = VfsMethods::Sleep;
  vfs_.xCurrentTime = VfsMethods::CurrentTime;
  vfs_.xGetLastError = VfsMethods::GetLastError;
  vfs_.xCurrentTimeInt64 = VfsMethods::CurrentTimeInt64;
}

Result<std::unique_ptr<SqliteVfs>> SqliteVfs::Register(SimFs* fs,
                                                       Options options) {
  std::unique_ptr<SqliteVfs> vfs(new SqliteVfs(fs, options));
  const int rc = sqlite3_vfs_register(&vfs->vfs_, /*makeDflt=*/0);
  if (rc != SQLITE_OK) {
    return Status::Infrastructure(std::string("cannot register the simfs "
                                              "SQLite VFS: ") +
                                  sqlite3_errstr(rc));
  }
  vfs->registered_ = true;
  return vfs;
}

SqliteVfs::~SqliteVfs() {
  if (registered_) sqlite3_vfs_unregister(&vfs_);
}

int SqliteVfs::Open(const char* name, File* f, int flags, int* out_flags) {
  f->base.pMethods = nullptr;  // SQLite calls no xClose unless set
  f->vfs = this;
  f->fd = -1;
  f->memory = nullptr;
  f->path = nullptr;
  f->id = 0;
  f->lock = SQLITE_LOCK_NONE;
  f->dirsync = false;
  if (name == nullptr) {
    f->memory = new std::string;
  } else {
    int oflags = (flags & SQLITE_OPEN_READWRITE) ? O_RDWR : O_RDONLY;
    if (flags & SQLITE_OPEN_CREATE) oflags |= O_CREAT;
    if (flags & SQLITE_OPEN_EXCLUSIVE) oflags |= O_EXCL;
    if (fs_->Open(name, oflags, &f->fd, 0644) != 0) return SQLITE_CANTOPEN;
    SimFs::Stat st;
    (void)fs_->Fstat(f->fd, &st);
    f->id = st.id;
    const int type = flags & 0x0FFF00;
    f->dirsync = (flags & SQLITE_OPEN_CREATE) &&
                 (type == SQLITE_OPEN_SUPER_JOURNAL ||
                  type == SQLITE_OPEN_MAIN_JOURNAL || type == SQLITE_OPEN_WAL);
    f->path = new std::string(name);
    if (flags & SQLITE_OPEN_DELETEONCLOSE) (void)fs_->Unlink(name);
  }
  open_.insert(f);
  if (out_flags) *out_flags = flags;
  f->base.pMethods = &VfsMethods::kIo;
  return SQLITE_OK;
}

int SqliteVfs::SyncParent(const std::string& path) {
  ++dir_syncs_;
  return fs_->SyncDir(ParentOf(path));
}

int SqliteVfs::Delete(const char* path, int dir_sync) {
  const int err = fs_->Unlink(path);
  if (err == ENOENT) return SQLITE_IOERR_DELETE_NOENT;
  if (err != 0) return SQLITE_IOERR_DELETE;
  if ((dir_sync & 1) && SyncParent(path) != 0) return SQLITE_IOERR_DIR_FSYNC;
  return SQLITE_OK;
}

int SqliteVfs::Access(const char* path, int flags, int* out) {
  SimFs::Stat st;
  const bool exists = fs_->StatPath(path, &st) == 0;
  *out = flags == SQLITE_ACCESS_EXISTS ? exists && (st.is_dir || st.size > 0)
                                       : exists;
  return SQLITE_OK;
}

int SqliteVfs::Lock(File* f, int level) {
  if (f->lock >= level) return SQLITE_OK;
  for (const File* g : open_) {
    if (g == f || g->fd < 0 || g->id != f->id) continue;
    const bool conflict =
        level == SQLITE_LOCK_SHARED     ? g->lock >= SQLITE_LOCK_PENDING
        : level == SQLITE_LOCK_RESERVED ? g->lock >= SQLITE_LOCK_RESERVED
                                        : g->lock >= SQLITE_LOCK_SHARED;
    if (conflict) {
      // unixLock keeps PENDING when EXCLUSIVE must wait for readers.
      if (level == SQLITE_LOCK_EXCLUSIVE && g->lock == SQLITE_LOCK_SHARED) {
        f->lock = SQLITE_LOCK_PENDING;
      }
      return SQLITE_BUSY;
    }
  }
  f->lock = level;
  return SQLITE_OK;
}

int SqliteVfs::CheckReserved(File* f, int* out) {
  *out = 0;
  for (const File* g : open_) {
    if (g->fd >= 0 && g->id == f->id && g->lock >= SQLITE_LOCK_RESERVED) {
      *out = 1;
    }
  }
  return SQLITE_OK;
}

}  // namespace crashlab
