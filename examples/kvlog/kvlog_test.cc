#include "examples/kvlog/kvlog.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "examples/kvlog/kvlog_store.h"
#include "fuzz/crash_fuzz.h"

namespace crashlab {
namespace {

TEST(KvlogTest, PutDeleteReopen) {
  SimFs fs;
  {
    auto log = Kvlog::Open(&fs);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Put("a", "1").ok());
    ASSERT_TRUE((*log)->Put("b", "2").ok());
    ASSERT_TRUE((*log)->Delete("a").ok());
  }
  auto log = Kvlog::Open(&fs);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->data(), (std::map<std::string, std::string>{{"b", "2"}}));
  EXPECT_EQ((*log)->records(), 3u);
}

TEST(KvlogTest, CompactionKeepsTheLiveRecordsOnly) {
  SimFs fs;
  auto log = Kvlog::Open(&fs, {KvlogBug::kNone, 4});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*log)->Put("k", std::to_string(i)).ok());
  }
  EXPECT_LT((*log)->records(), 5u);
  EXPECT_FALSE(fs.Exists("/kv.log.tmp"));
  auto again = Kvlog::Open(&fs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->data().at("k"), "4");
}

TEST(KvlogTest, RecoveryCutsATornTailOffAndAppendsAfterIt) {
  SimFs fs;
  {
    auto log = Kvlog::Open(&fs);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Put("a", "1").ok());
  }
  SimFs::Stat st;
  ASSERT_EQ(fs.StatPath("/kv.log", &st), 0);
  int fd;
  ASSERT_EQ(fs.Open("/kv.log", O_RDWR, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, st.size, std::string(9, '\x7f')), 0);  // garbage
  {
    auto log = Kvlog::Open(&fs);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->data().size(), 1u);
    ASSERT_TRUE((*log)->Put("b", "2").ok());
  }
  auto log = Kvlog::Open(&fs);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->data().size(), 2u);
}

// The number of the first cycle (1-based) whose check fails, or 0 if all
// `runs` pass. kByteInput: the cycle reads its decisions from random bytes
// (as the libFuzzer target does from its input) instead of an Rng.
size_t FirstFailure(KvlogBug bug, size_t runs, bool byte_input,
                    std::string* report) {
  KvlogStore store{bug};
  Rng bytes(0xC0FFEE);
  for (size_t i = 1; i <= runs; ++i) {
    KvCycleResult r;
    if (byte_input) {
      std::string input(256, '\0');
      for (char& c : input) c = static_cast<char>(bytes.Next());
      ByteChoices choices(input);
      r = RunKvCrashCycle(store, choices);
    } else {
      RngChoices choices(i);
      r = RunKvCrashCycle(store, choices);
    }
    if (!r.ok) {
      *report = r.report;
      return i;
    }
  }
  return 0;
}

constexpr size_t kRuns = 2000;

class KvlogHarnessTest : public ::testing::TestWithParam<bool> {};

TEST_P(KvlogHarnessTest, TheCorrectKvlogPasses) {
  std::string report;
  EXPECT_EQ(FirstFailure(KvlogBug::kNone, kRuns, GetParam(), &report), 0u)
      << report;
}

// Each deliberate bug is caught within kRuns cycles (fixed seeds). The
// runs it took are printed; fuzz/README.md lists them.
TEST_P(KvlogHarnessTest, EachBrokenVariantIsCaughtWithinTheBound) {
  for (KvlogBug bug : {KvlogBug::kNoDirSyncAfterCreate, KvlogBug::kNoChecksum,
                       KvlogBug::kNoFsyncBeforeRename}) {
    std::string report;
    const size_t at = FirstFailure(bug, kRuns, GetParam(), &report);
    EXPECT_GT(at, 0u) << KvlogBugName(bug) << " not caught in " << kRuns;
    std::printf("kvlog bug %-26s caught at run %zu (%s input)\n",
                KvlogBugName(bug), at, GetParam() ? "byte" : "rng");
    if (at > 0) {
      EXPECT_NE(report.find("crash state: {"), std::string::npos);
    }
  }
}

// An input that runs out (here: none at all) draws one put, and the crash,
// counted back from the end of the trace, comes after its acknowledgement:
// the cycle checks that the put survived instead of checking nothing.
TEST(KvlogCrashCycleTest, AnInputThatRunsOutCrashesAfterTheLastAck) {
  KvlogStore store{KvlogBug::kNone};
  ByteChoices choices("");
  const KvCycleResult r = RunKvCrashCycle(store, choices);
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.ops, 1u);
  EXPECT_EQ(r.acked, 1u);
}

INSTANTIATE_TEST_SUITE_P(Choices, KvlogHarnessTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "ByteChoices" : "RngChoices";
                         });

}  // namespace
}  // namespace crashlab
