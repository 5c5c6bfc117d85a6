// GitHub Actions annotations: `::error file=F,title=T::MESSAGE` lines that
// a workflow step prints to turn findings into annotations on the run.
//
// One ::error per violated property per configuration (title
// "CONFIG: PROPERTY", message the table cell's text, the first finding's
// summary and its replay command) and one per matrix cell that produced no
// report. With a gate, only properties violated by failing (new) findings are
// annotated as errors; the rest become ::notice lines. Property values are
// escaped as GitHub's workflow-command parser requires (% CR LF : ,) and
// messages for % CR LF.
#ifndef CRASHLAB_REPORTS_ANNOTATIONS_H_
#define CRASHLAB_REPORTS_ANNOTATIONS_H_

#include <string>

#include "reports/baseline.h"
#include "reports/matrix_report.h"

namespace crashlab {

// `file` is the path the annotations point at (the report, as given).
std::string GitHubAnnotations(const MatrixReport& m, const std::string& file,
                              const GateResult* gate = nullptr);

std::string EscapeCommandProperty(const std::string& s);
std::string EscapeCommandData(const std::string& s);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_ANNOTATIONS_H_
