// Integration tests of the SQLite engine: the real crashlab-driver-sqlite
// over the real libsqlite3, through DriverEngine (and raw protocol lines).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>
#include <tuple>

#include "core/subprocess.h"
#include "engines/driver_engine.h"
#include "engines/engine_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT
using nlohmann::json;

std::unique_ptr<Engine> MakeSqlite(const std::string& journal,
                                   const std::string& sync,
                                   int timeout_ms = 30000) {
  auto e =
      MakeEngine("sqlite", {{"journal_mode", journal}, {"synchronous", sync}},
                 TestEnv(timeout_ms));
  EXPECT_TRUE(e.ok()) << e.status().message();
  return e.ok() ? std::move(*e) : nullptr;
}

#define SKIP_WITHOUT_SQLITE_DRIVER()                       \
  if (!PathExists(SqliteDriverPath())) {                   \
    GTEST_SKIP() << "crashlab-driver-sqlite not built at " \
                 << SqliteDriverPath();                    \
  }

class SqliteModes
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(SqliteModes, ApplyDumpCloseRecover) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  const auto& [journal, sync] = GetParam();
  auto engine = MakeSqlite(journal, sync);
  ASSERT_TRUE(engine);
  TempDir dir;
  const Schema schema = AuthSchema();
  ASSERT_TRUE(engine->Init(dir.path(), schema).ok());
  EXPECT_TRUE(PathExists(dir.Sub("auth.db")));

  auto session = engine->Open(dir.path(), schema);
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (const auto& op : SampleOps()) {
    const ApplyResult r = (*session)->Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk)
        << "op " << op.id << ": " << r.error;
  }
  auto dumped = (*session)->Dump();
  ASSERT_TRUE(dumped.ok()) << dumped.status().message();
  EXPECT_EQ(*dumped, SampleRows());
  ASSERT_TRUE((*session)->Close().ok());

  const Recovery rec = engine->Recover(dir.path(), schema);
  EXPECT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.engine_check, "ok");
  EXPECT_EQ(rec.rows, SampleRows());
}

INSTANTIATE_TEST_SUITE_P(
    IntegrationEnginesSqlite, SqliteModes,
    ::testing::Combine(::testing::Values("delete", "truncate", "persist",
                                         "wal"),
                       ::testing::Values("off", "normal", "full", "extra")),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + std::get<1>(info.param);
    });

TEST(IntegrationEnginesSqlite, FailedOpIsAllOrNothing) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  for (const char* journal : {"delete", "wal"}) {
    auto engine = MakeSqlite(journal, "full");
    ASSERT_TRUE(engine);
    TempDir dir;
    const Schema schema = AuthSchema();
    ASSERT_TRUE(engine->Init(dir.path(), schema).ok());
    auto session = engine->Open(dir.path(), schema);
    ASSERT_TRUE(session.ok());
    auto& s = **session;
    ASSERT_EQ(s.Apply(SampleOps()[0]).outcome, ApplyResult::Outcome::kOk);

    // Valid mutations first, then a duplicate key: none may be visible.
    const ApplyResult r = s.Apply(
        Op(2, "login",
           {Insert("sessions", "s2", {{"user", "alice"}, {"count", 1}}),
            Update("users", "alice", {{"failures", 9}}),
            Insert("users", "alice",
                   {{"password", "x"}, {"failures", 0}, {"locked", false}})}));
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kFail) << r.error;
    EXPECT_NE(r.error.find("constraint"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("UNIQUE"), std::string::npos) << r.error;

    Rows expected;
    expected["users"]["alice"] = User("alice", "a1", 0, false);
    expected["sessions"];
    auto rows = s.Dump();
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(*rows, expected) << journal;

    // The connection is still good after the rollback.
    EXPECT_EQ(s.Apply(SampleOps()[1]).outcome, ApplyResult::Outcome::kOk);
    ASSERT_TRUE(s.Close().ok());
    const Recovery rec = engine->Recover(dir.path(), schema);
    ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
    EXPECT_EQ(rec.rows.at("users").size(), 2u);
    EXPECT_TRUE(rec.rows.at("sessions").empty());
  }
}

TEST(IntegrationEnginesSqlite, OpOutsideTheSchemaIsRefusedDefinitely) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
  ASSERT_TRUE(session.ok());
  const ApplyResult r =
      (*session)->Apply(Op(1, "x", {Update("nosuchtable", "k", {{"a", 1}})}));
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kFail);
  EXPECT_NE(r.error.find("protocol"), std::string::npos) << r.error;
  const ApplyResult missing = (*session)->Apply(
      Op(2, "x", {Insert("users", "u", {{"password", "p"}})}));
  EXPECT_EQ(missing.outcome, ApplyResult::Outcome::kFail);
  EXPECT_NE(missing.error.find("missing column"), std::string::npos);
  EXPECT_TRUE((*session)->Close().ok());
}

// Builds a closed database in `dir` holding `n` users with long passwords.
void BuildDatabase(Engine& engine, const std::string& dir, int n) {
  ASSERT_TRUE(engine.Init(dir, AuthSchema()).ok());
  auto session = engine.Open(dir, AuthSchema());
  ASSERT_TRUE(session.ok());
  for (int i = 0; i < n; ++i) {
    const std::string name = "user" + std::to_string(i);
    ASSERT_EQ((*session)
                  ->Apply(Op(i, "register",
                             {Insert("users", name,
                                     {{"password", std::string(200, 'p')},
                                      {"failures", i},
                                      {"locked", false}})}))
                  .outcome,
              ApplyResult::Outcome::kOk);
  }
  ASSERT_TRUE((*session)->Close().ok());
}

// Open must be what recovers: a hot journal left by a writer killed
// mid-transaction (after its cache spilled into auth.db) is rolled back.
TEST(IntegrationEnginesSqlite, HotJournalIsRolledBackOnOpen) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  const std::string shell = "/usr/bin/sqlite3";
  if (!PathExists(shell))
    GTEST_SKIP() << "needs the sqlite3 shell at " << shell;
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  BuildDatabase(*engine, dir.path(), 300);
  auto before = ReadFileToString(dir.Sub("auth.db"));
  ASSERT_TRUE(before.ok());

  // The shell kills itself ($PPID of .system's sh) inside the transaction.
  auto writer = Subprocess::Spawn(
      {.argv = {shell, dir.Sub("auth.db")}, .pipe_stdin = true});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)
                  ->WriteLine("PRAGMA cache_size=1;\nBEGIN;\nUPDATE users SET "
                              "password='changed', failures=failures+1000;\n"
                              ".system kill -9 $PPID")
                  .ok());
  (*writer)->CloseStdin();
  ASSERT_TRUE((*writer)->Wait(30000).ok());
  ASSERT_TRUE(PathExists(dir.Sub("auth.db-journal")));
  auto spilled = ReadFileToString(dir.Sub("auth.db"));
  ASSERT_TRUE(spilled.ok());
  ASSERT_NE(*spilled, *before)
      << "the writer did not spill; nothing to roll back";

  const Recovery r = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.engine_check, "ok");
  ASSERT_EQ(r.rows.at("users").size(), 300u);
  for (const auto& [name, row] : r.rows.at("users")) {
    EXPECT_EQ(row["password"], std::string(200, 'p')) << name;
    EXPECT_LT(row["failures"].get<int64_t>(), 300) << name;
  }
}

// Commits that live only in the WAL (no checkpoint: the session was
// SIGKILLed) come back through WAL recovery at open.
TEST(IntegrationEnginesSqlite, WalIsReplayedOnOpen) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("wal", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
  ASSERT_TRUE(session.ok());
  for (const auto& op : SampleOps()) {
    ASSERT_EQ((*session)->Apply(op).outcome, ApplyResult::Outcome::kOk);
  }
  (*session)->Kill();
  ASSERT_TRUE(PathExists(dir.Sub("auth.db-wal")));
  const Recovery r = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.engine_check, "ok");
  EXPECT_EQ(r.rows, SampleRows());
}

// Wrong types in a column are what corruption looks like to a checker: the
// dump must show them as stored (quick_check does not notice them).
TEST(IntegrationEnginesSqlite, DumpReportsValuesAsStored) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  const std::string shell = "/usr/bin/sqlite3";
  if (!PathExists(shell))
    GTEST_SKIP() << "needs the sqlite3 shell at " << shell;
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto writer = Subprocess::Spawn(
      {.argv = {
           shell, dir.Sub("auth.db"),
           "INSERT INTO users VALUES('a', CAST(x'ff41' AS TEXT), 'seven', 2);"
           "INSERT INTO users VALUES('b', x'00ff', 1.5, NULL);"}});
  ASSERT_TRUE(writer.ok());
  auto st = (*writer)->Wait(30000);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(Subprocess::DescribeWaitStatus(*st), "exit code 0");

  const Recovery r = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  const auto& users = r.rows.at("users");
  EXPECT_EQ(users.at("a")["failures"], "seven");
  EXPECT_EQ(users.at("a")["locked"], 2);
  EXPECT_EQ(users.at("a")["password"],
            "\xef\xbf\xbd"
            "A");  // U+FFFD, 'A'
  EXPECT_EQ(users.at("b")["password"], "x'00ff'");
  EXPECT_EQ(users.at("b")["failures"], 1.5);
  EXPECT_TRUE(users.at("b")["locked"].is_null());
}

TEST(IntegrationEnginesSqlite, GarbageFileIsRefusedWithSqlitesWords) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  std::mt19937 rng(20240601);  // seed: any garbage will do; fixed to replay
  std::string garbage(8192, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  ASSERT_TRUE(WriteStringToFile(dir.Sub("auth.db"), garbage).ok());

  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_TRUE(rec.stage == Recovery::Stage::kOpenFailed ||
              rec.stage == Recovery::Stage::kDumpFailed)
      << RecoveryStageName(rec.stage) << ": " << rec.message;
  EXPECT_NE(rec.message.find("file is not a database"), std::string::npos)
      << rec.message;
}

TEST(IntegrationEnginesSqlite, TruncatedDatabaseDoesNotRecoverOk) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  BuildDatabase(*engine, dir.path(), 300);
  ASSERT_EQ(::truncate(dir.Sub("auth.db").c_str(), 8192), 0);
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_NE(rec.stage, Recovery::Stage::kOk) << rec.engine_check;
  EXPECT_FALSE(rec.message.empty());
}

TEST(IntegrationEnginesSqlite, MissingDatabaseFileIsAnOpenFailure) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("wal", "full");
  ASSERT_TRUE(engine);
  TempDir dir;
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed) << rec.message;
  EXPECT_NE(rec.message.find("unable to open database file"), std::string::npos)
      << rec.message;
}

TEST(IntegrationEnginesSqlite, RecoveryDriverIsReusedAndRestartedAfterAKill) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("wal", "normal");
  ASSERT_TRUE(engine);
  auto* driver_engine = dynamic_cast<DriverEngine*>(engine.get());
  ASSERT_NE(driver_engine, nullptr);
  TempDir good, bad;
  BuildDatabase(*engine, good.path(), 5);
  ASSERT_TRUE(
      WriteStringToFile(bad.Sub("auth.db"), std::string(4096, 'x')).ok());

  ASSERT_EQ(engine->Recover(good.path(), AuthSchema()).stage,
            Recovery::Stage::kOk);
  const pid_t first = driver_engine->recovery_driver_pid();
  ASSERT_GT(first, 0);
  // An image the engine refuses does not cost the driver.
  EXPECT_NE(engine->Recover(bad.path(), AuthSchema()).stage,
            Recovery::Stage::kOk);
  const Recovery again = engine->Recover(good.path(), AuthSchema());
  EXPECT_EQ(again.stage, Recovery::Stage::kOk) << again.message;
  EXPECT_EQ(again.rows.at("users").size(), 5u);
  EXPECT_EQ(driver_engine->recovery_driver_pid(), first);

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  for (int i = 0; i < 500 && ProcessAlive(first); ++i) usleep(10000);
  ASSERT_FALSE(ProcessAlive(first));
  const Recovery after = engine->Recover(good.path(), AuthSchema());
  EXPECT_EQ(after.stage, Recovery::Stage::kOk) << after.message;
  EXPECT_EQ(after.rows.at("users").size(), 5u);
  const pid_t second = driver_engine->recovery_driver_pid();
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
}

// Measures (does not assert) how fast Recover is: the explorer calls it
// once per crash state.
TEST(IntegrationEnginesSqlite, RecoverRate) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  for (const char* journal : {"delete", "wal"}) {
    auto engine = MakeSqlite(journal, "full");
    ASSERT_TRUE(engine);
    TempDir dir;
    BuildDatabase(*engine, dir.path(), 20);
    constexpr int kCalls = 300;
    const int64_t start = MonotonicMs();
    for (int i = 0; i < kCalls; ++i) {
      const Recovery r = engine->Recover(dir.path(), AuthSchema());
      ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
      ASSERT_EQ(r.rows.at("users").size(), 20u);
    }
    const double seconds = std::max<int64_t>(1, MonotonicMs() - start) / 1000.0;
    std::cout << "[ measure  ] " << static_cast<int>(kCalls / seconds)
              << " Recover calls/s, journal_mode=" << journal
              << ", 20-row database\n";
    RecordProperty(std::string("recover_per_second_") + journal,
                   static_cast<int>(kCalls / seconds));
  }
}

TEST(IntegrationEnginesSqlite, VersionComesFromTheDriver) {
  SKIP_WITHOUT_SQLITE_DRIVER();
  auto engine = MakeSqlite("delete", "full");
  ASSERT_TRUE(engine);
  auto v = engine->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->rfind("3.", 0), 0u) << *v;
  EXPECT_FALSE(engine->writes_whole_rows());  // SQL updates name columns
}

// Raw protocol lines against the real driver binary.
class IntegrationEnginesSqliteDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_SQLITE_DRIVER();
    auto p = Subprocess::Spawn({.argv = {SqliteDriverPath()},
                                .pipe_stdin = true,
                                .pipe_stdout = true});
    ASSERT_TRUE(p.ok());
    driver_ = std::move(*p);
  }
  json Send(const std::string& line) {
    EXPECT_TRUE(driver_->WriteLine(line).ok());
    auto reply = driver_->ReadLine(10000);
    EXPECT_TRUE(reply.ok()) << reply.status().message();
    return reply.ok() ? json::parse(*reply, nullptr, false) : json();
  }
  std::unique_ptr<Subprocess> driver_;
};

TEST_F(IntegrationEnginesSqliteDriver, ProtocolErrorsKeepTheDriverGoing) {
  json r = Send("this is not json");
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_TRUE(r["id"].is_null());

  r = Send(R"({"id":5,"cmd":"frobnicate"})");
  EXPECT_EQ(r["id"], 5);
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("frobnicate"),
            std::string::npos);

  r = Send(R"({"id":6,"cmd":"dump"})");
  EXPECT_EQ(r["error"]["kind"], "protocol");  // nothing is open

  r = Send(R"({"id":7,"cmd":"hello"})");
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["engine"], "sqlite");
  EXPECT_EQ(r["protocol"], 1);
  EXPECT_TRUE(r["version"].is_string());

  TempDir dir;
  json open = {{"id", 8},
               {"cmd", "open"},
               {"dir", dir.path()},
               {"settings", {{"journal_mode", "memory"}}},
               {"schema", AuthSchema().ToJson()},
               {"create", true}};
  r = Send(open.dump());
  EXPECT_EQ(r["error"]["kind"], "settings");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("wal"),
            std::string::npos);

  open["id"] = 9;
  open["settings"] = {{"journal_mode", "wal"}};
  r = Send(open.dump());
  EXPECT_EQ(r["ok"], true) << r.dump();

  r = Send(
      R"({"id":10,"cmd":"apply","op":{"id":1,"mutations":[{"kind":"insert","table":"nope","key":"k","values":{}}]}})");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_EQ(r["error"]["definite"], true);

  r = Send(
      R"({"id":11,"cmd":"apply","op":{"id":2,"mutations":[{"kind":"insert","table":"users","key":"u","values":{"password":"p","failures":1,"locked":true}}]}})");
  EXPECT_EQ(r["ok"], true) << r.dump();

  r = Send(R"({"id":12,"cmd":"dump"})");
  EXPECT_EQ(r["check"], "ok");
  EXPECT_EQ(r["tables"]["users"], json::array({User("u", "p", 1, true)}));
  EXPECT_EQ(r["tables"]["sessions"], json::array());

  r = Send(R"({"id":13,"cmd":"quit"})");
  EXPECT_EQ(r["ok"], true);
  auto st = driver_->Wait(10000);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Subprocess::DescribeWaitStatus(*st), "exit code 0");
  EXPECT_FALSE(PathExists(dir.Sub("auth.db-wal")));  // clean close checkpoints
}

TEST_F(IntegrationEnginesSqliteDriver, EndOfInputExitsZero) {
  driver_->CloseStdin();
  auto st = driver_->Wait(10000);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Subprocess::DescribeWaitStatus(*st), "exit code 0");
}

}  // namespace
}  // namespace crashlab
