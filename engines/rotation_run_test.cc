// Promised configurations across log rewrites and checkpoints, through the
// real `crashlab` binary: settings that bring the rotation code within
// reach of a run of a few hundred to a thousand operations.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "engines/engine_def.h"
#include "engines/run_test_util.h"

namespace crashlab {
namespace {

class IntegrationRotation : public testing_engines::CrashlabRun {
 protected:
  // Files renamed into place in round `round`'s trace whose new name
  // contains `part` (Redis writes a rewrite to a temporary file first).
  size_t Renamed(const std::string& round, const std::string& part) {
    auto trace = ReadTrace(out_ + "/rounds/" + round + "/trace.bin");
    EXPECT_TRUE(trace.ok());
    size_t n = 0;
    if (!trace.ok()) return n;
    for (const Record& r : trace->records) {
      n += r.op == Op::kRename && r.new_name.find(part) != std::string::npos;
    }
    return n;
  }
};

// Redis everysec with auto-aof-rewrite-min-size=16kb: paced at 1000 ops/s,
// Redis' cron rewrites the AOF several times before the cut at op 1400
// (new base and incremental files each time). The promise (a window, and
// the AOF replayed in order) holds across the rewrites: no hole.
TEST_F(IntegrationRotation, RedisEverysecKeepsItsOrderAcrossAofRewrites) {
  if (!ProgramAvailable("redis-server", nullptr)) {
    GTEST_SKIP() << "redis-server is not installed: run ci/install-deps.sh";
  }
  ASSERT_LE(Run("redis", "redis",
                {"--set", "auto-aof-rewrite-min-size=16kb", "--crash", "power",
                 "--rounds", "1", "--ops", "1500", "--at-op", "1400", "--rate",
                 "1000"}),
            1)
      << output_;
  EXPECT_GE(Renamed("001", ".base.rdb"), 2u) << "the AOF should be rewritten";
  EXPECT_EQ(report_["engine"]["claim"]["prefix"], "global");
  EXPECT_EQ(Kind("order_violation") + Kind("loss_window_exceeded"), 0u)
      << output_;
  EXPECT_EQ(report_["loss_shape"]["holes_ops"], 0);
  EXPECT_EQ(report_["loss_shape"]["states"], 1);
}

// PostgreSQL synchronous_commit=off: "some recent allegedly-committed
// transactions being lost, [...] as if those transactions had been
// aborted cleanly". Three power cuts lose commits, all recent, in order
// and inside the 0.6 s window: clean under the prefix oracle.
TEST_F(IntegrationRotation, PostgresAsyncCommitLosesOnlyRecentCommitsInOrder) {
  // PostgreSQL runs as the postgres user, who must enter the run's path.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_LE(Run("pg", "postgres",
                {"--set", "synchronous_commit=off", "--crash", "power",
                 "--rounds", "3", "--ops", "300", "--minimize-budget-s", "0"}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u) << output_;  // losses...
  EXPECT_EQ(Kind("order_violation") + Kind("loss_window_exceeded"), 0u);
  EXPECT_EQ(Kind("atomicity") + Kind("corruption"), 0u);
  EXPECT_EQ(report_["engine"]["claim"]["prefix"], "global");
  EXPECT_EQ(report_["loss_shape"]["states"], 3);
  EXPECT_EQ(report_["loss_shape"]["holes_ops"], 0);  // ...never a hole
}

}  // namespace
}  // namespace crashlab
