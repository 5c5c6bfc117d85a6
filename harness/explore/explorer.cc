#include "harness/explore/explorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "checkers/check_index.h"
#include "checkers/state_checker.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "harness/explore/observation_cache.h"
#include "harness/explore/progress.h"
#include "harness/record/ack_order.h"

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
  std::string cut;  // --max-states keeps the first states of the space
  if (config_.max_states && planned.size() > config_.max_states) {
    planned.resize(config_.max_states);
    cut = fmt::format("--max-states {} reached", config_.max_states);
  }
  // Visited by crash position (each model's states in their own order), so
  // the states sharing an image are checked close together and only a few
  // recent observations need to be kept.
  std::stable_sort(planned.begin(), planned.end(),
                   [](const Planned& a, const Planned& b) {
                     return a.state.position < b.state.position;
                   });

  // 2. Build, deduplicate and recover; check what is recovered as we go.
  RecoveryPool pool(config_.jobs, config_.engine_factory, schema_,
                    config_.kept_rows);
  std::map<Model, ImageBuilder> builders;
  std::vector<Hash128> image_of(planned.size());
  std::unordered_set<Hash128, Hash128Hasher> distinct;
  ObservationCache cache(kKeptObservations);
  Progress progress(stats.crash_states, config_.progress);
  const CheckIndex index(schema_, ops_, config_.whole_rows);
  StateChecker checker(schema_, ops_, base_rows_, index);
  stats.loss.window_s = config_.loss_window_s;
  stats.loss.window_ops = config_.promise.window_ops;
  const AckOrder order =
      config_.order_checks ? MakeAckOrder(trace_, ops_, timeline_) : AckOrder{};
  OutcomeTally outcomes(trace_);
  std::vector<OpStatus> status = timeline_.StatusesAt(0);
  size_t status_at = 0;
  size_t produced = 0, checked = 0, submitted = 0;
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  auto check = [&](size_t i) {
    const auto t0 = Clock::now();
    const Planned& p = planned[i];
    timeline_.MoveStatuses(status_at, p.state.position, &status);
    status_at = p.state.position;
    ObservationCache::Entry& e = cache.Use(image_of[i]);
    CheckInput in{schema_, ops_, status, base_rows_, *e.seen};
    in.index = &index;
    in.whole_rows = config_.whole_rows;
    if (config_.order_checks) {
      in.order = &order;
      in.promise = config_.promise;
      in.crash_ns = CrashTimeNs(trace_, p.state.position);
    }
    const FindingContext where{
        ops_, status,          p.state,   image_of[i],
        0,    config_.run_dir, p.ordinal, config_.causes};
    LossStats loss;
    const std::vector<Finding> found = checker.Check(in, e.seen, &loss);
    if (in.order && e.seen->outcome == Observation::Outcome::kOk) {
      stats.loss.Add(loss);
    }
    outcomes.Add(p.state, *e.seen, found);
    const formats::HeaderCheck headers =
        formats::CheckHeaders(e.headers, *e.seen, found);
    stats.headers.Add(headers);
    for (const auto* list : {&found, &headers.findings}) {
      for (const Finding& f : *list) findings->Add(f, where);
    }
    cache.Release(image_of[i]);
    stats.check_seconds += since(t0);
  };
  auto check_ready = [&] {
    for (auto& [hash, seen] : pool.TakeFinished()) {
      cache.Fill(hash, std::move(seen));
    }
    for (; checked < produced && cache.Ready(image_of[checked]); ++checked) {
      check(checked);
    }
  };
  for (; produced < planned.size(); ++produced) {
    const std::string why = StopReason(produced, start_ms);
    if (!why.empty()) {
      stats.complete = false;
      stats.stopped_because = why;
      break;
    }
    const auto t0 = Clock::now();
    const CrashState& state = planned[produced].state;
    auto b = builders.try_emplace(state.model, trace_, base_).first;
    const FsImage& image = b->second.Build(state);
    image_of[produced] = image.ContentHash();
    if (config_.verify_images) {
      const FsImage plain = ImageBuilder::Replay(trace_, base_, state);
      if (!(plain.ContentHash() == image_of[produced])) {
        return Status::Infrastructure(fmt::format(
            "the image built for crash state {} differs from its in-order "
            "replay: {}",
            state.Id(), image.FirstDifference(plain)));
      }
      ++stats.images_verified;
    }
    distinct.insert(image_of[produced]);
    if (cache.Acquire(image_of[produced])) {
      // Not at hand (never recovered, or recovered long ago and evicted).
      cache.SetHeaders(image_of[produced], formats::ScanHeaders(image));
      const std::string dir =
          JoinPath(config_.scratch_dir, "image-" + std::to_string(++submitted));
      CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
      Status m = image.Materialize(dir);
      if (!m.ok()) {
        (void)RemoveTree(dir);
        return m.Annotate("materializing crash state " + state.Id());
      }
      stats.build_seconds += since(t0);
      pool.Submit(image_of[produced], dir);
    } else {
      stats.build_seconds += since(t0);
    }
    check_ready();
    progress.Update(checked, findings->size());
  }
  CRASHLAB_RETURN_IF_ERROR(pool.Drain());
  check_ready();
  if (checked < produced) {
    return Status::Infrastructure("explorer: recovered images are missing");
  }
  if (stats.complete && !cut.empty()) {
    stats.complete = false;
    stats.stopped_because = cut;
  }
  progress.Finish(checked, findings->size());
  stats.states_checked = checked;
  stats.unique_images = distinct.size();
  stats.recoveries = pool.recoveries();
  stats.rows_known = pool.rows_known();
  stats.outcomes = outcomes.Rows();
  stats.recover_seconds = pool.recover_seconds();
  for (const auto& [model, builder] : builders) {
    stats.inexact_records += builder.inexact();
  }
  stats.seconds = (MonotonicMs() - start_ms) / 1000.0;
  return stats;
}

}  // namespace crashlab
