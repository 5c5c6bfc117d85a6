// Claims: what someone says an engine does, decided by the cells of one
// matrix run.
//
// A matrix file may carry `claims` (harness/cli/matrix_spec.h). Each is a
// statement with the observations that would support it and those that
// would refute it, and the numbers worth printing beside the verdict:
//
//   claims:
//     - id: loss-window
//       claim: Acknowledged writes are lost for up to 5 minutes after a crash
//       supports:
//         - {where: {crash: process, rs_window: "300"},
//            metric: lost_acknowledged, above: 0}
//       refutes:
//         - {where: {crash: process}, metric: oldest_loss_s, above: 300}
//       measure:
//         - {label: "oldest loss at rs_window=1", where: {rs_window: "1"},
//            metric: oldest_loss_s}
//       verdicts: {confirmed: "Right.", partly: "...", refuted: "..."}
//
// A check's cells are those matching every key of `where`: `engine`,
// `crash`, `workload`, `cell` (a substring of the cell's name) or any
// setting by name. Its value is the metric over those cells:
//   findings.KIND          findings of that kind (summed)
//   findings               every finding (summed)
//   lost_acknowledged      acknowledged ops live crashes lost (summed)
//   oldest_loss_s          the oldest such loss, seconds before its crash
//                          (the largest; -1 when nothing was lost)
//   ops_acknowledged, states_checked, recoveries   (summed)
//   outcomes.FIELD:FILES   explore states whose lost files include FILES,
//                          FIELD = states|recovered|with_findings|refused
//   /json/pointer          a number (or bool as 0/1) inside the cell's
//                          report.json, e.g. /isolation/anomaly_count
//                          (summed)
// and one comparison: above, at_least, below, at_most or equals.
//
// Verdict: confirmed (every support holds, no refutation holds), partly
// (both), refuted (a refutation holds, not every support), not shown
// (neither), undecided (a check matched no cell, or no cell had the
// metric). The claim's own words for its verdict, if it gives them, follow.
//
// Pure functions over parsed JSON; thread-safe.
#ifndef CRASHLAB_REPORTS_CLAIMS_H_
#define CRASHLAB_REPORTS_CLAIMS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "reports/matrix_report.h"

namespace crashlab {

struct ClaimCheck {
  std::map<std::string, std::string> where;
  std::string metric;
  std::string op;  // above | at_least | below | at_most | equals ("" = measure)
  double value = 0;
  std::string label;  // measures: what the number is
};

struct ClaimSpec {
  std::string id;
  std::string claim;
  std::string source;  // who claims it
  std::vector<ClaimCheck> supports, refutes, measures;
  std::map<std::string, std::string> verdicts;  // verdict -> words
};

// Parses a matrix file's `claims` list. Unknown keys, metrics and
// comparisons are InvalidArgument errors naming the claim.
Result<std::vector<ClaimSpec>> ParseClaims(const nlohmann::json& claims);
nlohmann::json ClaimsToJson(const std::vector<ClaimSpec>& specs);

struct CheckResult {
  std::string what;   // "lost_acknowledged > 0 where crash=process, ..."
  std::vector<std::string> cells;  // the cells it read
  std::optional<double> value;     // nullopt: no cell had the metric
  bool holds = false;
};

struct ClaimResult {
  std::string id, claim, source;
  std::string verdict;  // confirmed | partly | refuted | not shown | undecided
  std::string words;    // the claim's words for that verdict, if any
  std::vector<CheckResult> supports, refutes, measures;
  nlohmann::json ToJson() const;
};

// The value of `metric` in one cell's report.json; nullopt when the cell
// has no such number.
std::optional<double> CellMetric(const nlohmann::json& report,
                                 const std::string& metric);

std::vector<ClaimResult> DecideClaims(const std::vector<ClaimSpec>& specs,
                                      const MatrixReport& matrix);

// | claim | verdict | evidence | as a Markdown table (what the README shows).
std::string ClaimsMarkdown(const std::vector<ClaimResult>& results);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_CLAIMS_H_
