// Minimizer: the smallest crash that still shows a finding.
//
// Method: delta debugging (Zeller's ddmin) over what a crash state lost —
// its dropped records and its torn writes. A candidate keeps a subset of
// those losses and lets every other record persist whole; it "still shows
// the finding" when the engine, recovered on the candidate's image, gives a
// finding with the same fingerprint under the same checks (same crash
// position, so clients were told the same things). The result is
// 1-minimal within the test budget: removing any single loss makes the
// finding disappear (complete == true), or the best found when the budget
// ran out (complete == false). It never loses more than the original.
// Recoveries are cached by image hash. Not thread-safe.
#ifndef CRASHLAB_HARNESS_EXPLORE_MINIMIZE_H_
#define CRASHLAB_HARNESS_EXPLORE_MINIMIZE_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/check.h"
#include "core/fs_image.h"
#include "core/persistence.h"
#include "core/trace.h"
#include "engines/engine.h"
#include "harness/record/timeline.h"

namespace crashlab {

struct MinimizeResult {
  CrashState minimal;
  Hash128 image;          // the minimal state's image
  uint64_t tests = 0;     // candidates recovered and checked
  bool complete = false;  // 1-minimal (not cut short by the budget)
};

class Minimizer {
 public:
  Minimizer(const Trace& trace, const FsImage& base, Engine& engine,
            const Schema& schema, const std::vector<LogicalOp>& ops,
            const Timeline& timeline, const Rows& base_rows,
            std::string scratch_dir)
      : trace_(trace), base_(base), engine_(engine), schema_(schema),
        ops_(ops), timeline_(timeline), base_rows_(base_rows),
        scratch_(std::move(scratch_dir)) {}

  // The order checks the run made (order and barrier violations, a loss
  // window in operations), so findings of theirs can be minimized too.
  // `order` must outlive the minimizer; nullptr: none.
  void set_order(const AckOrder* order, const OrderPromise& promise) {
    order_ = order;
    promise_ = promise;
  }

  // Shrinks `state` while the finding `fingerprint` still shows, trying at
  // most `max_tests` candidates and stopping at `deadline_ms` (monotonic).
  Result<MinimizeResult> Minimize(const CrashState& state,
                                  const std::string& fingerprint,
                                  int max_tests, int64_t deadline_ms);

 private:
  // A loss: a dropped record (tear_index < 0) or a torn write.
  struct Loss {
    uint32_t record = 0;
    int tear_index = -1;  // index into the original state's torn list
  };
  CrashState Candidate(const CrashState& original,
                       const std::vector<Loss>& keep_lost) const;
  Result<bool> Shows(const CrashState& candidate,
                     const std::string& fingerprint);

  const Trace& trace_;
  const FsImage& base_;
  Engine& engine_;
  const Schema& schema_;
  const std::vector<LogicalOp>& ops_;
  const Timeline& timeline_;
  const Rows& base_rows_;
  std::string scratch_;
  const AckOrder* order_ = nullptr;
  OrderPromise promise_;
  std::unordered_map<Hash128, Observation, Hash128Hasher> recovered_;
  uint64_t tests_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_MINIMIZE_H_
