// `crashlab report html REPORT -o FILE`: the report as one self-contained
// HTML page for people.
//
// No network and no scripts: CSS is inline in <style>, charts are inline
// SVG (reports/html_charts.h). The page holds, in order: the verdict line;
// the comparison table (id "summary-table": one row per property with its
// plain statement, one column per engine configuration, cells classed by
// verdict); the charts (findings by kind per configuration, then per cell
// acknowledged operations vs crash points with the lost ones marked, then
// the corruption-sweep coverage map of every cell that has a sweep); and
// per cell its findings, each with the plain explanation, the operations
// and cells involved, the minimal crash state and the replay command
// (class "finding"; at most `max_findings_per_cell` each, the rest counted).
#ifndef CRASHLAB_REPORTS_HTML_H_
#define CRASHLAB_REPORTS_HTML_H_

#include <string>

#include "reports/matrix_report.h"

namespace crashlab {

struct HtmlOptions {
  std::string title;  // default: from the report
  size_t max_findings_per_cell = 50;
};

std::string ToHtml(const MatrixReport& m, const HtmlOptions& options = {});

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_HTML_H_
