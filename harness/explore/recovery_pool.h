// RecoveryPool: recovers crash images on `jobs` engine instances at once.
//
// Each worker thread makes its own Engine (so each has its own driver or
// server process, started from that thread and dying with it) and recovers
// the images submitted to the pool, in any order. Results wait, by image
// hash, until the producer takes them (TakeFinished): the pool keeps no
// observation once handed over, so its memory does not grow with the run.
// Submit() blocks while 2 x jobs images wait, so scratch space stays
// bounded. Every image directory is removed once recovered.
//
// Thread-safety: Submit/Drain/Results from one producer thread; workers are
// internal.
#ifndef CRASHLAB_HARNESS_EXPLORE_RECOVERY_POOL_H_
#define CRASHLAB_HARNESS_EXPLORE_RECOVERY_POOL_H_

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
#include "harness/explore/rows_by_digest.h"

namespace crashlab {

using EngineFactory = std::function<Result<std::unique_ptr<Engine>>()>;

class RecoveryPool {
 public:
  // Keeps the last `kept_rows` clean observations by the digest of their
  // rows (rows_by_digest.h); 0 asks every recovery for all its rows.
  RecoveryPool(int jobs, EngineFactory factory, Schema schema,
               size_t kept_rows = 16);
  ~RecoveryPool();  // stops and joins the workers
  RecoveryPool(const RecoveryPool&) = delete;
  RecoveryPool& operator=(const RecoveryPool&) = delete;

  // Queues the materialized image in `dir` for recovery.
  void Submit(const Hash128& image, std::string dir);
  // Waits until everything submitted is recovered; returns the first error
  // a worker met (e.g. it could not build its engine).
  Status Drain();
  // Hands over every observation finished since the last call, with its
  // image hash, in the order the workers finished them.
  std::vector<std::pair<Hash128, std::shared_ptr<const Observation>>>
  TakeFinished();
  uint64_t recoveries() const { return recoveries_; }
  // Recoveries whose rows were known by their digest (no dump sent).
  uint64_t rows_known() const { return by_digest_.hits(); }
  // Seconds the workers spent recovering, summed. Valid after Drain().
  double recover_seconds() const { return recover_seconds_; }

 private:
  struct Job {
    Hash128 image;
    std::string dir;
  };
  void Work();

  const int jobs_;
  EngineFactory factory_;
  const Schema schema_;
  RowsByDigest by_digest_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  Status error_;
  uint64_t recoveries_ = 0;
  double recover_seconds_ = 0;
  std::vector<std::pair<Hash128, std::shared_ptr<const Observation>>> finished_;
  std::vector<std::thread> workers_;
};

// Converts an engine's recovery result to what checkers understand (moving
// the rows: a recovery holds every row of the state).
Observation ToObservation(Recovery r);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_RECOVERY_POOL_H_
