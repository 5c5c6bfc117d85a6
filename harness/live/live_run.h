// LiveRun: the engine meets its crashes live (crash modes process, power).
//
// Method. A run is a sequence of rounds (harness/live/live_round.h). Each round
// copies the data directory (OUT/rounds/NNN/base), mounts faultfs over it
// with a fresh trace (OUT/rounds/NNN/trace.bin) and a control socket,
// starts the engine (which recovers from the previous crash), reads
// everything back, checks
// the previous crash, runs its share of the workload and crashes at the
// planned point: faultfs SIGKILLs the engine's process group at the K-th
// file operation of a chosen logical operation (kill-at), at a time, or
// right after a mark. Then:
//   process  the files stay exactly as the kernel had them (state
//            "process@P": every record persisted);
//   power    the data directory is rewritten with the drop-unsynced state of
//            the round's trace (optionally tearing the last unsynced write):
//            the same persistence model the explorer uses, applied live
//            (state "power@P", saved under OUT/rounds/NNN/states/ so replay
//            rebuilds it exactly).
// A last recovery-only round checks the last crash. Findings carry their
// round and replay against that round's trace.
//
// The workload's model is rebased on what the engine really holds after
// each recovery, so every round is checked against the truth it started
// from. Not thread-safe (a timer thread only sends "crash").
#ifndef CRASHLAB_HARNESS_LIVE_LIVE_RUN_H_
#define CRASHLAB_HARNESS_LIVE_LIVE_RUN_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/history.h"
#include "engines/engine.h"
#include "harness/live/at_rest.h"
#include "harness/live/crash_plan.h"
#include "harness/live/live_round.h"
#include "harness/record/finding_set.h"
#include "harness/record/workload_runner.h"
#include "reports/report.h"
#include "workloads/workload.h"

namespace crashlab {

struct LiveOptions {
  bool power = false;       // false: process mode
  int rounds = 10;
  uint64_t ops = 300;       // over all rounds
  double rate = 0;          // ops per second within a round (0: unpaced)
  Trigger trigger;
  TearGranularity tear = TearGranularity::kNone;
  std::string faults_path;  // fault plan for faultfs, "" = none
  bool backing_fsync = false;  // faultfs --backing-fsync
  uint64_t seed = 0;
  double loss_window_s = -1;  // the engine's promised window, < 0: none
  OrderPromise promise;       // the engine's order promise (order oracles)
  bool whole_rows = false;    // Engine::writes_whole_rows
  bool order_checks = true;   // order oracles and loss shape
  std::string out;          // OUT
  std::string scratch;      // short private directory (control socket)
  std::string bin_dir;
  const std::atomic<bool>* interrupted = nullptr;
};

struct LiveResult {
  std::vector<LogicalOp> ops;  // every round's operations
  WorkloadStats stats;         // summed over rounds
  std::vector<RoundReport> rounds;
  bool complete = true;
  std::string stopped_because;
  formats::HeaderSummary headers;  // torn-header check of each crash image
  LossShape loss;                  // recovered crashes' losses, in order
};

class LiveRun {
 public:
  LiveRun(Engine& engine, Workload& workload, HistoryWriter& history,
          LiveOptions options);
  ~LiveRun();

  Result<LiveResult> Run(FindingSet* findings);

 private:
  struct PendingCheck;  // a crash waiting for the next recovery

  LiveRoundEnv RoundEnv() const;
  // Restarted engine's view of the crash: checks it, records findings.
  void CheckCrash(const PendingCheck& crash, const Observation& seen,
                  FindingSet* findings, RoundReport* report);
  Status RunRoundWorkload(LiveRound& round, const RoundPlan& plan,
                          std::vector<LogicalOp>* ops);
  Result<PendingCheck> Crash(LiveRound& round, const RoundPlan& plan,
                             std::vector<LogicalOp> ops, Rows base,
                             RoundReport* report);

  Engine& engine_;
  Workload& workload_;
  HistoryWriter& history_;
  LiveOptions o_;
  Rng rng_;
  std::unique_ptr<WorkloadRunner> runner_;
  std::unique_ptr<AtRestCorruptor> at_rest_;  // the plan's corrupt rules
  LiveResult result_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_LIVE_LIVE_RUN_H_
