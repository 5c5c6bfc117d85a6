#include "harness/explorer.h"

#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "core/files.h"
#include "core/subprocess.h"

namespace crashlab {

Observation ToObservation(const Recovery& r) {
  using Outcome = Observation::Outcome;
  Observation o;
  o.message = r.message;
  o.rows = r.rows;
  o.engine_check = r.engine_check;
  switch (r.stage) {
    case Recovery::Stage::kOk:
      o.outcome = Outcome::kOk;
      break;
    case Recovery::Stage::kOpenFailed:
      o.outcome = Outcome::kRefused;
      break;
    case Recovery::Stage::kDumpFailed:
      o.outcome = Outcome::kReadFailed;
      break;
    case Recovery::Stage::kHung:
      o.outcome = Outcome::kHung;
      break;
    case Recovery::Stage::kCrashed:
      o.outcome = Outcome::kCrashed;
      break;
  }
  return o;
}

Result<ExploreStats> Explorer::Run(FindingSet* findings) {
  ExploreStats stats;
  const int64_t start_ms = MonotonicMs();
  int64_t last_progress_ms = start_ms;
  std::unordered_map<Hash128, Observation, Hash128Hasher> recovered;
  ImageBuilder builder(trace_, base_);

  std::vector<std::vector<CrashState>> per_model;
  for (Model m : config_.models) {
    per_model.push_back(GenerateStates(trace_, m));
    stats.crash_states += per_model.back().size();
  }
  auto stop = [&](std::string why) {
    stats.complete = false;
    stats.stopped_because = std::move(why);
  };
  for (const auto& states : per_model) {
    for (const CrashState& state : states) {
      const double elapsed_s = (MonotonicMs() - start_ms) / 1000.0;
      if (config_.interrupted && config_.interrupted->load()) {
        stop("interrupted");
      } else if (config_.max_states &&
                 stats.states_checked >= config_.max_states) {
        stop("--max-states " + std::to_string(config_.max_states) + " reached");
      } else if (config_.budget_s > 0 && elapsed_s >= config_.budget_s) {
        stop("--budget-s " + std::to_string(config_.budget_s) + " spent");
      }
      if (!stats.complete) break;

      const FsImage& image = builder.Build(state);
      const Hash128 hash = image.ContentHash();
      auto it = recovered.find(hash);
      if (it == recovered.end()) {
        const std::string dir = JoinPath(
            config_.scratch_dir, "image-" + std::to_string(stats.recoveries));
        CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
        Status m = image.Materialize(dir);
        if (!m.ok()) {
          (void)RemoveTree(dir);
          return m.Annotate("materializing crash state " + state.Id());
        }
        Recovery r = engine_.Recover(dir, schema_);
        (void)RemoveTree(dir);
        ++stats.recoveries;
        it = recovered.emplace(hash, ToObservation(r)).first;
      }
      const auto status = timeline_.StatusesAt(state.position);
      CheckInput in{schema_, ops_, status, base_rows_, it->second};
      const FindingContext where{ops_, status, state, hash, 0,
                                 config_.run_dir};
      for (const Finding& f : CheckState(in)) findings->Add(f, where);
      ++stats.states_checked;

      if (config_.progress && MonotonicMs() - last_progress_ms >= 2000) {
        last_progress_ms = MonotonicMs();
        std::fprintf(stderr,
                     "crashlab: %llu/%llu crash states checked, %llu images "
                     "recovered, %zu findings\n",
                     static_cast<unsigned long long>(stats.states_checked),
                     static_cast<unsigned long long>(stats.crash_states),
                     static_cast<unsigned long long>(stats.recoveries),
                     findings->size());
      }
    }
    if (!stats.complete) break;
  }
  stats.unique_images = recovered.size();
  stats.inexact_records = builder.inexact();
  stats.seconds = (MonotonicMs() - start_ms) / 1000.0;
  return stats;
}

}  // namespace crashlab
