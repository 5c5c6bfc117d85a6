// Integration tests of DriverEngine against drivers that misbehave (tiny
// shell scripts through the `external` engine) and against the real SQLite
// driver wrapped in a script.
#include "engines/driver_engine.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "core/subprocess.h"
#include "engines/engine_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT

constexpr char kHello[] =
    R"(echo '{"id":1,"ok":true,"engine":"script","version":"0.1","protocol":1}')";

std::unique_ptr<Engine> MakeExternal(const std::string& driver,
                                     int timeout_ms) {
  auto e = MakeEngine("external", {{"driver", driver}}, TestEnv(timeout_ms));
  EXPECT_TRUE(e.ok()) << e.status().message();
  return e.ok() ? std::move(*e) : nullptr;
}

pid_t ReadPid(const std::string& path) {
  for (int i = 0; i < 500; ++i) {
    auto text = ReadFileToString(path);
    if (text.ok() && !text->empty() && text->back() == '\n') {
      return std::stoi(*text);
    }
    usleep(10000);
  }
  return -1;
}

bool GoneWithin(pid_t pid, int ms) {
  for (int i = 0; i < ms / 10 && ProcessAlive(pid); ++i) usleep(10000);
  return !ProcessAlive(pid);
}

TEST(IntegrationEnginesDriver, DriverHangingInOpenIsHung) {
  TempDir tmp;
  const std::string script =
      WriteScript(tmp.Sub("hang.sh"), "#!/bin/sh\necho $$ > " + tmp.Sub("pid") +
                                          "\nread line\n" + kHello +
                                          "\nread line\nexec sleep 100\n");
  auto engine = MakeExternal(script, 300);
  ASSERT_TRUE(engine);
  const int64_t start = MonotonicMs();
  const Recovery r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kHung) << r.message;
  EXPECT_LT(MonotonicMs() - start, 10000);
  const pid_t pid = ReadPid(tmp.Sub("pid"));
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(GoneWithin(pid, 5000)) << "a hung driver must be killed";

  // The next recovery starts a new driver (which hangs again).
  ASSERT_EQ(::unlink(tmp.Sub("pid").c_str()), 0);
  EXPECT_EQ(engine->Recover(tmp.path(), AuthSchema()).stage,
            Recovery::Stage::kHung);
  const pid_t second = ReadPid(tmp.Sub("pid"));
  EXPECT_GT(second, 0);
  EXPECT_NE(second, pid);
}

TEST(IntegrationEnginesDriver, DriverSilentFromTheStartIsHung) {
  TempDir tmp;
  const std::string script =
      WriteScript(tmp.Sub("mute.sh"), "#!/bin/sh\nread line\nexec sleep 100\n");
  auto engine = MakeExternal(script, 200);
  ASSERT_TRUE(engine);
  const Recovery r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kHung) << r.message;
}

TEST(IntegrationEnginesDriver, DriverDyingInOpenIsCrashed) {
  TempDir tmp;
  const std::string exits =
      WriteScript(tmp.Sub("exit.sh"), std::string("#!/bin/sh\nread line\n") +
                                          kHello + "\nread line\nexit 3\n");
  auto engine = MakeExternal(exits, 5000);
  ASSERT_TRUE(engine);
  Recovery r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kCrashed);
  EXPECT_EQ(r.message, "driver exit code 3");

  const std::string killed = WriteScript(
      tmp.Sub("segv.sh"), std::string("#!/bin/sh\nread line\n") + kHello +
                              "\nread line\nkill -SEGV $$\n");
  engine = MakeExternal(killed, 5000);
  ASSERT_TRUE(engine);
  r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kCrashed);
  EXPECT_EQ(r.message.rfind("driver killed by signal 11", 0), 0u) << r.message;
}

TEST(IntegrationEnginesDriver, DriverWritingGarbageBreaksTheProtocol) {
  TempDir tmp;
  const std::string script = WriteScript(
      tmp.Sub("chatty.sh"), std::string("#!/bin/sh\nread line\n") + kHello +
                                "\nread line\necho 'hello world'\nsleep 100\n");
  auto engine = MakeExternal(script, 5000);
  ASSERT_TRUE(engine);
  const Recovery r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kCrashed);
  EXPECT_NE(r.message.find("protocol"), std::string::npos) << r.message;
}

TEST(IntegrationEnginesDriver, DeathAtCloseKeepsTheDumpAndSaysSo) {
  TempDir tmp;
  const std::string script = WriteScript(
      tmp.Sub("close.sh"),
      std::string("#!/bin/sh\nread line\n") + kHello +
          "\nread line\necho '{\"id\":2,\"ok\":true}'\nread line\n"
          R"(echo '{"id":3,"ok":true,"check":"ok","tables":{"users":[)"
          R"({"name":"u","password":"p","failures":1,"locked":false}]}}')"
          "\nread line\nexit 1\n");
  auto engine = MakeExternal(script, 5000);
  ASSERT_TRUE(engine);
  const Recovery r = engine->Recover(tmp.path(), AuthSchema());
  EXPECT_EQ(r.stage, Recovery::Stage::kOk);
  EXPECT_EQ(r.rows.at("users").at("u")["failures"], 1);
  EXPECT_EQ(r.engine_check, "ok");
  EXPECT_NE(r.message.find("close failed: driver exit code 1"),
            std::string::npos)
      << r.message;
  auto* driver_engine = dynamic_cast<DriverEngine*>(engine.get());
  ASSERT_NE(driver_engine, nullptr);
  EXPECT_EQ(driver_engine->recovery_driver_pid(), -1);
}

// The SQLite driver started by a wrapper that leaves a child in the group.
class IntegrationEnginesDriverSession : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PathExists(SqliteDriverPath())) {
      GTEST_SKIP() << "crashlab-driver-sqlite not built at "
                   << SqliteDriverPath();
    }
    const std::string script =
        WriteScript(tmp_.Sub("wrap.sh"), "#!/bin/sh\nsleep 300 &\necho $! > " +
                                             tmp_.Sub("child.pid") + "\nexec " +
                                             SqliteDriverPath() + "\n");
    engine_ = MakeExternal(script, 10000);
    ASSERT_TRUE(engine_);
    ASSERT_TRUE(MakeDirs(tmp_.Sub("data")).ok());
    ASSERT_TRUE(engine_->Init(tmp_.Sub("data"), AuthSchema()).ok());
    ASSERT_EQ(::unlink(tmp_.Sub("child.pid").c_str()), 0);
    auto session = engine_->Open(tmp_.Sub("data"), AuthSchema());
    ASSERT_TRUE(session.ok()) << session.status().message();
    session_ = std::move(*session);
    auto* driver_session = dynamic_cast<DriverSession*>(session_.get());
    ASSERT_NE(driver_session, nullptr);
    pid_ = driver_session->pid();
    child_ = ReadPid(tmp_.Sub("child.pid"));
    ASSERT_GT(child_, 0);
  }
  TempDir tmp_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Session> session_;
  pid_t pid_ = -1;
  pid_t child_ = -1;
};

TEST_F(IntegrationEnginesDriverSession, KillLeavesNoProcess) {
  ASSERT_EQ(
      session_
          ->Apply(
              Op(1, "register",
                 {Insert(
                     "users", "u",
                     {{"password", "p"}, {"failures", 0}, {"locked", false}})}))
          .outcome,
      ApplyResult::Outcome::kOk);
  ASSERT_TRUE(ProcessAlive(pid_));
  ASSERT_TRUE(ProcessAlive(child_));
  session_->Kill();
  EXPECT_FALSE(ProcessAlive(pid_));
  EXPECT_TRUE(GoneWithin(child_, 5000)) << "the driver's group survived";
  EXPECT_EQ(session_->Apply(Op(2, "x", {})).outcome,
            ApplyResult::Outcome::kInfo);

  // What was acknowledged survives the kill.
  const Recovery r = engine_->Recover(tmp_.Sub("data"), AuthSchema());
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows.at("users").count("u"), 1u);
}

TEST_F(IntegrationEnginesDriverSession, ApplyToADeadDriverIsInfo) {
  // Writing to the dead driver's stdin must not SIGPIPE the test process.
  ASSERT_EQ(::kill(pid_, SIGKILL), 0);
  ASSERT_TRUE(GoneWithin(pid_, 5000));
  const ApplyResult r = session_->Apply(
      Op(1, "register",
         {Insert("users", "u",
                 {{"password", "p"}, {"failures", 0}, {"locked", false}})}));
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kInfo);
  EXPECT_NE(r.error.find("killed by signal 9"), std::string::npos) << r.error;
  EXPECT_FALSE(session_->Dump().ok());
  EXPECT_FALSE(session_->Close().ok());
  EXPECT_TRUE(GoneWithin(child_, 5000));
}

TEST_F(IntegrationEnginesDriverSession, CloseEndsTheDriverCleanly) {
  ASSERT_TRUE(session_->Close().ok());
  EXPECT_FALSE(ProcessAlive(pid_));
  EXPECT_TRUE(GoneWithin(child_, 5000));
  EXPECT_TRUE(session_->Close().ok());  // idempotent
}

// The example driver in PROTOCOL.md's language-neutral terms (Python) goes
// through the same cycle as SQLite: the protocol is enough to plug in.
TEST(IntegrationEnginesDriver, PythonExampleDriverRoundTrips) {
  if (!PathExists("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  const std::string driver =
      "/usr/bin/python3 " + SourceDir() + "/examples/drivers/toy_driver.py";
  auto engine = MakeExternal(driver, 10000);
  ASSERT_TRUE(engine);
  auto version = engine->Version();
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(*version, "1");
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (const auto& op : SampleOps()) {
    const ApplyResult r = (*session)->Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk) << r.error;
  }
  const ApplyResult dup = (*session)->Apply(
      Op(9, "x",
         {Delete("sessions", "s1"),
          Insert("users", "alice",
                 {{"password", ""}, {"failures", 0}, {"locked", false}})}));
  EXPECT_EQ(dup.outcome, ApplyResult::Outcome::kFail) << dup.error;
  auto rows = (*session)->Dump();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(*rows, SampleRows());
  (*session)->Kill();
  const Recovery r = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows, SampleRows());
  EXPECT_EQ(r.engine_check, "ok");
}

TEST(IntegrationEnginesDriver, OpenOfAMissingDatabaseFails) {
  if (!PathExists(SqliteDriverPath())) GTEST_SKIP() << "no sqlite driver";
  auto engine = MakeEngine("sqlite", {}, TestEnv());
  ASSERT_TRUE(engine.ok());
  TempDir dir;
  auto session = (*engine)->Open(dir.path(), AuthSchema());
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("unable to open database file"),
            std::string::npos)
      << session.status().message();
}

TEST(IntegrationEnginesDriver, DriverStderrGoesToTheLogDir) {
  if (!PathExists(SqliteDriverPath())) GTEST_SKIP() << "no sqlite driver";
  TempDir tmp;
  EngineEnv env = TestEnv();
  env.log_dir = tmp.Sub("logs");
  auto engine = MakeEngine("sqlite", {}, env);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE(MakeDirs(tmp.Sub("data")).ok());
  ASSERT_TRUE((*engine)->Init(tmp.Sub("data"), AuthSchema()).ok());
  auto log = ReadFileToString(tmp.Sub("logs/sqlite-driver.log"));
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_NE(log->find("opened"), std::string::npos) << *log;
}

}  // namespace
}  // namespace crashlab
