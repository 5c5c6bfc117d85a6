// SimEnv: a leveldb::Env whose files, directories and locks live in a
// SimFs, so the system's real, unmodified libleveldb runs on simulated
// storage.
//
// What it emulates is LevelDB's PosixEnv (util/env_posix.cc), because what
// LevelDB asks of the disk is what a crash can break:
//   WritableFile  a 64 KiB buffer; Append fills it and writes (pwrite at the
//                 file's end) when full; Flush writes it; Sync first fsyncs
//                 the directory when the file is a MANIFEST (SyncDirIfManifest:
//                 new files the manifest names must be durable first), then
//                 writes the buffer and fdatasyncs the file; Close writes it.
//                 NewWritableFile truncates (O_TRUNC), NewAppendableFile
//                 appends at the current size.
//   Sequential / RandomAccess files read through pread.
//   RemoveFile, RenameFile, CreateDir, RemoveDir, GetChildren, FileExists,
//                 GetFileSize are the namespace calls of SimFs; errors are
//                 IOError, ENOENT NotFound, as PosixError makes them.
//   LockFile      creates the file (O_CREAT) and refuses a second lock of
//                 the same name in this process, as PosixLockTable does.
//   NewLogger     a logger that discards (set Options::info_log to keep
//                 LevelDB's log; the LOG file is not the data under test).
//   NowMicros     a logical clock; SleepForMicroseconds does not sleep.
// Background work (Schedule) runs on one thread this Env owns and joins,
// in the order scheduled, like PosixEnv's. WaitForBackgroundWork() blocks
// until it is idle: a harness that calls it after every DB call keeps the
// trace deterministic (compactions never interleave with its next call).
// StartThread's threads are joined in the destructor.
//
// Thread-safety: safe for LevelDB's use from its caller and background
// threads; every SimFs call is serialised under one mutex. Ownership: the
// SimFs is borrowed and must outlive the Env; the DB using the Env must be
// deleted before it. Not the default Env: EnvWrapper's target is
// Env::Default() only for what this class does not override (nothing
// LevelDB's DB calls).
#ifndef CRASHLAB_FUZZ_SIMFS_LEVELDB_ENV_H_
#define CRASHLAB_FUZZ_SIMFS_LEVELDB_ENV_H_

#include <leveldb/env.h>
#include <leveldb/status.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fuzz/simfs/simfs.h"

namespace crashlab {

class SimEnv final : public leveldb::EnvWrapper {
 public:
  explicit SimEnv(SimFs* fs);
  ~SimEnv() override;
  SimEnv(const SimEnv&) = delete;
  SimEnv& operator=(const SimEnv&) = delete;

  leveldb::Status NewSequentialFile(const std::string& fname,
                                    leveldb::SequentialFile** result) override;
  leveldb::Status NewRandomAccessFile(
      const std::string& fname, leveldb::RandomAccessFile** result) override;
  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
  leveldb::Status NewAppendableFile(const std::string& fname,
                                    leveldb::WritableFile** result) override;
  bool FileExists(const std::string& fname) override;
  leveldb::Status GetChildren(const std::string& dir,
                              std::vector<std::string>* result) override;
  leveldb::Status RemoveFile(const std::string& fname) override;
  leveldb::Status CreateDir(const std::string& dirname) override;
  leveldb::Status RemoveDir(const std::string& dirname) override;
  leveldb::Status GetFileSize(const std::string& fname,
                              uint64_t* file_size) override;
  leveldb::Status RenameFile(const std::string& src,
                             const std::string& target) override;
  leveldb::Status LockFile(const std::string& fname,
                           leveldb::FileLock** lock) override;
  leveldb::Status UnlockFile(leveldb::FileLock* lock) override;
  void Schedule(void (*function)(void* arg), void* arg) override;
  void StartThread(void (*function)(void* arg), void* arg) override;
  leveldb::Status GetTestDirectory(std::string* path) override;
  leveldb::Status NewLogger(const std::string& fname,
                            leveldb::Logger** result) override;
  uint64_t NowMicros() override;
  void SleepForMicroseconds(int micros) override;

  // Blocks until no scheduled work is queued or running.
  void WaitForBackgroundWork();

  // Runs `fn` on the SimFs under the Env's lock (files use it).
  template <typename Fn>
  auto WithFs(Fn&& fn) {
    std::lock_guard<std::mutex> lock(fs_mu_);
    return fn(*fs_);
  }

 private:
  leveldb::Status OpenFile(const std::string& fname, int flags, int* fd);
  void BackgroundLoop();

  SimFs* fs_;
  std::mutex fs_mu_;
  std::set<std::string> locks_;  // under fs_mu_
  uint64_t clock_us_ = 0;        // under fs_mu_

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  std::deque<std::pair<void (*)(void*), void*>> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
  std::vector<std::thread> threads_;
};

// "IO error: <context>: <strerror>" (NotFound for ENOENT), as PosixError.
leveldb::Status SimFsError(const std::string& context, int err);

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SIMFS_LEVELDB_ENV_H_
