#include "reports/table.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/property.h"
#include "reports/sweep.h"

namespace crashlab {

using nlohmann::json;

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "holds";
    case Verdict::kViolated: return "violated";
    case Verdict::kNoPromise: return "no promise";
    case Verdict::kObserved: return "observed";
    case Verdict::kNotTested: return "not tested";
  }
  return "not tested";
}

namespace {

// What one group of cells showed for one finding kind.
struct Tally {
  uint64_t units = 0;     // crashes or crash states checked
  uint64_t acked = 0;     // operations acknowledged
  uint64_t found = 0;     // findings of the kinds asked for
  bool cut_short = false;
  uint64_t unrecovered = 0;  // live crashes the engine did not come back from
  std::set<std::pair<std::string, int>> rounds_hit;  // (cell, round)
  std::vector<std::string> refs;
};

bool Plain(const MatrixCell& c) { return c.report && c.report->faults_plan.empty(); }
bool Live(const MatrixCell& c) { return c.crash == "process" || c.crash == "power"; }

// What a cell checked: explored states, or the live crashes the engine
// came back from (a crash it never restarted after shows nothing about
// what survived: the Recovery row reports it).
uint64_t Units(const Report& r) {
  if (r.crash.mode == "explore") {
    uint64_t refused = 0;
    for (const ReportFinding& f : r.findings) {
      if (f.kind == FindingKind::kRecoveryFailure) refused += f.states_affected;
    }
    return r.summary.states_checked -
           std::min(refused, r.summary.states_checked);
  }
  uint64_t recovered = 0;
  for (const RoundReport& round : r.rounds) recovered += round.recovered;
  return recovered;
}

void AddFindings(const MatrixCell& c, FindingKind kind, Tally* t,
                 bool (*keep)(const Report&, const ReportFinding&) = nullptr) {
  const Report& r = *c.report;
  for (const ReportFinding& f : r.findings) {
    if (f.kind != kind || (keep && !keep(r, f))) continue;
    if (keep) ++t->found;  // filtered: count what is listed
    t->rounds_hit.insert({c.name, f.round});
    t->refs.push_back(c.name + "#" + f.id);
  }
  if (!keep) {
    auto it = r.summary.by_kind.find(FindingKindName(kind));
    t->found += it == r.summary.by_kind.end() ? 0 : it->second;
  }
}

// Sums the cells `use` accepts, counting findings of `kind`.
Tally Sum(const std::vector<const MatrixCell*>& cells,
          bool (*use)(const MatrixCell&), FindingKind kind) {
  Tally t;
  for (const MatrixCell* c : cells) {
    if (!Plain(*c) || !use(*c)) continue;
    const Report& r = *c->report;
    t.units += Units(r);
    t.unrecovered += r.crash.mode == "explore"
                         ? r.summary.states_checked - Units(r)
                         : r.rounds.size() - Units(r);
    t.acked += r.summary.ops_acknowledged;
    // Cut short: a budget or an interrupt (an engine that stopped recovering
    // is the Recovery row's business, not a budget).
    t.cut_short |= r.summary.verdict == "incomplete";
    AddFindings(*c, kind, &t);
  }
  return t;
}

TableCell Verdicted(const Tally& t, const std::string& unit,
                    const std::string& violated_text) {
  TableCell cell;
  cell.counts = {{unit, t.units}, {"acknowledged", t.acked},
                 {"violations", t.found}, {"cut_short", t.cut_short}};
  cell.findings = t.refs;
  if (t.units == 0) {
    cell.text = t.unrecovered == 0
                    ? "not tested"
                    : fmt::format(
                          "not decided: the engine did not start again "
                          "after {} crashes or crash states (see recovery)",
                          t.unrecovered);
    return cell;
  }
  const std::string suffix = t.cut_short ? ", cut short by a budget" : "";
  if (t.found > 0) {
    cell.verdict = Verdict::kViolated;
    cell.text = fmt::format("violated: {} ({} {} checked{})", violated_text,
                            t.units, unit, suffix);
  } else {
    cell.verdict = Verdict::kHolds;
    cell.text = fmt::format("holds: {} {} checked, {} acknowledged ops{}",
                            t.units, unit, t.acked, suffix);
  }
  return cell;
}

TableCell ProcessCrash(const std::vector<const MatrixCell*>& cells) {
  Tally t = Sum(cells, [](const MatrixCell& c) { return c.crash == "process"; },
                FindingKind::kLostCommit);
  return Verdicted(t, "crashes",
                   fmt::format("{} acknowledged writes lost in {} crashes",
                               t.found, t.rounds_hit.size()));
}

TableCell PowerCut(const std::vector<const MatrixCell*>& cells) {
  Tally t = Sum(cells,
                [](const MatrixCell& c) { return c.crash == "explore" || c.crash == "power"; },
                FindingKind::kLostCommit);
  return Verdicted(t, "crash states",
                   fmt::format("{} acknowledged writes lost", t.found));
}

TableCell Atomicity(const std::vector<const MatrixCell*>& cells) {
  Tally t = Sum(cells, [](const MatrixCell&) { return true; },
                FindingKind::kAtomicity);
  return Verdicted(t, "crash states",
                   fmt::format("{} operations partly survived", t.found));
}

TableCell Recovery(const std::vector<const MatrixCell*>& cells) {
  Tally t = Sum(cells, [](const MatrixCell&) { return true; },
                FindingKind::kRecoveryFailure);
  // States, not findings: one refusal in skyd's words may cover thousands.
  uint64_t states = 0;
  for (const MatrixCell* c : cells) {
    if (!Plain(*c)) continue;
    for (const ReportFinding& f : c->report->findings) {
      if (f.kind == FindingKind::kRecoveryFailure) states += f.states_affected;
    }
  }
  t.units += t.unrecovered;  // a refused restart is a checked recovery
  t.unrecovered = 0;
  return Verdicted(
      t, "crash states",
      fmt::format("{} crash states the engine could not start on", states));
}

// The report of the last plain cell (nullptr: none), for its engine's claim.
const Report* LastPlainReport(const std::vector<const MatrixCell*>& cells) {
  const Report* any = nullptr;
  for (const MatrixCell* c : cells) {
    if (Plain(*c)) any = &*c->report;
  }
  return any;
}

TableCell LossWindow(const std::vector<const MatrixCell*>& cells) {
  const Report* any = LastPlainReport(cells);
  TableCell cell;
  if (!any) {
    cell.text = "not tested";
    return cell;
  }
  const std::string& claim = any->engine.claim_kind;
  if (claim == "window") {
    Tally t = Sum(cells, Live, FindingKind::kLossWindowExceeded);
    const double w = any->engine.claim_window_s;
    cell = Verdicted(t, "crashes",
                     fmt::format("{} writes lost that were older than the "
                                 "{:g} s window", t.found, w));
    if (t.units == 0) cell.text = "not tested (needs a process or power run)";
    cell.counts["window_s"] = w;
    return cell;
  }
  Tally t = Sum(cells, [](const MatrixCell&) { return true; },
                FindingKind::kLostCommit);
  if (claim == "every_ack") {
    cell = Verdicted(t, "crash states",
                     fmt::format("promises every acknowledged write; {} lost",
                                 t.found));
    cell.counts["window_s"] = 0;
    return cell;
  }
  cell.verdict = t.units > 0 ? Verdict::kNoPromise : Verdict::kNotTested;
  cell.text = t.units > 0 ? fmt::format("no promise documented ({} acknowledged "
                                        "writes lost in {} crash states checked)",
                                        t.found, t.units)
                          : "not tested";
  cell.counts = {{"crash states", t.units}, {"lost", t.found}};
  return cell;
}

// Order: the claim's order promise, judged by order and barrier
// violations in any mode.
TableCell Order(const std::vector<const MatrixCell*>& cells) {
  const Report* any = LastPlainReport(cells);
  TableCell cell;
  if (!any) {
    cell.text = "not tested";
    return cell;
  }
  const OrderPromise& promise = any->engine.claim_order;
  Tally t = Sum(
      cells, [](const MatrixCell&) { return true; },
      FindingKind::kOrderViolation);
  const Tally barrier = Sum(
      cells, [](const MatrixCell&) { return true; },
      FindingKind::kBarrierViolation);
  t.found += barrier.found;
  t.rounds_hit.insert(barrier.rounds_hit.begin(), barrier.rounds_hit.end());
  t.refs.insert(t.refs.end(), barrier.refs.begin(), barrier.refs.end());
  if (promise.prefix == PrefixScope::kNone && !promise.sync_barrier) {
    cell.verdict = t.units > 0 ? Verdict::kNoPromise : Verdict::kNotTested;
    cell.text = t.units > 0 ? "no order promise documented" : "not tested";
    cell.counts = {{"crash states", t.units}};
    return cell;
  }
  cell = Verdicted(t, "crash states",
                   fmt::format("promises {}; {} acknowledged writes lost while "
                               "a later one survived ({} order, {} barrier)",
                               promise.ToString(), t.found,
                               t.found - barrier.found, barrier.found));
  if (cell.verdict == Verdict::kHolds) {
    cell.text = fmt::format(
        "holds: promises {}; {} crash states checked, no acknowledged write "
        "lost while a later one survived{}",
        promise.ToString(), t.units,
        t.cut_short ? ", cut short by a budget" : "");
  }
  cell.counts["promise"] = promise.ToString();
  return cell;
}

// Loss shape: what every recovered state lost, in acknowledgement order.
TableCell Shape(const std::vector<const MatrixCell*>& cells) {
  LossShape shape;
  bool first = true;
  for (const MatrixCell* c : cells) {
    if (!Plain(*c) || !c->report->loss_shape.measured()) continue;
    if (first) {
      shape = c->report->loss_shape;
      first = false;
    } else {
      shape.Merge(c->report->loss_shape);
    }
  }
  TableCell cell;
  if (!shape.measured()) {
    cell.text = "not tested";
    return cell;
  }
  cell.verdict = Verdict::kObserved;
  cell.text = shape.Describe();
  cell.counts = shape.ToJson();
  return cell;
}

bool InDamagedRound(const Report& r, const ReportFinding& f) {
  if (f.kind == FindingKind::kRecoveryFailure) return false;  // refused: seen
  for (const RoundReport& round : r.rounds) {
    if (round.round == f.round && !round.at_rest.empty()) return true;
  }
  return false;
}

bool SeenTorn(const Report&, const ReportFinding& f) {
  return std::find(f.models.begin(), f.models.end(), "torn") != f.models.end();
}

TableCell Checksums(const std::vector<const MatrixCell*>& cells) {
  Tally t;
  for (const MatrixCell* c : cells) {
    if (!c->report) continue;
    const Report& r = *c->report;
    for (const RoundReport& round : r.rounds) t.units += !round.at_rest.empty();
    for (FindingKind k : {FindingKind::kCorruption, FindingKind::kLostCommit,
                          FindingKind::kAtomicity}) {
      AddFindings(*c, k, &t, InDamagedRound);
    }
    for (const auto& m : r.crash.model_stats) {
      if (m.name == "torn") t.units += m.states;
    }
    AddFindings(*c, FindingKind::kCorruption, &t, SeenTorn);
    // Damaged file headers the explorer met in crash states (the `headers`
    // section): how the engine reacted to each.
    if (c->raw && c->raw->contains("headers")) {
      const json& headers = (*c->raw)["headers"];
      const json reactions = headers.value("damaged_states_by_reaction",
                                           headers.value("reactions", json::object()));
      for (const auto& [reaction, n] : reactions.items()) {
        if (!n.is_number_integer() || n.get<int64_t>() < 0) continue;
        t.units += n.get<uint64_t>();
        if (reaction == "silent") t.found += n.get<uint64_t>();
      }
    }
  }
  uint64_t regions = 0;
  for (const MatrixCell* c : cells) {
    if (!c->sweep) continue;
    auto files = ParseSweep(*c->sweep);
    if (!files.ok()) continue;
    for (const SweepFile& f : *files) {
      for (const SweepRegion& region : f.regions) {
        ++regions;
        if (ClassifyOutcome(region.outcome) == SweepClass::kSilent) ++t.found;
      }
    }
  }
  t.units += regions;
  TableCell cell = Verdicted(
      t, "damaged states",
      fmt::format("{} damaged states accepted silently", t.found));
  cell.counts.erase("acknowledged");
  cell.counts["sweep_regions"] = regions;
  if (cell.verdict == Verdict::kHolds) {
    cell.text = fmt::format("holds: {} damaged states, every one detected or "
                            "harmless", t.units);
  }
  return cell;
}

TableCell Isolation(const std::vector<const MatrixCell*>& cells) {
  TableCell cell;
  cell.text = "not tested";
  for (const MatrixCell* c : cells) {
    if (!c->raw || !c->raw->contains("isolation")) continue;
    const json& iso = (*c->raw)["isolation"];
    auto names = [&](const char* key) {
      std::vector<std::string> out;
      if (iso.contains(key) && iso[key].is_array()) {
        for (const json& n : iso[key]) out.push_back(n.get<std::string>());
      }
      return fmt::format("{}", fmt::join(out, ", "));
    };
    const std::string strongest = names("strongest_consistent");
    const std::string broken = names("not");
    cell.verdict = Verdict::kObserved;
    cell.counts = {{"txns", iso.value("/counts/txns"_json_pointer, 0)},
                   {"anomalies", iso.value("anomaly_counts", json::object())}};
    cell.text = fmt::format("{}{}{} ({} transactions)",
                            strongest.empty() ? "none" : strongest,
                            broken.empty() ? "" : "; not ", broken,
                            cell.counts["txns"].get<uint64_t>());
    break;
  }
  return cell;
}

// Drops the settings an engine has in common across all its columns.
std::vector<std::string> ShortLabels(
    const std::vector<std::vector<const MatrixCell*>>& by_column) {
  std::map<std::string, std::vector<const SettingMap*>> by_engine;
  for (const auto& cells : by_column) {
    by_engine[cells.front()->engine].push_back(&cells.front()->settings);
  }
  std::vector<std::string> out;
  for (const auto& cells : by_column) {
    const MatrixCell& c = *cells.front();
    const auto& siblings = by_engine[c.engine];
    SettingMap shown;
    for (const auto& [k, v] : c.settings) {
      bool common = siblings.size() > 1;
      for (const SettingMap* other : siblings) {
        auto it = other->find(k);
        common &= it != other->end() && it->second == v;
      }
      if (!common) shown[k] = v;
    }
    out.push_back(ConfigLabel(c.engine, shown));
  }
  return out;
}

}  // namespace

TableCell EvaluateProperty(Property p, const std::vector<const MatrixCell*>& cells) {
  switch (p) {
    case Property::kProcessCrash: return ProcessCrash(cells);
    case Property::kPowerCut: return PowerCut(cells);
    case Property::kLossWindow: return LossWindow(cells);
    case Property::kOrder:
      return Order(cells);
    case Property::kLossShape:
      return Shape(cells);
    case Property::kAtomicity: return Atomicity(cells);
    case Property::kRecovery: return Recovery(cells);
    case Property::kChecksums: return Checksums(cells);
    case Property::kIsolation: return Isolation(cells);
  }
  return {};
}

// A column's findings grouped by cause: every class of every cell, largest
// first, the crash mode named.
std::vector<Table::ClassRef> ColumnClasses(
    const std::vector<const MatrixCell*>& cells) {
  std::vector<Table::ClassRef> out;
  for (const MatrixCell* c : cells) {
    if (!c->report) continue;
    for (const FindingClass& k : c->report->classes) {
      out.push_back({k.kind, k.members.size(),
                     fmt::format("[{}] {}", c->crash, k.Headline()),
                     k.first.empty() ? "" : c->name + "#" + k.first});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Table::ClassRef& a, const Table::ClassRef& b) {
                     return a.count > b.count;
                   });
  return out;
}

Table BuildTable(const MatrixReport& m) {
  Table t;
  t.columns = m.Configs();
  std::vector<std::vector<const MatrixCell*>> by_column(t.columns.size());
  for (const MatrixCell& c : m.cells) {
    auto it = std::find(t.columns.begin(), t.columns.end(), c.Config());
    by_column[it - t.columns.begin()].push_back(&c);
  }
  t.labels = ShortLabels(by_column);
  for (const auto& cells : by_column) t.classes.push_back(ColumnClasses(cells));
  for (Property p : kAllProperties) {
    Table::Row row{p, {}};
    for (const auto& cells : by_column) row.cells.push_back(EvaluateProperty(p, cells));
    t.rows.push_back(std::move(row));
  }
  return t;
}

const ReportFinding* ResolveFinding(const MatrixReport& m, const std::string& ref,
                                    const MatrixCell** cell) {
  const auto hash = ref.rfind('#');
  if (hash == std::string::npos) return nullptr;
  for (const MatrixCell& c : m.cells) {
    if (c.name != ref.substr(0, hash) || !c.report) continue;
    for (const ReportFinding& f : c.report->findings) {
      if (f.id != ref.substr(hash + 1)) continue;
      if (cell) *cell = &c;
      return &f;
    }
  }
  return nullptr;
}

json Table::ToJson() const {
  json rows_json = json::array();
  for (const Row& row : rows) {
    json cells_json = json::array();
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const TableCell& c = row.cells[i];
      cells_json.push_back({{"column", columns[i]},
                            {"verdict", VerdictName(c.verdict)},
                            {"text", c.text},
                            {"counts", c.counts},
                            {"findings", c.findings}});
    }
    rows_json.push_back({{"property", PropertyId(row.property)},
                         {"title", PropertyTitle(row.property)},
                         {"statement", PropertyStatement(row.property)},
                         {"cells", cells_json}});
  }
  json classes_json = json::array();
  for (const auto& column : classes) {
    json list = json::array();
    for (const ClassRef& c : column) {
      list.push_back({{"kind", FindingKindName(c.kind)},
                      {"count", c.count},
                      {"headline", c.headline},
                      {"first", c.first}});
    }
    classes_json.push_back(std::move(list));
  }
  return {{"columns", columns},
          {"labels", labels},
          {"classes", classes_json},
          {"rows", rows_json}};
}

std::string Table::ToText() const {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    out += fmt::format("{}\n", columns[i]);
    if (i < classes.size() && !classes[i].empty()) {
      out += "  findings by cause:\n";
      for (const ClassRef& c : classes[i]) {
        out += fmt::format("    {:>6} {:<20} {}\n", c.count,
                           FindingKindName(c.kind), c.headline);
      }
    }
    for (const Row& row : rows) {
      out += fmt::format("  {:<50} {}\n", PropertyTitle(row.property),
                         row.cells[i].text);
    }
  }
  out += "\nProperties:\n";
  for (const Row& row : rows) {
    out += fmt::format("  {}: {}\n", PropertyTitle(row.property),
                       PropertyStatement(row.property));
  }
  return out;
}

std::string Table::ToMarkdown() const {
  auto esc = [](std::string s) {
    std::string out;
    for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return out;
  };
  std::string out;
  for (size_t i = 0; i < classes.size() && i < labels.size(); ++i) {
    if (classes[i].empty()) continue;
    if (out.empty()) out = "**Findings by cause**\n\n";
    for (const ClassRef& c : classes[i]) {
      out += fmt::format("- {}: {} x `{}`: {}\n", esc(labels[i]), c.count,
                         FindingKindName(c.kind), esc(c.headline));
    }
  }
  if (!out.empty()) out += "\n";
  out += "| property |";
  for (const std::string& c : labels) out += " " + esc(c) + " |";
  out += "\n|---|";
  for (size_t i = 0; i < columns.size(); ++i) out += "---|";
  out += "\n";
  for (const Row& row : rows) {
    out += fmt::format("| **{}**<br>{} |", PropertyTitle(row.property),
                       PropertyStatement(row.property));
    for (const TableCell& c : row.cells) out += " " + esc(c.text) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace crashlab
