// OutcomeTally: explored crash states counted by what the crash lost and
// how the engine took it.
//
// A state's "files" are the files whose writes, creates, renames or
// unlinks it dropped or tore (base names, UUIDs written UUID and digit runs
// N, so "gns.db-tlog", "mdl_tN-UUID", "N.log" group alike across runs);
// a clean prefix, which drops nothing before its crash point, is "(none)".
// For each group: how many states the engine recovered with no finding,
// recovered with findings (data lost, torn, corrupt), or refused to start
// on (recovery_failure). With a repair step configured (Skytable's `skyd
// repair`) the three read as repaired correctly, repaired with loss, and
// unusable after repair. Not thread-safe.
#ifndef CRASHLAB_HARNESS_EXPLORE_OUTCOME_TALLY_H_
#define CRASHLAB_HARNESS_EXPLORE_OUTCOME_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "core/persistence.h"
#include "core/trace.h"
#include "reports/report.h"

namespace crashlab {

// files: "gns.db-tlog", "auth.db + auth.db-wal", "(none)"; recovered: no
// finding; with_findings: recovered, but findings; refused: the engine did
// not start, hung or crashed.
using OutcomeRow = Report::OutcomeReport;

class OutcomeTally {
 public:
  explicit OutcomeTally(const Trace& trace);
  void Add(const CrashState& state, const Observation& seen,
           const std::vector<Finding>& found);
  // Rows by descending state count.
  std::vector<OutcomeRow> Rows() const;

 private:
  std::string FilesOf(const CrashState& state) const;

  const Trace& trace_;
  std::map<FileId, std::string> names_;  // last name each file had
  std::map<std::string, OutcomeRow> rows_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_OUTCOME_TALLY_H_
