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
// Background work (Schedule) runs in the order scheduled, one item at a
// time, in one of two modes:
//   threaded (the default, like PosixEnv): on a BackgroundThread, the
//     Env's own or one the caller lends it. WaitForBackgroundWork() blocks
//     until it is idle: a harness that calls it after every DB call keeps
//     the trace deterministic (compactions never interleave with its next
//     call).
//   deferred (SetDeferBackgroundWork(true)): Schedule only queues, and
//     WaitForBackgroundWork() runs the queue on the calling thread. No
//     hand-off between threads (under ASan a futex wake and wait cost more
//     than the compaction they carry), and background work runs exactly
//     between DB calls. Only for DB calls that never wait for background
//     work themselves: DB::Open, Write (while the memtable has room), reads
//     and iterators, and deleting a DB whose queue was drained.
//     CompactRange waits for its compactions, and would wait forever: run
//     it through RunThreaded.
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
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fuzz/simfs/simfs.h"

namespace crashlab {

// One thread running posted tasks in order. A harness that makes an Env
// per simulated process lends every one the same thread (SimEnv's
// constructor), so that compactions on a thread do not cost a thread start
// each (with ASan, starting and ending a thread clears the shadow of its
// stack). An Env holds the thread only while it has work queued, so any
// number of Envs may share one. Thread-safe.
class BackgroundThread {
 public:
  BackgroundThread();
  ~BackgroundThread();  // runs what was posted, then joins
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;
  // Runs `task` on the thread after every task posted before it.
  void Post(std::function<void()> task);
  // Keeps the thread on CPU `cpu` from now on (until the next call), and
  // from the first call on as a SCHED_BATCH thread (SimEnv::RunThreaded);
  // false when the system refuses (the thread then runs where it may).
  bool PinTo(int cpu);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  int pinned_cpu_ = -1;  // under mu_
  std::thread thread_;
};

class SimEnv final : public leveldb::EnvWrapper {
 public:
  // `thread` (borrowed, may be null: the Env starts its own when first
  // needed) runs threaded background work; it must outlive the Env.
  explicit SimEnv(SimFs* fs, BackgroundThread* thread = nullptr);
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

  // Blocks until no scheduled work is queued or running; when deferred,
  // runs the queue (and whatever it schedules) on the calling thread.
  void WaitForBackgroundWork();
  // Deferred (true) or threaded (false) background work; see above.
  // Switching waits for the work queued so far to finish first.
  void SetDeferBackgroundWork(bool defer);
  // Runs `call`, a DB call that waits for the background work it schedules
  // (CompactRange), with that work threaded; deferral, if on, resumes
  // after it. Meanwhile the calling thread and the background thread are
  // both held on the CPU the caller runs on, as SCHED_BATCH threads (a
  // woken one does not preempt the other), and the caller's affinity and
  // policy are restored afterwards. The two take turns (one waits on
  // LevelDB's condition variable while the other works), so one CPU is all
  // they use, and handing the turn over is a switch on that CPU instead of
  // a wake-up of the other, idle one (an interrupt; on a VM, a trip
  // through the hypervisor), which costs more than a small compaction.
  // The work and its order are the same either way. Where the system
  // refuses the affinity or the policy, the call runs without it.
  void RunThreaded(const std::function<void()>& call);

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
  bool looping_ = false;  // BackgroundLoop is posted or running
  bool defer_ = false;
  BackgroundThread* thread_;  // lent, or own_thread_ once started
  std::unique_ptr<BackgroundThread> own_thread_;
  std::vector<std::thread> threads_;
};

// "IO error: <context>: <strerror>" (NotFound for ENOENT), as PosixError.
leveldb::Status SimFsError(const std::string& context, int err);

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SIMFS_LEVELDB_ENV_H_
