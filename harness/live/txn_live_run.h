// TxnLiveRun: the transactional workloads (list-append, rw-register) under
// live crashes (--crash process | power), as Jepsen runs Elle: kill the
// database mid-run, let it recover, go on, and check the whole history.
//
// Method. The engine's base image is made on a plain directory, with the
// workload's tables created and the engine stopped cleanly (so no table is
// lost to the first crash). Then rounds, with the machinery of
// harness/live/live_round.h: each round mounts faultfs, starts the engine (which
// recovers from the previous crash), makes every client process of the
// engine a kill target (the session's group and each TxnClient's
// process_group()), runs its share of the transactions from N concurrent
// clients (workloads/txn_runner.h) and crashes at the planned point:
// faultfs SIGKILLs every target at once at the K-th file operation after
// the round's k-th transaction was invoked (--random, --at-op), or at a
// time (--at-time). Transactions in flight get `info` from their clients
// (connection lost, driver dead); the crash position is the kill, so file
// operations after it never count. Each recovered round starts with reads
// of every key written so far, so a committed write the crash lost shows
// up in the history: a read without an acknowledged append, a register
// back at an older value. A last round only recovers and reads.
//
// The history (OUT/history.jsonl) runs across every crash; the caller
// checks it as a whole. Each round's span of history indices and its crash
// state let AttributeCrashes name, for an anomaly whose transactions lie
// on both sides of crashes, the crash states between them.
//
// Not thread-safe: one Run() on one thread (client threads are internal).
#ifndef CRASHLAB_HARNESS_LIVE_TXN_LIVE_RUN_H_
#define CRASHLAB_HARNESS_LIVE_TXN_LIVE_RUN_H_

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/history.h"
#include "engines/engine.h"
#include "harness/live/crash_plan.h"
#include "harness/live/live_round.h"
#include "reports/report.h"
#include "workloads/txn_runner.h"

namespace crashlab {

struct TxnLiveOptions {
  LiveRoundEnv env;  // faults_path must be empty
  TxnWorkload workload = TxnWorkload::kListAppend;
  int clients = 4;
  uint64_t txns = 1000;  // over all rounds
  int rounds = 10;
  Trigger trigger;  // kRandom, kAtOp or kAtTime
  const std::atomic<bool>* interrupted = nullptr;
};

// One round's place in the history and the crash that ended it.
struct TxnRoundSpan {
  int round = 0;
  uint64_t first_index = 0, end_index = 0;  // history indices [first, end)
  std::string state_id;  // "" for the last, recovery-only round
  std::string dir;       // OUT/rounds/NNN
};

struct TxnLiveResult {
  TxnRunStats stats;            // summed over rounds (seconds too)
  uint64_t recovery_reads = 0;  // transactions reading back after crashes
  std::vector<RoundReport> rounds;
  std::vector<TxnRoundSpan> spans;
  bool complete = true;
  std::string stopped_because;
};

class TxnLiveRun {
 public:
  TxnLiveRun(Engine& engine, TxnLiveOptions options, uint64_t seed)
      : engine_(engine), o_(std::move(options)), seed_(seed) {}

  // Runs every round, appending to `history` (and `writer`).
  Result<TxnLiveResult> Run(History* history, HistoryWriter* writer);

 private:
  Status PrepareBase();

  Engine& engine_;
  TxnLiveOptions o_;
  uint64_t seed_;
};

// Adds to each anomaly of an `isolation` JSON section whose transactions
// span crashes a "crashes" list ({round, state, replay}) of the crash
// states between them, and a "crashes" summary to the section; returns how
// many anomaly examples each round's crash lies under (index: round - 1).
std::vector<uint64_t> AttributeCrashes(const std::vector<TxnRoundSpan>& spans,
                                       const std::string& out,
                                       nlohmann::json* isolation);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_LIVE_TXN_LIVE_RUN_H_
