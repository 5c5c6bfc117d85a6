// The PostgreSQL engine against the real server: round trips, failing
// ops, recovery of clean and garbage images, kills and hung starts. One
// initdb'd base is shared by the suite (initdb takes seconds); each test
// works on a root-owned copy, as crash images are. PostgreSQL is installed
// by ci/install-deps.sh: its absence is a failure, not a skip.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/files.h"
#include "core/subprocess.h"
#include "engines/engine_def.h"
#include "engines/engine_test_util.h"
#include "engines/postgres/postgres_engine.h"
#include "engines/server/server_test_util.h"

namespace crashlab {
namespace {

using testing_engines::AuthSchema;
using testing_engines::Insert;
using testing_engines::Op;
using testing_engines::SampleOps;
using testing_engines::SampleRows;
using testing_servers::ExpectedRows;
using testing_servers::ProcessesMentioning;
using testing_servers::ScratchDir;
using testing_servers::WriteGarbage;

class IntegrationPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { suite_dir_ = new ScratchDir(); }
  static void TearDownTestSuite() {
    delete suite_dir_;
    suite_dir_ = nullptr;
  }

  void SetUp() override {
    auto bin = FindPostgresBinDir();
    ASSERT_TRUE(bin.ok()) << bin.status().message()
                          << ": run ci/install-deps.sh";
    env_.bin_dir = BinDir();
    env_.request_timeout_ms = 30000;
    env_.log_dir = dir_.Sub("logs");
    base_ = suite_dir_->Sub("base");
    if (!PathExists(base_ + "/PG_VERSION")) {
      auto engine = Make();
      ASSERT_TRUE(engine);
      ASSERT_TRUE(MakeDirs(base_).ok());
      Status init = engine->Init(base_, schema_);
      ASSERT_TRUE(init.ok()) << init.message();
    }
  }

  std::unique_ptr<Engine> Make(Settings settings = {},
                               PostgresEngineOptions options = {}) {
    auto engine = MakePostgresEngine(settings, env_, options);
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  // A root-owned copy of the base, as crashlab materializes images.
  std::string Copy(const std::string& name) {
    const std::string dir = dir_.Sub(name);
    EXPECT_TRUE(CopyTree(base_, dir).ok());
    return dir;
  }

  static ScratchDir* suite_dir_;
  ScratchDir dir_;
  EngineEnv env_;
  std::string base_;
  Schema schema_ = AuthSchema();
};

ScratchDir* IntegrationPostgres::suite_dir_ = nullptr;

TEST_F(IntegrationPostgres, RoundTripEqualsTheDataModel) {
  for (const char* isolation : {"read committed", "serializable"}) {
    auto engine = Make({{"isolation", isolation}});
    ASSERT_TRUE(engine);
    const std::string dir = Copy(std::string("data-") + isolation[0]);
    auto session = engine->Open(dir, schema_);
    ASSERT_TRUE(session.ok()) << session.status().message();
    for (const LogicalOp& op : SampleOps()) {
      const ApplyResult r = (*session)->Apply(op);
      EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk)
          << op.id << ": " << r.error;
    }
    const Rows expected = ExpectedRows(schema_, SampleOps());
    EXPECT_EQ(expected, SampleRows());
    auto rows = (*session)->Dump();
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(*rows, expected);
    Status closed = (*session)->Close();
    ASSERT_TRUE(closed.ok()) << closed.message();
    const Recovery r = engine->Recover(dir, schema_);
    ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
    EXPECT_EQ(r.rows, expected);
  }
}

TEST_F(IntegrationPostgres, InsertOfAnExistingKeyFailsWholly) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  auto session = engine->Open(Copy("data"), schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const nlohmann::json alice = {
      {"password", "a1"}, {"failures", 0}, {"locked", false}};
  const LogicalOp first = Op(1, "register", {Insert("users", "alice", alice)});
  ASSERT_EQ((*session)->Apply(first).outcome, ApplyResult::Outcome::kOk);
  const LogicalOp twice =
      Op(2, "login",
         {Insert("sessions", "s1", {{"user", "alice"}, {"count", 1}}),
          Insert("users", "alice", alice)});
  const ApplyResult r = (*session)->Apply(twice);
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kFail) << r.error;
  EXPECT_NE(r.error.find("23505"), std::string::npos) << r.error;
  auto rows = (*session)->Dump();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_TRUE((*rows)["sessions"].empty()) << "the failed op left s1";
  EXPECT_EQ(*rows, ExpectedRows(schema_, {first, twice}));
  // The connection stays usable after a rolled-back op.
  EXPECT_EQ((*session)->Apply(SampleOps()[1]).outcome,
            ApplyResult::Outcome::kOk);
  EXPECT_TRUE((*session)->Close().ok());
}

TEST_F(IntegrationPostgres, RecoverOnTheBaseGivesEmptyTables) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  const Recovery r = engine->Recover(Copy("image"), schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows, ExpectedRows(schema_, {}));
  EXPECT_EQ(r.engine_check, "ok");
}

TEST_F(IntegrationPostgres, RecoverOnAGarbageControlFileIsRefusedInItsWords) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  const std::string dir = Copy("image");
  ASSERT_TRUE(WriteGarbage(dir + "/global/pg_control", 8192, 43).ok());
  const Recovery r = engine->Recover(dir, schema_);
  EXPECT_EQ(r.stage, Recovery::Stage::kOpenFailed) << r.message;
  // PostgreSQL's own words, e.g. "FATAL:  database files are incompatible
  // with server" or "FATAL:  incorrect checksum in control file".
  EXPECT_NE(r.message.find("FATAL:"), std::string::npos) << r.message;
  EXPECT_TRUE(ProcessesMentioning(dir).empty());
}

TEST_F(IntegrationPostgres, KillLeavesNoProcessAndLosesNoCommit) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  const std::string dir = Copy("data");
  auto session = engine->Open(dir, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const std::vector<LogicalOp> ops = SampleOps();
  for (const LogicalOp& op : ops) {
    ASSERT_EQ((*session)->Apply(op).outcome, ApplyResult::Outcome::kOk);
  }
  const int group = (*session)->process_group();
  ASSERT_GT(group, 0);
  // Backends, WAL writer and checkpointer each run in a session of their
  // own, with the data directory as working directory.
  EXPECT_GE(ProcessesMentioning(dir).size(), 3u);
  (*session)->Kill();
  EXPECT_FALSE(ProcessAlive(group));
  for (pid_t pid : ProcessesMentioning(dir)) {
    ADD_FAILURE() << "left running: " << testing_servers::CommandLineOf(pid);
  }
  const Recovery r = engine->Recover(dir, schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows, ExpectedRows(schema_, ops));
}

TEST_F(IntegrationPostgres, HungStartTimesOutAndLeavesNothing) {
  const std::string bin = dir_.Sub("fakebin");
  ASSERT_TRUE(MakeDirs(bin).ok());
  ::chmod(bin.c_str(), 0755);
  const std::string fake = testing_engines::WriteScript(
      bin + "/postgres", "#!/bin/sh\nexec sleep 600\n");
  PostgresEngineOptions options;
  options.bin_dir = bin;
  options.ready_timeout_ms = 700;
  auto engine = Make({}, options);
  ASSERT_TRUE(engine);
  const int64_t start = MonotonicMs();
  const Recovery r = engine->Recover(Copy("image"), schema_);
  EXPECT_LT(MonotonicMs() - start, 10000);
  EXPECT_EQ(r.stage, Recovery::Stage::kHung) << r.message;
  EXPECT_TRUE(ProcessesMentioning(fake).empty());
}

TEST_F(IntegrationPostgres, RefusesADirectoryPostgresCannotReach) {
  const std::string hidden = dir_.Sub("hidden");
  ASSERT_TRUE(MakeDirs(hidden + "/data").ok());
  ::chmod(hidden.c_str(), 0700);
  auto engine = Make();
  ASSERT_TRUE(engine);
  Status init = engine->Init(hidden + "/data", schema_);
  EXPECT_EQ(init.code(), Code::kInvalidArgument) << init.message();
  EXPECT_NE(init.message().find(hidden), std::string::npos) << init.message();
}

TEST_F(IntegrationPostgres, VersionAndRegistry) {
  auto engine = MakeEngine("postgres", {{"synchronous_commit", "off"}}, env_);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  EXPECT_TRUE((*engine)->runs_as_other_user());
  EXPECT_EQ((*engine)->Claim().kind, DurabilityClaim::Kind::kWindow);
  // "as if those transactions had been aborted cleanly": the most recent.
  EXPECT_EQ((*engine)->Claim().order.prefix, PrefixScope::kGlobal);
  EXPECT_DOUBLE_EQ((*engine)->Claim().window_s, 0.6);  // 3 x wal_writer_delay
  auto v = (*engine)->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->rfind("15", 0) == 0 || v->find('.') != std::string::npos, true)
      << *v;
}

}  // namespace
}  // namespace crashlab
