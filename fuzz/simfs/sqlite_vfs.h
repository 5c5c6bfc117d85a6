// SqliteVfs: an SQLite VFS whose files live in a SimFs, so the system's
// real, unmodified libsqlite3 runs on simulated storage.
//
// What it emulates is the unix VFS of os_unix.c, call for call, because
// what SQLite asks of the disk is what a crash can break:
//   xOpen      open(2) with O_CREAT / O_EXCL from the flags; a file opened
//              with DELETEONCLOSE and a name is unlinked at once (as unix
//              does); a nameless temp file lives in memory outside SimFs
//              (it is gone at a crash anyway, and unix unlinks it at once).
//              A journal, super-journal or WAL opened with SQLITE_OPEN_CREATE
//              gets the UNIXFILE_DIRSYNC flag: its first xSync also fsyncs
//              the directory, once, after the file (unixSync).
//   xDelete    unlink(2), then, when SQLite passes dirSync (synchronous=
//              EXTRA deleting a journal), an fsync of the directory.
//   xSync      SQLITE_SYNC_DATAONLY -> fdatasync, else fsync. (On Linux the
//              unix VFS issues fdatasync for both; crashlab's models treat
//              the two alike for file data, so the trace names the intent.)
//   xRead      a short read zero-fills the rest: SQLITE_IOERR_SHORT_READ.
//   xAccess    EXISTS is false for an empty regular file, as in unixAccess.
//   locking    one process: a lock table per inode, SQLite's five levels,
//              SQLITE_BUSY on conflict; xCheckReservedLock sees every
//              handle of the inode, its own included (like unixInodeInfo).
//   xSectorSize 512; xDeviceCharacteristics from the SpaceConfig device
//              flags (atomic -> ATOMIC512, safe-append -> SAFE_APPEND,
//              sequential -> SEQUENTIAL) plus POWERSAFE_OVERWRITE, which
//              the unix VFS claims by default and the models honour (a tear
//              never touches bytes outside the write).
// No shared memory (io methods version 1): WAL needs `PRAGMA
// locking_mode=EXCLUSIVE` before the first WAL access, which keeps the
// wal-index in heap memory; without it SQLite refuses WAL mode.
// xRandomness, xSleep and xCurrentTime are deterministic (a seeded Rng, no
// sleeping, a logical clock); note SQLite seeds its own PRNG only from the
// default VFS, so harnesses reseed it with SQLITE_TESTCTRL_PRNG_SEED.
//
// Global state: SQLite keeps registered VFSes in a process-wide list. Each
// SqliteVfs registers itself under a name unique to the instance
// ("crashlab-simfs-<address>") and unregisters in its destructor; nothing
// else is global.
// Ownership: the SimFs is borrowed and must outlive the VFS; every
// connection opened through the VFS must be closed before it is destroyed.
// Thread-safety: a VFS and its SimFs belong to one thread at a time
// (SQLite connections opened on it must not be shared across threads).
#ifndef CRASHLAB_FUZZ_SIMFS_SQLITE_VFS_H_
#define CRASHLAB_FUZZ_SIMFS_SQLITE_VFS_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "core/crash_space.h"
#include "core/rng.h"
#include "core/status.h"
#include "fuzz/simfs/simfs.h"

namespace crashlab {

class SqliteVfs {
 public:
  struct Options {
    DeviceFlags device;
    bool powersafe_overwrite = true;
    uint64_t seed = 0;  // xRandomness
  };

  // Registers a VFS over `fs` (not the default VFS).
  static Result<std::unique_ptr<SqliteVfs>> Register(SimFs* fs,
                                                     Options options);
  ~SqliteVfs();
  SqliteVfs(const SqliteVfs&) = delete;
  SqliteVfs& operator=(const SqliteVfs&) = delete;

  // The name to pass to sqlite3_open_v2.
  const char* name() const { return name_.c_str(); }
  SimFs& fs() { return *fs_; }

  // How often the directory fsyncs of the unix VFS were emulated.
  uint64_t dir_syncs() const { return dir_syncs_; }

 private:
  struct File;
  friend struct VfsMethods;

  SqliteVfs(SimFs* fs, Options options);
  int Open(const char* name, File* file, int flags, int* out_flags);
  int Delete(const char* path, int dir_sync);
  int Access(const char* path, int flags, int* out);
  int SyncParent(const std::string& path);
  int Lock(File* f, int level);
  int CheckReserved(File* f, int* out);

  sqlite3_vfs vfs_{};
  std::string name_;
  SimFs* fs_;
  Options options_;
  Rng rng_;
  int64_t clock_ms_ = 0;
  std::set<File*> open_;  // for the lock table
  uint64_t dir_syncs_ = 0;
  bool registered_ = false;
};

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SIMFS_SQLITE_VFS_H_
