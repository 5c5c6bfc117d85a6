// Unit tests of the SQL of crashlab's data model on a real in-memory
// SQLite: each mutation's statement and the values bound to it.
#include "engines/sqlite/sqlite_sql.h"

#include <gtest/gtest.h>

#include "workloads/auth.h"

namespace crashlab {
namespace {

using nlohmann::json;

class SqliteSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    for (const std::string& sql : CreateTableStatements(schema_)) {
      ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr),
                SQLITE_OK)
          << sql;
    }
  }
  void TearDown() override { sqlite3_close(db_); }

  // The statement of `m` with its values bound, as SQLite expands it.
  std::string Expanded(const Mutation& m) {
    const TableSchema& t = *schema_.Find(m.table);
    const std::string sql = MutationSql(t, m);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr),
              SQLITE_OK)
        << sql;
    BindMutation(stmt, t, m);
    char* text = sqlite3_expanded_sql(stmt);
    std::string out = text ? text : "";
    sqlite3_free(text);
    sqlite3_finalize(stmt);
    return out;
  }

  Schema schema_ = AuthWorkload::MakeSchema();
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteSqlTest, EachKindBindsKeyAndValuesInPlace) {
  EXPECT_EQ(Expanded({MutationKind::kInsert,
                      "users",
                      "u-1",
                      {{"pwhash", "p'1"},
                       {"sessions", 0},
                       {"failed", -3},
                       {"locked", true}}}),
            "INSERT INTO \"users\"(\"username\", \"pwhash\", \"sessions\", "
            "\"failed\", \"locked\") VALUES('u-1', 'p''1', 0, -3, 1)");
  // A column an insert leaves out (refused by CheckMutation) binds NULL.
  EXPECT_EQ(Expanded({MutationKind::kInsert, "sessions", "s", json::object()}),
            "INSERT INTO \"sessions\"(\"id\", \"username\") VALUES('s', NULL)");
  EXPECT_EQ(Expanded({MutationKind::kUpdate,
                      "users",
                      "u-1",
                      {{"locked", false}, {"pwhash", nullptr}}}),
            "UPDATE \"users\" SET \"locked\" = 0, \"pwhash\" = NULL WHERE "
            "\"username\" = 'u-1'");
  EXPECT_EQ(Expanded({MutationKind::kIncrement,
                      "users",
                      "u-1",
                      {{"failed", 1}, {"sessions", -1}}}),
            "UPDATE \"users\" SET \"failed\" = coalesce(\"failed\", 0) + 1, "
            "\"sessions\" = coalesce(\"sessions\", 0) + -1 WHERE "
            "\"username\" = 'u-1'");
  EXPECT_EQ(
      Expanded({MutationKind::kDelete, "reset_tokens", "t-9", json::object()}),
      "DELETE FROM \"reset_tokens\" WHERE \"token\" = 't-9'");
  // A value of no SQL type is bound as its JSON text.
  EXPECT_EQ(Expanded({MutationKind::kUpdate,
                      "sessions",
                      "s",
                      {{"username", json::array({1, 2})}}}),
            "UPDATE \"sessions\" SET \"username\" = '[1,2]' WHERE \"id\" = "
            "'s'");
}

TEST_F(SqliteSqlTest, UpdateOfNoColumnsIsNoStatement) {
  EXPECT_EQ(MutationSql(*schema_.Find("users"),
                        {MutationKind::kUpdate, "users", "u", json::object()}),
            "");
}

// Keys and text keep every byte (bound with their length, not as C text).
TEST_F(SqliteSqlTest, TextWithNulRoundTrips) {
  const std::string key("k\0ey", 4);
  const std::string hash("p\0w", 3);
  const Mutation m{
      MutationKind::kInsert,
      "users",
      key,
      {{"pwhash", hash}, {"sessions", 1}, {"failed", 2}, {"locked", false}}};
  const TableSchema& t = *schema_.Find("users");
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db_, MutationSql(t, m).c_str(), -1, &stmt, nullptr),
      SQLITE_OK);
  BindMutation(stmt, t, m);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  ASSERT_EQ(
      sqlite3_prepare_v2(db_, SelectAllSql(t).c_str(), -1, &stmt, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(ReadSqlRow(stmt, t), json({{"username", key},
                                       {"pwhash", hash},
                                       {"sessions", 1},
                                       {"failed", 2},
                                       {"locked", false}}));
  sqlite3_finalize(stmt);
}

}  // namespace
}  // namespace crashlab
