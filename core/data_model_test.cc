#include "core/data_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace crashlab {
namespace {

using nlohmann::json;

Schema TwoTables() {
  return Schema{{
      {"users", "name", {{"hash", ColumnType::kText}, {"n", ColumnType::kInt},
                         {"locked", ColumnType::kBool}}},
      {"sessions", "id", {{"user", ColumnType::kText}}},
  }};
}

TEST(DataModelTest, EffectsOfInsertCoverExistenceAndEveryColumn) {
  Schema s = TwoTables();
  Rows before;
  auto effects = EffectsOf(
      s, before,
      {{MutationKind::kInsert, "users", "al",
        {{"hash", "h1"}, {"n", 0}, {"locked", false}}}});
  std::map<std::string, json> by_cell;
  for (const auto& e : effects) by_cell[e.cell.ToString()] = e.value;
  EXPECT_EQ(by_cell.size(), 4u);
  EXPECT_EQ(by_cell["users[al]"], true);
  EXPECT_EQ(by_cell["users[al].hash"], "h1");
  EXPECT_EQ(by_cell["users[al].n"], 0);
  EXPECT_EQ(by_cell["users[al].locked"], false);
}

TEST(DataModelTest, IncrementAndDeleteGiveAbsoluteValues) {
  Schema s = TwoTables();
  Rows rows;
  ASSERT_TRUE(ApplyMutation(s, {MutationKind::kInsert, "users", "al",
                                {{"hash", "h"}, {"n", 4}, {"locked", false}}},
                            &rows));
  ASSERT_TRUE(ApplyMutation(s, {MutationKind::kInsert, "sessions", "s1",
                                {{"user", "al"}}},
                            &rows));
  auto effects = EffectsOf(
      s, rows,
      {{MutationKind::kDelete, "sessions", "s1", json::object()},
       {MutationKind::kIncrement, "users", "al", {{"n", -1}}}});
  std::map<std::string, json> by_cell;
  for (const auto& e : effects) by_cell[e.cell.ToString()] = e.value;
  EXPECT_EQ(by_cell["sessions[s1]"], false);
  EXPECT_TRUE(by_cell["sessions[s1].user"].is_null());
  EXPECT_EQ(by_cell["users[al].n"], 3);
  EXPECT_EQ(by_cell.count("users[al]"), 0u) << "existence did not change";
}

TEST(DataModelTest, MutationsOfMissingRowsChangeNothing) {
  Schema s = TwoTables();
  Rows rows;
  EXPECT_FALSE(ApplyMutation(s, {MutationKind::kUpdate, "users", "x",
                                 {{"hash", "h"}}}, &rows));
  EXPECT_TRUE(EffectsOf(s, rows, {{MutationKind::kIncrement, "users", "x",
                                   {{"n", 1}}}}).empty());
}

// EffectsOf moves each touched row on by itself; what it reports must be
// what applying the mutations to a copy of the whole database changes.
std::vector<Effect> EffectsByWholeCopy(const Schema& s, const Rows& before,
                                       const std::vector<Mutation>& ms) {
  Rows after = before;
  for (const Mutation& m : ms) ApplyMutation(s, m, &after);
  std::vector<Effect> out;
  for (const TableSchema& t : s.tables) {
    std::set<std::string> keys;
    const Rows* both[] = {&before, &after};
    for (const Rows* rows : both) {
      const auto it = rows->find(t.name);
      if (it == rows->end()) continue;
      for (const auto& [key, row] : it->second) keys.insert(key);
    }
    for (const std::string& key : keys) {
      std::vector<std::string> columns = {""};
      for (const Column& c : t.columns) columns.push_back(c.name);
      std::sort(columns.begin(), columns.end());
      for (const std::string& c : columns) {
        const Cell cell{t.name, key, c};
        json now = CellValue(after, s, cell);
        if (now != CellValue(before, s, cell)) out.push_back({cell, now});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Effect& a, const Effect& b) { return a.cell < b.cell; });
  return out;
}

TEST(DataModelTest, EffectsOfSeveralMutationsOfOneRowMatchTheWholeDatabase) {
  const Schema s = TwoTables();
  Rows rows;
  ASSERT_TRUE(ApplyMutation(s,
                            {MutationKind::kInsert,
                             "users",
                             "al",
                             {{"hash", "h"}, {"n", 4}, {"locked", false}}},
                            &rows));
  ASSERT_TRUE(ApplyMutation(
      s, {MutationKind::kInsert, "sessions", "s1", {{"user", "al"}}}, &rows));
  using K = MutationKind;
  const std::vector<std::vector<Mutation>> cases = {
      {{K::kInsert,
        "users",
        "bo",
        {{"hash", "b"}, {"n", 0}, {"locked", false}}},
       {K::kUpdate, "users", "bo", {{"hash", "b2"}}},
       {K::kIncrement, "users", "bo", {{"n", 2}}}},
      {{K::kDelete, "sessions", "s1", json::object()},
       {K::kInsert, "sessions", "s1", {{"user", "bo"}}}},
      {{K::kUpdate, "users", "x", {{"hash", "h"}}},
       {K::kInsert, "sessions", "s2", {{"user", "al"}}},
       {K::kIncrement, "users", "al", {{"n", 1}}},
       {K::kUpdate, "users", "al", {{"locked", true}}}},
      {{K::kIncrement, "users", "al", {{"n", 1}}},
       {K::kIncrement, "users", "al", {{"n", -1}}}},
      {{K::kDelete, "users", "al", json::object()},
       {K::kUpdate, "users", "al", {{"hash", "gone"}}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = EffectsOf(s, rows, cases[i]);
    const auto want = EffectsByWholeCopy(s, rows, cases[i]);
    ASSERT_EQ(got.size(), want.size()) << "case " << i;
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j].cell, want[j].cell) << "case " << i;
      EXPECT_EQ(got[j].value, want[j].value) << "case " << i;
    }
  }
}

TEST(DataModelTest, CheckMutationNamesWhatIsWrong) {
  const Schema schema = TwoTables();
  auto m = [](MutationKind kind, std::string table, json values) {
    return Mutation{kind, std::move(table), "k", std::move(values)};
  };
  using K = MutationKind;
  const std::vector<std::pair<Mutation, std::string>> cases = {
      {m(K::kUpdate, "nope", {{"n", 1}}), "update nope[k]: no table nope"},
      {m(K::kUpdate, "users", {{"name", "x"}}),
       "update users[k]: no column name (the key is not a value)"},
      {m(K::kUpdate, "users", {{"n", "x"}}), "n must be a 64-bit integer"},
      {m(K::kUpdate, "users", {{"n", 18446744073709551615ull}}),
       "n must be a 64-bit integer"},
      {m(K::kUpdate, "users", {{"locked", 1}}), "locked must be true or false"},
      {m(K::kIncrement, "users", {{"hash", 1}}), "hash is not int"},
      {m(K::kIncrement, "users", {{"n", nullptr}}), "delta of n is null"},
      {m(K::kInsert, "users", {{"hash", "h"}, {"n", 1}}),
       "missing column locked"},
      {m(K::kUpdate, "users", json::array()), "values must be an object"},
  };
  for (const auto& [mutation, want] : cases) {
    const std::string got = CheckMutation(schema, mutation);
    EXPECT_NE(got.find(want), std::string::npos) << got << " / " << want;
  }
  EXPECT_EQ(CheckMutation(schema, m(K::kDelete, "users", json())), "");
  EXPECT_EQ(CheckMutation(schema, m(K::kUpdate, "users", {{"hash", nullptr}})),
            "");
  EXPECT_EQ(CheckMutations(schema, {m(K::kIncrement, "users", {{"n", -3}}),
                                    m(K::kUpdate, "nope", {})}),
            "update nope[k]: no table nope in the schema");
}

TEST(DataModelTest, SchemaAndMutationsRoundTripThroughJson) {
  Schema s = TwoTables();
  auto back = Schema::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), s.ToJson());
  Mutation m{MutationKind::kIncrement, "users", "al", {{"n", 2}}};
  auto m2 = Mutation::FromJson(m.ToJson());
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->ToJson(), m.ToJson());
  EXPECT_FALSE(Mutation::FromJson({{"kind", "upsert"}, {"table", "t"},
                                   {"key", "k"}}).ok());
}

TEST(DataModelTest, RowsFromDumpKeysRowsAndRejectsKeylessRows) {
  Schema s = TwoTables();
  auto rows = RowsFromDump(
      {{"users", {{{"name", "al"}, {"hash", "h"}, {"n", 1}, {"locked", true}}}}},
      s);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(CellValue(*rows, s, {"users", "al", "n"}), 1);
  EXPECT_EQ(CellValue(*rows, s, {"users", "al", ""}), true);
  EXPECT_EQ(CellValue(*rows, s, {"users", "bo", ""}), false);
  EXPECT_TRUE(CellValue(*rows, s, {"users", "bo", "n"}).is_null());
  EXPECT_FALSE(RowsFromDump({{"users", {{{"hash", "h"}}}}}, s).ok());
}

}  // namespace
}  // namespace crashlab
