// Crash planning for live runs: when each round crashes, how a power cut
// tears the last write, and how the engine reacted to injected faults.
// Pure functions over values; every random choice from the Rng passed in.
#ifndef CRASHLAB_HARNESS_LIVE_CRASH_PLAN_H_
#define CRASHLAB_HARNESS_LIVE_CRASH_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/persistence.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/trace.h"
#include "reports/report.h"

namespace crashlab {

// What the user asked for (--random, --at-op N, --at-time MS, --at-mark L).
struct Trigger {
  enum class Kind : uint8_t { kRandom, kAtOp, kAtTime, kAtMark };
  Kind kind = Kind::kRandom;
  uint64_t op = 0;      // at-op: the N-th operation of each round (1-based)
  int64_t time_ms = 0;  // at-time: milliseconds into each round
  int64_t time_max_ms = -1;  // at-time MIN-MAX: seeded uniform in [time_ms,
                             // time_max_ms] per round (-1: exactly time_ms)
  std::string mark;     // at-mark: crash right after this mark is written
};

// The crash of one round.
struct RoundPlan {
  int round = 0;
  uint64_t ops = 0;          // operations this round issues
  uint64_t kill_op = 0;      // arm the kill when this op (1-based) starts
  uint64_t after_fs_ops = 1; // ... at its K-th file operation
  int64_t at_ms = -1;        // or crash this long into the round
  std::string at_mark;       // or right after this mark
  std::string Describe() const;
};

// Splits `total_ops` over `rounds` and places each round's crash.
std::vector<RoundPlan> PlanRounds(const Trigger& t, uint64_t total_ops,
                                  int rounds, Rng& rng);

enum class TearGranularity : uint8_t { kNone, kSector, kPage, kByte };
Result<TearGranularity> ParseTear(const std::string& name);
const char* TearName(TearGranularity g);

// Power cut: the last unsynced write of `state` persists only in part, cut
// at a `g` boundary of the file chosen with `rng`. Returns a description,
// or "" when there was no write to tear.
std::string TearLastWrite(const Trace& trace, TearGranularity g, Rng& rng,
                          CrashState* state);

// Every injected fault of a round's trace, with what the engine did about
// it, judged from the marks around it. `ops` are the round's operations.
std::vector<InjectedFault> ClassifyFaults(const Trace& trace,
                                          const std::vector<LogicalOp>& ops);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_LIVE_CRASH_PLAN_H_
