#include "faultfs/options.h"

#include <gtest/gtest.h>

namespace crashlab::faultfs {
namespace {

TEST(FaultfsOptionsTest, ParsesEverything) {
  auto o = ParseArgs({"/b", "/m", "--trace", "/t/trace.bin", "--base=snap",
                      "--ready-fd", "5", "--allow-other", "--threads=4"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->backing, "/b");
  EXPECT_EQ(o->mount, "/m");
  EXPECT_EQ(o->trace, "/t/trace.bin");
  EXPECT_EQ(o->base, "snap");
  EXPECT_EQ(o->ready_fd, 5);
  EXPECT_TRUE(o->allow_other);
  EXPECT_EQ(o->threads, 4);
}

TEST(FaultfsOptionsTest, ParsesFaultOptions) {
  auto o = ParseArgs({"/b", "/m", "--trace", "t", "--faults", "plan.toml",
                      "--seed=18446744073709551615", "--control-socket", "/s"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->faults, "plan.toml");
  EXPECT_EQ(o->seed, 18446744073709551615ull);
  EXPECT_EQ(o->control_socket, "/s");
  o = ParseArgs({"/b", "/m", "--trace", "t"});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->seed.has_value());
  EXPECT_TRUE(o->faults.empty());
  for (const char* bad : {"-1", "x", "", "12x"}) {
    EXPECT_FALSE(ParseArgs({"/b", "/m", "--trace", "t", "--seed", bad}).ok())
        << bad;
  }
  EXPECT_FALSE(ParseArgs({"/b", "/m", "--trace", "t", "--faults="}).ok());
}

TEST(FaultfsOptionsTest, ParsesRecordingOptions) {
  auto o = ParseArgs({"/b", "/m", "--trace", "t", "--backing-fsync",
                      "--stats=/s.json"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->backing_fsync);
  EXPECT_EQ(o->stats, "/s.json");
  EXPECT_FALSE(o->xattrs);
  EXPECT_TRUE(ParseArgs({"/b", "/m", "--trace", "t", "--xattrs"})->xattrs);
  EXPECT_FALSE(ParseArgs({"/b", "/m", "--trace", "t", "--stats="}).ok());
  EXPECT_FALSE(ParseArgs({"/b", "/m", "--trace", "t", "--backing-fsync=1"}).ok());
}

TEST(FaultfsOptionsTest, Defaults) {
  auto o = ParseArgs({"--trace", "t", "b", "m"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->base, "base");
  EXPECT_EQ(o->ready_fd, -1);
  EXPECT_FALSE(o->allow_other);
  EXPECT_EQ(o->threads, 0);
  EXPECT_FALSE(o->backing_fsync);
  EXPECT_TRUE(o->stats.empty());
}

TEST(FaultfsOptionsTest, RejectsBadUsage) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"b", "m"},
      {"b", "--trace", "t"},
      {"b", "m", "x", "--trace", "t"},
      {"b", "m", "--trace"},
      {"b", "m", "--trace", "t", "--ready-fd", "x"},
      {"b", "m", "--trace", "t", "--threads", "0"},
      {"b", "m", "--trace", "t", "--frobnicate"},
      {"b", "m", "--trace", "t", "--base="},
  };
  for (const auto& args : bad) {
    auto o = ParseArgs(args);
    EXPECT_FALSE(o.ok()) << testing::PrintToString(args);
    if (!o.ok()) {
      EXPECT_EQ(o.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(FaultfsOptionsTest, Help) {
  auto o = ParseArgs({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
  EXPECT_NE(UsageText().find("--trace FILE"), std::string_view::npos);
}

}  // namespace
}  // namespace crashlab::faultfs
