// Inline SVG charts for the HTML report (reports/html.h). Each function
// returns one self-contained <svg> element (no scripts, no external
// resources) whose marks carry classes the tests count:
//
//   LossWindowChart   class "chart loss-window": operations on the x axis,
//                     acknowledged ones as ticks (class "ack"), crash points
//                     as vertical lines (class "crash"), lost acknowledged
//                     operations as red circles (class "lost"), and per live
//                     round the span from the earliest lost operation to the
//                     crash shaded (class "window"): the loss window. For an
//                     offline exploration the crash points are the findings'
//                     crash states (trace positions, top axis) joined to the
//                     operation each lost.
//   FindingsByKindChart  class "chart by-kind": one stacked bar per
//                     configuration, one segment (class "seg") per finding
//                     kind with findings, and a legend.
//   SweepMapChart     class "chart sweep-map": one row per file, one
//                     rectangle (class "region") per swept region coloured by
//                     the engine's reaction, and a legend.
// Pure functions; empty string when there is nothing to draw.
#ifndef CRASHLAB_REPORTS_HTML_CHARTS_H_
#define CRASHLAB_REPORTS_HTML_CHARTS_H_

#include <string>
#include <vector>

#include "reports/matrix_report.h"
#include "reports/sweep.h"

namespace crashlab {

std::string LossWindowChart(const MatrixCell& cell);
std::string FindingsByKindChart(const MatrixReport& m);
std::string SweepMapChart(const std::vector<SweepFile>& files);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_HTML_CHARTS_H_
