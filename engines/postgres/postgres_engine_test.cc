// Unit tests of the PostgreSQL engine: settings and claims, the SQL of
// each mutation kind, value decoding, the server's options and log
// reading. No server is started here (postgres_integration_test.cc).
#include "engines/postgres/postgres_engine.h"

#include <gtest/gtest.h>

#include "engines/engine_def.h"
#include "engines/engine_test_util.h"
#include "engines/postgres/pg_server.h"
#include "engines/postgres/pg_sql.h"

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
  EngineInfo info{"postgres", "", PostgresSettingSpecs()};
  auto r = ResolveSettings(info, given);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Settings{};
}

TEST(PostgresSettings, DefaultsAndAllowedValues) {
  const Settings s = Resolved({});
  EXPECT_EQ(s.at("fsync"), "on");
  EXPECT_EQ(s.at("synchronous_commit"), "on");
  EXPECT_EQ(s.at("full_page_writes"), "on");
  EXPECT_EQ(s.at("wal_sync_method"), "fdatasync");
  EXPECT_EQ(s.at("isolation"), "read committed");
  EXPECT_EQ(Resolved({{"isolation", "serializable"}}).at("isolation"),
            "serializable");
  EngineInfo info{"postgres", "", PostgresSettingSpecs()};
  auto bad = ResolveSettings(info, {{"wal_sync_method", "fsync_writethrough"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.status().message().find("fdatasync, fsync, open_sync, open_datasync"),
      std::string::npos)
      << bad.status().message();
  EXPECT_TRUE(CheckPgCheckpointSettings(s).ok());
  EXPECT_TRUE(CheckPgCheckpointSettings(Resolved({{"checkpoint_timeout", "30s"},
                                                  {"max_wal_size", "32MB"}}))
                  .ok());
  for (const Settings& wrong : {Settings{{"checkpoint_timeout", "30"}},
                                Settings{{"checkpoint_timeout", "min"}},
                                Settings{{"max_wal_size", "32mb"}},
                                Settings{{"max_wal_size", "-1GB"}}}) {
    const Status st = CheckPgCheckpointSettings(Resolved(wrong));
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << wrong.begin()->second;
  }
  auto unknown = ResolveSettings(info, {{"shared_buffers", "1GB"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("synchronous_commit"),
            std::string::npos);
}

TEST(PostgresClaim, FollowsTheDocumentation) {
  EXPECT_EQ(PostgresClaim(Resolved({})).kind, Kind::kEveryAck);
  for (const char* mode : {"local", "remote_write"}) {
    EXPECT_EQ(PostgresClaim(Resolved({{"synchronous_commit", mode}})).kind,
              Kind::kEveryAck);
  }
  for (const char* method : {"fsync", "open_sync", "open_datasync"}) {
    const DurabilityClaim c =
        PostgresClaim(Resolved({{"wal_sync_method", method}}));
    EXPECT_EQ(c.kind, Kind::kEveryAck);
    EXPECT_NE(c.basis.find(method), std::string::npos);
  }
  const DurabilityClaim async =
      PostgresClaim(Resolved({{"synchronous_commit", "off"}}));
  EXPECT_EQ(async.kind, Kind::kWindow);
  EXPECT_DOUBLE_EQ(async.window_s, 0.6);
  EXPECT_NE(async.basis.find("three times wal_writer_delay"),
            std::string::npos);
  const DurabilityClaim nofsync = PostgresClaim(
      Resolved({{"fsync", "off"}, {"synchronous_commit", "off"}}));
  EXPECT_EQ(nofsync.kind, Kind::kNone);
  EXPECT_NE(nofsync.basis.find("unrecoverable data corruption"),
            std::string::npos);
  EXPECT_EQ(PostgresClaim(Resolved({{"full_page_writes", "off"}})).kind,
            Kind::kNone);
}

TEST(PostgresSql, TablesHaveTheSchemaTypes) {
  const Schema schema = AuthSchema();
  EXPECT_EQ(PgCreateTableSql(*schema.Find("users")),
            "CREATE TABLE \"users\" (\"name\" text PRIMARY KEY, \"password\" "
            "text, \"failures\" bigint, \"locked\" boolean)");
  TableSchema odd{"we\"ird", "k", {}};
  EXPECT_EQ(PgCreateTableSql(odd),
            "CREATE TABLE \"we\"\"ird\" (\"k\" text PRIMARY KEY)");
}

TEST(PostgresSql, EachMutationKindIsOneStatement) {
  const Schema schema = AuthSchema();
  const TableSchema& users = *schema.Find("users");
  const PgStatement insert = PgMutationSql(
      users, Insert("users", "alice",
                    {{"password", "a1"}, {"failures", -2}, {"locked", true}}));
  EXPECT_EQ(insert.sql,
            "INSERT INTO \"users\" (\"name\", \"password\", \"failures\", "
            "\"locked\") VALUES ($1, $2, $3, $4)");
  EXPECT_EQ(insert.params, (std::vector<PgParam>{"alice", "a1", "-2", "true"}));

  const PgStatement update = PgMutationSql(
      users,
      Update("users", "bob", {{"locked", false}, {"password", nullptr}}));
  EXPECT_EQ(update.sql,
            "UPDATE \"users\" SET \"locked\" = $1, \"password\" = $2 WHERE "
            "\"name\" = $3");
  EXPECT_EQ(update.params,
            (std::vector<PgParam>{"false", std::nullopt, "bob"}));

  const PgStatement inc =
      PgMutationSql(users, Increment("users", "bob", "failures", -1));
  EXPECT_EQ(inc.sql,
            "UPDATE \"users\" SET \"failures\" = COALESCE(\"failures\", 0) + "
            "$1::bigint WHERE \"name\" = $2");
  EXPECT_EQ(inc.params, (std::vector<PgParam>{"-1", "bob"}));

  const PgStatement del = PgMutationSql(users, Delete("users", "bob"));
  EXPECT_EQ(del.sql, "DELETE FROM \"users\" WHERE \"name\" = $1");
  EXPECT_EQ(del.params, (std::vector<PgParam>{"bob"}));

  EXPECT_TRUE(
      PgMutationSql(users, Update("users", "x", json::object())).sql.empty());
  EXPECT_EQ(PgSelectAllSql(users),
            "SELECT \"name\", \"password\", \"failures\", \"locked\" FROM "
            "\"users\" ORDER BY \"name\" COLLATE \"C\"");
}

TEST(PostgresSql, ValuesDecodeByTypeAndKeepWhatDoesNotParse) {
  EXPECT_EQ(PgDecodeValue(nullptr, ColumnType::kInt), nullptr);
  EXPECT_EQ(PgDecodeValue("-9007199254740993", ColumnType::kInt),
            -9007199254740993LL);
  EXPECT_EQ(PgDecodeValue("t", ColumnType::kBool), true);
  EXPECT_EQ(PgDecodeValue("f", ColumnType::kBool), false);
  EXPECT_EQ(PgDecodeValue("maybe", ColumnType::kBool), "maybe");
  EXPECT_EQ(PgDecodeValue("12x", ColumnType::kInt), "12x");
  EXPECT_EQ(PgDecodeValue("p\u00fc", ColumnType::kText), "p\u00fc");
}

TEST(PostgresServer, SettingsBecomeServerOptions) {
  const std::vector<std::string> args = PgSettingArgs(
      Resolved({{"synchronous_commit", "off"}, {"isolation", "serializable"}}),
      /*recovering=*/false);
  auto has = [&args](const std::string& kv) {
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      if (args[i] == "-c" && args[i + 1] == kv) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("synchronous_commit=off"));
  EXPECT_TRUE(has("default_transaction_isolation=serializable"));
  EXPECT_TRUE(has("fsync=on"));
  EXPECT_TRUE(has("wal_writer_delay=200ms"));
  EXPECT_TRUE(has("checkpoint_timeout=5min"));  // PostgreSQL's defaults
  EXPECT_TRUE(has("max_wal_size=1GB"));
  const auto small = PgSettingArgs(
      Resolved({{"checkpoint_timeout", "30s"}, {"max_wal_size", "32MB"}}),
      /*recovering=*/false);
  EXPECT_NE(std::find(small.begin(), small.end(), "checkpoint_timeout=30s"),
            small.end());
  EXPECT_NE(std::find(small.begin(), small.end(), "max_wal_size=32MB"),
            small.end());
  const auto recovering = PgSettingArgs(Resolved({}), /*recovering=*/true);
  EXPECT_NE(std::find(recovering.begin(), recovering.end(), "fsync=off"),
            recovering.end());
  EXPECT_EQ(std::find(recovering.begin(), recovering.end(), "fsync=on"),
            recovering.end());
}

TEST(PostgresServer, ProblemLinesAreTheServersErrors) {
  const std::vector<std::string> log = {
      "2026-11-26 15:46:26.074 UTC [1] LOG:  starting PostgreSQL 15.20",
      "2026-11-26 15:46:26.080 UTC [5] FATAL:  the database system is "
      "starting up",
      "2026-11-26 15:46:26.090 UTC [4] FATAL:  incorrect checksum in control "
      "file",
      "2026-11-26 15:46:26.091 UTC [4] HINT:  restore from a backup",
      "2026-11-26 15:46:26.092 UTC [1] LOG:  startup process (PID 4) exited "
      "with exit code 1",
      "2026-11-26 15:46:26.093 UTC [1] LOG:  database system is shut down",
      "setpriv: setresuid failed: Operation not permitted"};
  EXPECT_EQ(PgProblemLines(log),
            (std::vector<std::string>{
                "FATAL:  incorrect checksum in control file",
                "HINT:  restore from a backup",
                "LOG:  startup process (PID 4) exited with exit code 1",
                "setpriv: setresuid failed: Operation not permitted"}));
  EXPECT_EQ(PgProblemLines({log[0]}),
            std::vector<std::string>{"LOG:  starting PostgreSQL 15.20"});
}

}  // namespace
}  // namespace crashlab
