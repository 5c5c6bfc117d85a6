// CheckIndex: what the oracles need to know about a run's operations,
// derived once per run instead of once per crash state.
//
// CheckState compares every crash state of a run with the same operations;
// only their status at the crash and the recovered rows change from state
// to state. The index holds what depends on the operations alone: every
// cell some operation writes, in Cell order, with its writers in operation
// order; each operation's cells; each auth user's operations. With it a
// state costs O(cells written + rows recovered) of lookups, with no
// allocation per written cell, instead of rebuilding maps of every effect
// and rescanning every operation for each session and token.
//
// The index points into `ops` (values, names): `ops` must outlive it and
// must not change. Immutable after construction, so one index may serve
// states checked on several threads.
#ifndef CRASHLAB_CHECKERS_CHECK_INDEX_H_
#define CRASHLAB_CHECKERS_CHECK_INDEX_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data_model.h"

namespace crashlab {

class CheckIndex {
 public:
  struct Writer {
    uint32_t op;                  // index into ops
    const nlohmann::json* value;  // the value its effect leaves in the cell
    // Whole rows only: `op` rewrote this cell of a row it changed with the
    // value the last earlier writer left. Such a write may explain what a
    // cell holds (so the earlier writer's is ambiguous there), but is no
    // evidence of `op` itself: an earlier writer that did not take effect
    // makes it carry an older value.
    bool carried = false;
  };
  struct WrittenCell {
    Cell cell;
    // In operation order; a slice of one array the index holds for every
    // cell (not a vector per cell: an index is built for every crash a
    // fuzzer checks).
    std::span<const Writer> writers;
  };

  // `whole_rows`: the engine writes rows whole (CheckInput::whole_rows),
  // so every operation that changes a row without deleting it also gets a
  // carried writer for each other cell of the row an earlier one wrote.
  CheckIndex(const Schema& schema, const std::vector<LogicalOp>& ops,
             bool whole_rows = false);
  // cells() point into the index's own arrays: moves keep them valid,
  // copies would not.
  CheckIndex(const CheckIndex&) = delete;
  CheckIndex& operator=(const CheckIndex&) = delete;
  CheckIndex(CheckIndex&&) = default;
  CheckIndex& operator=(CheckIndex&&) = default;

  const std::vector<LogicalOp>& ops() const { return *ops_; }
  // Every written cell, in Cell order.
  const std::vector<WrittenCell>& cells() const { return cells_; }
  // Position of `cell` in cells(), or -1 when no operation writes it
  // (binary search).
  int64_t Find(const Cell& cell) const {
    return Find(cell.table, cell.key, cell.column);
  }
  // The same for the cell (table, key, column), without building a Cell.
  int64_t Find(std::string_view table, std::string_view key,
               std::string_view column) const;
  // Positions in cells() of the cells operation `op` writes, ascending.
  std::span<const uint32_t> CellsOf(size_t op) const {
    return {op_cells_.data() + op_cells_begin_[op],
            op_cells_.data() + op_cells_begin_[op + 1]};
  }
  // Positions of the cells operation `op` has a carried writer on (whole
  // rows only), ascending: what its status changes besides CellsOf.
  const std::vector<uint32_t>& CarriedCellsOf(size_t op) const {
    return carried_cells_.empty() ? kNoCells : carried_cells_[op];
  }
  // Auth: the operations whose args name `user`, in order (nullptr: none).
  const std::vector<uint32_t>* OpsOfUser(const std::string& user) const;
  // Cells of one row, sorted: existence, then the schema's columns by name
  // (only existence for a table the schema does not know).
  const std::vector<std::string>& ColumnsOf(const std::string& table) const;

 private:
  void AddCarriedWriters();
  // Points each cell's writers into writers_: `counts[i]` of them for
  // cells_[i], cell after cell.
  void SliceWriters(const std::vector<uint32_t>& counts);

  const std::vector<LogicalOp>* ops_;
  std::vector<WrittenCell> cells_;
  std::vector<Writer> writers_;  // every cell's writers, cell after cell
  // Operation i's cells are op_cells_[op_cells_begin_[i], [i + 1]).
  std::vector<uint32_t> op_cells_;
  std::vector<uint32_t> op_cells_begin_;
  std::vector<std::vector<uint32_t>> carried_cells_;  // empty: none
  static inline const std::vector<uint32_t> kNoCells;
  std::unordered_map<std::string, std::vector<uint32_t>> user_ops_;
  std::map<std::string, std::vector<std::string>> columns_;
  std::vector<std::string> existence_only_ = {""};
};

// The username an auth operation's args name, or "".
std::string AuthUserOf(const nlohmann::json& args);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_CHECK_INDEX_H_
