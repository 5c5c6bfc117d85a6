#include "core/rows_digest.h"

#include <gtest/gtest.h>

#include <vector>

namespace crashlab {
namespace {

using nlohmann::json;

Schema Tables3() {
  return Schema{{{"users", "name", {{"n", ColumnType::kInt}}},
                 {"sessions", "id", {{"user", ColumnType::kText}}},
                 {"attempts", "id", {}}}};
}

json Tables() {
  return json::parse(R"({"users": [{"name": "al", "n": 5, "locked": false},
                                   {"name": "bo", "n": -3, "note": null}],
                         "sessions": [{"id": "s1", "user": "al"}],
                         "attempts": []})");
}

TEST(RowsDigestTest, ADumpAndTheRowsParsedFromItHaveOneDigest) {
  const json tables = Tables();
  auto rows = RowsFromDump(tables, Tables3());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(DigestOfDumpTables(tables), DigestOfRows(*rows));
}

TEST(RowsDigestTest, IntegersHashByValueWhateverJsonHoldsThemAs) {
  // A driver builds 5 as int64; parsing "5" back gives an unsigned.
  RowsDigest built, parsed;
  built.Add("users", json{{"n", int64_t{5}}});
  parsed.Add("users", json::parse(R"({"n": 5})"));
  ASSERT_TRUE(json::parse(R"({"n": 5})")["n"].is_number_unsigned());
  EXPECT_EQ(built.Finish(), parsed.Finish());
}

TEST(RowsDigestTest, RowOrderDoesNotMatter) {
  RowsDigest a, b;
  const json r1 = {{"name", "al"}}, r2 = {{"name", "bo"}};
  a.Add("users", r1);
  a.Add("users", r2);
  b.Add("users", r2);
  b.Add("users", r1);
  EXPECT_EQ(a.Finish(), b.Finish());
}

TEST(RowsDigestTest, EveryChangeToARowChangesTheDigest) {
  const Hash128 base = DigestOfDumpTables(Tables());
  std::vector<json> changed;
  for (const char* path :
       {"/users/0/n", "/users/0/locked", "/users/1/note", "/users/0/name"}) {
    for (const json& v : {json(6), json(true), json("5"), json(nullptr),
                          json(5.0), json(-5), json("al ")}) {
      json t = Tables();
      if (t[json::json_pointer(path)] == v) continue;
      t[json::json_pointer(path)] = v;
      changed.push_back(t);
    }
  }
  json moved = Tables();  // the same row in another table
  moved["attempts"].push_back(moved["sessions"][0]);
  moved["sessions"] = json::array();
  changed.push_back(moved);
  json dropped = Tables();
  dropped["users"].erase(1);
  changed.push_back(dropped);
  json doubled = Tables();  // a row twice: the count differs
  doubled["users"].push_back(doubled["users"][0]);
  changed.push_back(doubled);
  json renamed = Tables();  // a column's name, not its value
  renamed["users"][1].erase("note");
  renamed["users"][1]["notes"] = nullptr;
  changed.push_back(renamed);
  for (const json& t : changed) {
    EXPECT_FALSE(DigestOfDumpTables(t) == base) << t.dump();
  }
}

TEST(RowsDigestTest, EmptyTablesAddNothing) {
  json t = Tables();
  t.erase("attempts");
  EXPECT_EQ(DigestOfDumpTables(t), DigestOfDumpTables(Tables()));
  EXPECT_FALSE(DigestOfDumpTables(json::object()) == DigestOfDumpTables(t));
}

TEST(RowsDigestTest, RowsGivenFieldByFieldHashAsTheirJson) {
  const json row = json::parse(
      R"({"a": null, "b": true, "c": false, "d": -7, "e": 2.5, "f": "x\u0000y",
          "g": 9007199254740993})");
  RowsDigest from_json, by_field;
  from_json.Add("t", row);
  by_field.BeginRow("t", 7);
  by_field.Field("a");
  by_field.Null();
  by_field.Field("b");
  by_field.Bool(true);
  by_field.Field("c");
  by_field.Bool(false);
  by_field.Field("d");
  by_field.Int(-7);
  by_field.Field("e");
  by_field.Float(2.5);
  by_field.Field("f");
  by_field.Text(std::string("x\0y", 3));
  by_field.Field("g");
  by_field.Int(9007199254740993);
  by_field.EndRow();
  EXPECT_EQ(from_json.Finish(), by_field.Finish());
}

TEST(RowsDigestTest, HexRoundTrips) {
  const Hash128 h = DigestOfDumpTables(Tables());
  Hash128 back;
  ASSERT_TRUE(Hash128::FromHex(h.ToHex(), &back));
  EXPECT_EQ(back, h);
  EXPECT_FALSE(Hash128::FromHex("abc", &back));
  EXPECT_FALSE(Hash128::FromHex(std::string(31, '0') + "g", &back));
  EXPECT_FALSE(Hash128::FromHex(std::string(32, 'A'), &back));
}

}  // namespace
}  // namespace crashlab
