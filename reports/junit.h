// JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters).
//
// One <testsuite> per engine configuration, one <testcase> per reliability
// property in it (classname "crashlab.<configuration>", name the property's
// title). A violated property is a <failure> whose message is the table
// cell's text and whose body carries the property's statement and, for each
// finding behind it (at most `max_findings`), its explanation and replay
// command. "not tested" is <skipped>; "holds", "no promise" and "observed"
// pass, with the cell's text in <system-out>. A matrix cell that produced no
// report is an <error> test case of its configuration. The output validates
// against reports/schema/junit.xsd (the Ant/Jenkins JUnit layout).
#ifndef CRASHLAB_REPORTS_JUNIT_H_
#define CRASHLAB_REPORTS_JUNIT_H_

#include <string>

#include "reports/matrix_report.h"

namespace crashlab {

std::string ToJUnitXml(const MatrixReport& m, size_t max_findings = 5);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_JUNIT_H_
