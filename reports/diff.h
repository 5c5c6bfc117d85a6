// `crashlab report diff OLD NEW`: which findings are new, fixed or unchanged
// between two reports (run or matrix), by stable fingerprint
// (reports/baseline.h).
//
// A fingerprint only in NEW is new; only in OLD is fixed, but only when NEW
// ran the same configuration, crash mode and workload (otherwise it was not
// compared, and is listed as such rather than claimed fixed); in both is
// unchanged. Pure functions; thread-compatible.
#ifndef CRASHLAB_REPORTS_DIFF_H_
#define CRASHLAB_REPORTS_DIFF_H_

#include <string>
#include <vector>

#include "reports/baseline.h"
#include "reports/matrix_report.h"

namespace crashlab {

struct DiffEntry {
  std::string fingerprint;
  std::string kind;
  std::string config;
  std::string example;  // one finding's summary
  std::string replay;   // its replay command
  uint64_t findings = 0;  // findings sharing the fingerprint
};

struct FindingDiff {
  std::vector<DiffEntry> added, fixed, unchanged, not_compared;
  int ExitCode() const { return added.empty() ? 0 : 1; }
  std::string ToText() const;
  nlohmann::json ToJson() const;
};

FindingDiff DiffResults(const MatrixReport& old_results,
                        const MatrixReport& new_results);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_DIFF_H_
