// The options of `crashlab run`, shared by every kind of run (harness/run.h,
// harness/txn_run.h) and by the report they write (harness/run_report.h).
#ifndef CRASHLAB_HARNESS_RUN_OPTIONS_H_
#define CRASHLAB_HARNESS_RUN_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "core/crash_space.h"
#include "core/persistence.h"
#include "engines/engine.h"
#include "harness/live/crash_plan.h"

namespace crashlab {

struct RunOptions {
  std::string engine;
  Settings settings;
  std::string workload = "auth";
  uint64_t ops = 300;
  double rate = 0;  // operations per second, 0 = as fast as possible
  // Transactional workloads (list-append, rw-register: harness/txn_run.h).
  int clients = 4;
  uint64_t txns = 1000;
  // The checker's history assumptions (checkers/isolation/isolation.h).
  bool sequential_keys = false;
  bool linearizable_keys = false;
  uint64_t seed = 0;
  std::string crash = "explore";  // explore | process | power
  // Explore: the state space, and how to split and parallelise it.
  SpaceConfig space;  // models, device flags, bounds (seed: --seed)
  int jobs = 1;
  int shard_index = 0, shard_count = 1;
  // Explore: delta debugging of each reported finding's crash state.
  double minimize_budget_s = 60;  // 0 = do not minimize
  int minimize_tests = 48;        // candidates per finding at most
  // Live modes (process, power).
  int rounds = 10;
  Trigger trigger;
  TearGranularity tear = TearGranularity::kNone;
  std::string faults_path;  // fault plan, "" = none
  bool backing_fsync = false;  // faultfs --backing-fsync
  std::string out;
  bool force = false;
  uint64_t max_states = 0;
  double budget_s = 0;
  std::string scratch;  // "" = /dev/shm when usable, else OUT/.scratch
  int timeout_s = 30;
  size_t max_findings = 100;
  // The order oracles and the loss shape (--no-order-checks turns them off,
  // for the benchmark that measures what they cost).
  bool order_checks = true;
  bool keep_work = false;
  std::string bin_dir;  // where crashlab-faultfs and drivers live
  const std::atomic<bool>* interrupted = nullptr;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RUN_OPTIONS_H_
