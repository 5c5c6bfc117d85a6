#include "workloads/ddl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace crashlab {
namespace {

using K = SchemaChangeKind;
const std::vector<K> kAll = {K::kCreateNamespace, K::kDropNamespace,
                             K::kCreateTable,     K::kDropTable,
                             K::kAddColumns,      K::kDropColumn,
                             K::kCreateUser,      K::kDropUser};
const std::vector<K> kTablesOnly = {K::kCreateTable, K::kDropTable,
                                    K::kAddColumns, K::kDropColumn};

std::vector<LogicalOp> RunAll(DdlWorkload& w, int n) {
  std::vector<LogicalOp> ops;
  for (int i = 0; i < n; ++i) {
    ops.push_back(w.Next());
    w.Complete(ops.back(), true);
  }
  return ops;
}

TEST(DdlWorkload, SameSeedSameOperations) {
  DdlWorkload a(7, kAll), b(7, kAll), c(8, kAll);
  const auto x = RunAll(a, 60), y = RunAll(b, 60), z = RunAll(c, 60);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].ToJson(), y[i].ToJson());
  }
  bool differs = false;
  for (size_t i = 0; i < x.size(); ++i) differs |= x[i].ToJson() != z[i].ToJson();
  EXPECT_TRUE(differs);
}

TEST(DdlWorkload, IssuesOnlyWhatTheEngineSupports) {
  DdlWorkload w(3, kTablesOnly);
  std::set<std::string> fs;
  for (const LogicalOp& op : RunAll(w, 200)) {
    fs.insert(op.f);
    for (const SchemaChange& c : op.schema_changes) {
      EXPECT_NE(std::find(kTablesOnly.begin(), kTablesOnly.end(), c.kind),
                kTablesOnly.end())
          << SchemaChangeKindName(c.kind);
      EXPECT_EQ(c.name_space, "");
    }
  }
  EXPECT_EQ(fs, (std::set<std::string>{"create_table", "add_columns",
                                       "drop_column", "drop_table",
                                       "migration"}));
}

TEST(DdlWorkload, EveryKindAppearsAndANamespaceComesFirst) {
  DdlWorkload w(11, kAll);
  const auto ops = RunAll(w, 300);
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops[0].f, "create_namespace");
  std::set<K> kinds;
  for (const LogicalOp& op : ops) {
    for (const SchemaChange& c : op.schema_changes) kinds.insert(c.kind);
  }
  EXPECT_EQ(kinds.size(), kAll.size());
}

// The expected effects are the catalog after the op: a created table comes
// with every column and its type, a dropped one takes its columns along.
TEST(DdlWorkload, EffectsDescribeTheWholeTable) {
  Rows catalog;
  catalog[kCatalogTable];
  SchemaChange create;
  create.kind = K::kCreateTable;
  create.name_space = "ns1";
  create.table = "t2";
  create.columns = {{"id", "text"}, {"c3", "int"}, {"c4", "bool"}};
  const Schema schema = DdlWorkload::MakeSchema();
  for (const Mutation& m : DdlWorkload::CatalogMutations(catalog, create)) {
    ASSERT_TRUE(ApplyMutation(schema, m, &catalog));
  }
  EXPECT_EQ(catalog[kCatalogTable].size(), 4u);
  EXPECT_EQ(catalog[kCatalogTable]["column ns1.t2.c3"]["type"], "int");
  SchemaChange drop;
  drop.kind = K::kDropTable;
  drop.name_space = "ns1";
  drop.table = "t2";
  const auto gone = DdlWorkload::CatalogMutations(catalog, drop);
  ASSERT_EQ(gone.size(), 4u);
  const auto effects = EffectsOf(schema, catalog, gone);
  for (const Effect& e : effects) {
    if (e.cell.column.empty()) EXPECT_EQ(e.value, false) << e.cell.ToString();
  }
}

TEST(DdlWorkload, ModelFollowsOnlyAppliedOperationsAndRebase) {
  DdlWorkload w(5, kTablesOnly);
  LogicalOp first = w.Next();
  w.Complete(first, false);  // refused: the model stays empty
  LogicalOp again = w.Next();
  EXPECT_EQ(first.f, "create_table");
  EXPECT_EQ(again.f, "create_table") << "no table exists to change yet";
  Rows holds;
  holds[kCatalogTable]["table .t9"] = {{"object", "table .t9"}, {"type", nullptr}};
  holds[kCatalogTable]["column .t9.id"] = {{"object", "column .t9.id"},
                                           {"type", "text"}};
  holds[kCatalogTable]["column .t9.c1"] = {{"object", "column .t9.c1"},
                                           {"type", "int"}};
  w.Rebase(holds);
  bool touched_t9 = false;
  for (int i = 0; i < 30 && !touched_t9; ++i) {
    LogicalOp op = w.Next();
    for (const SchemaChange& c : op.schema_changes) touched_t9 |= c.table == "t9";
    w.Complete(op, true);
  }
  EXPECT_TRUE(touched_t9) << "after Rebase the workload works on what the "
                             "engine holds";
}

}  // namespace
}  // namespace crashlab
