#include "checkers/state_checker.h"

#include <algorithm>
#include <utility>

#include "checkers/auth_invariants.h"

namespace crashlab {

using nlohmann::json;

StateChecker::StateChecker(const Schema& schema,
                           const std::vector<LogicalOp>& ops, const Rows& base,
                           const CheckIndex& index)
    : schema_(schema), ops_(ops), base_(base), index_(index) {}

CheckInput StateChecker::Input(const std::vector<OpStatus>& status,
                               const Observation& seen) const {
  CheckInput in{schema_, ops_, status, base_, seen};
  in.index = &index_;
  return in;
}

void StateChecker::Rebuild(const CheckInput& in) {
  a_ = CellAnalysis();
  a_.ops.resize(ops_.size());
  unwritten_.clear();
  written_unexplained_.clear();
  with_after_.clear();
  ForEachRowKey(in.observed.rows, base_,
                [&](const std::string& table, const std::string& key,
                    const json*, const json*) {
                  for (const std::string& column : index_.ColumnsOf(table)) {
                    auto r = UnwrittenCell(in, table, key, column);
                    if (r) unwritten_.emplace(r->cell, std::move(*r));
                  }
                });
  for (uint32_t at = 0; at < index_.cells().size(); ++at) {
    auto r = ApplyWrittenCell(in, at, +1, &a_);
    if (r) written_unexplained_.emplace(at, std::move(*r));
  }
}

void StateChecker::Update(const CheckInput& prev, const CheckInput& in) {
  // The cells that may tell something new: those of changed rows, and
  // those written by operations whose status changed.
  std::vector<Cell> cells;
  std::vector<uint32_t> written;
  if (&prev.observed != &in.observed) {
    ForEachRowKey(prev.observed.rows, in.observed.rows,
                  [&](const std::string& table, const std::string& key,
                      const json* before, const json* now) {
                    if (before && now && *before == *now) return;
                    for (const std::string& c : index_.ColumnsOf(table)) {
                      Cell cell{table, key, c};
                      const int64_t at = index_.Find(cell);
                      if (at >= 0) written.push_back(at);
                      cells.push_back(std::move(cell));
                    }
                  });
  }
  for (size_t op = 0; op < ops_.size(); ++op) {
    if (prev.status[op] == in.status[op]) continue;
    for (uint32_t at : index_.CellsOf(op)) {
      written.push_back(at);
      cells.push_back(index_.cells()[at].cell);
    }
    for (uint32_t at : index_.CarriedCellsOf(op)) written.push_back(at);
  }
  std::sort(cells.begin(), cells.end());
  cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
  std::sort(written.begin(), written.end());
  written.erase(std::unique(written.begin(), written.end()), written.end());

  for (const Cell& c : cells) {
    unwritten_.erase(c);
    auto r = UnwrittenCell(in, c.table, c.key, c.column);
    if (r) unwritten_.emplace(c, std::move(*r));
  }
  for (uint32_t at : written) {
    (void)ApplyWrittenCell(prev, at, -1, &a_);
    written_unexplained_.erase(at);
    auto r = ApplyWrittenCell(in, at, +1, &a_);
    if (r) written_unexplained_.emplace(at, std::move(*r));
  }
}

void StateChecker::FinishAnalysis(const CheckInput& in) {
  for (uint32_t op : with_after_) a_.ops[op].after.clear();
  with_after_.clear();
  for (size_t op = 0; op < ops_.size(); ++op) {
    if (!NeedsAfter(in, a_, op)) continue;
    a_.ops[op].after = AfterEvidence(in, op);
    if (!a_.ops[op].after.empty()) with_after_.push_back(op);
  }
  a_.unexplained.clear();
  for (const auto& [cell, r] : unwritten_) a_.unexplained.push_back(r);
  for (const auto& [at, r] : written_unexplained_) a_.unexplained.push_back(r);
}

std::vector<Finding> StateChecker::Check(
    const CheckInput& given, std::shared_ptr<const Observation> seen,
    LossStats* loss) {
  std::vector<Finding> out;
  if (!CheckRecovery(given, &out)) return out;
  CheckInput in = given;
  in.index = &index_;
  if (valid_) {
    Update(Input(status_, *seen_), in);
    ++incremental_;
  } else {
    Rebuild(in);
    ++full_;
  }
  if (!valid_ || seen != seen_) auth_ = AuthFactsOf(schema_, *seen);
  valid_ = true;
  FinishAnalysis(in);
  seen_ = std::move(seen);
  status_ = in.status;
  CheckDurability(in, a_, &out);
  CheckAtomicity(in, a_, &out);
  CheckCorruption(in, a_, &out);
  CheckOrder(in, a_, &out, loss);
  CheckAuthState(in, auth_, &out);
  return out;
}

}  // namespace crashlab
