// Gating: which findings fail a CI run.
//
// A finding's `fingerprint` in report.json identifies it within one run
// ("lost_commit:17": kind and operation ids), which is what shard merges
// need, but operation ids and crash positions shift whenever the workload,
// the seed or the engine's timing does. For baselines and diffs a finding
// is identified instead by its *stable fingerprint*:
//
//   ENGINE CONFIG | crash mode | workload | kind | crash-state shape
//   e.g. "sqlite synchronous=off|explore|auth|lost_commit|
//         model=drop-unsynced;ops=signup:acknowledged;cells=users.exists"
//
// where the shape is what the minimal crash state (or the representative
// one, if not minimized) looks like: its persistence model, whether it
// dropped or tore records, the kinds and standings of the operations
// involved and the table columns the evidence is in. Many findings of one
// run may share a stable fingerprint (every acknowledged signup lost the
// same way); they are one accepted weakness.
//
// A baseline file (`crashlab-baseline/1`) lists accepted stable
// fingerprints; `crashlab report baseline REPORT -o FILE` writes one from a
// report. Gate() then fails only on findings whose kind is in --fail-on
// (all kinds by default) and whose fingerprint the baseline does not
// accept. Pure functions; thread-compatible.
#ifndef CRASHLAB_REPORTS_BASELINE_H_
#define CRASHLAB_REPORTS_BASELINE_H_

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "reports/matrix_report.h"

namespace crashlab {

constexpr char kBaselineSchemaId[] = "crashlab-baseline/1";

std::string StateShape(const ReportFinding& f);
std::string StableFingerprint(const MatrixCell& cell, const ReportFinding& f);

// A finding of a result set, with where it was found.
struct FindingRef {
  const MatrixCell* cell = nullptr;
  const ReportFinding* finding = nullptr;
  std::string fingerprint;  // stable
};
std::vector<FindingRef> CollectFindings(const MatrixReport& m);

struct Baseline {
  std::set<std::string> accepted;
};
Result<Baseline> ReadBaseline(const std::string& path);
// A baseline accepting every finding of `m` (one entry per fingerprint,
// with an example summary so people can review what they accept).
nlohmann::json BaselineJson(const MatrixReport& m);

// "lost_commit,atomicity" -> kinds; "all" or "" -> every kind.
Result<std::set<FindingKind>> ParseKinds(const std::string& list);

struct GatePolicy {
  std::set<FindingKind> fail_on;      // empty: every kind fails
  const Baseline* baseline = nullptr;  // null: nothing is accepted
  bool active() const { return !fail_on.empty() || baseline; }
};

struct GateResult {
  std::vector<FindingRef> failing;   // new findings of a failing kind
  std::vector<FindingRef> accepted;  // in the baseline
  std::vector<FindingRef> ignored;   // kinds not in --fail-on
  // Cells whose run failed without any finding (isolation anomalies, which
  // are not finding kinds): no fingerprint, so no baseline accepts them.
  std::vector<const MatrixCell*> failing_cells;
  int exit_code = 0;
  // Lines for the terminal: counts, then each failing finding.
  std::string Summary() const;
};

// Exit code: 1 when any finding fails the gate or a cell failed without
// findings; otherwise 3 if a cell could not run, 4 if any cell was cut
// short, else 0.
GateResult Gate(const MatrixReport& m, const GatePolicy& policy);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_BASELINE_H_
