#include "checkers/check_index.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <utility>

#include "checkers/check.h"
#include "checkers/check_test_util.h"
#include "core/rng.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using testing_checkers::Describe;

// `n` operations of `w`, each completed as acknowledged.
std::vector<LogicalOp> Acked(AuthWorkload& w, int n) {
  std::vector<LogicalOp> ops;
  for (int i = 0; i < n; ++i) {
    ops.push_back(w.Next());
    w.Complete(ops.back(), true);
  }
  return ops;
}

// One index for a run, shared by every state (the explorer's way), gives
// exactly the findings of an index made for each state, on states that
// lose, add, change and half-apply rows.
TEST(CheckIndexTest, OneIndexForTheRunFindsWhatAFreshOneFinds) {
  AuthWorkload w(5);
  const Rows base = w.model();
  Rng rng(9);
  std::vector<LogicalOp> ops;
  std::vector<Rows> after;
  for (int i = 0; i < 150; ++i) {
    ops.push_back(w.Next());
    w.Complete(ops.back(), true);
    after.push_back(w.model());
  }
  const CheckIndex index(w.schema(), ops);
  size_t findings = 0;
  for (size_t k = 0; k <= ops.size(); ++k) {
    std::vector<OpStatus> status(ops.size(), OpStatus::kNotInvoked);
    for (size_t i = 0; i < k; ++i) {
      status[i] = rng.Uniform(20) == 0 ? OpStatus::kInFlight : OpStatus::kAcked;
    }
    if (k < ops.size()) status[k] = OpStatus::kInFlight;
    Observation seen;
    seen.rows = k == 0 ? base : after[k - 1];
    switch (rng.Uniform(5)) {
      case 0:
        if (k > 4) seen.rows = after[k - 4];  // lost the last three
        break;
      case 1:
        seen.rows["users"]["ghost"] = {{"username", "ghost"}, {"failed", 9}};
        break;
      case 2:
        if (!seen.rows["sessions"].empty()) {
          seen.rows["sessions"].erase(seen.rows["sessions"].begin());
        }
        break;
      default:
        break;
    }
    CheckInput fresh{w.schema(), ops, status, base, seen};
    CheckInput shared = fresh;
    shared.index = &index;
    const std::vector<Finding> want = CheckState(fresh);
    findings += want.size();
    ASSERT_EQ(Describe(CheckState(shared)), Describe(want)) << "state " << k;
  }
  EXPECT_GT(findings, 20u) << "the states should break something";
}

TEST(CheckIndexTest, CellsAreSortedWithWritersInOrder) {
  AuthWorkload w(3);
  const std::vector<LogicalOp> ops = Acked(w, 60);
  const CheckIndex index(w.schema(), ops);
  ASSERT_FALSE(index.cells().empty());
  for (size_t i = 1; i < index.cells().size(); ++i) {
    EXPECT_LT(index.cells()[i - 1].cell, index.cells()[i].cell);
  }
  for (size_t op = 0; op < ops.size(); ++op) {
    EXPECT_EQ(index.CellsOf(op).size(), ops[op].effects.size());
    for (const Effect& e : ops[op].effects) {
      const int64_t at = index.Find(e.cell);
      ASSERT_GE(at, 0) << e.cell.ToString();
      bool found = false;
      for (const auto& w2 : index.cells()[at].writers) found |= w2.op == op;
      EXPECT_TRUE(found);
    }
  }
  EXPECT_EQ(index.Find({"users", "nobody", ""}), -1);
}

// Find by (table, key, column) views agrees with a linear search over the
// cells, for every written cell and for near misses around each one (a
// key or column one character shorter or longer, the next table name).
TEST(CheckIndexTest, FindByNamesAgreesWithALinearSearch) {
  AuthWorkload w(4);
  const std::vector<LogicalOp> ops = Acked(w, 80);
  const CheckIndex index(w.schema(), ops, /*whole_rows=*/true);
  auto linear = [&index](const Cell& c) -> int64_t {
    for (size_t i = 0; i < index.cells().size(); ++i) {
      if (index.cells()[i].cell == c) return static_cast<int64_t>(i);
    }
    return -1;
  };
  size_t misses = 0;
  for (const auto& wc : index.cells()) {
    const Cell& c = wc.cell;
    std::vector<Cell> probes = {c,
                                {c.table, c.key + "x", c.column},
                                {c.table, c.key, c.column + "x"},
                                {c.table + "x", c.key, c.column}};
    if (!c.key.empty()) probes.push_back({c.table, c.key.substr(1), c.column});
    if (!c.column.empty()) {
      probes.push_back({c.table, c.key, c.column.substr(0, 1)});
    }
    for (const Cell& p : probes) {
      const int64_t want = linear(p);
      misses += want < 0;
      EXPECT_EQ(index.Find(p.table, p.key, p.column), want) << p.ToString();
      EXPECT_EQ(index.Find(p), want) << p.ToString();
    }
  }
  EXPECT_GT(misses, index.cells().size()) << "the near misses should miss";
}

// Whole rows: every cell's writers, carried ones included, are what the
// definition gives, computed the slow way from the operations' effects; an
// operation's cells are its own effects' cells, ascending. Checked on an
// index moved after it was built (its cells point into its own arrays).
TEST(CheckIndexTest, WholeRowWritersMatchTheirDefinition) {
  AuthWorkload w(6);
  const std::vector<LogicalOp> ops = Acked(w, 120);
  CheckIndex built(w.schema(), ops, /*whole_rows=*/true);
  const CheckIndex index = std::move(built);
  // Real writers: (cell -> [(op, value)]) in op order.
  std::map<Cell, std::vector<std::pair<uint32_t, const nlohmann::json*>>> real;
  for (uint32_t op = 0; op < ops.size(); ++op) {
    for (const Effect& e : ops[op].effects) real[e.cell].push_back({op, &e.value});
  }
  size_t carried = 0;
  for (const auto& wc : index.cells()) {
    const Cell& c = wc.cell;
    std::vector<std::tuple<uint32_t, const nlohmann::json*, bool>> want;
    for (const auto& [op, value] : real.at(c)) want.emplace_back(op, value, false);
    // op carries c when it changes c's row without deleting it, does not
    // write c itself, and an earlier op wrote c: with that writer's value.
    for (uint32_t op = 0; op < ops.size(); ++op) {
      bool touches = false, deletes = false, own = false;
      for (const Effect& e : ops[op].effects) {
        if (e.cell.table != c.table || e.cell.key != c.key) continue;
        touches = true;
        deletes |= e.cell.column.empty() && e.value == false;
        own |= e.cell == c;
      }
      if (!touches || deletes || own) continue;
      const nlohmann::json* last = nullptr;
      for (const auto& [writer, value] : real.at(c)) {
        if (writer < op) last = value;
      }
      if (last) want.emplace_back(op, last, true);
    }
    std::sort(want.begin(), want.end());
    std::vector<std::tuple<uint32_t, const nlohmann::json*, bool>> got;
    for (const auto& wr : wc.writers) got.emplace_back(wr.op, wr.value, wr.carried);
    std::vector<std::tuple<uint32_t, const nlohmann::json*, bool>> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, want) << c.ToString();
    for (size_t i = 1; i < got.size(); ++i) {
      EXPECT_LT(std::get<0>(got[i - 1]), std::get<0>(got[i])) << c.ToString();
    }
    for (const auto& wr : wc.writers) carried += wr.carried;
  }
  EXPECT_GT(carried, 20u) << "logins and failed logins carry user cells";
  for (uint32_t op = 0; op < ops.size(); ++op) {
    std::vector<Cell> mine;
    for (uint32_t at : index.CellsOf(op)) mine.push_back(index.cells()[at].cell);
    std::vector<Cell> want;
    for (const Effect& e : ops[op].effects) want.push_back(e.cell);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(mine, want) << "op " << op;
    for (uint32_t at : index.CarriedCellsOf(op)) {
      bool found = false;
      for (const auto& wr : index.cells()[at].writers) {
        found |= wr.op == op && wr.carried;
      }
      EXPECT_TRUE(found) << "op " << op;
    }
  }
}

}  // namespace
}  // namespace crashlab
