#include "reports/baseline.h"

#include <fmt/format.h>

#include "core/files.h"

namespace crashlab {

using nlohmann::json;

namespace {

std::string JoinSet(const std::set<std::string>& s) {
  return fmt::format("{}", fmt::join(s, ","));
}

}  // namespace

std::string StateShape(const ReportFinding& f) {
  const StateRef& s = f.minimized ? f.minimal : f.state;
  // A minimized state is named "minimal"; the model that reached it is the
  // representative state's.
  const std::string& model = s.model == "minimal" ? f.state.model : s.model;
  std::set<std::string> ops, cells;
  for (const OpRef& o : f.ops) ops.insert(o.f + ":" + o.status);
  for (const CellReport& c : f.cells) {
    cells.insert(c.cell.table + "." + (c.cell.column.empty() ? "row" : c.cell.column));
  }
  return fmt::format("model={};dropped={};torn={};ops={};cells={}", model,
                     s.dropped_count > 0 ? "yes" : "no",
                     s.torn_count > 0 ? "yes" : "no", JoinSet(ops), JoinSet(cells));
}

std::string StableFingerprint(const MatrixCell& cell, const ReportFinding& f) {
  return fmt::format("{}|{}|{}|{}|{}", cell.Config(), cell.crash, cell.workload,
                     FindingKindName(f.kind), StateShape(f));
}

std::vector<FindingRef> CollectFindings(const MatrixReport& m) {
  std::vector<FindingRef> out;
  for (const MatrixCell& c : m.cells) {
    if (!c.report) continue;
    for (const ReportFinding& f : c.report->findings) {
      out.push_back({&c, &f, StableFingerprint(c, f)});
    }
  }
  return out;
}

Result<Baseline> ReadBaseline(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() ||
      j.value("schema", "") != kBaselineSchemaId || !j.contains("accepted") ||
      !j["accepted"].is_array()) {
    return Status::BadInput(path + " is not a " + kBaselineSchemaId +
                            " file (write one with `crashlab report baseline "
                            "REPORT -o FILE`)");
  }
  Baseline b;
  for (const json& e : j["accepted"]) {
    if (e.is_string()) {
      b.accepted.insert(e.get<std::string>());
    } else if (e.is_object() && e.contains("fingerprint") &&
               e["fingerprint"].is_string()) {
      b.accepted.insert(e["fingerprint"].get<std::string>());
    } else {
      return Status::BadInput(path + ": each accepted entry needs a fingerprint");
    }
  }
  return b;
}

json BaselineJson(const MatrixReport& m) {
  std::map<std::string, json> by_print;
  for (const FindingRef& r : CollectFindings(m)) {
    auto [it, inserted] = by_print.try_emplace(
        r.fingerprint, json{{"fingerprint", r.fingerprint},
                            {"kind", FindingKindName(r.finding->kind)},
                            {"example", r.finding->summary},
                            {"findings", 0}});
    it->second["findings"] = it->second["findings"].get<int>() + 1;
  }
  json accepted = json::array();
  for (auto& [print, entry] : by_print) accepted.push_back(std::move(entry));
  return {{"schema", kBaselineSchemaId}, {"accepted", accepted}};
}

Result<std::set<FindingKind>> ParseKinds(const std::string& list) {
  std::set<FindingKind> kinds;
  if (list.empty() || list == "all") {
    kinds.insert(std::begin(kAllFindingKinds), std::end(kAllFindingKinds));
    return kinds;
  }
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string name = list.substr(start, comma - start);
    bool known = false;
    for (FindingKind k : kAllFindingKinds) {
      if (name == FindingKindName(k)) {
        kinds.insert(k);
        known = true;
      }
    }
    if (!known) {
      std::vector<std::string> names;
      for (FindingKind k : kAllFindingKinds) names.push_back(FindingKindName(k));
      return Status::InvalidArgument(fmt::format(
          "unknown finding kind '{}' in --fail-on (kinds: {}, or all)", name,
          fmt::join(names, ", ")));
    }
    start = comma + 1;
  }
  return kinds;
}

GateResult Gate(const MatrixReport& m, const GatePolicy& policy) {
  GateResult g;
  for (FindingRef& r : CollectFindings(m)) {
    if (!policy.fail_on.empty() && !policy.fail_on.count(r.finding->kind)) {
      g.ignored.push_back(std::move(r));
    } else if (policy.baseline && policy.baseline->accepted.count(r.fingerprint)) {
      g.accepted.push_back(std::move(r));
    } else {
      g.failing.push_back(std::move(r));
    }
  }
  bool error = false, incomplete = static_cast<int>(m.cells.size()) < m.cells_total;
  for (const MatrixCell& c : m.cells) {
    const std::string v = CellVerdict(c);
    error |= v == "error";
    uint64_t findings = 0;
    if (c.report) {
      for (const auto& [kind, n] : c.report->summary.by_kind) findings += n;
    }
    if (v == "fail" && findings == 0) g.failing_cells.push_back(&c);
    incomplete |= v == "incomplete" || (c.report && !c.report->summary.reason.empty());
  }
  g.exit_code = !g.failing.empty() || !g.failing_cells.empty() ? kExitFindings
                : error            ? kExitInfrastructure
                : incomplete       ? kExitIncomplete
                                   : kExitPass;
  return g;
}

std::string GateResult::Summary() const {
  std::string s = fmt::format(
      "gate: {} new finding{} fail, {} accepted by the baseline, {} of kinds "
      "not gated; exit {}\n",
      failing.size(), failing.size() == 1 ? "" : "s", accepted.size(),
      ignored.size(), exit_code);
  for (const MatrixCell* c : failing_cells) {
    s += fmt::format("  FAILED {} ({} {}): the run failed without findings a "
                     "baseline could accept (e.g. isolation anomalies)\n",
                     c->Config(), c->crash, c->workload);
  }
  for (const FindingRef& r : failing) {
    s += fmt::format("  NEW {} {} {}: {}\n    fingerprint: {}\n    replay: {}\n",
                     r.cell->Config(), r.finding->id,
                     FindingKindName(r.finding->kind), r.finding->summary,
                     r.fingerprint, r.finding->replay);
  }
  return s;
}

}  // namespace crashlab
