// FindingSet: the distinct findings of a whole run.
//
// The same finding (same kind, same operations: Finding::Key) shows up in
// many crash states. The set keeps one entry per key with the number of
// states that showed it, the models it appeared under, and one crash state
// to show and replay: the one that lost the fewest operations (dropped or
// torn), first in the space on a tie, so a reader sees the simplest way it
// happens and shards merge to exactly the unsharded choice. Each entry
// also keeps the cause shape of that state
// (harness/record/finding_cause.h), so the report can group findings by
// cause (reports/finding_classes.h).
#ifndef CRASHLAB_HARNESS_RECORD_FINDING_SET_H_
#define CRASHLAB_HARNESS_RECORD_FINDING_SET_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/check.h"
#include "core/hash.h"
#include "core/persistence.h"
#include "harness/record/finding_cause.h"
#include "reports/report.h"

namespace crashlab {

// Where a finding was seen.
struct FindingContext {
  const std::vector<LogicalOp>& ops;     // the operations checked
  const std::vector<OpStatus>& status;   // their status at the crash
  const CrashState& state;
  Hash128 image;
  int round = 0;         // live runs: the crash round (1-based); 0 = none
  std::string run_dir;   // directory holding the state's trace.bin
  uint64_t ordinal = 0;  // the state's place in its space (ties go to the
                         // first, so shards merge to the unsharded result)
  const CauseNamer* causes = nullptr;  // of the state's trace; nullptr: none
};

// Makes the replay command for (run_dir, state id, finding id).
using ReplayCommandFn = std::function<std::string(
    const std::string& run_dir, const std::string& state_id,
    const std::string& finding_id)>;

class FindingSet {
 public:
  void Add(const Finding& f, const FindingContext& where);

  size_t size() const { return entries_.size(); }
  // Distinct findings per kind name (every kind present, 0 included).
  std::map<std::string, uint64_t> CountByKind() const;
  // Report entries ordered by kind, round, then crash position: the first
  // `limit` (0 = all), and the first member of every class beyond them.
  // With `classes`, also every finding grouped by cause.
  std::vector<ReportFinding> ToReport(
      size_t limit, const ReplayCommandFn& replay,
      std::vector<FindingClass>* classes = nullptr) const;

  // (fingerprint, simplest state) of the findings the report details (the
  // first `limit` and each class's first member), in report order, not yet
  // minimized: what minimization works on. A minimized state can change a
  // finding's class, so callers repeat until this is empty or time is up.
  std::vector<std::pair<std::string, CrashState>> Representatives(
      size_t limit) const;
  // Records the minimized state of finding `fingerprint` and, when
  // `causes` is given, takes its cause from that state.
  void SetMinimal(const std::string& fingerprint, const CrashState& minimal,
                  const Hash128& image, uint64_t tests, bool complete,
                  const CauseNamer* causes = nullptr);

 private:
  struct Entry {
    Finding finding;
    std::vector<OpRef> ops;
    CrashState state;
    Hash128 image;
    int round = 0;
    std::string run_dir;
    uint64_t ordinal = 0;
    uint64_t states = 0;
    std::set<std::string> models;
    bool minimized = false;
    CrashState minimal;
    Hash128 minimal_image;
    uint64_t minimize_tests = 0;
    bool minimize_complete = false;
    Cause cause;
  };
  std::vector<const Entry*> Ordered(size_t limit) const;
  // What ToReport details: the first `limit` (0 = all) in report order, and
  // the first member of every class (kind, cause shape).
  std::vector<const Entry*> Detailed(size_t limit) const;
  // The entry's cause shape ("unknown" without one: history findings).
  static std::string ShapeOf(const Entry& e);
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_FINDING_SET_H_
