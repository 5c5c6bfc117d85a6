// Explorer: offline exploration of the crash states one trace allows.
//
// Method. The state space (core/crash_space.h: prefix, drop-unsynced,
// reorder, torn, device flags) is enumerated first, so its size is known and
// it can be split deterministically into shards (state i belongs to shard
// i mod N). Then, by crash position, each state's image is built
// incrementally (one ImageBuilder per model) and hashed; an image not at
// hand is materialized into a scratch directory and handed to a
// RecoveryPool, where `jobs` engine instances recover images in parallel.
// Recovery is assumed deterministic for a given image, so states sharing an
// image share its recovery. Each state is then checked against what clients
// had been told at its crash position (Timeline) and its findings go to the
// FindingSet, which does not depend on the order states come in.
//
// Cost per state does not grow with the run: statuses move from one
// position to the next, the checkers' index of the operations is built once,
// each state is checked as the previous one plus what changed
// (checkers/state_checker.h),
// and only the observations still needed are kept (ObservationCache; an
// image met again after eviction is recovered again, so `recoveries` may
// exceed `unique_images` by a little).
//
// Stops early on --max-states, --budget-s or an interrupt and says so: an
// exploration cut short is `incomplete`, never a pass. Not thread-safe.
#ifndef CRASHLAB_HARNESS_EXPLORE_EXPLORER_H_
#define CRASHLAB_HARNESS_EXPLORE_EXPLORER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "checkers/formats/torn_header.h"
#include "core/crash_space.h"
#include "core/fs_image.h"
#include "core/trace.h"
#include "engines/engine.h"
#include "harness/explore/outcome_tally.h"
#include "harness/explore/recovery_pool.h"
#include "harness/record/finding_cause.h"
#include "harness/record/finding_set.h"
#include "harness/record/timeline.h"

namespace crashlab {

struct ExploreConfig {
  SpaceConfig space;
  uint64_t max_states = 0;  // 0 = no limit
  double budget_s = 0;      // 0 = no limit
  std::string scratch_dir;  // where crash images are materialized
  std::string run_dir;      // directory of trace.bin, for replay commands
  const std::atomic<bool>* interrupted = nullptr;
  bool progress = true;     // progress on stderr
  int jobs = 1;             // engine instances recovering in parallel
  int shard_index = 0;      // this run checks states i with
  int shard_count = 1;      //   i % shard_count == shard_index
  EngineFactory engine_factory;  // makes one engine per job
  // Order: what the engine promises (checkers' order oracles), whether to
  // run those oracles and measure the loss shape at all, and the namer of
  // the findings' causes (nullptr: none).
  OrderPromise promise;
  double loss_window_s = 0;  // the claim's window in seconds (0: none)
  bool order_checks = true;
  bool whole_rows = false;  // Engine::writes_whole_rows (CheckInput's)
  const CauseNamer* causes = nullptr;
  // Debugging the image builder: also build each state's image by plain
  // in-order replay (ImageBuilder::Replay) and stop with an infrastructure
  // error naming the state and the first difference if they differ. Costs
  // a replay of the trace up to each state. Set by run when the
  // environment has CRASHLAB_VERIFY_IMAGES=1.
  bool verify_images = false;
  // Observations kept by the digest of their rows, so an image recovering
  // to rows seen lately costs no dump (rows_by_digest.h); 0: every
  // recovery sends its rows.
  size_t kept_rows = 16;
};

struct ExploreStats {
  uint64_t total_states = 0;    // in the whole space (every shard)
  uint64_t crash_states = 0;    // in this shard
  uint64_t unique_images = 0;   // distinct images among checked states
  uint64_t states_checked = 0;
  uint64_t recoveries = 0;      // engine recoveries run
  uint64_t rows_known = 0;      // of them, answered by a known rows digest
  uint64_t inexact_records = 0; // records replayed leniently
  uint64_t images_verified = 0;  // equal to their in-order replay
  std::map<std::string, ModelStats> models;
  bool complete = true;
  std::string stopped_because;
  double seconds = 0;
  // Where the time went: building, hashing and writing out images (and
  // scanning their headers); running the checkers; engine recoveries,
  // summed over the jobs (so it may exceed `seconds` with --jobs > 1).
  double build_seconds = 0;
  double check_seconds = 0;
  double recover_seconds = 0;
  formats::HeaderSummary headers;  // torn-header check over checked states
  std::vector<OutcomeRow> outcomes;  // checked states by files and outcome
  LossShape loss;  // recovered states' losses in acknowledgement order
};

class Explorer {
 public:
  Explorer(const Trace& trace, const FsImage& base, const Schema& schema,
           const std::vector<LogicalOp>& ops, const Rows& base_rows,
           ExploreConfig config)
      : trace_(trace), base_(base), schema_(schema), ops_(ops),
        base_rows_(base_rows), timeline_(trace, ops),
        config_(std::move(config)) {}

  Result<ExploreStats> Run(FindingSet* findings);
  const Timeline& timeline() const { return timeline_; }

 private:
  struct Planned {
    CrashState state;
    uint64_t ordinal;
  };
  // Observations kept beyond those awaited (each holds every recovered row).
  static constexpr size_t kKeptObservations = 32;

  // The reason to stop now, or "" to go on.
  std::string StopReason(uint64_t produced, int64_t start_ms) const;

  const Trace& trace_;
  const FsImage& base_;
  const Schema& schema_;
  const std::vector<LogicalOp>& ops_;
  const Rows& base_rows_;
  Timeline timeline_;
  ExploreConfig config_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_EXPLORER_H_
