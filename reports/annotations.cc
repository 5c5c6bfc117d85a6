#include "reports/annotations.h"

#include <set>

#include <fmt/format.h>

#include "reports/table.h"
#include "reports/property.h"

namespace crashlab {

std::string EscapeCommandData(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%') out += "%25";
    else if (ch == '\r') out += "%0D";
    else if (ch == '\n') out += "%0A";
    else out += ch;
  }
  return out;
}

std::string EscapeCommandProperty(const std::string& s) {
  std::string out;
  for (char ch : EscapeCommandData(s)) {
    if (ch == ':') out += "%3A";
    else if (ch == ',') out += "%2C";
    else out += ch;
  }
  return out;
}

std::string GitHubAnnotations(const MatrixReport& m, const std::string& file,
                              const GateResult* gate) {
  std::set<std::string> failing;  // "cell#F3" of findings failing the gate
  if (gate) {
    for (const FindingRef& r : gate->failing) {
      failing.insert(r.cell->name + "#" + r.finding->id);
    }
  }
  const Table table = BuildTable(m);
  std::string out;
  auto line = [&](const char* level, const std::string& title,
                  const std::string& message) {
    out += fmt::format("::{} file={},title={}::{}\n", level,
                       EscapeCommandProperty(file), EscapeCommandProperty(title),
                       EscapeCommandData(message));
  };
  for (const MatrixCell& c : m.cells) {
    if (c.report) continue;
    line("error", c.Config() + ": cell " + c.name + " did not run",
         c.error + "\ncrashlab " + fmt::format("{}", fmt::join(c.args, " ")));
  }
  for (const Table::Row& row : table.rows) {
    for (size_t col = 0; col < table.columns.size(); ++col) {
      const TableCell& cell = row.cells[col];
      if (cell.verdict != Verdict::kViolated) continue;
      std::string message = cell.text;
      if (!cell.findings.empty()) {
        if (const ReportFinding* f = ResolveFinding(m, cell.findings.front())) {
          message += fmt::format("\n{}: {}\nreplay: {}", f->id, f->summary, f->replay);
        }
      }
      bool error = !gate;
      for (const std::string& ref : cell.findings) error |= failing.count(ref) > 0;
      line(error ? "error" : "notice",
           table.columns[col] + ": " + PropertyTitle(row.property) +
               (error ? "" : " (accepted)"),
           message);
    }
  }
  return out;
}

}  // namespace crashlab
