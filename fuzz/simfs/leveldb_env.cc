#include "fuzz/simfs/leveldb_env.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace crashlab {
namespace {

constexpr size_t kWritableFileBufferSize = 65536;  // as env_posix.cc

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/"
                                                       : path.substr(0, slash);
}

bool IsManifest(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);
  return base.rfind("MANIFEST", 0) == 0;
}

// Holds the calling thread on one CPU for its lifetime, as a batch thread
// (SCHED_BATCH: a thread it wakes does not preempt it, nor it one that
// wakes it), then restores its affinity and policy. Each part does nothing
// when the system refuses it.
class CallerOnCpu {
 public:
  explicit CallerOnCpu(int cpu) {
    CPU_ZERO(&saved_cpus_);
    if (sched_getaffinity(0, sizeof(saved_cpus_), &saved_cpus_) == 0 &&
        CPU_COUNT(&saved_cpus_) > 1) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pinned_ = sched_setaffinity(0, sizeof(one), &one) == 0;
    }
    if (sched_getscheduler(0) == SCHED_OTHER &&
        sched_getparam(0, &saved_param_) == 0) {
      const sched_param zero{};
      batch_ = sched_setscheduler(0, SCHED_BATCH, &zero) == 0;
    }
  }
  ~CallerOnCpu() {
    if (batch_) (void)sched_setscheduler(0, SCHED_OTHER, &saved_param_);
    if (pinned_) (void)sched_setaffinity(0, sizeof(saved_cpus_), &saved_cpus_);
  }
  CallerOnCpu(const CallerOnCpu&) = delete;
  CallerOnCpu& operator=(const CallerOnCpu&) = delete;

 private:
  cpu_set_t saved_cpus_;
  sched_param saved_param_{};
  bool pinned_ = false;
  bool batch_ = false;
};

class SimSequentialFile final : public leveldb::SequentialFile {
 public:
  SimSequentialFile(SimEnv* env, int fd, std::string name)
      : env_(env), fd_(fd), name_(std::move(name)) {}
  ~SimSequentialFile() override {
    env_->WithFs([&](SimFs& fs) { return fs.Close(fd_); });
  }
  leveldb::Status Read(size_t n, leveldb::Slice* result,
                       char* scratch) override {
    size_t got = 0;
    const int err = env_->WithFs(
        [&](SimFs& fs) { return fs.Pread(fd_, pos_, scratch, n, &got); });
    if (err != 0) return SimFsError(name_, err);
    pos_ += got;
    *result = leveldb::Slice(scratch, got);
    return leveldb::Status::OK();
  }
  leveldb::Status Skip(uint64_t n) override {
    pos_ += n;
    return leveldb::Status::OK();
  }

 private:
  SimEnv* env_;
  int fd_;
  std::string name_;
  uint64_t pos_ = 0;
};

class SimRandomAccessFile final : public leveldb::RandomAccessFile {
 public:
  SimRandomAccessFile(SimEnv* env, int fd, std::string name)
      : env_(env), fd_(fd), name_(std::move(name)) {}
  ~SimRandomAccessFile() override {
    env_->WithFs([&](SimFs& fs) { return fs.Close(fd_); });
  }
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    size_t got = 0;
    const int err = env_->WithFs(
        [&](SimFs& fs) { return fs.Pread(fd_, offset, scratch, n, &got); });
    *result = leveldb::Slice(scratch, err == 0 ? got : 0);
    return err == 0 ? leveldb::Status::OK() : SimFsError(name_, err);
  }

 private:
  SimEnv* env_;
  int fd_;
  std::string name_;
};

// PosixWritableFile's buffering and sync order, on SimFs.
class SimWritableFile final : public leveldb::WritableFile {
 public:
  SimWritableFile(SimEnv* env, int fd, std::string name, uint64_t offset)
      : env_(env),
        fd_(fd),
        name_(std::move(name)),
        dirname_(Dirname(name_)),
        manifest_(IsManifest(name_)),
        offset_(offset) {}
  ~SimWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    const char* p = data.data();
    size_t left = data.size();
    const size_t copy = std::min(left, kWritableFileBufferSize - buf_.size());
    buf_.append(p, copy);
    p += copy;
    left -= copy;
    if (left == 0) return leveldb::Status::OK();
    leveldb::Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (left < kWritableFileBufferSize) {
      buf_.assign(p, left);
      return leveldb::Status::OK();
    }
    return WriteUnbuffered(std::string_view(p, left));
  }
  leveldb::Status Close() override {
    leveldb::Status s = FlushBuffer();
    env_->WithFs([&](SimFs& fs) { return fs.Close(fd_); });
    fd_ = -1;
    return s;
  }
  leveldb::Status Flush() override { return FlushBuffer(); }
  leveldb::Status Sync() override {
    // New files the manifest names must be durable before it is.
    if (manifest_) {
      const int err =
          env_->WithFs([&](SimFs& fs) { return fs.SyncDir(dirname_); });
      if (err != 0) return SimFsError(dirname_, err);
    }
    leveldb::Status s = FlushBuffer();
    if (!s.ok()) return s;
    const int err = env_->WithFs([&](SimFs& fs) { return fs.Fdatasync(fd_); });
    return err == 0 ? leveldb::Status::OK() : SimFsError(name_, err);
  }

 private:
  leveldb::Status FlushBuffer() {
    leveldb::Status s = WriteUnbuffered(buf_);
    buf_.clear();
    return s;
  }
  leveldb::Status WriteUnbuffered(std::string_view data) {
    if (data.empty()) return leveldb::Status::OK();
    const int err =
        env_->WithFs([&](SimFs& fs) { return fs.Pwrite(fd_, offset_, data); });
    if (err != 0) return SimFsError(name_, err);
    offset_ += data.size();
    return leveldb::Status::OK();
  }

  SimEnv* env_;
  int fd_;
  std::string name_;
  std::string dirname_;
  bool manifest_;
  uint64_t offset_;  // where the next write goes: the end of the file
  // Up to 64 KiB, grown on demand: PosixWritableFile's is a fixed array,
  // but a fresh 64 KiB block for every file LevelDB opens (most get a few
  // hundred bytes) is costly under ASan. When it flushes is unchanged.
  std::string buf_;
};

class SimFileLock final : public leveldb::FileLock {
 public:
  SimFileLock(int fd, std::string name) : fd(fd), name(std::move(name)) {}
  int fd;
  std::string name;
};

class NullLogger final : public leveldb::Logger {
 public:
  void Logv(const char*, std::va_list) override {}
};

}  // namespace

leveldb::Status SimFsError(const std::string& context, int err) {
  if (err == ENOENT) return leveldb::Status::NotFound(context, std::strerror(err));
  return leveldb::Status::IOError(context, std::strerror(err));
}

BackgroundThread::BackgroundThread() : thread_([this] { Loop(); }) {}

BackgroundThread::~BackgroundThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundThread::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_all();
}

bool BackgroundThread::PinTo(int cpu) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cpu == pinned_cpu_) return true;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (pthread_setaffinity_np(thread_.native_handle(), sizeof(one), &one) != 0) {
    return false;
  }
  if (pinned_cpu_ < 0) {  // first pin: a batch thread (see CallerOnCpu)
    const sched_param zero{};
    (void)pthread_setschedparam(thread_.native_handle(), SCHED_BATCH, &zero);
  }
  pinned_cpu_ = cpu;
  return true;
}

void BackgroundThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

SimEnv::SimEnv(SimFs* fs, BackgroundThread* thread)
    : EnvWrapper(leveldb::Env::Default()), fs_(fs), thread_(thread) {}

SimEnv::~SimEnv() {
  {
    // The loop may still be finishing (it holds `this`); what is queued
    // when deferred never runs, as nothing scheduled it to.
    std::unique_lock<std::mutex> lock(bg_mu_);
    bg_cv_.wait(lock, [this] { return !looping_; });
  }
  own_thread_.reset();
  for (std::thread& t : threads_) t.join();
}

leveldb::Status SimEnv::OpenFile(const std::string& fname, int flags,
                                 int* fd) {
  const int err =
      WithFs([&](SimFs& fs) { return fs.Open(fname, flags, fd, 0644); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(fname, err);
}

leveldb::Status SimEnv::NewSequentialFile(const std::string& fname,
                                          leveldb::SequentialFile** result) {
  int fd;
  *result = nullptr;
  leveldb::Status s = OpenFile(fname, O_RDONLY, &fd);
  if (s.ok()) *result = new SimSequentialFile(this, fd, fname);
  return s;
}

leveldb::Status SimEnv::NewRandomAccessFile(
    const std::string& fname, leveldb::RandomAccessFile** result) {
  int fd;
  *result = nullptr;
  leveldb::Status s = OpenFile(fname, O_RDONLY, &fd);
  if (s.ok()) *result = new SimRandomAccessFile(this, fd, fname);
  return s;
}

leveldb::Status SimEnv::NewWritableFile(const std::string& fname,
                                        leveldb::WritableFile** result) {
  int fd;
  *result = nullptr;
  leveldb::Status s = OpenFile(fname, O_TRUNC | O_WRONLY | O_CREAT, &fd);
  if (s.ok()) *result = new SimWritableFile(this, fd, fname, 0);
  return s;
}

leveldb::Status SimEnv::NewAppendableFile(const std::string& fname,
                                          leveldb::WritableFile** result) {
  int fd;
  *result = nullptr;
  leveldb::Status s = OpenFile(fname, O_WRONLY | O_CREAT, &fd);
  if (!s.ok()) return s;
  SimFs::Stat st;
  WithFs([&](SimFs& fs) { return fs.Fstat(fd, &st); });
  *result = new SimWritableFile(this, fd, fname, st.size);
  return s;
}

bool SimEnv::FileExists(const std::string& fname) {
  return WithFs([&](SimFs& fs) { return fs.Exists(fname); });
}

leveldb::Status SimEnv::GetChildren(const std::string& dir,
                                    std::vector<std::string>* result) {
  const int err = WithFs([&](SimFs& fs) { return fs.List(dir, result); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(dir, err);
}

leveldb::Status SimEnv::RemoveFile(const std::string& fname) {
  const int err = WithFs([&](SimFs& fs) { return fs.Unlink(fname); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(fname, err);
}

leveldb::Status SimEnv::CreateDir(const std::string& dirname) {
  const int err = WithFs([&](SimFs& fs) { return fs.Mkdir(dirname); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(dirname, err);
}

leveldb::Status SimEnv::RemoveDir(const std::string& dirname) {
  const int err = WithFs([&](SimFs& fs) { return fs.Rmdir(dirname); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(dirname, err);
}

leveldb::Status SimEnv::GetFileSize(const std::string& fname, uint64_t* size) {
  SimFs::Stat st;
  const int err = WithFs([&](SimFs& fs) { return fs.StatPath(fname, &st); });
  *size = err == 0 ? st.size : 0;
  return err == 0 ? leveldb::Status::OK() : SimFsError(fname, err);
}

leveldb::Status SimEnv::RenameFile(const std::string& src,
                                   const std::string& target) {
  const int err = WithFs([&](SimFs& fs) { return fs.Rename(src, target); });
  return err == 0 ? leveldb::Status::OK() : SimFsError(src, err);
}

leveldb::Status SimEnv::LockFile(const std::string& fname,
                                 leveldb::FileLock** lock) {
  *lock = nullptr;
  std::lock_guard<std::mutex> guard(fs_mu_);
  int fd;
  const int err = fs_->Open(fname, O_RDWR | O_CREAT, &fd, 0644);
  if (err != 0) return SimFsError(fname, err);
  if (!locks_.insert(fname).second) {
    (void)fs_->Close(fd);
    return leveldb::Status::IOError("lock " + fname,
                                    "already held by process");
  }
  *lock = new SimFileLock(fd, fname);
  return leveldb::Status::OK();
}

leveldb::Status SimEnv::UnlockFile(leveldb::FileLock* lock) {
  auto* l = static_cast<SimFileLock*>(lock);
  {
    std::lock_guard<std::mutex> guard(fs_mu_);
    locks_.erase(l->name);
    (void)fs_->Close(l->fd);
  }
  delete l;
  return leveldb::Status::OK();
}

void SimEnv::Schedule(void (*function)(void* arg), void* arg) {
  std::lock_guard<std::mutex> lock(bg_mu_);
  queue_.emplace_back(function, arg);
  if (defer_ || looping_) return;  // WaitForBackgroundWork or the loop runs it
  if (!thread_) {
    own_thread_ = std::make_unique<BackgroundThread>();
    thread_ = own_thread_.get();
  }
  looping_ = true;
  thread_->Post([this] { BackgroundLoop(); });
}

// Runs the queue on the background thread until it is empty (or deferral
// begins), then gives the thread back.
void SimEnv::BackgroundLoop() {
  std::unique_lock<std::mutex> lock(bg_mu_);
  while (!defer_ && !queue_.empty()) {
    auto [function, arg] = queue_.front();
    queue_.pop_front();
    lock.unlock();
    function(arg);
    lock.lock();
  }
  looping_ = false;
  bg_cv_.notify_all();
}

void SimEnv::WaitForBackgroundWork() {
  std::unique_lock<std::mutex> lock(bg_mu_);
  bg_cv_.wait(lock, [this] { return !looping_; });
  while (defer_ && !queue_.empty()) {
    auto [function, arg] = queue_.front();
    queue_.pop_front();
    lock.unlock();
    function(arg);  // may Schedule more, queued behind
    lock.lock();
  }
}

void SimEnv::SetDeferBackgroundWork(bool defer) {
  WaitForBackgroundWork();
  std::lock_guard<std::mutex> lock(bg_mu_);
  defer_ = defer;
}

void SimEnv::RunThreaded(const std::function<void()>& call) {
  bool deferred;
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    deferred = defer_;
    if (!thread_) {
      own_thread_ = std::make_unique<BackgroundThread>();
      thread_ = own_thread_.get();
    }
  }
  SetDeferBackgroundWork(false);
  const int cpu = sched_getcpu();
  if (cpu >= 0 && thread_->PinTo(cpu)) {
    const CallerOnCpu same_cpu(cpu);
    call();
  } else {
    call();
  }
  SetDeferBackgroundWork(deferred);
}

void SimEnv::StartThread(void (*function)(void* arg), void* arg) {
  std::lock_guard<std::mutex> lock(bg_mu_);
  threads_.emplace_back(function, arg);
}

leveldb::Status SimEnv::GetTestDirectory(std::string* path) {
  *path = "/leveldbtest";
  (void)CreateDir(*path);
  return leveldb::Status::OK();
}

leveldb::Status SimEnv::NewLogger(const std::string&, leveldb::Logger** result) {
  *result = new NullLogger;
  return leveldb::Status::OK();
}

uint64_t SimEnv::NowMicros() {
  std::lock_guard<std::mutex> lock(fs_mu_);
  return ++clock_us_;
}

void SimEnv::SleepForMicroseconds(int) { std::this_thread::yield(); }

}  // namespace crashlab
