// End-to-end runs of the real `crashlab` binary on the server engines:
// real FUSE mounts, real redis-server and postgres, reports validated
// against their schema. Each verdict test is a control: settings whose
// documentation promises durability must come out clean, the others must
// show the loss the documentation allows and nothing else. Run directories
// live in /dev/shm when it is writable: PostgreSQL fsyncs every file of
// its data directory when it restarts after a crash, which a busy disk
// turns from a second into many.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/files.h"
#include "core/subprocess.h"
#include "engines/engine_def.h"
#include "engines/postgres/postgres_engine.h"
#include "engines/server/server_test_util.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;
using testing_servers::CommandLineOf;
using testing_servers::MountsUnder;
using testing_servers::ProcessesMentioning;
using testing_servers::ScratchDir;
using testing_servers::SurvivorsAfter;

class ServerRun : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
  }

  std::vector<std::string> Argv(const std::string& name,
                                const std::string& engine,
                                const std::vector<std::string>& args) {
    out_ = dir_.Sub(name);
    std::vector<std::string> argv = {BinDir() + "/crashlab", "run", "--engine",
                                     engine};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--seed", "7", "--out", out_});
    return argv;
  }

  // `crashlab run`; returns the exit code, leaves the report in report_.
  int Run(const std::string& name, const std::string& engine,
          const std::vector<std::string>& args) {
    const CommandResult r =
        RunForReport(Argv(name, engine, args), out_, &report_, 300000);
    output_ = r.output;
    EXPECT_FALSE(report_.is_null()) << "no report: " << output_;
    EXPECT_TRUE(MountsUnder(out_).empty()) << "left mounted";
    for (pid_t pid : ProcessesMentioning(out_)) {
      ADD_FAILURE() << "left running: " << CommandLineOf(pid);
    }
    return r.exit_code;
  }

  uint64_t Kind(const std::string& kind) const {
    const auto& by_kind = report_["summary"]["by_kind"];
    return by_kind.contains(kind) ? by_kind[kind].get<uint64_t>() : 0;
  }

  void ExpectNoDamage() {
    EXPECT_EQ(Kind("atomicity"), 0u) << output_;
    EXPECT_EQ(Kind("corruption"), 0u) << output_;
    EXPECT_EQ(Kind("recovery_failure"), 0u) << output_;
  }

  // Starts `crashlab run` in the background, SIGKILLs it once its server
  // has been up for a moment, and checks that nothing of the run is left:
  // no process mentioning the run directory (servers put it on their
  // command line and use it as working directory), no mount under it.
  void KillCrashlabMidRun(const std::string& engine, const std::string& server,
                          const std::vector<std::string>& args) {
    SpawnOptions o;
    o.argv = Argv("killed-" + engine, engine, args);
    o.pipe_stdout = true;  // never read: crashlab prints a few lines at most
    o.stderr_path = dir_.Sub("killed.log");
    auto crashlab = Subprocess::Spawn(o);
    ASSERT_TRUE(crashlab.ok()) << crashlab.status().message();
    bool up = false;
    const int64_t deadline = MonotonicMs() + 60000;
    while (!up && MonotonicMs() < deadline && (*crashlab)->running()) {
      for (pid_t pid : ProcessesMentioning(out_)) {
        up = up || CommandLineOf(pid).find(server) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(up) << server << " never started: "
                    << ReadFileToString(dir_.Sub("killed.log")).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE((*crashlab)->running()) << "the run ended before the kill";
    ::kill((*crashlab)->pid(), SIGKILL);
    (void)(*crashlab)->Wait(10000);
    for (pid_t pid : SurvivorsAfter(out_, 3000)) {
      ADD_FAILURE() << "survived crashlab: " << CommandLineOf(pid);
    }
    int64_t unmounted_by = MonotonicMs() + 5000;
    while (!MountsUnder(out_).empty() && MonotonicMs() < unmounted_by) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(MountsUnder(out_).empty()) << "still mounted under " << out_;
  }

  ScratchDir dir_;
  std::string out_;
  std::string output_;
  json report_;
};

class IntegrationRunRedis : public ServerRun {
 protected:
  void SetUp() override {
    ServerRun::SetUp();
    ASSERT_TRUE(ProgramAvailable("redis-server", nullptr))
        << "redis-server is not installed: run ci/install-deps.sh";
  }
};

TEST_F(IntegrationRunRedis, ExploreAlwaysIsClean) {
  ASSERT_EQ(
      Run("explore", "redis", {"--set", "appendfsync=always", "--ops", "30"}),
      0)
      << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_GT(report_["summary"]["states_checked"].get<uint64_t>(), 100u);
}

TEST_F(IntegrationRunRedis, AlwaysLosesNothingOnPowerCuts) {
  ASSERT_EQ(Run("always", "redis",
                {"--set", "appendfsync=always", "--crash", "power", "--rounds",
                 "5", "--ops", "100"}),
            0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty()) << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
}

TEST_F(IntegrationRunRedis, EverysecLosesOnlyInsideItsWindow) {
  const int code = Run("everysec", "redis",
                       {"--set", "appendfsync=everysec", "--crash", "power",
                        "--rounds", "5", "--ops", "100"});
  EXPECT_TRUE(code == 0 || code == 1) << output_;
  EXPECT_EQ(Kind("loss_window_exceeded"), 0u) << output_;
  ExpectNoDamage();
}

TEST_F(IntegrationRunRedis, SnapshotsOnlyLoseAcknowledgedWrites) {
  ASSERT_EQ(Run("rdb", "redis",
                {"--set", "appendonly=no", "--crash", "power", "--rounds", "5",
                 "--ops", "100"}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  ExpectNoDamage();
}

TEST_F(IntegrationRunRedis, KilledCrashlabLeavesNothingBehind) {
  KillCrashlabMidRun(
      "redis", "redis-server",
      {"--crash", "process", "--rounds", "3", "--ops", "200000"});
}

// The embedded engines' drivers die with crashlab too (PDEATHSIG and the
// process group), and faultfs's auto_unmount leaves no mount.
class IntegrationRunDrivers : public ServerRun {};

TEST_F(IntegrationRunDrivers, KilledCrashlabLeavesNoDriverBehind) {
  for (const std::string engine : {"sqlite", "leveldb", "lmdb"}) {
    SCOPED_TRACE(engine);
    KillCrashlabMidRun(engine, "crashlab-driver-" + engine,
                       {"--crash", "process", "--rounds", "3", "--ops", "200000"});
  }
}

class IntegrationRunPostgres : public ServerRun {
 protected:
  void SetUp() override {
    ServerRun::SetUp();
    auto bin = FindPostgresBinDir();
    ASSERT_TRUE(bin.ok()) << bin.status().message()
                          << ": run ci/install-deps.sh";
  }
};

// PostgreSQL's defaults promise every acknowledged commit. The one finding
// the explorer does meet is real and documented by PostgreSQL itself: a
// crash between creating postmaster.pid and writing it (server start)
// leaves an empty lock file, and the next start refuses ("lock file
// \"postmaster.pid\" is empty ... the remnant of a previous server startup
// crash") until someone removes it. Anything else is a failure here.
TEST_F(IntegrationRunPostgres, ExploreWithABudgetFindsNoLossOrDamage) {
  const int code =
      Run("explore", "postgres", {"--ops", "10", "--max-states", "40"});
  EXPECT_TRUE(code == 0 || code == 1 || code == 4) << code << output_;
  EXPECT_EQ(report_["summary"]["states_checked"], 40) << output_;
  EXPECT_EQ(Kind("lost_commit"), 0u) << output_;
  EXPECT_EQ(Kind("atomicity"), 0u) << output_;
  EXPECT_EQ(Kind("corruption"), 0u) << output_;
  for (const json& f : report_["findings"]) {
    EXPECT_EQ(f["kind"], "recovery_failure") << f.dump();
    EXPECT_NE(f.dump().find("lock file \\\"postmaster.pid\\\" is empty"),
              std::string::npos)
        << f.dump();
  }
}

TEST_F(IntegrationRunPostgres, DefaultsLoseNothingOnProcessKills) {
  ASSERT_EQ(Run("process", "postgres",
                {"--crash", "process", "--rounds", "3", "--ops", "40"}),
            0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty()) << output_;
}

TEST_F(IntegrationRunPostgres, DefaultsLoseNothingOnPowerCuts) {
  ASSERT_EQ(Run("power", "postgres",
                {"--crash", "power", "--rounds", "3", "--ops", "40"}),
            0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty()) << output_;
}

TEST_F(IntegrationRunPostgres, AsyncCommitMayLoseCommitsButNothingElse) {
  const int code = Run("async", "postgres",
                       {"--set", "synchronous_commit=off", "--crash", "power",
                        "--rounds", "3", "--ops", "40"});
  EXPECT_TRUE(code == 0 || code == 1) << output_;
  ExpectNoDamage();
  // Lost commits, and what they cost the auth service (lost failed logins
  // reopen a locked account: `invariant`), but nothing half applied or
  // damaged.
  for (const json& f : report_["findings"]) {
    EXPECT_TRUE(f["kind"] == "lost_commit" ||
                f["kind"] == "loss_window_exceeded" || f["kind"] == "invariant")
        << f.dump();
  }
}

TEST_F(IntegrationRunPostgres, KilledCrashlabLeavesNothingBehind) {
  KillCrashlabMidRun(
      "postgres", "postgres -D",
      {"--crash", "process", "--rounds", "3", "--ops", "200000"});
}

}  // namespace
}  // namespace crashlab
