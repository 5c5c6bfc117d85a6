// skyd's lifecycle as crashlab drives it (start, ready, stop, kill,
// refusal, hang, repair, logs), against testdata/fake_skyd.py: a stand-in
// that speaks the recorded Skyhash bytes and refuses an unclean directory
// the way 0.8.0 does. It tests crashlab's process handling, not Skytable;
// the Integration tests in skytable_engine_test.cc need a real skyd.
#include "engines/skytable/skyd_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/files.h"
#include "engines/engine_def.h"
#include "engines/engine_test_util.h"
#include "engines/skytable/skytable_engine.h"
#include "engines/skytable/skytable_test_util.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using testing_engines::Insert;
using testing_engines::Op;

class SkydFakeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/python3", X_OK) != 0) {
      GTEST_SKIP() << "needs /usr/bin/python3 to run testdata/fake_skyd.py";
    }
    fake_ = testing_engines::WriteScript(dir_.Sub("skyd"),
                                         "#!/bin/sh\nexec /usr/bin/python3 " +
                                             skytable_testing::TestdataDir() +
                                             "/fake_skyd.py \"$@\"\n");
    ASSERT_FALSE(fake_.empty());
    data_ = dir_.Sub("data");
    ASSERT_TRUE(MakeDirs(data_).ok());
  }

  std::unique_ptr<Engine> Make(int timeout_ms = 10000,
                               const std::string& repair = "") {
    EngineEnv env;
    env.request_timeout_ms = timeout_ms;
    env.log_dir = dir_.Sub("logs");
    const EngineInfo info = SkytableInfo(fake_.c_str());
    EXPECT_TRUE(info.available) << info.availability;
    auto e = SkytableEngineDef().make(
        info, {{"skyd", fake_}, {"rs_window", "2"}, {"repair", repair}}, env);
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(*e) : nullptr;
  }

  void SetMode(const std::string& mode) {
    ASSERT_TRUE(WriteStringToFile(JoinPath(data_, "fake-mode"), mode).ok());
  }

  TempDir dir_;
  std::string fake_, data_;
  Schema schema_ = AuthWorkload::MakeSchema();
};

LogicalOp Signup(uint64_t id, const std::string& name) {
  return Op(id, "signup",
            {Insert("users", name,
                    {{"pwhash", "h"},
                     {"sessions", 0},
                     {"failed", 0},
                     {"locked", false}})});
}

TEST_F(SkydFakeServerTest, InitOpenApplyCloseRecover) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  auto version = engine->Version();
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(*version, "Skytable v0.8.0 (crashlab fake_skyd.py, not Skytable)");
  Status init = engine->Init(data_, schema_);
  ASSERT_TRUE(init.ok()) << init.message();
  EXPECT_FALSE(PathExists(JoinPath(data_, ".sky_pid"))) << "stopped cleanly";

  auto session = engine->Open(data_, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const int pg = (*session)->process_group();
  EXPECT_GT(pg, 0);
  EXPECT_EQ((*session)->Apply(Signup(1, "alice")).outcome,
            ApplyResult::Outcome::kOk);
  EXPECT_EQ((*session)->Apply(Signup(2, "alice")).outcome,
            ApplyResult::Outcome::kFail);
  auto rows = (*session)->Dump();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->at("users").size(), 1u);
  Status closed = (*session)->Close();
  ASSERT_TRUE(closed.ok()) << closed.message();
  EXPECT_FALSE(ProcessAlive(pg));

  Recovery r = engine->Recover(data_, schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows.at("users").at("alice")["locked"], false);
  EXPECT_EQ(r.rows.size(), schema_.tables.size());

  std::string log_path;
  for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("logs"))) {
    if (e.path().filename().string().rfind("skytable-", 0) == 0) {
      EXPECT_TRUE(log_path.empty()) << "one engine object, one log";
      log_path = e.path().string();
    }
  }
  auto log = ReadFileToString(log_path);
  ASSERT_TRUE(log.ok()) << "no logs/skytable-<instance>.log";
  EXPECT_NE(log->find("=== crashlab: "), std::string::npos);
  EXPECT_NE(log->find("Skytable v0.8.0 | https://"), std::string::npos)
      << "skyd's stdout lands in the log too";
}

TEST_F(SkydFakeServerTest, RefusalAfterAKillIsOpenFailedInSkydsWords) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Init(data_, schema_).ok());
  auto session = engine->Open(data_, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  ASSERT_EQ((*session)->Apply(Signup(1, "alice")).outcome,
            ApplyResult::Outcome::kOk);
  const int pg = (*session)->process_group();
  (*session)->Kill();
  EXPECT_FALSE(ProcessAlive(pg));
  EXPECT_EQ((*session)->process_group(), -1);

  Recovery r = engine->Recover(data_, schema_);
  EXPECT_EQ(r.stage, Recovery::Stage::kOpenFailed);
  EXPECT_NE(r.message.find("[ERROR skyd] storage error error: loading gns; "
                           "io error: invalid input parameter"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("exit code 1"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("2026-11-26T"), std::string::npos)
      << "timestamps are stripped so equal refusals read equal";
  auto reopened = engine->Open(data_, schema_);
  EXPECT_FALSE(reopened.ok());
}

TEST_F(SkydFakeServerTest, RepairRunsInTheDataDirectoryBeforeRestarting) {
  auto engine = Make(10000, "test -x \"$SKYD\" && rm .sky_pid");
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Init(data_, schema_).ok());
  auto session = engine->Open(data_, schema_);
  ASSERT_TRUE(session.ok());
  ASSERT_EQ((*session)->Apply(Signup(1, "carol")).outcome,
            ApplyResult::Outcome::kOk);
  (*session)->Kill();
  Recovery r = engine->Recover(data_, schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_TRUE(r.rows.at("users").empty())
      << "acknowledged, never flushed: gone, like carol in the recordings";

  auto failing = Make(10000, "echo repair says no >&2; exit 3");
  ASSERT_TRUE(failing);
  ASSERT_TRUE(WriteStringToFile(JoinPath(data_, ".sky_pid"), "").ok());
  Recovery bad = failing->Recover(data_, schema_);
  EXPECT_EQ(bad.stage, Recovery::Stage::kOpenFailed);
  EXPECT_NE(bad.message.find("repair says no"), std::string::npos)
      << bad.message;
}

// Regression: Open ran the repair only when `.sky_pid` was left behind, and
// a power cut (which drops the lock file's unsynced create) restarted
// without it, so 0.8.0 refused every power-cut round. Open now repairs when
// skyd refuses, and never before a start that works.
TEST_F(SkydFakeServerTest, OpenRepairsAfterARefusalAndNeverBeforeACleanStart) {
  auto engine = Make(10000, "echo repaired >> ../repairs.log; rm -f .sky_pid");
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Init(data_, schema_).ok());
  auto clean = engine->Open(data_, schema_);
  ASSERT_TRUE(clean.ok()) << clean.status().message();
  EXPECT_FALSE(PathExists(dir_.Sub("repairs.log"))) << "a clean start repaired";
  (*clean)->Kill();  // leaves .sky_pid: the fake refuses, like 0.8.0
  auto after_crash = engine->Open(data_, schema_);
  ASSERT_TRUE(after_crash.ok()) << after_crash.status().message();
  auto log = ReadFileToString(dir_.Sub("repairs.log"));
  ASSERT_TRUE(log.ok()) << "the refusal was not repaired";
  EXPECT_EQ(*log, "repaired\n");
  ASSERT_TRUE((*after_crash)->Close().ok());
}

// Regression: `--set repair='skyd repair'` failed with "skyd: not found"
// when the binary was not called skyd (../shared/engines/bin has
// skyd-0.8.0-repair). `skyd` on the repair command's PATH is now the
// configured binary, whatever its name.
TEST(SkydRepair, SkydOnThePathIsTheConfiguredBinaryWhateverItsName) {
  TempDir dir;
  const std::string odd = testing_engines::WriteScript(
      dir.Sub("skyd-0.8.0-repair"), "#!/bin/sh\necho \"repaired by $0 $1\"\n");
  ASSERT_FALSE(odd.empty());
  ASSERT_TRUE(MakeDirs(dir.Sub("data")).ok());
  const std::string log = dir.Sub("repair.log");
  Status s = RunRepair("skyd repair", odd, dir.Sub("data"), log, 10000);
  ASSERT_TRUE(s.ok()) << s.message();
  auto text = ReadFileToString(log);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("repaired by"), std::string::npos) << *text;
  EXPECT_NE(text->find(" repair"), std::string::npos) << *text;
}

TEST_F(SkydFakeServerTest, AHungSkydIsHungWithinTheTimeout) {
  SetMode("hang");
  auto engine = Make(/*timeout_ms=*/1500);
  ASSERT_TRUE(engine);
  const int64_t start = MonotonicMs();
  Recovery r = engine->Recover(data_, schema_);
  EXPECT_EQ(r.stage, Recovery::Stage::kHung) << r.message;
  EXPECT_LT(MonotonicMs() - start, 8000);
  EXPECT_NE(r.message.find("did not accept a connection"), std::string::npos);
}

TEST_F(SkydFakeServerTest, RefusedHandshakeIsASetupFailure) {
  SetMode("bad-password");
  auto engine = Make();
  ASSERT_TRUE(engine);
  auto session = engine->Open(data_, schema_);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("bad credentials"),
            std::string::npos)
      << session.status().message();
}

TEST_F(SkydFakeServerTest, ASkydIgnoringSigtermIsKilledAndReported) {
  auto engine = Make(/*timeout_ms=*/1500);
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->Init(data_, schema_).ok());
  SetMode("slow-stop");
  auto session = engine->Open(data_, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const int pg = (*session)->process_group();
  Status closed = (*session)->Close();
  EXPECT_FALSE(closed.ok());
  EXPECT_NE(closed.message().find("did not stop cleanly"), std::string::npos)
      << closed.message();
  EXPECT_FALSE(ProcessAlive(pg));
}

TEST(SkydServerTest, SummaryKeepsTheLastLinesWithoutTimestamps) {
  const std::string log =
      "=== crashlab: /x/skyd --config <private> in /d on 127.0.0.1:1\n"
      "Skytable v0.8.0 | https://github.com/skytable/skytable\n"
      "[2026-11-26T14:20:48Z WARN  skyd::engine] running in dev mode\r\n"
      "\n"
      "[2026-11-26T14:20:48Z ERROR skyd] storage error\n";
  EXPECT_EQ(SummarizeSkydLog(log, 2),
            "[WARN  skyd::engine] running in dev mode\n[ERROR skyd] storage "
            "error");
  // Regression: the banner filled short tails, so one refusal read as
  // several findings. It is left out.
  EXPECT_EQ(SummarizeSkydLog(log, 10).substr(0, 6), "[WARN ");
  EXPECT_EQ(SummarizeSkydLog("\xe2\x96\x88\xe2\x96\x88 \xe2\x96\x88\n[ERROR skyd] x\n", 4),
            "[ERROR skyd] x");
  EXPECT_EQ(SummarizeSkydLog("", 3), "");
}

}  // namespace
}  // namespace crashlab
