#include "reports/html.h"

#include <fmt/format.h>

#include "reports/claims.h"
#include "reports/html_charts.h"
#include "reports/markup.h"
#include "reports/property.h"
#include "reports/sweep.h"
#include "reports/table.h"

namespace crashlab {

namespace {

constexpr char kStyle[] = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1400px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:16px 0 4px}.muted{color:#666}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:6px 8px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
#summary-table{table-layout:fixed}#summary-table th:first-child{width:17%}
th{background:#f5f5f5}.stmt{font-weight:normal;color:#555;font-size:12px}
td.v-holds{background:#e8f5e9}td.v-violated{background:#ffebee}td.v-no-promise{background:#fff8e1}
td.v-observed{background:#e3f2fd}td.v-not-tested{background:#fafafa;color:#888}
.verdict-fail{color:#c62828}.verdict-pass{color:#2e7d32}.verdict-incomplete,.verdict-error{color:#ef6c00}
svg.chart{display:block;margin:8px 0 16px;font-size:11px;background:#fff}
svg.chart text{fill:#333}line.ack{stroke:#66bb6a;stroke-width:1}line.crash{stroke:#222;stroke-width:1.5}
line.link{stroke:#e57373;stroke-width:.6}line.axis{stroke:#999}circle.lost{fill:#c62828}
circle.lost.beyond{stroke:#000;stroke-width:1.5}rect.window{fill:#ffcdd2;opacity:.7}
article.finding{border:1px solid #eee;border-left:4px solid #c62828;padding:6px 12px;margin:10px 0}
code,pre{font:12px ui-monospace,monospace;background:#f5f5f5;padding:1px 4px}pre{padding:6px;white-space:pre-wrap}
)";

std::string VerdictClass(Verdict v) {
  std::string name = VerdictName(v);
  for (char& ch : name) ch = ch == ' ' ? '-' : ch;
  return "v-" + name;
}

std::string SummaryTable(const Table& t) {
  std::string out = "<table id=\"summary-table\"><thead><tr><th>Property</th>";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    out += "<th title=\"" + XmlEscape(t.columns[i]) + "\">" + XmlEscape(t.labels[i]) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const Table::Row& row : t.rows) {
    out += fmt::format("<tr data-property=\"{}\"><th>{}<div class=\"stmt\">{}</div></th>",
                       PropertyId(row.property), XmlEscape(PropertyTitle(row.property)),
                       XmlEscape(PropertyStatement(row.property)));
    for (const TableCell& c : row.cells) {
      out += fmt::format("<td class=\"{}\">{}</td>", VerdictClass(c.verdict),
                         XmlEscape(c.text));
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

// The matrix's claims and their verdicts, first thing after the title.
std::string ClaimsHtml(const MatrixReport& m) {
  if (m.claims.is_null()) return "";
  auto specs = ParseClaims(m.claims);
  if (!specs.ok()) return "";
  std::string out =
      "<h2>Claims</h2><table id=\"claims\"><thead><tr><th>Claim</th><th>Verdict"
      "</th><th>Evidence (measured in this run)</th></tr></thead><tbody>";
  for (const ClaimResult& r : DecideClaims(*specs, m)) {
    std::string evidence;
    auto add = [&](const CheckResult& c, const std::string& tag) {
      evidence += "<li>" + XmlEscape(tag + c.what) + ": <b>" +
                  (c.value ? fmt::format("{:g}", *c.value) : "no data") + "</b></li>";
    };
    for (const auto& c : r.supports) add(c, c.holds ? "holds: " : "does not hold: ");
    for (const auto& c : r.refutes) add(c, c.holds ? "refutes: " : "does not refute: ");
    for (const auto& c : r.measures) add(c, "");
    const char* cls = r.verdict == "confirmed" ? "v-holds"
                      : r.verdict == "refuted" ? "v-violated"
                                               : "v-no-promise";
    out += fmt::format(
        "<tr id=\"claim-{}\"><th>{}<div class=\"stmt\">{}</div></th><td "
        "class=\"{}\"><b>{}</b> {}</td><td><ul>{}</ul></td></tr>",
        XmlEscape(r.id), XmlEscape(r.claim), XmlEscape(r.source), cls,
        XmlEscape(r.verdict), XmlEscape(r.words), evidence);
  }
  return out + "</tbody></table>\n";
}

std::string StateHtml(const char* label, const StateRef& s) {
  std::string ranges;
  for (const auto& [a, b] : s.dropped) {
    ranges += (ranges.empty() ? "" : ", ") +
              (a == b ? std::to_string(a) : fmt::format("{}-{}", a, b));
  }
  return fmt::format(
      "<li>{}: <code>{}</code> (model {}, crash after trace record {}, {} "
      "record{} dropped{}{}{})</li>",
      label, XmlEscape(s.id), XmlEscape(s.model), s.position, s.dropped_count,
      s.dropped_count == 1 ? "" : "s", ranges.empty() ? "" : ": ",
      XmlEscape(ranges),
      s.torn_count ? fmt::format(", {} torn", s.torn_count) : "");
}

std::string FindingHtml(const MatrixCell& c, const ReportFinding& f) {
  std::string ops;
  for (const OpRef& o : f.ops) {
    ops += fmt::format("<li>#{} {} <code>{}</code> ({})</li>", o.id, XmlEscape(o.f),
                       XmlEscape(o.args.dump()), XmlEscape(o.status));
  }
  std::string cells;
  for (const CellReport& cr : f.cells) {
    cells += fmt::format("<tr><td><code>{}</code></td><td><code>{}</code></td>"
                         "<td><code>{}</code></td></tr>",
                         XmlEscape(cr.cell.ToString()), XmlEscape(cr.expected.dump()),
                         XmlEscape(cr.observed.dump()));
  }
  std::string out = fmt::format(
      "<article class=\"finding\" id=\"{0}-{1}\"><h3>{1} {2}: {3}</h3>"
      "<p>{4}</p><p class=\"muted\">Seen in {5} crash state{6}{7}.</p>",
      XmlEscape(c.name), XmlEscape(f.id), FindingKindName(f.kind), XmlEscape(f.summary),
      XmlEscape(f.explanation), f.states_affected, f.states_affected == 1 ? "" : "s",
      f.round > 0 ? fmt::format(", crash round {}", f.round) : "");
  if (!f.message.empty()) {
    out += "<p>The engine said: <code>" + XmlEscape(f.message) + "</code></p>";
  }
  if (!ops.empty()) out += "<p>Operations:</p><ul>" + ops + "</ul>";
  if (!cells.empty()) {
    out += "<table class=\"cells\"><tr><th>cell</th><th>expected</th><th>observed"
           "</th></tr>" + cells + "</table>";
  }
  out += "<ul class=\"state\">";
  if (f.minimized) out += StateHtml("Minimal crash state", f.minimal);
  out += StateHtml(f.minimized ? "Found in" : "Crash state", f.state);
  out += "</ul><p>Replay: <code class=\"replay\">" + XmlEscape(f.replay) +
         "</code></p></article>";
  return out;
}

// Every configuration's findings grouped by cause, largest class first:
// what the report leads with.
std::string ClassesHtml(const MatrixReport& m) {
  std::string rows;
  for (const MatrixCell& c : m.cells) {
    if (!c.report) continue;
    for (const FindingClass& k : c.report->classes) {
      const std::string first =
          k.first.empty() ? ""
                          : fmt::format("<a href=\"#{0}-{1}\">{1}</a>",
                                        XmlEscape(c.name), XmlEscape(k.first));
      rows += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td><code class=\"replay\">{}</code></td></tr>",
          XmlEscape(c.Config()), XmlEscape(c.crash), FindingKindName(k.kind),
          k.members.size(), XmlEscape(k.Headline()), first,
          XmlEscape(k.replay));
    }
  }
  if (rows.empty()) return "";
  return "<h2>Findings by cause</h2><p class=\"muted\">Findings of one kind "
         "whose crash states lost the same kinds of records in the same "
         "files, at the same place relative to the acknowledgement, form one "
         "class; report.json lists every member.</p><table id=\"classes\">"
         "<thead><tr><th>configuration</th><th>run</th><th>kind</th>"
         "<th>count</th><th>cause</th><th>first</th><th>replay</th></tr>"
         "</thead><tbody>" +
         rows + "</tbody></table>\n";
}

std::string CellSection(const MatrixCell& c, size_t max_findings) {
  std::string out = fmt::format("<section class=\"cell\" id=\"cell-{}\"><h3>{} &mdash; "
                                "{} run, workload {} ({} ops, seed {})</h3>",
                                XmlEscape(c.name), XmlEscape(c.Config()),
                                XmlEscape(c.crash), XmlEscape(c.workload), c.ops, c.seed);
  if (!c.report) {
    return out + "<p class=\"verdict-error\">No report: " + XmlEscape(c.error) +
           "</p></section>";
  }
  const Report& r = *c.report;
  out += fmt::format(
      "<p>Verdict <b class=\"verdict-{0}\">{0}</b>{1}. {2} operations "
      "acknowledged; {3} crash states checked, {4} recoveries, in {5:.1f} s.</p>",
      XmlEscape(r.summary.verdict),
      r.summary.reason.empty() ? "" : " (" + XmlEscape(r.summary.reason) + ")",
      r.summary.ops_acknowledged, r.summary.states_checked, r.summary.recoveries,
      r.summary.duration_s);
  if (r.loss_shape.measured()) {
    out += "<p>Loss shape: " + XmlEscape(r.loss_shape.Describe()) + ".</p>";
  }
  if (!r.classes.empty()) {
    out += "<ul class=\"classes\">";
    for (const FindingClass& k : r.classes) {
      out += fmt::format("<li><b>{}</b> {} &times; {}: {}</li>",
                         XmlEscape(k.id), k.members.size(),
                         FindingKindName(k.kind), XmlEscape(k.Headline()));
    }
    out += "</ul>";
  }
  size_t shown = 0;
  for (const ReportFinding& f : r.findings) {
    if (shown++ == max_findings) break;
    out += FindingHtml(c, f);
  }
  const size_t more = r.findings.size() - std::min(r.findings.size(), max_findings) +
                      r.findings_omitted;
  if (more > 0) {
    out += fmt::format("<p class=\"muted\">{} more findings in the JSON report.</p>",
                       more);
  }
  return out + "</section>";
}

}  // namespace

std::string ToHtml(const MatrixReport& m, const HtmlOptions& options) {
  const Table table = BuildTable(m);
  const std::string title =
      options.title.empty() ? "crashlab reliability report: " + m.name : options.title;
  std::string loss_charts, sweep_charts;
  for (const MatrixCell& c : m.cells) {
    if (c.report) {
      loss_charts += fmt::format("<h3>{} &mdash; {} run</h3>", XmlEscape(c.Config()),
                                 XmlEscape(c.crash)) + LossWindowChart(c);
    }
    if (!c.sweep) continue;
    auto files = ParseSweep(*c.sweep);
    sweep_charts += "<h3>" + XmlEscape(c.Config()) + "</h3>" +
                    (files.ok() ? SweepMapChart(*files)
                                : "<p class=\"muted\">sweep.json not understood: " +
                                      XmlEscape(files.status().message()) + "</p>");
  }
  std::string cells;
  for (const MatrixCell& c : m.cells) cells += CellSection(c, options.max_findings_per_cell);
  const std::string verdict = m.Verdict();
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" "
      "content=\"width=device-width\"><title>{0}</title>"
      "<style>{1}</style></head><body>\n<h1>{0}</h1><p>Verdict <b "
      "class=\"verdict-{2}\">{2}</b> over {3} run{4} of {5} engine "
      "configuration{6}; crashlab {7}.</p>\n{14}{13}<h2>Summary</h2>{8}\n"
      "<h2>Findings by kind</h2>{9}\n<h2>Acknowledged operations and crash "
      "points</h2>"
      "<p class=\"muted\">Green ticks are acknowledged operations, black lines "
      "crash points, red dots acknowledged operations that a crash lost; the "
      "shaded span is a round's loss window. A ringed dot was lost beyond the "
      "window the engine "
      "promises.</p>{10}\n{11}<h2>Findings</h2>{12}\n</body></html>\n",
      XmlEscape(title), kStyle, verdict, m.cells.size(),
      m.cells.size() == 1 ? "" : "s", table.columns.size(),
      table.columns.size() == 1 ? "" : "s", XmlEscape(m.tool_version),
      SummaryTable(table), FindingsByKindChart(m), loss_charts,
      sweep_charts.empty()
          ? ""
          : "<h2>Corruption sweep coverage</h2><p class=\"muted\">Each bar is "
            "a "
            "file; each region was damaged alone and the engine restarted: "
            "green "
            "means detected or repaired, red silently accepted.</p>" +
                sweep_charts + "\n",
      cells, ClaimsHtml(m), ClassesHtml(m));
}

}  // namespace crashlab
