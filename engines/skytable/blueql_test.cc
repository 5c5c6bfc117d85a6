// BlueQL mapping: the statements crashlab builds from Schemas and Mutations
// are the ones the recorded 0.8.0 server accepted, byte for byte.
#include "engines/skytable/blueql.h"

#include <gtest/gtest.h>

#include "engines/engine_test_util.h"
#include "engines/skytable/skytable_test_util.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using nlohmann::json;
using skyhash::Param;
using skytable_testing::Exchange;
using skytable_testing::LoadTranscript;
using skytable_testing::TranscriptSchema;
using testing_engines::Delete;
using testing_engines::Increment;
using testing_engines::Insert;
using testing_engines::Update;

class SkytableBlueqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transcript_ = LoadTranscript();
    ASSERT_FALSE(transcript_.empty()) << "cannot read testdata/transcript.json";
  }
  const std::string& Request(const std::string& step) {
    const Exchange* e = skytable_testing::FindStep(transcript_, step);
    EXPECT_NE(e, nullptr) << step;
    static const std::string kNone;
    return e ? e->request : kNone;
  }
  skyhash::Response Reply(const std::string& step) {
    const Exchange* e = skytable_testing::FindStep(transcript_, step);
    EXPECT_NE(e, nullptr) << step;
    skyhash::ResponseDecoder d;
    EXPECT_TRUE(d.Feed(e ? e->response : "").ok());
    auto r = d.Next();
    EXPECT_TRUE(r.ok() && r->has_value()) << step;
    return r.ok() && r->has_value() ? **r : skyhash::Response();
  }
  static std::string Encode(const blueql::Statement& s) {
    return skyhash::EncodeQuery(s.query, s.params);
  }
  std::string Encode(const Mutation& m) {
    auto s = blueql::MutationStatement(schema_, m);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? Encode(*s) : "";
  }

  Schema schema_ = TranscriptSchema();
  std::vector<Exchange> transcript_;
};

json UserValues(const std::string& pwhash) {
  return {
      {"pwhash", pwhash}, {"sessions", 0}, {"failed", 0}, {"locked", false}};
}

TEST_F(SkytableBlueqlTest, DdlMatchesTheRecording) {
  auto ddl = blueql::SchemaDdl(schema_, /*if_not_exists=*/false);
  ASSERT_TRUE(ddl.ok()) << ddl.status().message();
  ASSERT_EQ(ddl->size(), 3u);
  EXPECT_EQ(skyhash::EncodeQuery((*ddl)[0], {}), Request("create-space"));
  EXPECT_EQ(skyhash::EncodeQuery((*ddl)[1], {}), Request("create-model-users"));
  EXPECT_EQ(skyhash::EncodeQuery((*ddl)[2], {}),
            Request("create-model-sessions"));
  EXPECT_EQ(skyhash::EncodeQuery((*ddl)[1], {}),
            Request("create-model-users-window2"));

  auto init = blueql::SchemaDdl(schema_, /*if_not_exists=*/true);
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(skyhash::EncodeQuery((*init)[0], {}),
            Request("create-space-if-not-exists"));
  EXPECT_EQ((*init)[2],
            "create model if not exists auth.sessions(sid: string, username: "
            "string, created: uint64)");
}

TEST_F(SkytableBlueqlTest, MutationsMatchTheRecording) {
  EXPECT_EQ(Encode(Insert("users", "alice", UserValues("h1-alice"))),
            Request("insert-alice"));
  EXPECT_EQ(Encode(Insert("users", "bob", UserValues("h1-bob"))),
            Request("insert-bob"));
  EXPECT_EQ(Encode(Insert("users", "alice", UserValues("h2"))),
            Request("insert-alice-duplicate"));
  EXPECT_EQ(Encode(Insert("users", "carol", UserValues("h1-carol"))),
            Request("insert-carol"));
  EXPECT_EQ(Encode(Insert("users", "alice", UserValues("h1-alice"))),
            Request("insert-alice-window2"));
  EXPECT_EQ(Encode(Insert("sessions", "s-1",
                          {{"created", 1700000000}, {"username", "alice"}})),
            Request("insert-session"));
  EXPECT_EQ(Encode(Increment("users", "alice", "sessions", 1)),
            Request("update-sessions"));
  EXPECT_EQ(Encode(Delete("sessions", "s-1")), Request("delete-session"));
  EXPECT_EQ(Encode(Delete("sessions", "s-1")), Request("delete-missing"));
}

TEST_F(SkytableBlueqlTest, CombinedUpdateMatchesTheRecording) {
  const blueql::Statement s = blueql::UpdateStatement(
      schema_.tables[0], "bob",
      {{"failed", blueql::SetClause::Op::kAdd, Param::Uint(5)},
       {"locked", blueql::SetClause::Op::kAssign, Param::Bool(true)}});
  EXPECT_EQ(Encode(s), Request("update-lock"));
}

TEST_F(SkytableBlueqlTest, DumpStatementAndRowsMatchTheRecording) {
  EXPECT_EQ(Encode(blueql::DumpStatement(schema_.tables[0], 10)),
            Request("select-all"));
  Rows rows;
  Status added =
      blueql::AddDumpRows(schema_.tables[0], Reply("select-all"), 10, &rows);
  ASSERT_TRUE(added.ok()) << added.message();
  Rows want;
  want["users"]["alice"] = {{"username", "alice"},
                            {"pwhash", "h1-alice"},
                            {"sessions", 1},
                            {"failed", 0},
                            {"locked", false}};
  want["users"]["bob"] = {{"username", "bob"},
                          {"pwhash", "h1-bob"},
                          {"sessions", 0},
                          {"failed", 5},
                          {"locked", true}};
  EXPECT_EQ(rows, want);
  const json& bob = rows["users"]["bob"];
  EXPECT_TRUE(bob["failed"].is_number_integer());
  EXPECT_TRUE(bob["locked"].is_boolean());
  EXPECT_EQ(bob["failed"].get<int64_t>(), 5);

  Rows capped;
  Status truncated =
      blueql::AddDumpRows(schema_.tables[0], Reply("select-all"), 2, &capped);
  EXPECT_FALSE(truncated.ok());
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos);
}

TEST_F(SkytableBlueqlTest, DumpRefusesWhatDoesNotFitTheSchema) {
  Rows rows;
  Status missing =
      blueql::AddDumpRows(schema_.tables[0], Reply("unknown-model"), 10, &rows);
  EXPECT_NE(missing.message().find("object not found"), std::string::npos)
      << missing.message();
  // The users reply read as sessions: 5 columns where 3 are declared.
  Status shape =
      blueql::AddDumpRows(schema_.tables[1], Reply("select-all"), 10, &rows);
  EXPECT_NE(shape.message().find("columns"), std::string::npos);
  // A string where an int is declared.
  skyhash::ResponseDecoder d;
  ASSERT_TRUE(d.Feed(std::string("\x13"
                                 "1\n"
                                 "3\n"
                                 "\x0d"
                                 "1\nx"
                                 "\x0d"
                                 "1\ny"
                                 "\x0d"
                                 "1\nz"))
                  .ok());
  auto r = d.Next();
  ASSERT_TRUE(r.ok() && r->has_value());
  Status types = blueql::AddDumpRows(schema_.tables[1], **r, 10, &rows);
  EXPECT_NE(types.message().find("uint64"), std::string::npos)
      << types.message();
}

TEST_F(SkytableBlueqlTest, SessionsRowsDecodeIntoRows) {
  skyhash::ResponseDecoder d;
  ASSERT_TRUE(d.Feed(std::string("\x13"
                                 "2\n"
                                 "3\n"
                                 "\x0d"
                                 "3\ns-1"
                                 "\x0d"
                                 "5\nalice"
                                 "\x05"
                                 "7\n"
                                 "\x0d"
                                 "3\ns-2"
                                 "\x0d"
                                 "3\nbob"
                                 "\x05"
                                 "0\n"))
                  .ok());
  auto r = d.Next();
  ASSERT_TRUE(r.ok() && r->has_value());
  Rows rows;
  ASSERT_TRUE(blueql::AddDumpRows(schema_.tables[1], **r, 10, &rows).ok());
  ASSERT_EQ(rows["sessions"].size(), 2u);
  EXPECT_EQ(rows["sessions"]["s-1"],
            json({{"sid", "s-1"}, {"username", "alice"}, {"created", 7}}));
  EXPECT_EQ(rows["sessions"]["s-2"]["username"], "bob");
}

TEST_F(SkytableBlueqlTest, NegativeDeltaSubtractsTheMagnitude) {
  auto s = blueql::MutationStatement(
      schema_, Increment("users", "alice", "sessions", -1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->query, "update auth.users set sessions -= ? where username = ?");
  EXPECT_EQ(s->params,
            (std::vector<Param>{Param::Uint(1), Param::String("alice")}));
  auto min = blueql::MutationStatement(
      schema_, Increment("users", "alice", "failed",
                         std::numeric_limits<int64_t>::min()));
  ASSERT_TRUE(min.ok());
  EXPECT_EQ(min->params[0], Param::Uint(uint64_t{1} << 63));
}

TEST_F(SkytableBlueqlTest, UpdateSetsColumnsInDeclaredOrder) {
  auto s = blueql::MutationStatement(
      schema_, Update("users", "bob", {{"locked", true}, {"pwhash", "x"}}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->query,
            "update auth.users set pwhash = ?, locked = ? where username = ?");
  EXPECT_EQ(s->params,
            (std::vector<Param>{Param::String("x"), Param::Bool(true),
                                Param::String("bob")}));
}

TEST_F(SkytableBlueqlTest, RefusesWhatSkytableCannotStore) {
  const Mutation bad[] = {
      Insert("users", "x",
             {{"pwhash", "p"},
              {"sessions", -1},
              {"failed", 0},
              {"locked", false}}),                               // negative
      Insert("users", "x", {{"pwhash", "p"}, {"sessions", 0}}),  // missing
      Insert("users", "x",
             {{"pwhash", "p"},
              {"sessions", 0},
              {"failed", 0},
              {"locked", false},
              {"extra", 1}}),                     // unknown
      Update("users", "x", {{"locked", "yes"}}),  // wrong type
      Update("users", "x", json::object()),       // nothing
      Increment("users", "x", "locked", 1),       // not an int
      Insert("nope", "x", json::object()),        // no table
  };
  for (const Mutation& m : bad) {
    auto s = blueql::MutationStatement(schema_, m);
    EXPECT_FALSE(s.ok()) << m.ToJson().dump();
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST_F(SkytableBlueqlTest, ReservedWordsAndIdentifiers) {
  for (const char* w : {"key", "Value", "LIMIT", "type", "index", "order",
                        "read", "write", "null", "true", "model", "space"}) {
    EXPECT_TRUE(blueql::IsReserved(w)) << w;
  }
  for (const char* w : {"username", "pwhash", "sessions", "failed", "locked",
                        "token", "reset_tokens", "attempts", "id", "user"}) {
    EXPECT_TRUE(blueql::CheckIdentifier(w, "column").ok()) << w;
  }
  EXPECT_FALSE(blueql::CheckIdentifier("1abc", "column").ok());
  EXPECT_FALSE(blueql::CheckIdentifier("a-b", "column").ok());
  EXPECT_FALSE(blueql::CheckIdentifier("", "column").ok());

  Schema reserved = schema_;
  reserved.tables[0].columns.push_back({"key", ColumnType::kText});
  auto ddl = blueql::SchemaDdl(reserved, true);
  ASSERT_FALSE(ddl.ok());
  EXPECT_NE(ddl.status().message().find("reserved"), std::string::npos);
  Schema table = schema_;
  table.tables[1].name = "order";
  EXPECT_FALSE(blueql::SchemaDdl(table, true).ok());
}

TEST_F(SkytableBlueqlTest, TheAuthWorkloadSchemaMaps) {
  auto ddl = blueql::SchemaDdl(AuthWorkload::MakeSchema(), true);
  ASSERT_TRUE(ddl.ok()) << ddl.status().message();
  ASSERT_EQ(ddl->size(), 5u);
  EXPECT_EQ((*ddl)[1],
            "create model if not exists auth.users(username: string, pwhash: "
            "string, sessions: uint64, failed: uint64, locked: bool)");
  EXPECT_EQ((*ddl)[4],
            "create model if not exists auth.reset_tokens(token: string, "
            "username: string)");
}

}  // namespace
}  // namespace crashlab
