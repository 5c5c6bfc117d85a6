// The comparison table: reliability properties (rows) by engine
// configuration (columns), each cell a verdict with the counts behind it.
//
// A cell's verdict is derived only from the evidence in the reports of that
// configuration's matrix cells: which crash modes ran, how many crashes or
// crash states were checked, and the findings by kind. Where no cell
// exercised a property the verdict is "not tested" — the table never
// invents a verdict. Verdicts:
//   holds       exercised, no violation seen (cut-short runs say so in text);
//   violated    at least one finding shows the property broken;
//   no promise  bounded loss only: the engine documents no durability
//               promise for these settings, so there is nothing to keep;
//   observed    isolation only: the level the histories were consistent with;
//   not tested  no cell exercised it.
// Evidence per row (cells run with a fault plan count only for checksums):
//   process crash   lost_commit findings of `process` cells, per crash;
//   power cut       lost_commit findings of `explore` and `power` cells;
//   promised window the engine's claim: `window` is judged by
//                   loss_window_exceeded in live cells, `every_ack` by any
//                   lost_commit, `none` is "no promise";
//   order           order_violation and barrier_violation findings, any
//                   mode, where the claim promises a prefix or a sync
//                   barrier ("no promise" otherwise);
//   loss shape      the reports' loss_shape sections merged: "observed"
//                   with the worst shape and its counts;
//   atomicity, recovery  atomicity / recovery_failure findings, any mode;
//   checksums       at-rest corruption rounds, torn-write states, damaged
//                   headers met while exploring (`headers` section) and
//                   corruption-sweep regions: silent acceptance violates;
//   isolation       the report's `isolation` section, if any.
// Pure functions of a MatrixReport; thread-compatible.
#ifndef CRASHLAB_REPORTS_TABLE_H_
#define CRASHLAB_REPORTS_TABLE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/matrix_report.h"
#include "reports/property.h"

namespace crashlab {

enum class Verdict : uint8_t { kHolds, kViolated, kNoPromise, kObserved, kNotTested };
const char* VerdictName(Verdict v);

struct TableCell {
  Verdict verdict = Verdict::kNotTested;
  std::string text;       // "violated: 12 lost in 3 of 5 crashes"
  nlohmann::json counts = nlohmann::json::object();  // the numbers behind it
  std::vector<std::string> findings;  // "cell-name/F3" references
};

struct Table {
  // One class of findings of a column (reports/finding_classes.h).
  struct ClassRef {
    FindingKind kind = FindingKind::kLostCommit;
    uint64_t count = 0;
    std::string headline;  // "[explore] 300 acknowledged operations lost: ..."
    std::string first;     // "cell-name#F1", or "" when none is detailed
  };
  std::vector<std::string> columns;  // engine configurations (full)
  // Short column headings: an engine's settings that are the same in all
  // its columns are left out (an engine with one column keeps them all).
  std::vector<std::string> labels;
  struct Row {
    Property property;
    std::vector<TableCell> cells;  // parallel to columns
  };
  std::vector<Row> rows;  // one per Property, in kAllProperties order
  // Per column, its findings by cause, largest first: what the text and
  // Markdown forms lead with.
  std::vector<std::vector<ClassRef>> classes;

  nlohmann::json ToJson() const;
  // Fixed-width text for terminals (one block per column when wide).
  std::string ToText() const;
  // GitHub-flavoured Markdown (job summaries, PR comments).
  std::string ToMarkdown() const;
};

Table BuildTable(const MatrixReport& m);

// Resolves a TableCell::findings reference ("cell-name#F3"); null when the
// report does not hold it.
const ReportFinding* ResolveFinding(const MatrixReport& m, const std::string& ref,
                                    const MatrixCell** cell = nullptr);

// The evidence for one property from the cells of one configuration.
TableCell EvaluateProperty(Property p, const std::vector<const MatrixCell*>& cells);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_TABLE_H_
