// Findings by cause and promises with an order, through the real
// `crashlab` binary on a real FUSE mount with real SQLite: the demo's 300
// lost commits as one class, and WAL + synchronous=normal keeping its
// prefix across many checkpoints (wal_autocheckpoint).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/trace.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

class IntegrationOrderRun : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
  }
  int Run(const std::string& name, std::vector<std::string> args) {
    out_ = dir_.Sub(name);
    std::vector<std::string> argv = {BinDir() + "/crashlab",
                                     "run",
                                     "--engine",
                                     "sqlite",
                                     "--set",
                                     "journal_mode=wal",
                                     "--set",
                                     "synchronous=normal",
                                     "--seed",
                                     "7",
                                     "--crash",
                                     "explore",
                                     "--out",
                                     out_};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = RunForReport(argv, out_, &report_, 300000);
    output_ = r.output;
    return r.exit_code;
  }
  uint64_t Kind(const std::string& k) const {
    return report_["summary"]["by_kind"][k].get<uint64_t>();
  }

  TempDir dir_;
  std::string out_, output_;
  json report_;
};

// ci/demo.sh's run: every one of the 300 acknowledged operations can be
// lost, for one reason. The console leads with that one class (count,
// first member, replay); report.json keeps every member.
TEST_F(IntegrationOrderRun, DemoLossesAreOneClassWithEveryMember) {
  // Classes come from minimal crash states: minimization goes on (within
  // its budget) while a class's first member is not minimal, so members
  // whose first-found state also lost unrelated records join their class.
  ASSERT_EQ(Run("demo", {"--ops", "300", "--max-findings", "10"}), 1)
      << output_;
  EXPECT_EQ(Kind("lost_commit"), 300u);
  ASSERT_EQ(report_["classes"].size(), 1u) << report_["classes"].dump();
  const json& c = report_["classes"][0];
  EXPECT_EQ(c["count"], 300);
  EXPECT_EQ(c["members"].size(), 300u);
  EXPECT_EQ(c["shape"], "before-ack:write auth.db-wal");
  EXPECT_EQ(c["first"], "F1");
  EXPECT_LE(report_["findings"].size(), 10u);  // details stay limited
  for (const json& f : report_["findings"]) EXPECT_EQ(f["class"], "C1");
  EXPECT_NE(output_.find("C1 lost_commit x300: 300 acknowledged operations "
                         "lost: each was acknowledged after a write to "
                         "auth.db-wal that no fsync covered"),
            std::string::npos)
      << output_;
  EXPECT_NE(output_.find("replay: crashlab replay"), std::string::npos);
  // Still losses in commit order: the WAL's tail.
  EXPECT_EQ(report_["loss_shape"]["shape"], "suffix");
  EXPECT_EQ(Kind("order_violation"), 0u);
}

// wal_autocheckpoint=10: a checkpoint (auth.db synced) every few commits,
// dozens in 300 ops. SQLite's promise (a transaction may roll back, in
// order) holds across all of them: losses, never a hole.
TEST_F(IntegrationOrderRun, WalNormalKeepsItsPrefixAcrossCheckpoints) {
  ASSERT_EQ(
      Run("checkpoints", {"--ops", "300", "--set", "wal_autocheckpoint=10",
                          "--minimize-budget-s", "0"}),
      1)
      << output_;
  auto trace = ReadTrace(out_ + "/trace.bin");
  ASSERT_TRUE(trace.ok());
  FileId db = 0;
  size_t checkpoints = 0;
  for (const Record& r : trace->records) {
    if (r.name == "auth.db") db = r.file;
    checkpoints += IsSyncOp(r.op) && r.file == db && db != 0;
  }
  EXPECT_GE(checkpoints, 20u);
  EXPECT_EQ(report_["engine"]["claim"]["prefix"], "global");
  EXPECT_GT(Kind("lost_commit"), 0u);
  EXPECT_EQ(Kind("order_violation"), 0u);
  EXPECT_EQ(Kind("atomicity") + Kind("corruption") + Kind("recovery_failure"),
            0u);
  EXPECT_EQ(report_["loss_shape"]["shape"], "suffix");
  EXPECT_EQ(report_["loss_shape"]["holes_ops"], 0);
  // Never more than the commits since the last checkpoint.
  EXPECT_LE(report_["loss_shape"]["max_span_ops"].get<uint64_t>(), 10u);
}

// A value the driver cannot take is refused before anything runs.
TEST_F(IntegrationOrderRun, BadCheckpointSettingIsRefused) {
  EXPECT_EQ(Run("bad", {"--ops", "5", "--set", "wal_autocheckpoint=-1"}), 2)
      << output_;
  EXPECT_NE(output_.find("wal_autocheckpoint=-1 is not allowed"),
            std::string::npos)
      << output_;
}

}  // namespace
}  // namespace crashlab
