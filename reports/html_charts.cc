#include "reports/html_charts.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/markup.h"

namespace crashlab {

namespace {

constexpr double kWidth = 760, kLeft = 56, kRight = 16;
constexpr double kPlot = kWidth - kLeft - kRight;
constexpr size_t kMaxMarks = 400;  // lost marks drawn per chart at most

const char* KindColor(FindingKind k) {
  static const std::map<std::string, const char*> kColors = {
      {"lost_commit", "#c62828"},      {"atomicity", "#6a1b9a"},
      {"corruption", "#ef6c00"},       {"recovery_failure", "#1565c0"},
      {"loss_window_exceeded", "#ad1457"}, {"invariant", "#00838f"},
      {"torn_header", "#4e342e"}};
  auto it = kColors.find(FindingKindName(k));
  return it == kColors.end() ? "#555" : it->second;
}

// Linear map of [0, max] onto the plot's width.
struct Axis {
  double max = 1;
  double X(double v) const { return kLeft + kPlot * std::clamp(v / max, 0.0, 1.0); }
};

std::string Text(double x, double y, const std::string& s, const char* anchor = "start") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>",
                     x, y, anchor, XmlEscape(s));
}

struct Lost {
  uint64_t op = 0;
  int round = 0;
  uint64_t position = 0;  // crash point (trace records) of its state
  bool beyond_window = false;
  std::string id, summary;
};

std::vector<Lost> LostOps(const Report& r) {
  std::set<std::pair<int, uint64_t>> beyond;
  for (const ReportFinding& f : r.findings) {
    if (f.kind != FindingKind::kLossWindowExceeded) continue;
    for (const OpRef& o : f.ops) beyond.insert({f.round, o.id});
  }
  std::vector<Lost> out;
  for (const ReportFinding& f : r.findings) {
    if (f.kind != FindingKind::kLostCommit || f.ops.empty()) continue;
    const uint64_t op = f.ops.front().id;
    out.push_back({op, f.round, f.state.position, beyond.count({f.round, op}) > 0,
                   f.id, f.summary});
    if (out.size() == kMaxMarks) break;
  }
  return out;
}

std::string AckTicks(const Axis& x, uint64_t first, uint64_t last, double y) {
  std::string out;
  for (uint64_t op = first; op <= last; ++op) {
    out += fmt::format("<line class=\"ack\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" "
                       "y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>",
                       x.X(op), y, y + 8);
  }
  return out;
}

std::string LostMark(const Axis& x, const Lost& l, double y) {
  return fmt::format(
      "<circle class=\"lost{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"><title>{}: "
      "{}</title></circle>",
      l.beyond_window ? " beyond" : "", x.X(l.op), y, XmlEscape(l.id),
      XmlEscape(l.summary));
}

// Live runs: rounds follow each other along the operations; each ends at
// its crash, and the operations it lost sit just before that line.
std::string LiveMarks(const Report& r, const Axis& x, const std::vector<Lost>& lost) {
  std::string out;
  uint64_t next = 1;
  for (const RoundReport& round : r.rounds) {
    const uint64_t first = next;
    const uint64_t last_acked = first + round.ops_acknowledged - 1;
    const double crash_at = round.killed_during_op > 0
                                ? round.killed_during_op
                                : static_cast<double>(last_acked) + 0.5;
    uint64_t earliest = UINT64_MAX;
    for (const Lost& l : lost) {
      if (l.round == round.round) earliest = std::min(earliest, l.op);
    }
    if (earliest != UINT64_MAX) {
      out += fmt::format(
          "<rect class=\"window\" x=\"{:.1f}\" y=\"40\" width=\"{:.1f}\" "
          "height=\"70\"><title>round {}: loss window</title></rect>",
          x.X(earliest - 0.5), std::max(1.0, x.X(crash_at) - x.X(earliest - 0.5)),
          round.round);
    }
    if (round.ops_acknowledged > 0) out += AckTicks(x, first, last_acked, 100);
    out += fmt::format(
        "<line class=\"crash\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"34\" y2=\"116\">"
        "<title>round {1}: {2}</title></line>",
        x.X(crash_at), round.round, XmlEscape(round.trigger));
    next = std::max<uint64_t>(last_acked + 1 + (round.killed_during_op > 0),
                              round.killed_during_op + 1);
  }
  for (const Lost& l : lost) out += LostMark(x, l, 75);
  return out;
}

// Offline exploration: crash points are trace positions (top axis); each
// lost operation is joined to the crash point of the state that lost it.
std::string ExploreMarks(const Report& r, const Axis& x, const std::vector<Lost>& lost) {
  Axis pos{std::max<double>(1, r.trace.records)};
  std::string out;
  if (r.summary.ops_acknowledged > 0) out += AckTicks(x, 1, r.summary.ops_acknowledged, 100);
  std::set<uint64_t> drawn;
  for (const Lost& l : lost) {
    out += fmt::format(
        "<line class=\"link\" x1=\"{:.1f}\" y1=\"40\" x2=\"{:.1f}\" y2=\"75\"/>",
        pos.X(l.position), x.X(l.op));
    if (!drawn.insert(l.position).second) continue;
    out += fmt::format(
        "<line class=\"crash\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"28\" y2=\"40\">"
        "<title>crash at trace record {1}</title></line>",
        pos.X(l.position), l.position);
  }
  for (const Lost& l : lost) out += LostMark(x, l, 75);
  out += Text(kLeft, 22, "crash point (trace record) \u2192");
  out += Text(kWidth - kRight, 22, std::to_string(r.trace.records), "end");
  return out;
}

}  // namespace

std::string LossWindowChart(const MatrixCell& cell) {
  if (!cell.report) return "";
  const Report& r = *cell.report;
  const std::vector<Lost> lost = LostOps(r);
  uint64_t n = std::max<uint64_t>({r.workload.ops, r.summary.ops_invoked, 1});
  for (const Lost& l : lost) n = std::max(n, l.op);
  Axis x{static_cast<double>(n) + 1};
  std::string body = r.rounds.empty() ? ExploreMarks(r, x, lost) : LiveMarks(r, x, lost);
  body += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"120\" y2=\"120\"/>",
                      kLeft, kWidth - kRight);
  body += Text(kLeft, 136, "operation 1") + Text(kWidth - kRight, 136,
                                                  std::to_string(n), "end");
  body += Text(kLeft + kPlot / 2, 136, "operations in order \u2192", "middle");
  body += Text(4, 104, "acked") + Text(4, 79, "lost");
  return fmt::format(
      "<svg class=\"chart loss-window\" data-cell=\"{}\" data-lost=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} 146\" width=\"{}\" "
      "height=\"146\" role=\"img\"><title>{}: acknowledged operations, crash "
      "points and lost operations</title>{}</svg>",
      XmlEscape(cell.name), lost.size(), kWidth, kWidth, XmlEscape(cell.Config()),
      body);
}

std::string FindingsByKindChart(const MatrixReport& m) {
  const std::vector<std::string> configs = m.Configs();
  std::map<std::string, std::map<FindingKind, uint64_t>> counts;
  uint64_t most = 1;
  for (const std::string& config : configs) {
    uint64_t total = 0;
    for (const MatrixCell& c : m.cells) {
      if (c.Config() != config || !c.report) continue;
      for (FindingKind k : kAllFindingKinds) {
        auto it = c.report->summary.by_kind.find(FindingKindName(k));
        const uint64_t v = it == c.report->summary.by_kind.end() ? 0 : it->second;
        counts[config][k] += v;
        total += v;
      }
    }
    most = std::max(most, total);
  }
  // Each configuration's label above its bar: labels are long.
  constexpr double kRow = 40;
  const double bar_width = kPlot - 48;  // room for the total
  std::string body;
  double y = 4;
  for (const std::string& config : configs) {
    body += Text(kLeft, y + 12, config);
    double at = kLeft;
    uint64_t total = 0;
    for (FindingKind k : kAllFindingKinds) {
      const uint64_t v = counts[config][k];
      if (v == 0) continue;
      const double w = std::max(1.0, bar_width * v / most);
      body += fmt::format(
          "<rect class=\"seg kind-{0}\" data-count=\"{1}\" x=\"{2:.1f}\" "
          "y=\"{3:.1f}\" width=\"{4:.1f}\" height=\"16\" fill=\"{5}\"><title>{0}: "
          "{1}</title></rect>",
          FindingKindName(k), v, at, y + 17, w, KindColor(k));
      at += w;
      total += v;
    }
    body += Text(at + 4, y + 29, total == 0 ? "no findings" : std::to_string(total));
    y += kRow;
  }
  double lx = kLeft;
  for (FindingKind k : kAllFindingKinds) {
    const double w = 14 + 6.5 * std::string(FindingKindName(k)).size() + 14;
    if (lx + w > kWidth - kRight) {  // wrap the legend
      lx = kLeft;
      y += 16;
    }
    body += fmt::format("<rect class=\"key\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" "
                        "height=\"10\" fill=\"{}\"/>",
                        lx, y + 4, KindColor(k));
    body += Text(lx + 14, y + 13, FindingKindName(k));
    lx += w;
  }
  const double height = y + 24;
  return fmt::format(
      "<svg class=\"chart by-kind\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\">"
      "<title>Findings by kind per configuration</title>{2}</svg>",
      kWidth, height, body);
}

std::string SweepMapChart(const std::vector<SweepFile>& files) {
  if (files.empty()) return "";
  auto color = [](const std::string& outcome) {
    switch (ClassifyOutcome(outcome)) {
      case SweepClass::kProtected: return "#2e7d32";
      case SweepClass::kSilent: return "#c62828";
      case SweepClass::kFailed: return "#ef6c00";
      case SweepClass::kOther: break;
    }
    return "#9e9e9e";
  };
  constexpr double kRow = 34;
  std::string body;
  double y = 6;
  for (const SweepFile& f : files) {
    Axis x{std::max<double>(1, f.size)};
    body += Text(kLeft, y + 10, fmt::format("{} ({} bytes, {} regions)", f.path,
                                            f.size, f.regions.size()));
    for (const SweepRegion& r : f.regions) {
      body += fmt::format(
          "<rect class=\"region\" x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" "
          "height=\"14\" fill=\"{}\"><title>{}+{}: {}</title></rect>",
          x.X(r.offset), y + 14, std::max(0.5, x.X(r.offset + r.length) - x.X(r.offset)),
          color(r.outcome), r.offset, r.length, XmlEscape(r.outcome));
    }
    y += kRow;
  }
  const char* keys[][2] = {{"detected or repaired", "#2e7d32"},
                           {"silently accepted", "#c62828"},
                           {"crash or hang", "#ef6c00"},
                           {"other", "#9e9e9e"}};
  double lx = kLeft;
  for (const auto& [label, fill] : keys) {
    body += fmt::format("<rect class=\"key\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" "
                        "height=\"10\" fill=\"{}\"/>",
                        lx, y + 4, fill);
    body += Text(lx + 14, y + 13, label);
    lx += 160;
  }
  return fmt::format(
      "<svg class=\"chart sweep-map\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\">"
      "<title>Corruption sweep: which regions are protected</title>{2}</svg>",
      kWidth, y + 24, body);
}

}  // namespace crashlab
