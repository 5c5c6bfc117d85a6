#include "reports/diff.h"

#include <map>
#include <set>

#include <fmt/format.h>

namespace crashlab {

using nlohmann::json;

namespace {

using Entries = std::map<std::string, DiffEntry>;

Entries ByFingerprint(const MatrixReport& m) {
  Entries out;
  for (const FindingRef& r : CollectFindings(m)) {
    auto [it, inserted] = out.try_emplace(r.fingerprint);
    DiffEntry& e = it->second;
    if (inserted) {
      e = {r.fingerprint, FindingKindName(r.finding->kind), r.cell->Config(),
           r.finding->summary, r.finding->replay, 0};
    }
    ++e.findings;
  }
  return out;
}

// "config|crash|workload": the part of a fingerprint naming what ran.
std::string RunKey(const std::string& fingerprint) {
  size_t at = 0;
  for (int bars = 0; bars < 3 && at != std::string::npos; ++bars) {
    at = fingerprint.find('|', at + (bars > 0));
  }
  return fingerprint.substr(0, at);
}

json EntriesJson(const std::vector<DiffEntry>& v) {
  json out = json::array();
  for (const DiffEntry& e : v) {
    out.push_back({{"fingerprint", e.fingerprint}, {"kind", e.kind},
                   {"config", e.config}, {"example", e.example},
                   {"replay", e.replay}, {"findings", e.findings}});
  }
  return out;
}

}  // namespace

FindingDiff DiffResults(const MatrixReport& old_results,
                        const MatrixReport& new_results) {
  const Entries before = ByFingerprint(old_results);
  const Entries after = ByFingerprint(new_results);
  std::set<std::string> ran;
  for (const MatrixCell& c : new_results.cells) {
    if (c.report) ran.insert(c.Config() + "|" + c.crash + "|" + c.workload);
  }
  FindingDiff d;
  for (const auto& [print, e] : after) {
    (before.count(print) ? d.unchanged : d.added).push_back(e);
  }
  for (const auto& [print, e] : before) {
    if (after.count(print)) continue;
    (ran.count(RunKey(print)) ? d.fixed : d.not_compared).push_back(e);
  }
  return d;
}

std::string FindingDiff::ToText() const {
  std::string s = fmt::format("{} new, {} fixed, {} unchanged{}\n", added.size(),
                              fixed.size(), unchanged.size(),
                              not_compared.empty()
                                  ? ""
                                  : fmt::format(", {} not compared (configuration "
                                                "not run in NEW)",
                                                not_compared.size()));
  auto list = [&](const char* label, const std::vector<DiffEntry>& v) {
    for (const DiffEntry& e : v) {
      s += fmt::format("{:<9} {} [{}] {} ({} finding{})\n", label, e.config,
                       e.kind, e.example, e.findings, e.findings == 1 ? "" : "s");
      s += fmt::format("          {}\n", e.fingerprint);
      if (std::string(label) == "new" && !e.replay.empty()) {
        s += fmt::format("          replay: {}\n", e.replay);
      }
    }
  };
  list("new", added);
  list("fixed", fixed);
  list("unchanged", unchanged);
  list("not-run", not_compared);
  return s;
}

json FindingDiff::ToJson() const {
  return {{"new", EntriesJson(added)},
          {"fixed", EntriesJson(fixed)},
          {"unchanged", EntriesJson(unchanged)},
          {"not_compared", EntriesJson(not_compared)}};
}

}  // namespace crashlab
