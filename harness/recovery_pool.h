// RecoveryPool: recovers crash images on `jobs` engine instances at once.
//
// Each worker thread makes its own Engine (so each has its own driver or
// server process, started from that thread and dying with it) and recovers
// the images submitted to the pool, in any order; results are kept by image
// hash. Submit() blocks while 2 x jobs images wait, so scratch space stays
// bounded. Every image directory is removed once recovered.
//
// Thread-safety: Submit/Drain/Results from one producer thread; workers are
// internal.
#ifndef CRASHLAB_HARNESS_RECOVERY_POOL_H_
#define CRASHLAB_HARNESS_RECOVERY_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "checkers/check.h"
#include "core/hash.h"
#include "engines/engine.h"

namespace crashlab {

using EngineFactory = std::function<Result<std::unique_ptr<Engine>>()>;

class RecoveryPool {
 public:
  RecoveryPool(int jobs, EngineFactory factory, Schema schema);
  ~RecoveryPool();  // stops and joins the workers
  RecoveryPool(const RecoveryPool&) = delete;
  RecoveryPool& operator=(const RecoveryPool&) = delete;

  // Queues the materialized image in `dir` for recovery.
  void Submit(const Hash128& image, std::string dir);
  // Waits until everything submitted is recovered; returns the first error
  // a worker met (e.g. it could not build its engine).
  Status Drain();
  // The observation of an already recovered image, if it is.
  bool TryGet(const Hash128& image, Observation* out);
  // Image hash -> what recovery observed. Valid after Drain().
  const std::unordered_map<Hash128, Observation, Hash128Hasher>& results()
      const {
    return results_;
  }
  uint64_t recoveries() const { return recoveries_; }

 private:
  struct Job {
    Hash128 image;
    std::string dir;
  };
  void Work();

  const int jobs_;
  EngineFactory factory_;
  const Schema schema_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  Status error_;
  uint64_t recoveries_ = 0;
  std::unordered_map<Hash128, Observation, Hash128Hasher> results_;
  std::vector<std::thread> workers_;
};

// Converts an engine's recovery result to what checkers understand.
Observation ToObservation(const Recovery& r);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECOVERY_POOL_H_
