// Finding classes: a run's findings grouped by cause.
//
// A configuration that loses 300 acknowledged operations the same way has
// one reason, not 300. Findings fall into one class when they are of the
// same kind and their crash states have the same *cause shape*: which kinds
// of records (write, create, rename, torn write, ...) the crash dropped or
// tore, in which files (named as harness/explore/outcome_tally.h groups them:
// "N.log", "auth.db-wal"), and where those records lay relative to the
// lost operation's acknowledgement (before it, after it, or nothing lost
// at all). The harness
// works the shape out from the minimal crash state when minimization ran,
// else the representative one (harness/record/finding_cause.h).
//
// report.json (crashlab-report/2) lists the classes, largest first, each
// with every member (fingerprint, operations, states showing it, and its
// finding id when the finding is detailed in `findings`), so nothing is
// lost to --max-findings; each detailed finding names its class. Pure
// functions; thread-compatible.
#ifndef CRASHLAB_REPORTS_FINDING_CLASSES_H_
#define CRASHLAB_REPORTS_FINDING_CLASSES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "core/status.h"

namespace crashlab {

struct ClassMember {
  std::string fingerprint;  // the finding's (Finding::Key)
  std::vector<uint64_t> ops;
  uint64_t states_affected = 0;
  std::string finding;  // "F3" when detailed in the report, "" otherwise
};

struct FindingClass {
  std::string id;  // "C1", "C2", ... largest first
  FindingKind kind = FindingKind::kLostCommit;
  std::string shape;  // stable: "before-ack:write auth.db-wal"
  std::string cause;  // what each member shows, after "each": "was
                      // acknowledged after a write to auth.db-wal that no
                      // fsync covered"
  std::vector<ClassMember> members;  // in report order
  std::string first;   // id of the first detailed member ("" if none)
  std::string replay;  // its replay command ("" if none)

  // "300 acknowledged operations lost: each was acknowledged after ...".
  std::string Headline() const;
  nlohmann::json ToJson() const;
  static Result<FindingClass> FromJson(const nlohmann::json& j);
};

// One finding as grouping sees it.
struct ClassInput {
  FindingKind kind = FindingKind::kLostCommit;
  std::string shape, cause;
  ClassMember member;
  std::string replay;  // of the detailed finding, if any
};

// Groups findings by (kind, shape): classes by descending size, then kind
// and shape; members in the order given; ids C1, C2, ...; `first` is each
// class's first member with a finding id.
std::vector<FindingClass> GroupIntoClasses(const std::vector<ClassInput>& in);

// The classes of shards merged (reports/merge.h): members united by
// fingerprint (states summed), regrouped, each member linked to its
// finding in `findings` (already merged and numbered), whose class ids are
// set. `findings` are taken to be in report order.
struct ReportFinding;
std::vector<FindingClass> MergeClasses(
    const std::vector<std::vector<FindingClass>>& shards,
    std::vector<ReportFinding>* findings);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_FINDING_CLASSES_H_
