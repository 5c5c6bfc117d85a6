// Explorer: offline exploration of the crash states one trace allows.
//
// For each persistence model, every crash state is built (incrementally,
// from the base image), hashed, and recovered by the engine once per
// distinct image; then every state is checked against what clients had been
// told at its crash position. Recovery is assumed deterministic for a given
// image, so a state whose image was already recovered reuses that result.
//
// Method (per state): ImageBuilder::Build -> FsImage::ContentHash -> if new:
// Materialize into a scratch directory, Engine::Recover, remove the scratch
// copy -> Timeline::StatusesAt(position) -> CheckState -> FindingSet::Add.
//
// Stops early on --max-states, --budget-s or an interrupt and says so: an
// exploration cut short is `incomplete`, never a pass. Not thread-safe.
#ifndef CRASHLAB_HARNESS_EXPLORER_H_
#define CRASHLAB_HARNESS_EXPLORER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "core/fs_image.h"
#include "core/persistence.h"
#include "core/trace.h"
#include "engines/engine.h"
#include "harness/finding_set.h"
#include "harness/timeline.h"

namespace crashlab {

struct ExploreConfig {
  std::vector<Model> models = {Model::kPrefix, Model::kDropUnsynced};
  uint64_t max_states = 0;  // 0 = no limit
  double budget_s = 0;      // 0 = no limit
  std::string scratch_dir;  // where crash images are materialized
  std::string run_dir;      // directory of trace.bin, for replay commands
  const std::atomic<bool>* interrupted = nullptr;
  bool progress = true;     // periodic progress lines on stderr
};

struct ExploreStats {
  uint64_t crash_states = 0;    // generated
  uint64_t unique_images = 0;   // distinct images among checked states
  uint64_t states_checked = 0;
  uint64_t recoveries = 0;      // engine recoveries run
  uint64_t inexact_records = 0; // records replayed leniently
  bool complete = true;
  std::string stopped_because;
  double seconds = 0;
};

// Converts an engine's recovery result to what checkers understand.
Observation ToObservation(const Recovery& r);

class Explorer {
 public:
  Explorer(const Trace& trace, const FsImage& base, Engine& engine,
           const Schema& schema, const std::vector<LogicalOp>& ops,
           const Rows& base_rows, ExploreConfig config)
      : trace_(trace), base_(base), engine_(engine), schema_(schema),
        ops_(ops), base_rows_(base_rows), timeline_(trace, ops),
        config_(std::move(config)) {}

  Result<ExploreStats> Run(FindingSet* findings);
  const Timeline& timeline() const { return timeline_; }

 private:
  const Trace& trace_;
  const FsImage& base_;
  Engine& engine_;
  const Schema& schema_;
  const std::vector<LogicalOp>& ops_;
  const Rows& base_rows_;
  Timeline timeline_;
  ExploreConfig config_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORER_H_
