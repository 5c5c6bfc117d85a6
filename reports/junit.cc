#include "reports/junit.h"

#include <fmt/format.h>

#include "reports/markup.h"
#include "reports/table.h"
#include "reports/property.h"

namespace crashlab {

namespace {

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
};

std::string FailureBody(const MatrixReport& m, Property p, const TableCell& cell,
                        size_t max_findings) {
  std::string body = fmt::format("{}\n{}\n", PropertyStatement(p), cell.text);
  size_t shown = 0;
  for (const std::string& ref : cell.findings) {
    if (shown == max_findings) {
      body += fmt::format("\n... {} more findings in the report\n",
                          cell.findings.size() - shown);
      break;
    }
    const MatrixCell* where = nullptr;
    const ReportFinding* f = ResolveFinding(m, ref, &where);
    if (!f) continue;
    ++shown;
    body += fmt::format("\n{} {} ({}, {} run): {}\n{}\nreplay: {}\n", f->id,
                        FindingKindName(f->kind), where->name, where->crash,
                        f->summary, f->explanation, f->replay);
  }
  return body;
}

std::string TestCase(const MatrixReport& m, const std::string& classname,
                     Property p, const TableCell& cell, size_t max_findings,
                     Counts* n) {
  ++n->tests;
  std::string out = fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n",
                                XmlEscape(PropertyTitle(p)), XmlEscape(classname));
  if (cell.verdict == Verdict::kViolated) {
    ++n->failures;
    out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                       XmlEscape(cell.text), PropertyId(p),
                       XmlEscape(FailureBody(m, p, cell, max_findings)));
  } else if (cell.verdict == Verdict::kNotTested) {
    ++n->skipped;
    out += fmt::format("      <skipped message=\"{}\"/>\n", XmlEscape(cell.text));
  } else {
    out += fmt::format("      <system-out>{}</system-out>\n", XmlEscape(cell.text));
  }
  return out + "    </testcase>\n";
}

}  // namespace

std::string ToJUnitXml(const MatrixReport& m, size_t max_findings) {
  const Table table = BuildTable(m);
  Counts total;
  std::string suites;
  for (size_t col = 0; col < table.columns.size(); ++col) {
    const std::string& config = table.columns[col];
    const std::string classname = "crashlab." + config;
    Counts n;
    std::string cases;
    double seconds = 0;
    for (const MatrixCell& c : m.cells) {
      if (c.Config() != config) continue;
      seconds += c.duration_s;
      if (c.report) continue;
      ++n.tests;
      ++n.errors;
      cases += fmt::format(
          "    <testcase name=\"run {}\" classname=\"{}\" time=\"{:.3f}\">\n"
          "      <error message=\"{}\" type=\"run\">crashlab {}</error>\n"
          "    </testcase>\n",
          XmlEscape(c.name), XmlEscape(classname), c.duration_s, XmlEscape(c.error),
          XmlEscape(fmt::format("{}", fmt::join(c.args, " "))));
    }
    for (const Table::Row& row : table.rows) {
      cases += TestCase(m, classname, row.property, row.cells[col], max_findings, &n);
    }
    suites += fmt::format(
        "  <testsuite name=\"{}\" id=\"{}\" package=\"crashlab\" tests=\"{}\" "
        "failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\" "
        "hostname=\"localhost\">\n{}  </testsuite>\n",
        XmlEscape(config), col, n.tests, n.failures, n.errors, n.skipped, seconds,
        cases);
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
    total.skipped += n.skipped;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"crashlab {}\" tests=\"{}\" failures=\"{}\" "
      "errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}</testsuites>\n",
      XmlEscape(m.name), total.tests, total.failures, total.errors,
      total.skipped, m.duration_s, suites);
}

}  // namespace crashlab
