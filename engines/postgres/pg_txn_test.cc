#include "engines/postgres/pg_txn.h"

#include <gtest/gtest.h>

namespace crashlab {
namespace {

TEST(PgTxnTest, IsolationSettingNamesTheSqlLevel) {
  EXPECT_EQ(PgIsolationLevel("read-committed"), "read committed");
  EXPECT_EQ(PgIsolationLevel("repeatable read"), "repeatable read");
  EXPECT_EQ(PgIsolationLevel("serializable"), "serializable");
}

TEST(PgTxnTest, MopsMapToOneStatementEach) {
  const PgStatement append =
      PgTxnMopSql(TxnWorkload::kListAppend, {TxnMop::Fn::kAppend, 3, 7});
  EXPECT_EQ(append.sql,
            "INSERT INTO lists (k, v) VALUES ($1, $2) ON CONFLICT (k) DO "
            "UPDATE SET v = lists.v || ' ' || $2");
  ASSERT_EQ(append.params.size(), 2u);
  EXPECT_EQ(*append.params[0], "3");
  EXPECT_EQ(*append.params[1], "7");
  const PgStatement read =
      PgTxnMopSql(TxnWorkload::kRwRegister, {TxnMop::Fn::kRead, 4, 0});
  EXPECT_EQ(read.sql, "SELECT v FROM registers WHERE k = $1");
  ASSERT_EQ(read.params.size(), 1u);
  const PgStatement write =
      PgTxnMopSql(TxnWorkload::kRwRegister, {TxnMop::Fn::kWrite, 4, -2});
  EXPECT_NE(write.sql.find("ON CONFLICT (k) DO UPDATE SET v = $2"),
            std::string::npos);
  EXPECT_EQ(*write.params[1], "-2");
}

TEST(PgTxnTest, ListsParseBackOrNotAtAll) {
  EXPECT_EQ(*ParsePgList("1 2 30"), (std::vector<int64_t>{1, 2, 30}));
  EXPECT_EQ(*ParsePgList("5"), (std::vector<int64_t>{5}));
  EXPECT_TRUE(ParsePgList("")->empty());
  EXPECT_FALSE(ParsePgList("1 x").has_value());
  EXPECT_FALSE(ParsePgList("1,2").has_value());
}

}  // namespace
}  // namespace crashlab
