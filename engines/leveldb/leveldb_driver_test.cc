// Integration tests of the LevelDB engine: the real crashlab-driver-leveldb
// over the system libleveldb, through DriverEngine and raw protocol lines.
#include <gtest/gtest.h>

#include <filesystem>

#include "engines/kv_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT
using nlohmann::json;

#define SKIP_WITHOUT_LEVELDB_DRIVER()                       \
  if (!PathExists(DriverPath("leveldb"))) {                 \
    GTEST_SKIP() << "crashlab-driver-leveldb not built at " \
                 << DriverPath("leveldb");                  \
  }

std::unique_ptr<Engine> MakeLeveldb(const std::string& sync) {
  return MakeKvEngine("leveldb", {{"sync", sync}});
}

// The files of `dir` whose names end with `suffix`.
std::vector<std::string> FilesEndingWith(const std::string& dir,
                                         const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(e.path().string());
    }
  }
  return out;
}

class LeveldbSync : public ::testing::TestWithParam<std::string> {};

TEST_P(LeveldbSync, ApplyDumpCloseRecover) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb(GetParam());
  ASSERT_TRUE(engine);
  TempDir sample, auth;
  ASSERT_TRUE(engine->Init(sample.path(), AuthSchema()).ok());
  EXPECT_TRUE(PathExists(sample.Sub("CURRENT")));
  EXPECT_FALSE(PathExists(sample.Sub("LOG"))) << "info log goes to stderr";
  auto session = engine->Open(sample.path(), AuthSchema());
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (const auto& op : SampleOps()) {
    const ApplyResult r = (*session)->Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk) << op.id << ": " << r.error;
  }
  auto dumped = (*session)->Dump();
  ASSERT_TRUE(dumped.ok()) << dumped.status().message();
  EXPECT_EQ(*dumped, SampleRows());
  ASSERT_TRUE((*session)->Close().ok());
  Recovery rec = engine->Recover(sample.path(), AuthSchema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.engine_check, "ok");
  EXPECT_EQ(rec.rows, SampleRows());

  // A seeded auth run lands where core's model says.
  AuthWorkload workload(/*seed=*/3);
  ASSERT_TRUE(engine->Init(auth.path(), workload.schema()).ok());
  auto s2 = engine->Open(auth.path(), workload.schema());
  ASSERT_TRUE(s2.ok());
  const Rows want =
      ApplyAuthOps(**s2, workload, 120, EmptyRows(workload.schema()));
  ASSERT_TRUE((*s2)->Close().ok());
  rec = engine->Recover(auth.path(), workload.schema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.rows, want);
}

INSTANTIATE_TEST_SUITE_P(IntegrationEnginesLeveldb, LeveldbSync,
                         ::testing::Values("true", "false", "every:3"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == ':') c = '_';
                           }
                           return name;
                         });

TEST(IntegrationEnginesLeveldb, FailedOpIsAllOrNothing) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb("true");
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
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
  Rows expected;
  expected["users"]["alice"] = User("alice", "a1", 0, false);
  expected["sessions"];
  auto rows = s.Dump();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, expected);
  EXPECT_EQ(s.Apply(SampleOps()[1]).outcome, ApplyResult::Outcome::kOk);
  s.Kill();
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.rows.at("users").size(), 2u);
  EXPECT_TRUE(rec.rows.at("sessions").empty());
}

// A SIGKILL in the middle of a run: every acknowledged op is back, and the
// op in flight is all there or not at all. LevelDB promises this for
// process crashes even with sync=false (the write reached the OS first).
TEST(IntegrationEnginesLeveldb, SigkillMidRunKeepsEveryAcknowledgedOp) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  for (const char* sync : {"true", "false"}) {
    auto engine = MakeLeveldb(sync);
    ASSERT_TRUE(engine);
    TempDir dir;
    ASSERT_TRUE(engine->Init(dir.path(), AuthWorkload::MakeSchema()).ok());
    Rows acked, with_inflight;
    RunUntilKilled(*engine, dir.path(), 300, &acked, &with_inflight);
    const Recovery rec =
        engine->Recover(dir.path(), AuthWorkload::MakeSchema());
    ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
    EXPECT_TRUE(rec.rows == acked || rec.rows == with_inflight) << sync;
  }
}

// Writes `n` users and leaves them in the write-ahead log (SIGKILL: no
// compaction ran); returns the log's path.
std::string LogWithUsers(Engine& engine, const std::string& dir, int n) {
  EXPECT_TRUE(engine.Init(dir, AuthSchema()).ok());
  auto session = engine.Open(dir, AuthSchema());
  EXPECT_TRUE(session.ok());
  if (!session.ok()) return "";
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ((*session)
                  ->Apply(Op(i, "register",
                             {Insert("users", "user" + std::to_string(i),
                                     {{"password", std::string(100, 'p')},
                                      {"failures", i},
                                      {"locked", false}})}))
                  .outcome,
              ApplyResult::Outcome::kOk);
  }
  (*session)->Kill();
  std::vector<std::string> logs = FilesEndingWith(dir, ".log");
  EXPECT_EQ(logs.size(), 1u);
  return logs.empty() ? "" : logs[0];
}

TEST(IntegrationEnginesLeveldb, CorruptLogIsRefusedWithLeveldbsWords) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb("true");
  ASSERT_TRUE(engine);
  TempDir dir;
  const std::string log = LogWithUsers(*engine, dir.path(), 50);
  ASSERT_FALSE(log.empty());
  FlipBytes(log, 2000, 8);  // inside a record in the middle of the log
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed)
      << RecoveryStageName(rec.stage) << " " << rec.rows.size();
  EXPECT_NE(rec.message.find("Corruption"), std::string::npos) << rec.message;
}

// paranoid_checks at work: even the last record of the log, torn (its
// header intact, its bytes not), refuses the open; LevelDB's default
// (paranoid_checks off) would drop it and open.
TEST(IntegrationEnginesLeveldb, TornLastLogRecordRefusesTheOpen) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb("true");
  ASSERT_TRUE(engine);
  TempDir dir;
  const std::string log = LogWithUsers(*engine, dir.path(), 5);
  ASSERT_FALSE(log.empty());
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(log, ec);
  ASSERT_FALSE(ec);
  FlipBytes(log, size - 5, 4);
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed) << rec.message;
  EXPECT_NE(rec.message.find("checksum mismatch"), std::string::npos)
      << rec.message;
}

TEST(IntegrationEnginesLeveldb, CorruptTableIsReportedWithLeveldbsWords) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb("true");
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_FALSE(LogWithUsers(*engine, dir.path(), 50).empty());
  // Recovery turns the log into a level-0 table.
  ASSERT_EQ(engine->Recover(dir.path(), AuthSchema()).stage,
            Recovery::Stage::kOk);
  std::vector<std::string> tables = FilesEndingWith(dir.path(), ".ldb");
  ASSERT_EQ(tables.size(), 1u);
  FlipBytes(tables[0], 100, 8);  // inside the first data block
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_NE(rec.stage, Recovery::Stage::kOk);
  EXPECT_NE(rec.message.find("Corruption"), std::string::npos) << rec.message;
  EXPECT_NE(rec.message.find("checksum"), std::string::npos) << rec.message;
}

TEST(IntegrationEnginesLeveldb, MissingDatabaseIsAnOpenFailure) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  auto engine = MakeLeveldb("true");
  ASSERT_TRUE(engine);
  TempDir dir;
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed) << rec.message;
  EXPECT_NE(rec.message.find("does not exist"), std::string::npos)
      << rec.message;
  EXPECT_FALSE(PathExists(dir.Sub("CURRENT"))) << "recovery must not create";
}

TEST(IntegrationEnginesLeveldb, SettingsAndClaimsFollowTheDocs) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  for (const char* bad : {"every:0", "every:", "every:x", "yes", "TRUE"}) {
    auto e = MakeEngine("leveldb", {{"sync", bad}}, TestEnv());
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("every:N"), std::string::npos)
        << e.status().message();
  }
  using Kind = DurabilityClaim::Kind;
  EXPECT_EQ(MakeLeveldb("true")->Claim().kind, Kind::kEveryAck);
  const DurabilityClaim async = MakeLeveldb("false")->Claim();
  EXPECT_EQ(async.kind, Kind::kNone);
  EXPECT_NE(async.basis.find("will not cause any loss"), std::string::npos);
  const DurabilityClaim hybrid = MakeLeveldb("every:10")->Claim();
  EXPECT_EQ(hybrid.kind, Kind::kNone);
  EXPECT_NE(hybrid.basis.find("every Nth write is synchronous"),
            std::string::npos);
  // The hybrid scheme: a sync barrier, and "the last few updates" lost.
  EXPECT_TRUE(hybrid.order.sync_barrier);
  EXPECT_EQ(hybrid.order.prefix, PrefixScope::kGlobal);
  EXPECT_FALSE(async.order.sync_barrier);
  EXPECT_FALSE(MakeLeveldb("true")->Claim().order.any());
  EXPECT_EQ(MakeLeveldb("false")->settings().at("sync"), "false");
  auto engine = MakeLeveldb("false");
  EXPECT_FALSE(engine->writes_whole_rows());  // no driver started yet
  auto v = engine->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->rfind("1.", 0), 0u) << *v;
  // A row is one LevelDB value: the hello says so (CheckInput::whole_rows).
  EXPECT_TRUE(engine->writes_whole_rows());
}

// Measures (does not assert) how fast Recover is: the explorer calls it
// once per crash state.
TEST(IntegrationEnginesLeveldb, RecoverRate) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  ScratchDir scratch;  // where the explorer recovers
  auto engine =
      MakeKvEngine("leveldb", {{"sync", "true"}}, scratch.path() + "/logs");
  ASSERT_TRUE(engine);
  const std::string db = scratch.path() + "/db";
  ASSERT_TRUE(MakeDirs(db).ok());
  AuthWorkload workload(/*seed=*/9);
  ASSERT_TRUE(engine->Init(db, workload.schema()).ok());
  auto session = engine->Open(db, workload.schema());
  ASSERT_TRUE(session.ok());
  const Rows rows =
      ApplyAuthOps(**session, workload, 100, EmptyRows(workload.schema()));
  (*session)->Kill();  // recovery replays the log each time
  const int rate =
      MeasureRecoverRate(*engine, db, rows.at("users").size(), 200);
  std::cout << "[ measure  ] " << rate
            << " Recover calls/s, leveldb, 100 auth ops in the log, "
            << "a fresh copy each\n";
  RecordProperty("recover_per_second", rate);
}

// Regression: LevelDB logs from its compaction thread, and the driver's
// log once went through std::cerr, which is tied to std::cout: a log line
// flushed the reply stream from that thread while the loop wrote to it,
// and replies came twice or empty ("driver replied with id 4 to request
// 5", seen in process-kill runs). Reopening a killed database recovers its
// log and compacts in the background while requests arrive; every reply
// must still be the one asked for.
TEST(IntegrationEnginesLeveldb, BackgroundLoggingNeverCorruptsReplies) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  TempDir logs, dir;
  auto engine = MakeKvEngine("leveldb", {{"sync", "false"}}, logs.path());
  ASSERT_TRUE(engine);
  AuthWorkload workload(/*seed=*/11);
  ASSERT_TRUE(engine->Init(dir.path(), workload.schema()).ok());
  Rows rows = EmptyRows(workload.schema());
  for (int round = 0; round < 100 && !HasFailure(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto session = engine->Open(dir.path(), workload.schema());
    ASSERT_TRUE(session.ok()) << session.status().message();
    rows = ApplyAuthOps(**session, workload, 40, std::move(rows));
    (*session)->Kill();  // leaves the log for the next open to recover
  }
  const Recovery rec = engine->Recover(dir.path(), workload.schema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.rows, rows);
}

TEST(IntegrationEnginesLeveldb, ProtocolErrorsKeepTheDriverGoing) {
  SKIP_WITHOUT_LEVELDB_DRIVER();
  RawDriver d(DriverPath("leveldb"));
  ASSERT_TRUE(d.started());
  json r = d.Send("{not json");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_TRUE(r["id"].is_null());
  r = d.Send(R"({"id":2,"cmd":"apply","op":{"mutations":[]}})");
  EXPECT_EQ(r["error"]["kind"], "protocol");  // not open
  EXPECT_EQ(r["error"]["definite"], true);
  r = d.Send(R"({"id":3,"cmd":"hello"})");
  EXPECT_EQ(r["engine"], "leveldb");
  TempDir dir;
  r = d.Open(4, dir.path(), {{"sync", "sometimes"}}, true);
  EXPECT_EQ(r["error"]["kind"], "settings");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("every:N"),
            std::string::npos);
  r = d.Open(5, dir.path(), {{"fsync", "true"}}, true);
  EXPECT_EQ(r["error"]["kind"], "settings");
  r = d.Open(6, dir.path(), {{"sync", "every:2"}}, true);
  ASSERT_EQ(r["ok"], true) << r.dump();
  r = d.Open(7, dir.path(), {}, false);
  EXPECT_EQ(r["error"]["kind"], "protocol");  // already open
  r = d.Send(
      R"({"id":8,"cmd":"apply","op":{"id":1,"mutations":[{"kind":"update","table":"users","key":"u","values":{"nope":1}}]}})");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_EQ(r["error"]["definite"], true);
  r = d.Send(
      R"({"id":9,"cmd":"apply","op":{"id":2,"mutations":[{"kind":"insert","table":"users","key":"u","values":{"password":"p","failures":1,"locked":true}}]}})");
  EXPECT_EQ(r["ok"], true) << r.dump();
  r = d.Send(R"({"id":10,"cmd":"dump"})");
  EXPECT_EQ(r["check"], "ok");
  EXPECT_EQ(r["tables"]["users"], json::array({User("u", "p", 1, true)}));
  EXPECT_EQ(r["tables"]["sessions"], json::array());
  EXPECT_EQ(d.Quit(11), "exit code 0");
}

}  // namespace
}  // namespace crashlab
