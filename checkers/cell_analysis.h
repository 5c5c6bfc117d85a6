// CellAnalysis: which operations' writes are visible in recovered data.
//
// For every cell some operation wrote, the writers are listed in operation
// order, and the recovered value is matched against them. For operation o
// and each cell it wrote, the cell is
//   after     if o is the only writer whose value matches (and the base
//             does not),
//   before    if every matching writer is earlier than o (or the base),
//   ambiguous otherwise: a later writer's value is there (o's own write
//             would have been overwritten, so the cell cannot tell whether
//             o took effect), or several writers wrote the same value
//             (counters that went 1, 2, 1, or 1 twice because an earlier
//             in-flight increment is not in the model),
//   unexplained if nothing ever wrote the recovered value.
// The classification is sound: "before" proves o's write (and every later
// one) is not there; "after" proves o's write is there.
#ifndef CRASHLAB_CHECKERS_CELL_ANALYSIS_H_
#define CRASHLAB_CHECKERS_CELL_ANALYSIS_H_

#include <vector>

#include "checkers/check.h"

namespace crashlab {

// `after` is filled only where an oracle reads it: for operations that are
// also partly absent (atomicity) and for failed ones (corruption);
// `present` counts every operation's "after" cells (the order oracles).
struct OpPresence {
  std::vector<CellReport> after;
  std::vector<CellReport> before;
  size_t ambiguous = 0;
  size_t present = 0;
};

struct CellAnalysis {
  std::vector<OpPresence> ops;          // parallel to CheckInput::ops
  std::vector<CellReport> unexplained;  // values nothing wrote (expected:
                                        // the candidates, as a list)
};

// `in.index` must be set (CheckState sees to it).
CellAnalysis AnalyzeCells(const CheckInput& in);
// The cells that prove operation `op`'s write is there: O(its cells).
std::vector<CellReport> AfterEvidence(const CheckInput& in, size_t op);

// The individual oracles, run by CheckState.
void CheckDurability(const CheckInput& in, const CellAnalysis& a,
                     std::vector<Finding>* out);
void CheckAtomicity(const CheckInput& in, const CellAnalysis& a,
                    std::vector<Finding>* out);
void CheckCorruption(const CheckInput& in, const CellAnalysis& a,
                     std::vector<Finding>* out);
// Returns false when there is no data to check (recovery failed).
bool CheckRecovery(const CheckInput& in, std::vector<Finding>* out);
// The order oracles (order_violation, barrier_violation, a loss window
// counted in operations) and the state's loss shape; nothing without
// `in.order`. O(ops) plus the evidence of each violation.
void CheckOrder(const CheckInput& in, const CellAnalysis& a,
                std::vector<Finding>* out, LossStats* loss);

// "login #57" for summaries.
std::string OpLabel(const LogicalOp& op);
// A JSON value as short text for summaries.
std::string Show(const nlohmann::json& v);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_CELL_ANALYSIS_H_
