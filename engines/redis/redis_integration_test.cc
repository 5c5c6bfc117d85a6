// The Redis engine against the real redis-server: round trips, failing
// ops, recovery of clean and garbage images, kills and hung starts.
// redis-server is installed by ci/install-deps.sh: its absence is a
// failure, not a skip.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/files.h"
#include "core/subprocess.h"
#include "engines/engine_def.h"
#include "engines/engine_test_util.h"
#include "engines/redis/redis_engine.h"
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

class IntegrationRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ProgramAvailable("redis-server", nullptr))
        << "redis-server is not installed: run ci/install-deps.sh";
    env_.bin_dir = BinDir();
    env_.request_timeout_ms = 20000;
    env_.log_dir = dir_.Sub("logs");
  }

  std::unique_ptr<Engine> Make(Settings settings = {},
                               RedisEngineOptions options = {}) {
    auto engine = MakeRedisEngine(settings, env_, options);
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  std::string InitDir(Engine& engine, const std::string& name) {
    const std::string dir = dir_.Sub(name);
    EXPECT_TRUE(MakeDirs(dir).ok());
    Status init = engine.Init(dir, schema_);
    EXPECT_TRUE(init.ok()) << init.message();
    return dir;
  }

  ScratchDir dir_;
  EngineEnv env_;
  Schema schema_ = AuthSchema();
};

TEST_F(IntegrationRedis, RoundTripEqualsTheDataModel) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  const std::string dir = InitDir(*engine, "data");
  auto session = engine->Open(dir, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (const LogicalOp& op : SampleOps()) {
    const ApplyResult r = (*session)->Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk) << op.id << ": " << r.error;
  }
  const Rows expected = ExpectedRows(schema_, SampleOps());
  Rows sample = SampleRows();
  EXPECT_EQ(expected, sample);
  auto rows = (*session)->Dump();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(*rows, expected);
  ASSERT_TRUE((*session)->Close().ok());
  // What SHUTDOWN persisted is what a restart reads.
  const Recovery r = engine->Recover(dir, schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows, expected);
}

TEST_F(IntegrationRedis, InsertOfAnExistingKeyFailsWholly) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  const std::string dir = InitDir(*engine, "data");
  auto session = engine->Open(dir, schema_);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const nlohmann::json alice = {
      {"password", "a1"}, {"failures", 0}, {"locked", false}};
  ASSERT_EQ((*session)
                ->Apply(Op(1, "register", {Insert("users", "alice", alice)}))
                .outcome,
            ApplyResult::Outcome::kOk);
  const LogicalOp twice =
      Op(2, "login",
         {Insert("sessions", "s1", {{"user", "alice"}, {"count", 1}}),
          Insert("users", "alice", alice)});
  const ApplyResult r = (*session)->Apply(twice);
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kFail) << r.error;
  EXPECT_NE(r.error.find("alice"), std::string::npos) << r.error;
  auto rows = (*session)->Dump();
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)["sessions"].empty()) << "the failed op left s1";
  EXPECT_EQ(*rows,
            ExpectedRows(
                schema_,
                {Op(1, "register", {Insert("users", "alice", alice)}), twice}));
  EXPECT_TRUE((*session)->Close().ok());
}

TEST_F(IntegrationRedis, RecoverOnTheBaseGivesEmptyTables) {
  for (const char* aof : {"yes", "no"}) {
    auto engine = Make({{"appendonly", aof}});
    ASSERT_TRUE(engine);
    const std::string dir = InitDir(*engine, std::string("base-") + aof);
    const Recovery r = engine->Recover(dir, schema_);
    ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
    EXPECT_EQ(r.rows, ExpectedRows(schema_, {})) << aof;
    EXPECT_EQ(r.engine_check, "ok");
  }
}

TEST_F(IntegrationRedis, RecoverOnGarbageIsRefusedInRedisWords) {
  auto engine = Make({{"aof-use-rdb-preamble", "no"}});
  ASSERT_TRUE(engine);
  const std::string dir = InitDir(*engine, "data");
  auto session = engine->Open(dir, schema_);
  ASSERT_TRUE(session.ok());
  for (const LogicalOp& op : SampleOps()) (void)(*session)->Apply(op);
  ASSERT_TRUE((*session)->Close().ok());
  // Every AOF file but the manifest becomes seeded random bytes.
  const std::string aof_dir = dir + "/appendonlydir";
  DIR* d = ::opendir(aof_dir.c_str());
  ASSERT_NE(d, nullptr);
  int replaced = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.find(".aof.") == std::string::npos ||
        name.find("manifest") != std::string::npos) {
      continue;
    }
    ASSERT_TRUE(WriteGarbage(aof_dir + "/" + name, 4096, 41 + replaced).ok());
    ++replaced;
  }
  ::closedir(d);
  ASSERT_GT(replaced, 0);
  const Recovery r = engine->Recover(dir, schema_);
  EXPECT_NE(r.stage, Recovery::Stage::kOk);
  EXPECT_EQ(r.stage, Recovery::Stage::kOpenFailed) << r.message;
  EXPECT_NE(r.message.find("append only file"), std::string::npos)
      << "not Redis's own words: " << r.message;
}

TEST_F(IntegrationRedis, KillLeavesNoProcess) {
  auto engine = Make({{"appendfsync", "always"}});
  ASSERT_TRUE(engine);
  const std::string dir = InitDir(*engine, "data");
  auto session = engine->Open(dir, schema_);
  ASSERT_TRUE(session.ok());
  (void)(*session)->Apply(SampleOps()[0]);
  const int group = (*session)->process_group();
  ASSERT_GT(group, 0);
  EXPECT_TRUE(ProcessAlive(group));
  (*session)->Kill();
  EXPECT_FALSE(ProcessAlive(group));
  EXPECT_EQ((*session)->process_group(), -1);
  EXPECT_TRUE(ProcessesMentioning(dir).empty());
  // What was acknowledged with appendfsync=always survived the kill.
  const Recovery r = engine->Recover(dir, schema_);
  ASSERT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
  EXPECT_EQ(r.rows, ExpectedRows(schema_, {SampleOps()[0]}));
}

TEST_F(IntegrationRedis, HungStartTimesOutAndLeavesNothing) {
  const std::string fake = testing_engines::WriteScript(
      dir_.Sub("redis-server-that-hangs"), "#!/bin/sh\nexec sleep 600\n");
  RedisEngineOptions options;
  options.server_bin = fake;
  options.ready_timeout_ms = 700;
  auto engine = Make({}, options);
  ASSERT_TRUE(engine);
  const std::string dir = dir_.Sub("data");
  ASSERT_TRUE(MakeDirs(dir).ok());
  const int64_t start = MonotonicMs();
  const Recovery r = engine->Recover(dir, schema_);
  EXPECT_LT(MonotonicMs() - start, 10000);
  EXPECT_EQ(r.stage, Recovery::Stage::kHung) << r.message;
  EXPECT_NE(r.message.find("700 ms"), std::string::npos) << r.message;
  EXPECT_TRUE(ProcessesMentioning(fake).empty());
  Status init = engine->Init(dir, schema_);
  EXPECT_EQ(init.code(), Code::kTimeout) << init.message();
}

TEST_F(IntegrationRedis, ServerThatExitsIsReportedWithItsExit) {
  const std::string fake = testing_engines::WriteScript(
      dir_.Sub("redis-server-that-dies"),
      "#!/bin/sh\necho 'Fatal: this is not redis' >&2\nexit 3\n");
  RedisEngineOptions options;
  options.server_bin = fake;
  auto engine = Make({}, options);
  ASSERT_TRUE(engine);
  const Recovery r = engine->Recover(dir_.path(), schema_);
  EXPECT_EQ(r.stage, Recovery::Stage::kOpenFailed);
  EXPECT_NE(r.message.find("this is not redis"), std::string::npos)
      << r.message;
}

TEST_F(IntegrationRedis, VersionIsTheServers) {
  auto engine = Make();
  ASSERT_TRUE(engine);
  auto v = engine->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->find('.') != std::string::npos, true) << *v;
}

TEST_F(IntegrationRedis, TheRegistryMakesIt) {
  auto engine = MakeEngine("redis", {{"appendfsync", "always"}}, env_);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  EXPECT_EQ((*engine)->Claim().kind, DurabilityClaim::Kind::kEveryAck);
  // everysec: a window, and the append-only file is replayed in order.
  auto everysec = MakeEngine("redis", {{"appendfsync", "everysec"}}, env_);
  ASSERT_TRUE(everysec.ok()) << everysec.status().message();
  const DurabilityClaim c = (*everysec)->Claim();
  EXPECT_EQ(c.kind, DurabilityClaim::Kind::kWindow);
  EXPECT_EQ(c.order.prefix, PrefixScope::kGlobal);
  EXPECT_NE(c.basis.find("append-only log"), std::string::npos);
}

}  // namespace
}  // namespace crashlab
