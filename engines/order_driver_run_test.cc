// The order oracles end to end (checkers/order_oracles.cc) on an engine
// whose order is known by construction: examples/drivers/log_driver.py.
// Its log layout loses only a suffix and syncs every 4th commit with
// everything before it; its files layout writes every commit to its own
// file, so a crash can keep a later commit and lose an earlier one.
#include <gtest/gtest.h>

#include "engines/run_test_util.h"

namespace crashlab {
namespace {

class IntegrationOrderDriver : public testing_engines::CrashlabRun {
 protected:
  void SetUp() override {
    CrashlabRun::SetUp();
    if (!PathExists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  }
  int Explore(const std::string& layout, const std::string& claim) {
    return Run(
        layout + "-" + claim, "external",
        {"--set",
         "driver=python3 " + SourceDir() +
             "/examples/drivers/log_driver.py --layout " + layout +
             " --sync-every 4",
         "--set", "claim=" + claim, "--crash", "explore", "--ops", "30"});
  }
  const nlohmann::json& Shape() const { return report_["loss_shape"]; }
};

// Losses, but only ever a suffix: the promise holds (no order or barrier
// finding), and the loss shape says "suffix" without a single hole.
TEST_F(IntegrationOrderDriver, LogLayoutKeepsPrefixAndSyncBarrier) {
  ASSERT_EQ(Explore("log", "prefix,sync-barrier"), 1) << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);      // unsynced commits were lost...
  EXPECT_EQ(Kind("order_violation"), 0u);  // ...but only recent ones
  EXPECT_EQ(Kind("barrier_violation"), 0u);
  EXPECT_EQ(report_["engine"]["claim"]["prefix"], "global");
  EXPECT_TRUE(report_["engine"]["claim"]["sync_barrier"].get<bool>());
  EXPECT_EQ(Shape()["shape"], "suffix") << Shape().dump();
  EXPECT_EQ(Shape()["holes_ops"], 0);
  EXPECT_GT(Shape()["states_by_shape"]["suffix"].get<uint64_t>(), 0u);
  // Lost ops never reach back past the last synced commit (4 commits
  // apart, plus the one in flight when the crash came).
  EXPECT_LE(Shape()["max_span_ops"].get<uint64_t>(), 4u) << Shape().dump();
}

// Files written out of order: both oracles fire, with the operations and a
// minimal crash state, and the loss shape shows holes.
TEST_F(IntegrationOrderDriver, FilesLayoutBreaksPrefixAndSyncBarrier) {
  ASSERT_EQ(Explore("files", "prefix,sync-barrier"), 1) << output_;
  EXPECT_GT(Kind("order_violation"), 0u);
  EXPECT_GT(Kind("barrier_violation"), 0u);
  EXPECT_EQ(Shape()["shape"], "holes");
  EXPECT_GT(Shape()["holes_ops"].get<uint64_t>(), 0u);
  bool saw_barrier = false;
  for (const nlohmann::json& f : report_["findings"]) {
    if (f["kind"] != "barrier_violation") continue;
    saw_barrier = true;
    ASSERT_EQ(f["ops"].size(), 2u) << f.dump();  // the lost one, the survivor
    EXPECT_LT(f["ops"][0]["id"].get<uint64_t>(),
              f["ops"][1]["id"].get<uint64_t>());
    EXPECT_EQ(f["ops"][1]["id"].get<uint64_t>() % 4, 0u) << f.dump();  // synced
    EXPECT_TRUE(f.contains("minimal_state")) << f.dump();
    EXPECT_NE(f["summary"].get<std::string>().find("a synced operation"),
              std::string::npos);
    EXPECT_FALSE(f["explanation"].get<std::string>().empty());
  }
  EXPECT_TRUE(saw_barrier);
  EXPECT_NE(output_.find("findings by cause"), std::string::npos) << output_;
}

// Without a promise there is nothing to break, yet the loss shape is still
// measured: users see the holes either way.
TEST_F(IntegrationOrderDriver, LossShapeIsMeasuredWithoutAPromise) {
  ASSERT_EQ(Explore("files", "none"), 1) << output_;
  EXPECT_EQ(Kind("order_violation"), 0u);
  EXPECT_EQ(Kind("barrier_violation"), 0u);
  EXPECT_EQ(Shape()["shape"], "holes");
}

}  // namespace
}  // namespace crashlab
