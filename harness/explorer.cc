#include "harness/explorer.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/files.h"
#include "core/subprocess.h"
#include "harness/progress.h"

namespace crashlab {

std::string Explorer::StopReason(uint64_t produced, int64_t start_ms) const {
  if (config_.interrupted && config_.interrupted->load()) return "interrupted";
  if (config_.max_states && produced >= config_.max_states) {
    return fmt::format("--max-states {} reached", config_.max_states);
  }
  if (config_.budget_s > 0 &&
      (MonotonicMs() - start_ms) / 1000.0 >= config_.budget_s) {
    return fmt::format("--budget-s {} spent", config_.budget_s);
  }
  return "";
}

Result<ExploreStats> Explorer::Run(FindingSet* findings) {
  ExploreStats stats;
  const int64_t start_ms = MonotonicMs();

  // 1. The whole space, then this shard's part of it.
  struct Planned {
    CrashState state;
    uint64_t ordinal;
  };
  std::vector<Planned> planned;
  StateSpace space(trace_, config_.space);
  for (CrashState s; space.Next(&s); ++stats.total_states) {
    if (stats.total_states % config_.shard_count ==
        static_cast<uint64_t>(config_.shard_index)) {
      planned.push_back({std::move(s), stats.total_states});
    }
  }
  stats.models = space.stats();
  stats.crash_states = planned.size();

  // 2. Build, deduplicate and recover; check what is recovered as we go.
  RecoveryPool pool(config_.jobs, config_.engine_factory, schema_);
  ImageBuilder builder(trace_, base_);
  std::vector<Hash128> image_of(planned.size());
  std::unordered_set<Hash128, Hash128Hasher> submitted;
  Progress progress(planned.size(), config_.progress);
  size_t produced = 0, checked = 0;
  std::map<size_t, std::vector<OpStatus>> status_cache;
  std::unordered_map<Hash128, std::vector<formats::FileHeader>, Hash128Hasher>
      headers_of;  // per unique image, scanned while it is at hand
  OutcomeTally outcomes(trace_);
  auto check = [&](size_t i, const Observation& seen) {
    const Planned& p = planned[i];
    auto st = status_cache.find(p.state.position);
    if (st == status_cache.end()) {
      if (status_cache.size() > 4096) status_cache.clear();
      st = status_cache
               .emplace(p.state.position,
                        timeline_.StatusesAt(p.state.position))
               .first;
    }
    CheckInput in{schema_, ops_, st->second, base_rows_, seen};
    const FindingContext where{ops_,          st->second, p.state,
                               image_of[i],   0,          config_.run_dir,
                               p.ordinal};
    const std::vector<Finding> found = CheckState(in);
    outcomes.Add(p.state, seen, found);
    const formats::HeaderCheck headers =
        formats::CheckHeaders(headers_of.at(image_of[i]), seen, found);
    stats.headers.Add(headers);
    for (const auto* list : {&found, &headers.findings}) {
      for (const Finding& f : *list) findings->Add(f, where);
    }
  };
  for (; produced < planned.size(); ++produced) {
    const std::string why = StopReason(produced, start_ms);
    if (!why.empty()) {
      stats.complete = false;
      stats.stopped_because = why;
      break;
    }
    const FsImage& image = builder.Build(planned[produced].state);
    image_of[produced] = image.ContentHash();
    if (submitted.insert(image_of[produced]).second) {
      headers_of[image_of[produced]] = formats::ScanHeaders(image);
      const std::string dir = JoinPath(
          config_.scratch_dir, "image-" + std::to_string(submitted.size()));
      CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
      Status m = image.Materialize(dir);
      if (!m.ok()) {
        (void)RemoveTree(dir);
        return m.Annotate("materializing crash state " +
                          planned[produced].state.Id());
      }
      pool.Submit(image_of[produced], dir);
    }
    for (Observation seen; checked < produced &&
                           pool.TryGet(image_of[checked], &seen);
         ++checked) {
      check(checked, seen);
    }
    progress.Update(checked, findings->size());
  }
  CRASHLAB_RETURN_IF_ERROR(pool.Drain());
  for (; checked < produced; ++checked) {
    check(checked, pool.results().at(image_of[checked]));
  }
  progress.Finish(checked, findings->size());
  stats.states_checked = checked;
  stats.unique_images = submitted.size();
  stats.recoveries = pool.recoveries();
  stats.inexact_records = builder.inexact();
  stats.outcomes = outcomes.Rows();
  stats.seconds = (MonotonicMs() - start_ms) / 1000.0;
  return stats;
}

}  // namespace crashlab
