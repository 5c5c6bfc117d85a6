// StateChecker: CheckState for the many crash states of one run, each
// state checked as the previous one plus what differs from it.
//
// The explorer checks states in crash-position order: from one state to
// the next only a few operations change status (a mark passes) and the
// recovered rows either are the very same observation (states sharing an
// image) or differ in a few rows (the next image holds one more commit).
// CheckState walks every written cell and every recovered row each time;
// StateChecker keeps the previous state's cell analysis (checkers/
// cell_analysis.h) and redoes only
//   - the cells of rows that differ between the two observations (none
//     when both are the same object; found by walking both row maps
//     otherwise), and
//   - the cells written by operations whose status changed.
// Every other cell tells the same about its writers as before: its value,
// its base and its writers' statuses are unchanged. The auth invariants
// read the rows once per observation (AuthFactsOf) and apply each state's
// statuses to what they found. Findings are exactly CheckState's, in the same order
// (state_checker_test.cc compares them on thousands of perturbed states).
//
// Cost per state: O(ops) bytes compared for statuses, O(rows) map steps
// for a different observation, plus O(writers of the changed cells) and
// the auth pass for a different observation; not O(cells written).
//
// The checker keeps the previous observation alive (shared_ptr) to compare
// with. Schema, ops, base and index must outlive it and must not change.
// Not thread-safe: one checker per thread.
#ifndef CRASHLAB_CHECKERS_STATE_CHECKER_H_
#define CRASHLAB_CHECKERS_STATE_CHECKER_H_

#include <map>
#include <memory>
#include <vector>

#include "checkers/auth_invariants.h"
#include "checkers/cell_analysis.h"
#include "checkers/check.h"
#include "checkers/check_index.h"

namespace crashlab {

class StateChecker {
 public:
  StateChecker(const Schema& schema, const std::vector<LogicalOp>& ops,
               const Rows& base, const CheckIndex& index);

  // CheckState(in) for `in` = {schema, ops, status, base, *seen, ...} with
  // this checker's schema, ops, base and index (in.index may be null).
  // With `in.order` set, also the order oracles, and the state's loss shape
  // in `loss` (as CheckState).
  std::vector<Finding> Check(const CheckInput& in,
                             std::shared_ptr<const Observation> seen,
                             LossStats* loss = nullptr);

  // States analyzed from scratch and incrementally so far.
  uint64_t full_states() const { return full_; }
  uint64_t incremental_states() const { return incremental_; }

 private:
  CheckInput Input(const std::vector<OpStatus>& status,
                   const Observation& seen) const;
  void Rebuild(const CheckInput& in);
  void Update(const CheckInput& prev, const CheckInput& in);
  void FinishAnalysis(const CheckInput& in);

  const Schema& schema_;
  const std::vector<LogicalOp>& ops_;
  const Rows& base_;
  const CheckIndex& index_;

  // The analysis of the previous state, with what it was made of.
  bool valid_ = false;
  std::shared_ptr<const Observation> seen_;
  std::vector<OpStatus> status_;
  CellAnalysis a_;
  std::map<Cell, CellReport> unwritten_;             // in cell order
  std::map<uint32_t, CellReport> written_unexplained_;  // by position
  std::vector<uint32_t> with_after_;  // ops whose `after` is filled
  AuthRowFacts auth_;                 // of seen_'s rows
  uint64_t full_ = 0, incremental_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_STATE_CHECKER_H_
