#include "harness/live/at_rest.h"

#include <gtest/gtest.h>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

FaultPlan Plan(const std::string& json) {
  auto plan = ParseFaultPlan(json, "plan.json");
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return plan.ok() ? *plan : FaultPlan{};
}

class AtRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(dir_.Sub("data/sub")).ok());
    ASSERT_TRUE(WriteStringToFile(dir_.Sub("data/a.db"), "0123456789").ok());
    ASSERT_TRUE(WriteStringToFile(dir_.Sub("data/sub/b.log"), "abcdef").ok());
  }
  std::string Read(const std::string& rel) {
    return ReadFileToString(dir_.Sub("data/" + rel)).value();
  }
  TempDir dir_;
};

TEST_F(AtRestTest, RulesWithoutCorruptionDoNothing) {
  AtRestCorruptor c(Plan(R"([{"op": "fsync", "action": {"errno": "EIO"}}])"));
  EXPECT_TRUE(c.empty());
}

TEST_F(AtRestTest, ZeroFlipAndTruncateChangeOnlyTheirRange) {
  AtRestCorruptor c(Plan(R"([
    {"path": "a.db", "action": {"corrupt": {"mode": "zero", "offset": 2, "length": 3}}},
    {"path": "sub/*", "action": {"corrupt": {"mode": "flip", "offset": 4, "length": 100}}},
    {"path": "a.db", "action": {"corrupt": {"mode": "truncate", "offset": 8}}}])"));
  auto done = c.Apply(dir_.Sub("data"));
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(*done, (std::vector<std::string>{
                       "rule-1: zero a.db [2, 5)",
                       "rule-2: flip sub/b.log [4, 6)",
                       "rule-3: truncate a.db to 8 bytes (was 10)"}));
  EXPECT_EQ(Read("a.db"), std::string("01\0\0\0" "567", 8));
  std::string flipped = "abcd";
  flipped += static_cast<char>(~'e');
  flipped += static_cast<char>(~'f');
  EXPECT_EQ(Read("sub/b.log"), flipped);
}

TEST_F(AtRestTest, NthCountsRestartsAndPastTheEndSaysNothingChanged) {
  AtRestCorruptor c(Plan(R"([
    {"path": "a.db", "nth": 2, "action": {"corrupt": {"mode": "zero", "offset": 0, "length": 1}}},
    {"path": "sub/b.log", "times": 1, "action": {"corrupt": {"mode": "zero", "offset": 50, "length": 1}}}])"));
  auto first = c.Apply(dir_.Sub("data"));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_NE((*first)[0].find("past the end"), std::string::npos) << (*first)[0];
  EXPECT_EQ(Read("a.db"), "0123456789");
  auto second = c.Apply(dir_.Sub("data"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, std::vector<std::string>{"rule-1: zero a.db [0, 1)"});
  EXPECT_EQ(Read("a.db"), std::string("\0" "123456789", 10));
  EXPECT_TRUE(c.Apply(dir_.Sub("data"))->empty());
}

}  // namespace
}  // namespace crashlab
