// FindingSet: the distinct findings of a whole exploration.
//
// The same finding (same kind, same operations: Finding::Key) shows up in
// many crash states. The set keeps one entry per key with the number of
// states that showed it, the models it appeared under, and one crash state
// to show and replay: the one that dropped the fewest operations, so a
// reader sees the simplest way it happens.
#ifndef CRASHLAB_HARNESS_FINDING_SET_H_
#define CRASHLAB_HARNESS_FINDING_SET_H_

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
#include "harness/timeline.h"
#include "reports/report.h"

namespace crashlab {

class FindingSet {
 public:
  void Add(const Finding& f, const CrashState& state, const Hash128& image);

  size_t size() const { return entries_.size(); }
  // Distinct findings per kind name (every kind present, 0 included).
  std::map<std::string, uint64_t> CountByKind() const;

  // Report entries ordered by kind, then first crash position; at most
  // `limit` (0 = all). `replay` makes the replay command for a state id
  // and finding id.
  std::vector<ReportFinding> ToReport(
      const std::vector<LogicalOp>& ops, const Timeline& timeline,
      size_t limit,
      const std::function<std::string(const std::string& state_id,
                                      const std::string& finding_id)>& replay)
      const;

 private:
  struct Entry {
    Finding finding;
    CrashState state;
    Hash128 image;
    uint64_t states = 0;
    std::set<std::string> models;
  };
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_FINDING_SET_H_
