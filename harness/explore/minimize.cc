#include "harness/explore/minimize.h"

#include <algorithm>

#include "core/files.h"
#include "core/subprocess.h"
#include "harness/explore/recovery_pool.h"

namespace crashlab {

CrashState Minimizer::Candidate(const CrashState& original,
                                const std::vector<Loss>& keep_lost) const {
  CrashState c;
  c.model = original.model;
  c.position = original.position;
  c.kind = "minimal";
  for (const Loss& l : keep_lost) {
    if (l.tear_index < 0) {
      c.dropped.push_back(l.record);
    } else {
      c.torn.push_back(original.torn[l.tear_index]);
    }
  }
  std::sort(c.dropped.begin(), c.dropped.end());
  std::sort(c.torn.begin(), c.torn.end(),
            [](const Tear& a, const Tear& b) { return a.index < b.index; });
  return c;
}

Result<bool> Minimizer::Shows(const CrashState& candidate,
                              const std::string& fingerprint) {
  ++tests_;
  ImageBuilder builder(trace_, base_);
  const FsImage& image = builder.Build(candidate);
  const Hash128 hash = image.ContentHash();
  auto it = recovered_.find(hash);
  if (it == recovered_.end()) {
    const std::string dir = JoinPath(scratch_, "minimize");
    (void)RemoveTree(dir);
    CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
    CRASHLAB_RETURN_IF_ERROR(image.Materialize(dir));
    Observation seen = ToObservation(engine_.Recover(dir, schema_));
    (void)RemoveTree(dir);
    it = recovered_.emplace(hash, std::move(seen)).first;
  }
  const auto status = timeline_.StatusesAt(candidate.position);
  CheckInput in{schema_, ops_, status, base_rows_, it->second};
  in.order = order_;
  in.promise = promise_;
  in.whole_rows = engine_.writes_whole_rows();
  for (const Finding& f : CheckState(in)) {
    if (f.Key() == fingerprint) return true;
  }
  return false;
}

Result<MinimizeResult> Minimizer::Minimize(const CrashState& state,
                                           const std::string& fingerprint,
                                           int max_tests,
                                           int64_t deadline_ms) {
  tests_ = 0;
  std::vector<Loss> lost;
  for (uint32_t d : state.dropped) lost.push_back({d, -1});
  for (size_t i = 0; i < state.torn.size(); ++i) {
    lost.push_back({state.torn[i].index, static_cast<int>(i)});
  }
  auto out_of_budget = [&] {
    return tests_ >= static_cast<uint64_t>(max_tests) ||
           MonotonicMs() >= deadline_ms;
  };
  // ddmin: try chunks, then complements, refining the granularity.
  size_t n = 2;
  bool complete = true;
  while (lost.size() >= 2) {
    const size_t chunk = (lost.size() + n - 1) / n;
    bool reduced = false;
    for (size_t pass = 0; pass < 2 && !reduced; ++pass) {
      for (size_t start = 0; start < lost.size() && !reduced; start += chunk) {
        if (out_of_budget()) {
          complete = false;
          break;
        }
        std::vector<Loss> candidate;
        for (size_t i = 0; i < lost.size(); ++i) {
          const bool in_chunk = i >= start && i < start + chunk;
          if (in_chunk == (pass == 0)) candidate.push_back(lost[i]);
        }
        if (candidate.empty() || candidate.size() == lost.size()) continue;
        CRASHLAB_ASSIGN_OR_RETURN(bool shows,
                                  Shows(Candidate(state, candidate),
                                        fingerprint));
        if (shows) {
          lost = std::move(candidate);
          n = pass == 0 ? 2 : std::max<size_t>(n - 1, 2);
          reduced = true;
        }
      }
      if (!complete) break;
    }
    if (!complete) break;
    if (!reduced) {
      if (n >= lost.size()) break;
      n = std::min(n * 2, lost.size());
    }
  }
  // A single loss may still be removable: the finding may need none.
  if (complete && lost.size() == 1 && !out_of_budget()) {
    CRASHLAB_ASSIGN_OR_RETURN(bool shows, Shows(Candidate(state, {}),
                                                fingerprint));
    if (shows) lost.clear();
  } else if (lost.size() == 1) {
    complete = complete && !out_of_budget();
  }
  MinimizeResult r;
  r.minimal = Candidate(state, lost);
  ImageBuilder builder(trace_, base_);
  r.image = builder.Build(r.minimal).ContentHash();
  r.tests = tests_;
  r.complete = complete;
  return r;
}

}  // namespace crashlab
