// BlueQL of the ddl workload, and the catalog read through `inspect`, with
// replies as skyd 0.8.0 sends them (recorded by hand from a live server:
// `inspect space` ends with one brace too many).
#include "engines/skytable/blueql_ddl.h"

#include <gtest/gtest.h>

namespace crashlab::blueql {
namespace {

using skyhash::Response;

SchemaChange Change(SchemaChangeKind k) {
  SchemaChange c;
  c.kind = k;
  c.name_space = "ns1";
  c.table = "t2";
  return c;
}

TEST(BlueqlDdl, OneStatementPerChange) {
  using K = SchemaChangeKind;
  SchemaChange create = Change(K::kCreateTable);
  create.columns = {{"id", "text"}, {"c3", "int"}, {"c4", "bool"}};
  EXPECT_EQ(SchemaChangeStatement(create)->query,
            "create model ns1.t2(id: string, null c3: sint64, null c4: bool)");
  SchemaChange add = Change(K::kAddColumns);
  add.columns = {{"c5", "text"}, {"c6", "int"}};
  EXPECT_EQ(SchemaChangeStatement(add)->query,
            "alter model ns1.t2 add (c5 { type: string, nullable: true }, c6 "
            "{ type: sint64, nullable: true })");
  SchemaChange drop = Change(K::kDropColumn);
  drop.column = "c3";
  EXPECT_EQ(SchemaChangeStatement(drop)->query, "alter model ns1.t2 remove c3");
  EXPECT_EQ(SchemaChangeStatement(Change(K::kDropTable))->query,
            "drop model ns1.t2");
  EXPECT_EQ(SchemaChangeStatement(Change(K::kCreateNamespace))->query,
            "create space ns1");
  SchemaChange user = Change(K::kCreateUser);
  user.user = "u7";
  user.password = "a-password-of-16+";
  auto s = SchemaChangeStatement(user);
  EXPECT_EQ(s->query, "sysctl create user u7 with { password: ? }");
  ASSERT_EQ(s->params.size(), 1u) << "the password is a parameter, never inline";
}

TEST(BlueqlDdl, RefusesWhatIsNotAnIdentifierOrAType) {
  SchemaChange bad = Change(SchemaChangeKind::kCreateTable);
  bad.table = "limit";  // reserved
  bad.columns = {{"id", "text"}};
  EXPECT_FALSE(SchemaChangeStatement(bad).ok());
  SchemaChange type = Change(SchemaChangeKind::kAddColumns);
  type.columns = {{"c1", "float"}};
  EXPECT_FALSE(SchemaChangeStatement(type).ok());
}

TEST(BlueqlDdl, ModelDeclParsesKeyAndTypes) {
  auto fields = ParseModelDecl("{*id:String,?c3:SInt64,!c4:Bool,?c5:UInt8}");
  ASSERT_TRUE(fields.ok()) << fields.status().message();
  const std::vector<std::pair<std::string, std::string>> want = {
      {"id", "text"}, {"c3", "int"}, {"c4", "bool"}, {"c5", "int"}};
  EXPECT_EQ(*fields, want);
  EXPECT_FALSE(ParseModelDecl("id:String").ok());
}

Response Text(const std::string& s) {
  Response r;
  r.kind = Response::Kind::kValue;
  r.value.type = skyhash::CellType::kString;
  r.value.bytes = s;
  return r;
}

TEST(BlueqlDdl, CatalogFromInspectReplies) {
  std::vector<std::string> asked;
  auto send = [&](const Statement& s) -> Result<Response> {
    asked.push_back(s.query);
    if (s.query == "inspect global") {
      return Text(R"({"spaces":["ns1"],"users":["root","u7"],"settings":{}})");
    }
    if (s.query == "inspect space ns1") return Text(R"({"models":["t2"]}})");
    if (s.query == "inspect model ns1.t2") {
      return Text(R"({"decl":"{*id:String,?c3:SInt64}","rows":0,"properties":{}})");
    }
    return Status::Engine("unexpected " + s.query);
  };
  auto catalog = ReadCatalog(send);
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  std::vector<std::string> keys;
  for (const auto& [k, row] : *catalog) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"column ns1.t2.c3", "column ns1.t2.id",
                                            "namespace ns1", "table ns1.t2",
                                            "user u7"}));
  EXPECT_EQ(catalog->at("column ns1.t2.c3")["type"], "int");
}

TEST(BlueqlDdl, CatalogReadFailsOnAnError) {
  auto send = [](const Statement&) -> Result<Response> {
    Response r;
    r.kind = Response::Kind::kError;
    r.error = 5;
    return r;
  };
  EXPECT_FALSE(ReadCatalog(send).ok());
}

}  // namespace
}  // namespace crashlab::blueql
