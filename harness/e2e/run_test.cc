// End-to-end runs of the real `crashlab` binary: a real FUSE mount, the
// real SQLite driver, real crash images, the report validated against its
// schema. These are the spine's "done when" checks.
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

class IntegrationRun : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
  }

  // Runs `crashlab run` for SQLite with the given settings; returns the
  // exit code and leaves the parsed report in report_.
  int RunSqlite(const std::string& journal, const std::string& sync,
                int ops = 300, std::vector<std::string> extra = {}) {
    out_ = dir_.Sub("out-" + journal + "-" + sync);
    std::vector<std::string> argv = {
        BinDir() + "/crashlab", "run", "--engine", "sqlite",
        "--set", "journal_mode=" + journal, "--set", "synchronous=" + sync,
        "--ops", std::to_string(ops), "--seed", "7", "--out", out_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const CommandResult r = RunForReport(argv, out_, &report_);
    output_ = r.output;
    EXPECT_FALSE(IsMountPoint(out_ + "/.work/mnt")) << "left mounted";
    return r.exit_code;
  }

  uint64_t Kind(const std::string& kind) const {
    return report_["summary"]["by_kind"][kind].get<uint64_t>();
  }

  TempDir dir_;
  std::string out_;
  std::string output_;
  json report_;
};

TEST_F(IntegrationRun, WalFullIsCleanOverAThousandStates) {
  ASSERT_EQ(RunSqlite("wal", "full"), 0) << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
  EXPECT_GE(report_["summary"]["states_checked"].get<uint64_t>(), 1000u);
  EXPECT_EQ(report_["summary"]["ops_acknowledged"], 300);
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_TRUE(PathExists(out_ + "/history.jsonl"));
  EXPECT_TRUE(PathExists(out_ + "/trace.bin"));
}

TEST_F(IntegrationRun, DeleteExtraIsCleanOverAThousandStates) {
  ASSERT_EQ(RunSqlite("delete", "extra"), 0) << output_;
  EXPECT_GE(report_["summary"]["states_checked"].get<uint64_t>(), 1000u);
  EXPECT_TRUE(report_["findings"].empty());
}

TEST_F(IntegrationRun, WalNormalLosesCommitsButNothingElse) {
  ASSERT_EQ(RunSqlite("wal", "normal"), 1) << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  EXPECT_EQ(Kind("atomicity"), 0u);
  EXPECT_EQ(Kind("corruption"), 0u);
  EXPECT_EQ(Kind("recovery_failure"), 0u);
}

// The lost commit must be visible to the engine's own tools on the image
// the finding's replay command rebuilds.
void ExpectReplayShowsLoss(const json& report, const std::string& out) {
  const json* lost = nullptr;
  for (const json& f : report["findings"]) {
    if (f["kind"] == "lost_commit") {
      lost = &f;
      break;
    }
  }
  ASSERT_NE(lost, nullptr);
  std::vector<std::string> argv;
  std::istringstream words((*lost)["replay"].get<std::string>());
  for (std::string w; words >> w;) argv.push_back(w);
  ASSERT_EQ(argv[0], "crashlab");
  argv[0] = BinDir() + "/crashlab";
  CommandResult replay = RunCommand(argv);
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  const std::string image = argv.back();
  const json& cell = (*lost)["cells"][0];
  const std::string table = cell["table"], key = cell["key"];
  const std::string key_col = table == "users" ? "username"
                              : table == "reset_tokens" ? "token" : "id";
  std::string column = cell["column"];
  if (column.empty()) column = "count(*)";
  CommandResult q = RunCommand(
      {"sqlite3", image + "/auth.db",
       "SELECT " + column + " FROM " + table + " WHERE " + key_col + " = '" +
           key + "';"});
  ASSERT_EQ(q.exit_code, 0) << q.output;
  std::string seen = q.output;
  while (!seen.empty() && seen.back() == '\n') seen.pop_back();
  // What the engine shows is what the report says it observed, not what the
  // client was promised.
  json observed = cell["observed"];
  std::string want = observed.is_boolean() ? (observed.get<bool>() ? "1" : "0")
                     : observed.is_null()  ? ""
                     : observed.is_string() ? observed.get<std::string>()
                                            : observed.dump();
  EXPECT_EQ(seen, want) << "replayed image disagrees with the finding";
  EXPECT_NE(seen, cell["expected"].is_boolean()
                      ? (cell["expected"].get<bool>() ? "1" : "0")
                      : cell["expected"].dump());
}

TEST_F(IntegrationRun, WalOffLosesAcknowledgedCommitsAndReplayShowsIt) {
  ASSERT_EQ(RunSqlite("wal", "off"), 1) << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  ExpectReplayShowsLoss(report_, out_);
}

TEST_F(IntegrationRun, DeleteOffLosesAcknowledgedCommitsAndReplayShowsIt) {
  ASSERT_EQ(RunSqlite("delete", "off"), 1) << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  ExpectReplayShowsLoss(report_, out_);
}

TEST_F(IntegrationRun, BudgetCutShortIsIncompleteNotPass) {
  EXPECT_EQ(RunSqlite("wal", "full", 40, {"--max-states", "10"}), 4)
      << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "incomplete");
  EXPECT_EQ(report_["summary"]["states_checked"], 10);
}

TEST_F(IntegrationRun, RefusesToOverwriteExistingOutput) {
  const std::string out = dir_.Sub("precious");
  ASSERT_TRUE(MakeDirs(out).ok());
  ASSERT_TRUE(WriteStringToFile(out + "/notes.txt", "mine").ok());
  for (const char* force : {"", "--force"}) {
    std::vector<std::string> argv = {BinDir() + "/crashlab", "run", "--engine",
                                     "sqlite", "--ops", "5", "--out", out};
    if (*force) argv.push_back(force);
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("not empty"), std::string::npos) << r.output;
    EXPECT_EQ(*ReadFileToString(out + "/notes.txt"), "mine");
  }
}

TEST_F(IntegrationRun, ForceReplacesAPreviousRun) {
  ASSERT_EQ(RunSqlite("wal", "full", 5), 0) << output_;
  EXPECT_EQ(RunSqlite("wal", "full", 5), 2) << "reused --out without --force";
  EXPECT_EQ(RunSqlite("wal", "full", 5, {"--force"}), 0) << output_;
}

TEST_F(IntegrationRun, ReplayRejectsBadStatesAndBusyTargets) {
  ASSERT_EQ(RunSqlite("wal", "full", 5), 0) << output_;
  auto replay = [&](const std::string& state, const std::string& to) {
    return RunCommand({BinDir() + "/crashlab", "replay", out_, "--state",
                       state, "--to", to});
  };
  auto bad_id = replay("sideways@3", dir_.Sub("img1"));
  EXPECT_EQ(bad_id.exit_code, 2) << bad_id.output;
  EXPECT_NE(bad_id.output.find("MODEL@POSITION"), std::string::npos);
  auto far = replay("prefix@999999", dir_.Sub("img2"));
  EXPECT_EQ(far.exit_code, 2) << far.output;
  EXPECT_NE(far.output.find("outside this trace"), std::string::npos);
  ASSERT_TRUE(MakeDirs(dir_.Sub("busy")).ok());
  ASSERT_TRUE(WriteStringToFile(dir_.Sub("busy/keep"), "x").ok());
  auto busy = replay("prefix@3", dir_.Sub("busy"));
  EXPECT_EQ(busy.exit_code, 2) << busy.output;
  EXPECT_EQ(*ReadFileToString(dir_.Sub("busy/keep")), "x");
  auto good = replay("drop-unsynced@3", dir_.Sub("img3"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_TRUE(PathExists(dir_.Sub("img3/auth.db")));
}

}  // namespace
}  // namespace crashlab
