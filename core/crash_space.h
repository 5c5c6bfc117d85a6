// StateSpace: every crash state the persistence models allow for a trace.
//
// Models (ARCHITECTURE.md, "Persistence models"):
//   prefix         one state per crash position: everything before it;
//   drop-unsynced  one state per crash position: nothing unsynced survives;
//   reorder        at each crash point (just before every sync, right after
//                  every acknowledgement mark, and at the end), any subset
//                  of the unsynced operations persists:
//                  every subset when at most `exhaustive_bound` are unsynced,
//                  else `samples` seeded subsets (the stats say which);
//   torn           at each crash point, each of the last `torn_writes`
//                  unsynced writes persists only in part: cut at 512-byte
//                  sector or 4 KiB page boundaries of the file, or at a
//                  seeded byte; the rest holds the old bytes, or, for an
//                  append, zeros or seeded garbage.
// Device flags prune states the way SQLite's crash VFS device
// characteristics do: `atomic` (a write inside one 512-byte sector never
// tears, and no byte-granularity tears), `safe-append` (an append never
// leaves zeros or garbage past its persisted part), `sequential` (a file's,
// or directory's, unsynced operations persist in order: only prefixes).
//
// Every state has an id that rebuilds it exactly (StateFromId):
//   prefix@P  drop-unsynced@P  reorder@P#<hex mask of kept unsynced ops>
//   torn@P#<record>:<kept bytes>:<o|z|g<seed>>
// Like CrashMonkey's generator: a non-virtual Next() walks the models in
// order; duplicates by id never occur (image dedup is the explorer's job).
// Not thread-safe.
#ifndef CRASHLAB_CORE_CRASH_SPACE_H_
#define CRASHLAB_CORE_CRASH_SPACE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/choices.h"
#include "core/persistence.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

struct DeviceFlags {
  bool atomic = false;
  bool safe_append = false;
  bool sequential = false;
  std::string ToString() const;
};
// Parses "atomic,safe-append,sequential" (any subset; "" = none).
Result<DeviceFlags> ParseDeviceFlags(const std::string& list);

struct SpaceConfig {
  std::vector<Model> models = {Model::kPrefix, Model::kDropUnsynced};
  DeviceFlags flags;
  size_t exhaustive_bound = 8;
  size_t samples = 32;
  size_t torn_writes = 4;
  uint64_t seed = 0;
};

// How a model's states were produced, for the report.
struct ModelStats {
  uint64_t states = 0;
  uint64_t crash_points = 0;
  uint64_t exhaustive_points = 0;  // reorder: every subset enumerated
  uint64_t sampled_points = 0;     // reorder: seeded subsets only
};

class StateSpace {
 public:
  StateSpace(const Trace& trace, SpaceConfig config);

  // The next state; false when every model is done.
  bool Next(CrashState* out);
  const std::map<std::string, ModelStats>& stats() const { return stats_; }

 private:
  void Refill();
  void AddPointStates(Model m, size_t position);

  const Trace& trace_;
  SpaceConfig config_;
  Rng rng_;
  size_t model_ = 0;     // index into config_.models
  size_t position_ = 0;  // next crash position of the current model
  SyncTracker tracker_;  // follows the trace up to position_
  std::deque<CrashState> ready_;
  std::map<std::string, ModelStats> stats_;
};

// Rebuilds the state an id names. BadInput if the id is malformed or does
// not fit this trace.
Result<CrashState> StateFromId(const Trace& trace, const std::string& id);

// One state of the space at `position`, every decision taken from
// `choices`: the drop-unsynced baseline, then (reorder) which unsynced
// operations persist, then (torn) which write tears, where and how. For
// fuzzers and the in-process simulated disk.
CrashState DrawState(const Trace& trace, size_t position,
                     const SpaceConfig& config, Choices& choices);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_CRASH_SPACE_H_
