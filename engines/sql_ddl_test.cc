#include "engines/sql_ddl.h"

#include <gtest/gtest.h>

namespace crashlab {
namespace {

TEST(SqlDdl, TablesInBothDialects) {
  SchemaChange c;
  c.kind = SchemaChangeKind::kCreateTable;
  c.table = "t1";
  c.columns = {{"id", "text"}, {"c2", "int"}, {"c3", "bool"}};
  auto sqlite = SchemaChangeSql(c, kSqliteDialect);
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ((*sqlite)[0],
            "CREATE TABLE \"t1\"(\"id\" TEXT PRIMARY KEY NOT NULL, \"c2\" "
            "INTEGER, \"c3\" BOOLEAN)");
  c.name_space = "ns1";
  EXPECT_FALSE(SchemaChangeSql(c, kSqliteDialect).ok()) << "no namespaces";
  auto pg = SchemaChangeSql(c, kPostgresDialect);
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ((*pg)[0],
            "CREATE TABLE \"ns1\".\"t1\"(\"id\" text PRIMARY KEY NOT NULL, "
            "\"c2\" bigint, \"c3\" boolean)");
}

TEST(SqlDdl, AddColumnsIsOneAlterEachAndUsersQuoteTheirPassword) {
  SchemaChange add;
  add.kind = SchemaChangeKind::kAddColumns;
  add.table = "t1";
  add.columns = {{"c4", "text"}, {"c5", "int"}};
  auto sql = SchemaChangeSql(add, kSqliteDialect);
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(sql->size(), 2u);
  SchemaChange user;
  user.kind = SchemaChangeKind::kCreateUser;
  user.user = "u1";
  user.password = "it's";
  EXPECT_FALSE(SchemaChangeSql(user, kSqliteDialect).ok());
  EXPECT_EQ((*SchemaChangeSql(user, kPostgresDialect))[0],
            "CREATE ROLE \"u1\" LOGIN PASSWORD 'it''s'");
}

TEST(SqlDdl, DeclaredTypesReadBack) {
  EXPECT_EQ(CatalogTypeOf("BOOLEAN", kSqliteDialect), "bool");
  EXPECT_EQ(CatalogTypeOf("integer", kSqliteDialect), "int");
  EXPECT_EQ(CatalogTypeOf("bigint", kPostgresDialect), "int");
  EXPECT_EQ(CatalogTypeOf("character varying", kPostgresDialect),
            "character varying");
}

TEST(SqlDdl, DialectsDeclareWhatTheyRun) {
  EXPECT_EQ(SqlSchemaChanges(kSqliteDialect).size(), 4u);
  EXPECT_EQ(SqlSchemaChanges(kPostgresDialect).size(), 8u);
}

}  // namespace
}  // namespace crashlab
