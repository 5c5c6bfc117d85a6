// At-rest corruption: the `corrupt` rules of a fault plan, applied by the
// harness to the files of the engine's data directory after a crash and
// before the restart (the disk rotted while the engine was down).
//
// Each restart is one occurrence for every file a rule's path matches, so
// "nth", "every", "probability" (seeded by the plan) and "times" count
// restarts per rule. Modes: flip (every byte of [offset, offset+length)
// XOR 0xff), zero (the range becomes zeros), truncate (the file is cut to
// `offset` bytes). A range past the end of a file is clipped; a rule whose
// range misses the file entirely changes nothing and says so.
//
// Not thread-safe; one per live run.
#ifndef CRASHLAB_HARNESS_LIVE_AT_REST_H_
#define CRASHLAB_HARNESS_LIVE_AT_REST_H_

#include <string>
#include <vector>

#include "core/fault_plan.h"
#include "core/status.h"

namespace crashlab {

class AtRestCorruptor {
 public:
  explicit AtRestCorruptor(const FaultPlan& plan);

  bool empty() const { return matchers_.empty(); }

  // Applies the rules that fire on this restart to the regular files below
  // `dir`; returns one line per change ("rule-1: flip auth.db [4096,
  // 4112)").
  Result<std::vector<std::string>> Apply(const std::string& dir);

 private:
  std::vector<Matcher> matchers_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_LIVE_AT_REST_H_
