// Plain-language wording for reports: what each finding kind means and what
// a reader can do about it. One place, so JSON, text, JUnit and HTML agree.
#ifndef CRASHLAB_REPORTS_WORDING_H_
#define CRASHLAB_REPORTS_WORDING_H_

#include <string>

#include "checkers/check.h"

namespace crashlab {

// One paragraph a non-specialist can act on.
std::string ExplainKind(FindingKind kind);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_WORDING_H_
