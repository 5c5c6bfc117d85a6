// Unit tests of the Redis engine: settings and claims, the row encoding,
// how ops become commands, the configuration file and the log reading.
// No server is started here (see redis_integration_test.cc).
#include "engines/redis/redis_engine.h"

#include <gtest/gtest.h>

#include "engines/engine_def.h"
#include "engines/engine_test_util.h"
#include "engines/redis/redis_codec.h"
#include "engines/redis/redis_server.h"

namespace crashlab {
namespace {

using nlohmann::json;
using testing_engines::AuthSchema;
using testing_engines::Delete;
using testing_engines::Increment;
using testing_engines::Insert;
using testing_engines::Update;
using Kind = DurabilityClaim::Kind;

Settings Resolved(Settings given) {
  EngineInfo info{"redis", "", RedisSettingSpecs()};
  auto r = ResolveSettings(info, given);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Settings{};
}

TEST(RedisSettings, DefaultsAreTheAofEverySecond) {
  const Settings s = Resolved({});
  EXPECT_EQ(s.at("appendonly"), "yes");
  EXPECT_EQ(s.at("appendfsync"), "everysec");
  EXPECT_EQ(s.at("aof-use-rdb-preamble"), "yes");
  EXPECT_EQ(s.at("save"), "1 1");
  EXPECT_TRUE(CheckRedisSettings(s).ok());
}

TEST(RedisSettings, UnknownNamesAndValuesListWhatIsAllowed) {
  EngineInfo info{"redis", "", RedisSettingSpecs()};
  auto bad_name = ResolveSettings(info, {{"appendfsynk", "always"}});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("appendfsync"), std::string::npos);
  auto bad_value = ResolveSettings(info, {{"appendfsync", "sometimes"}});
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.status().message().find("always, everysec, no"),
            std::string::npos)
      << bad_value.status().message();
}

TEST(RedisSettings, SaveRulesAreCheckedAndOnlyWithoutTheAof) {
  EXPECT_TRUE(CheckRedisSettings(
                  Resolved({{"appendonly", "no"}, {"save", "60 1000 300 10"}}))
                  .ok());
  EXPECT_TRUE(
      CheckRedisSettings(Resolved({{"appendonly", "no"}, {"save", "off"}}))
          .ok());
  for (const char* bad : {"", "1", "1 x", "0 1", "-1 1", "1 1 2"}) {
    const Status st =
        CheckRedisSettings(Resolved({{"appendonly", "no"}, {"save", bad}}));
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("SECONDS CHANGES"), std::string::npos);
  }
  EXPECT_EQ(CheckRedisSettings(Resolved({{"save", "60 1"}})).code(),
            Code::kInvalidArgument);
  for (const char* ok : {"16kb", "1048576", "64mb"}) {
    EXPECT_TRUE(
        CheckRedisSettings(Resolved({{"auto-aof-rewrite-min-size", ok}})).ok())
        << ok;
  }
  for (const char* bad : {"", "kb", "16 kb", "16tb", "-1"}) {
    const Status st =
        CheckRedisSettings(Resolved({{"auto-aof-rewrite-min-size", bad}}));
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
  }
}

TEST(RedisClaim, FollowsTheDocumentedFsyncPolicy) {
  const DurabilityClaim always =
      RedisClaim(Resolved({{"appendfsync", "always"}}));
  EXPECT_EQ(always.kind, Kind::kEveryAck);
  EXPECT_NE(always.basis.find("before sending the replies"), std::string::npos);
  const DurabilityClaim everysec = RedisClaim(Resolved({}));
  EXPECT_EQ(everysec.kind, Kind::kWindow);
  EXPECT_DOUBLE_EQ(everysec.window_s, 2.0);
  EXPECT_NE(everysec.basis.find("lose 1 second"), std::string::npos);
  EXPECT_EQ(RedisClaim(Resolved({{"appendfsync", "no"}})).kind, Kind::kNone);
  for (const char* fsync : {"always", "everysec", "no"}) {
    const DurabilityClaim rdb =
        RedisClaim(Resolved({{"appendonly", "no"}, {"appendfsync", fsync}}));
    EXPECT_EQ(rdb.kind, Kind::kNone) << fsync;
    EXPECT_NE(rdb.basis.find("save 1 1"), std::string::npos);
  }
  for (const char* preamble : {"yes", "no"}) {
    EXPECT_EQ(RedisClaim(Resolved({{"appendfsync", "always"},
                                   {"aof-use-rdb-preamble", preamble}}))
                  .kind,
              Kind::kEveryAck);
  }
}

TEST(RedisCodec, RowKeysRoundTripWhateverTheKeyHolds) {
  for (const std::string key : {"alice", "a:b:c", "", "sp ace\n\xff"}) {
    std::string table, back;
    ASSERT_TRUE(ParseRedisRowKey(RedisRowKey("users", key), &table, &back));
    EXPECT_EQ(table, "users");
    EXPECT_EQ(back, key);
  }
  EXPECT_EQ(RedisRowKey("users", "alice"), "auth:users:alice");
  std::string t, k;
  EXPECT_FALSE(ParseRedisRowKey("other:users:alice", &t, &k));
  EXPECT_FALSE(ParseRedisRowKey("auth:users", &t, &k));
  EXPECT_FALSE(ParseRedisRowKey("auth::x", &t, &k));
  EXPECT_TRUE(CheckRedisSchema(AuthSchema()).empty());
  Schema colon = AuthSchema();
  colon.tables[0].name = "us:ers";
  EXPECT_FALSE(CheckRedisSchema(colon).empty());
}

TEST(RedisCodec, ValuesEncodeByColumnTypeAndDecodeBack) {
  EXPECT_EQ(EncodeRedisValue(true, ColumnType::kBool), "1");
  EXPECT_EQ(EncodeRedisValue(false, ColumnType::kBool), "0");
  EXPECT_EQ(EncodeRedisValue(-9007199254740993LL, ColumnType::kInt),
            "-9007199254740993");
  EXPECT_EQ(EncodeRedisValue("p\u00fc", ColumnType::kText), "p\u00fc");
  const Schema schema = AuthSchema();
  const json row = DecodeRedisRow(schema.Find("users"), "alice",
                                  {{"name", "alice"},
                                   {"password", "a1"},
                                   {"failures", "-3"},
                                   {"locked", "1"}});
  EXPECT_EQ(row, json({{"name", "alice"},
                       {"password", "a1"},
                       {"failures", -3},
                       {"locked", true}}));
}

TEST(RedisCodec, DecodingReportsWhatIsStoredNotWhatItShouldBe) {
  const Schema schema = AuthSchema();
  const json row = DecodeRedisRow(
      schema.Find("users"), "bob",
      {{"failures", "007"}, {"locked", "yes"}, {"extra", "\xff"}});
  EXPECT_EQ(row["failures"], "007");
  EXPECT_EQ(row["locked"], "yes");
  EXPECT_EQ(row["password"], nullptr);  // absent field: NULL
  EXPECT_EQ(row["extra"], "\xEF\xBF\xBD");
  EXPECT_EQ(row["name"], "bob");
  // A table the schema does not know: every field as text.
  const json other = DecodeRedisRow(nullptr, "k", {{"n", "1"}});
  EXPECT_EQ(other, json({{"key", "k"}, {"n", "1"}}));
}

TEST(RedisPlan, EachMutationKindBecomesItsCommand) {
  const Schema schema = AuthSchema();
  const std::set<std::string> existing = {"auth:users:bob"};
  const RedisPlan plan = PlanRedisOp(
      schema,
      {Insert("users", "alice",
              {{"password", "a1"}, {"failures", 0}, {"locked", false}}),
       Increment("users", "alice", "failures", 3),
       Update("users", "bob", {{"locked", true}, {"password", nullptr}}),
       Delete("users", "bob")},
      existing);
  ASSERT_TRUE(plan.conflict.empty());
  const std::vector<RedisCommand> want = {
      {"HSET", "auth:users:alice", "name", "alice", "password", "a1",
       "failures", "0", "locked", "0"},
      {"HINCRBY", "auth:users:alice", "failures", "3"},
      {"HSET", "auth:users:bob", "locked", "1"},
      {"HDEL", "auth:users:bob", "password"},
      {"DEL", "auth:users:bob"}};
  EXPECT_EQ(plan.commands, want);
}

TEST(RedisPlan, MissingRowsChangeNothingAndDuplicatesConflict) {
  const Schema schema = AuthSchema();
  const RedisPlan none = PlanRedisOp(
      schema,
      {Update("users", "nobody", {{"locked", true}}),
       Increment("sessions", "nosuch", "count", 1), Delete("sessions", "x")},
      {});
  EXPECT_TRUE(none.conflict.empty());
  EXPECT_TRUE(none.commands.empty());
  const RedisPlan dup = PlanRedisOp(
      schema,
      {Insert("sessions", "s1", {{"user", "a"}, {"count", 1}}),
       Insert("users", "alice",
              {{"password", "a1"}, {"failures", 0}, {"locked", false}})},
      {"auth:users:alice"});
  EXPECT_TRUE(dup.commands.empty());
  EXPECT_NE(dup.conflict.find("users[alice]"), std::string::npos);
  // Delete then insert in one op: the insert is fine.
  const RedisPlan again =
      PlanRedisOp(schema,
                  {Delete("sessions", "s1"),
                   Insert("sessions", "s1", {{"user", "a"}, {"count", 1}})},
                  {"auth:sessions:s1"});
  EXPECT_TRUE(again.conflict.empty());
  EXPECT_EQ(again.commands.size(), 2u);
}

TEST(RedisConfig, HoldsTheSettingsAndQuotesWhatItMust) {
  Settings s = Resolved({{"appendfsync", "always"}});
  std::string text =
      RedisConfigText(s, 6390, "/tmp/p/redis.sock", "pa\"ss", "/l og/r.log");
  EXPECT_NE(text.find("bind 127.0.0.1\n"), std::string::npos);
  EXPECT_NE(text.find("port 6390\n"), std::string::npos);
  EXPECT_NE(text.find("appendonly yes\n"), std::string::npos);
  EXPECT_NE(text.find("appendfsync always\n"), std::string::npos);
  EXPECT_NE(text.find("requirepass \"pa\\\"ss\"\n"), std::string::npos);
  EXPECT_NE(text.find("logfile \"/l og/r.log\"\n"), std::string::npos);
  EXPECT_NE(text.find("save \"\"\n"), std::string::npos);
  EXPECT_NE(text.find("auto-aof-rewrite-min-size 64mb\n"), std::string::npos);
  s = Resolved({{"auto-aof-rewrite-min-size", "16kb"}});
  EXPECT_NE(RedisConfigText(s, 1, "s", "p", "l")
                .find("auto-aof-rewrite-min-size 16kb\n"),
            std::string::npos);
  s = Resolved({{"appendonly", "no"}, {"save", "60 100"}});
  text = RedisConfigText(s, 1, "s", "p", "l");
  EXPECT_NE(text.find("save 60 100\n"), std::string::npos);
  EXPECT_EQ(QuoteRedisConfig("a\nb\\"), "\"a\\x0ab\\\\\"");
}

TEST(RedisLog, ProblemLinesAreWarningsAndStderr) {
  const std::vector<std::string> log = {
      "123:C 26 Nov 2026 15:40:11.142 * oO0OoO0OoO0Oo Redis is starting",
      "123:M 26 Nov 2026 15:40:11.150 # Bad file format reading the append "
      "only file appendonly.aof.1.incr.aof",
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"};
  EXPECT_EQ(RedisProblemLines(log),
            (std::vector<std::string>{
                "Bad file format reading the append only file "
                "appendonly.aof.1.incr.aof",
                "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"}));
  // No warnings: the last notices, without their timestamps.
  EXPECT_EQ(RedisProblemLines({log[0]}),
            std::vector<std::string>{"oO0OoO0OoO0Oo Redis is starting"});
}

}  // namespace
}  // namespace crashlab
