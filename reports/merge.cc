#include "reports/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace crashlab {

namespace {

// The parts of a report that must agree for shards to be of one run.
std::string RunIdentity(const Report& r) {
  nlohmann::json j = r.ToJson();
  nlohmann::json id = {{"engine", j["engine"]},
                       {"workload", j["workload"]},
                       {"seed", j["seed"]},
                       {"mode", j["crash"]["mode"]},
                       {"models", j["crash"]["models"]}};
  for (const char* k : {"device", "exhaustive_bound", "samples", "torn_writes",
                        "total_states"}) {
    if (j["crash"].contains(k)) id[k] = j["crash"][k];
  }
  if (j["crash"].contains("shard")) id["shards"] = j["crash"]["shard"]["count"];
  return id.dump();
}

uint64_t Weight(const StateRef& s) { return s.dropped_count + s.torn_count; }

}  // namespace

Result<Report> MergeReports(const std::vector<Report>& shards) {
  if (shards.empty()) return Status::InvalidArgument("no reports to merge");
  const std::string identity = RunIdentity(shards.front());
  std::set<int> indices;
  for (const Report& r : shards) {
    if (RunIdentity(r) != identity) {
      return Status::InvalidArgument(
          "these reports are not shards of one run (engine, settings, "
          "workload, seed, models or state-space settings differ)");
    }
    if (!indices.insert(r.crash.shard_index).second) {
      return Status::InvalidArgument(fmt::format(
          "shard {}/{} is given twice", r.crash.shard_index + 1,
          r.crash.shard_count));
    }
  }
  Report m = shards.front();
  m.crash.shard_index = 0;
  const int count = m.crash.shard_count;
  m.crash.shard_count = 1;
  auto& s = m.summary;
  s.crash_states = s.unique_images = s.states_checked = s.recoveries = 0;
  s.duration_s = 0;
  m.findings_omitted = 0;
  m.headers = {};
  m.crash.outcomes.clear();
  std::map<std::string, Report::OutcomeReport> outcomes;
  bool incomplete = static_cast<int>(shards.size()) < count;
  std::vector<std::string> reasons;
  if (incomplete) {
    reasons.push_back(fmt::format("{} of {} shards merged", shards.size(), count));
  }
  std::map<std::string, ReportFinding> by_print;
  for (const Report& r : shards) {
    s.crash_states += r.summary.crash_states;
    s.unique_images += r.summary.unique_images;
    s.states_checked += r.summary.states_checked;
    s.recoveries += r.summary.recoveries;
    s.duration_s = std::max(s.duration_s, r.summary.duration_s);
    m.findings_omitted += r.findings_omitted;
    m.headers.Merge(r.headers);
    for (const auto& o : r.crash.outcomes) {
      Report::OutcomeReport& sum = outcomes[o.files];
      sum.files = o.files;
      sum.states += o.states;
      sum.recovered += o.recovered;
      sum.with_findings += o.with_findings;
      sum.refused += o.refused;
    }
    if (r.summary.verdict == "incomplete" || !r.summary.reason.empty()) {
      if (r.summary.verdict != "pass" && r.summary.verdict != "fail") {
        incomplete = true;
      }
      if (!r.summary.reason.empty()) reasons.push_back(r.summary.reason);
    }
    for (const ReportFinding& f : r.findings) {
      auto [it, inserted] = by_print.try_emplace(f.fingerprint, f);
      if (inserted) continue;
      ReportFinding& e = it->second;
      const uint64_t states = e.states_affected + f.states_affected;
      std::set<std::string> models(e.models.begin(), e.models.end());
      models.insert(f.models.begin(), f.models.end());
      if (std::make_pair(Weight(f.state), f.state.ordinal) <
          std::make_pair(Weight(e.state), e.state.ordinal)) {
        e = f;
      }
      e.states_affected = states;
      e.models.assign(models.begin(), models.end());
    }
  }
  std::vector<ReportFinding> findings;
  for (auto& [print, f] : by_print) findings.push_back(std::move(f));
  std::sort(findings.begin(), findings.end(),
            [](const ReportFinding& a, const ReportFinding& b) {
              return std::make_tuple(a.kind, a.round, a.state.position,
                                     a.fingerprint) <
                     std::make_tuple(b.kind, b.round, b.state.position,
                                     b.fingerprint);
            });
  s.by_kind.clear();
  for (FindingKind k : kAllFindingKinds) s.by_kind[FindingKindName(k)] = 0;
  for (size_t i = 0; i < findings.size(); ++i) {
    ReportFinding& f = findings[i];
    const std::string old_dir = "/replay/" + f.id;
    f.id = "F" + std::to_string(i + 1);
    const auto at = f.replay.rfind(old_dir);
    if (at != std::string::npos) {
      f.replay.replace(at, old_dir.size(), "/replay/" + f.id);
    }
    ++s.by_kind[FindingKindName(f.kind)];
  }
  m.findings = std::move(findings);
  std::vector<std::vector<FindingClass>> shard_classes;
  m.loss_shape = LossShape{};
  for (const Report& r : shards) {
    shard_classes.push_back(r.classes);
    if (!r.loss_shape.measured()) continue;
    if (!m.loss_shape.measured()) {
      m.loss_shape = r.loss_shape;
    } else {
      m.loss_shape.Merge(r.loss_shape);
    }
  }
  m.classes = MergeClasses(shard_classes, &m.findings);
  for (auto& [files, o] : outcomes) m.crash.outcomes.push_back(o);
  std::stable_sort(m.crash.outcomes.begin(), m.crash.outcomes.end(),
                   [](auto& a, auto& b) { return a.states > b.states; });
  s.reason.clear();
  for (const std::string& why : reasons) {
    s.reason += (s.reason.empty() ? "" : "; ") + why;
  }
  s.verdict = !m.findings.empty() ? "fail" : incomplete ? "incomplete" : "pass";
  return m;
}

}  // namespace crashlab
