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

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "checkers/check_index.h"

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

// The pieces AnalyzeCells is made of, one cell at a time, so that a state
// can be analyzed as the previous one plus what changed (StateChecker,
// state_checker.h). Each needs `in.index`.
//
// A cell no invoked operation wrote must hold the base's value: its
// unexplained report if it does not (O(log cells written)).
std::optional<CellReport> UnwrittenCell(const CheckInput& in,
                                        const std::string& table,
                                        const std::string& key,
                                        const std::string& column);
// What written cell `at` (a position in the index) tells of its invoked
// writers, added to (sign = +1) or taken back from (-1) `a`: "before"
// evidence (kept in cell order) and ambiguous counts. Returns the cell's
// unexplained report instead when it holds a value no invoked writer
// wrote and the base did not hold. O(the cell's writers).
std::optional<CellReport> ApplyWrittenCell(const CheckInput& in, uint32_t at,
                                           int sign, CellAnalysis* a);
// Whether the oracles read operation `op`'s "after" evidence (it is also
// partly absent, or it failed).
bool NeedsAfter(const CheckInput& in, const CellAnalysis& a, size_t op);
// The cells that prove operation `op`'s write is there: O(its cells).
std::vector<CellReport> AfterEvidence(const CheckInput& in, size_t op);

// Lookups without copies: the row `key` of `table` (nullptr: absent), and
// what `row` holds in `column` (existence as a bool; null when absent).
const nlohmann::json* RowIn(const Rows& rows, const std::string& table,
                            const std::string& key);
const nlohmann::json& ValueIn(const nlohmann::json* row,
                              const std::string& column);

// Calls fn(table, key, row in a, row in b) for every row key of `a` or `b`,
// in order, once (a row absent from one side is nullptr there).
template <typename Fn>
void ForEachRowKey(const Rows& a, const Rows& b, Fn&& fn) {
  static const std::map<std::string, nlohmann::json> kNone;
  auto ta = a.begin(), tb = b.begin();
  while (ta != a.end() || tb != b.end()) {
    const bool take_a =
        tb == b.end() || (ta != a.end() && ta->first <= tb->first);
    const bool take_b =
        ta == a.end() || (tb != b.end() && tb->first <= ta->first);
    const std::string& table = take_a ? ta->first : tb->first;
    const auto& ka = take_a ? ta->second : kNone;
    const auto& kb = take_b ? tb->second : kNone;
    auto ia = ka.begin(), ib = kb.begin();
    while (ia != ka.end() || ib != kb.end()) {
      const bool key_a =
          ib == kb.end() || (ia != ka.end() && ia->first <= ib->first);
      const bool key_b =
          ia == ka.end() || (ib != kb.end() && ib->first <= ia->first);
      fn(table, key_a ? ia->first : ib->first, key_a ? &ia->second : nullptr,
         key_b ? &ib->second : nullptr);
      if (key_a) ++ia;
      if (key_b) ++ib;
    }
    if (take_a) ++ta;
    if (take_b) ++tb;
  }
}

// How the recovered value of one written cell matches its writers.
struct Match {
  const nlohmann::json* seen = nullptr;
  bool base_match = false;
  bool any = false;      // some invoked writer's value is there
  size_t lo = SIZE_MAX;  // first and last such writer
  size_t hi = 0;
  bool has_writer = false;  // some writer was invoked at all
};
Match MatchCell(const CheckInput& in, const CheckIndex::WrittenCell& wc);
// What a cell's match says of writer `op`.
enum class Seen : uint8_t { kAfter, kBefore, kAmbiguous };
Seen Classify(const Match& m, size_t op);

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
