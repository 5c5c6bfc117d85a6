// End-to-end runs of the real `crashlab` binary on LevelDB and LMDB: a real
// FUSE mount, the real drivers, real crash states, reports validated
// against their schema. Each test is a control: settings whose docs promise
// durability must come out clean, settings whose docs say otherwise must
// show the loss, and nothing else (no atomicity, corruption or recovery
// findings).
#include <gtest/gtest.h>

#include "engines/run_test_util.h"

namespace crashlab {
namespace {

using testing_engines::CrashlabRun;

class IntegrationRunLeveldb : public CrashlabRun {
 protected:
  void SetUp() override {
    CrashlabRun::SetUp();
    if (!PathExists(BinDir() + "/crashlab-driver-leveldb")) {
      GTEST_SKIP() << "crashlab-driver-leveldb not built";
    }
  }
  void ExpectOnlyLosses() {
    EXPECT_GT(Kind("lost_commit"), 0u) << output_;
    EXPECT_EQ(Kind("atomicity"), 0u);
    EXPECT_EQ(Kind("corruption"), 0u);
    EXPECT_EQ(Kind("recovery_failure"), 0u);
  }
};

TEST_F(IntegrationRunLeveldb, SyncTrueExploreLosesNothing) {
  ASSERT_EQ(Run("sync-true", "leveldb",
                {"--set", "sync=true", "--crash", "explore", "--ops", "100"}),
            0)
      << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_EQ(Summary("ops_acknowledged"), 100u);
  EXPECT_GE(Summary("states_checked"), 500u);
}

TEST_F(IntegrationRunLeveldb, SyncFalseExploreLosesCommits) {
  ASSERT_EQ(Run("sync-false", "leveldb",
                {"--set", "sync=false", "--crash", "explore", "--ops", "60"}),
            1)
      << output_;
  ExpectOnlyLosses();
}

// LevelDB's hybrid scheme: once a synced write returned, it and every
// earlier write are durable, so no loss may reach back past the last synced
// op acknowledged before the crash.
TEST_F(IntegrationRunLeveldb, SyncEveryNLosesOnlySinceTheLastSyncedWrite) {
  ASSERT_EQ(Run("sync-every", "leveldb",
                {"--set", "sync=every:5", "--crash", "explore", "--ops", "60"}),
            1)
      << output_;
  ExpectOnlyLosses();
  const auto acks = Acks();
  for (const auto& f : report_["findings"]) {
    const size_t position = f["crash_state"]["position"];
    uint64_t last_synced = 0;  // write k is synced when k % 5 == 0
    for (const auto& [index, op] : acks) {
      if (index < position && op % 5 == 0) last_synced = op;
    }
    for (const auto& op : f["ops"]) {
      EXPECT_GT(op["id"].get<uint64_t>(), last_synced) << f.dump();
    }
  }
}

// Live modes (harness/live/live_run.cc): a power cut loses unsynced writes, a
// process kill loses nothing (the doc's promise for sync=false).
TEST_F(IntegrationRunLeveldb, SyncFalsePowerCutLosesCommits) {
  ASSERT_EQ(Run("power", "leveldb",
                {"--set", "sync=false", "--crash", "power", "--rounds", "5",
                 "--ops", "100"}),
            1)
      << output_;
  ExpectOnlyLosses();
}

TEST_F(IntegrationRunLeveldb, SyncFalseProcessKillLosesNothing) {
  ASSERT_EQ(Run("process", "leveldb",
                {"--set", "sync=false", "--crash", "process", "--rounds", "10",
                 "--ops", "100"}),
            0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty());
}

class IntegrationRunLmdb : public CrashlabRun {
 protected:
  void SetUp() override {
    CrashlabRun::SetUp();
    if (!PathExists(BinDir() + "/crashlab-driver-lmdb")) {
      GTEST_SKIP() << "crashlab-driver-lmdb not built";
    }
  }
};

TEST_F(IntegrationRunLmdb, DefaultsExploreFindsNothing) {
  ASSERT_EQ(Run("defaults", "lmdb", {"--crash", "explore", "--ops", "100"}), 0)
      << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_GE(Summary("states_checked"), 500u);
}

TEST_F(IntegrationRunLmdb, WritemapExploreFindsNothing) {
  ASSERT_EQ(
      Run("writemap", "lmdb",
          {"--set", "writemap=true", "--crash", "explore", "--ops", "30"}),
      0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty());
}

TEST_F(IntegrationRunLmdb, NosyncExploreLosesCommits) {
  ASSERT_EQ(Run("nosync", "lmdb",
                {"--set", "nosync=true", "--crash", "explore", "--ops", "60"}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  EXPECT_EQ(Kind("atomicity"), 0u);
}

TEST_F(IntegrationRunLmdb, NosyncPowerCutLosesCommits) {
  ASSERT_EQ(Run("nosync-power", "lmdb",
                {"--set", "nosync=true", "--crash", "power", "--rounds", "5",
                 "--ops", "100"}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
}

// lmdb.h on MDB_NOMETASYNC: "a system crash may undo the last committed
// transaction". Every loss must be exactly that transaction.
TEST_F(IntegrationRunLmdb, NometasyncLosesOnlyTheLastCommit) {
  ASSERT_EQ(
      Run("nometasync", "lmdb",
          {"--set", "nometasync=true", "--crash", "explore", "--ops", "60"}),
      1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  EXPECT_EQ(Kind("atomicity") + Kind("corruption") + Kind("recovery_failure"),
            0u);
  const auto acks = Acks();
  for (const auto& f : report_["findings"]) {
    const size_t position = f["crash_state"]["position"];
    uint64_t last = 0;
    for (const auto& [index, op] : acks) {
      if (index < position) last = op;
    }
    ASSERT_EQ(f["ops"].size(), 1u) << f.dump();
    EXPECT_EQ(f["ops"][0]["id"].get<uint64_t>(), last) << f["summary"];
  }
}

}  // namespace
}  // namespace crashlab
