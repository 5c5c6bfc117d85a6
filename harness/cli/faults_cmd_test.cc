// `crashlab faults` and ControlClient: plans checked offline, and a live
// faultfs driven through its control socket.
#include "harness/cli/faults_cmd.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/files.h"
#include "faultfs/client/control_client.h"
#include "faultfs/faultfs_test_util.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Faults(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunFaultsCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(FaultsCmdTest, CheckPrintsTheNormalisedPlan) {
  TempDir dir;
  const std::string plan = dir.Sub("plan.toml");
  ASSERT_TRUE(WriteStringToFile(
                  plan,
                  "seed = 9\n[[rule]]\nid = \"wal\"\nop = \"fsync\"\n"
                  "path = \"*.db-wal\"\naction = { errno = \"EIO\" }\n"
                  "[[injection]]\ntype = \"clear-cache\"\nop = \"fsync\"\n")
                  .ok());
  const Outcome r = Faults({"--check", plan});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["seed"], 9);
  ASSERT_EQ(j["rules"].size(), 2u);
  EXPECT_EQ(j["rules"][0]["id"], "wal");
  EXPECT_EQ(j["rules"][0]["action"]["errno"], "EIO");
  EXPECT_EQ(j["rules"][1]["action"]["clear_cache"]["timing"], "before");
}

TEST(FaultsCmdTest, BadPlansAndUsageExitTwoWithTheReason) {
  TempDir dir;
  const std::string plan = dir.Sub("bad.toml");
  ASSERT_TRUE(WriteStringToFile(plan,
                                "[[rule]]\nop = \"fsync\"\n"
                                "action = { errno = \"EBOGUS\" }\n")
                  .ok());
  Outcome r = Faults({"--check", plan});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("action.errno"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = Faults({"--check", dir.Sub("missing.json")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
  EXPECT_EQ(Faults({}).code, 2);
  EXPECT_EQ(Faults({"--check"}).code, 2);
  EXPECT_EQ(Faults({"--check", plan, "--socket", "x"}).code, 2);
  EXPECT_EQ(Faults({"--socket", "x"}).code, 2);
  EXPECT_EQ(Faults({"--socket", "x", "--cmd", "explode"}).code, 2);
  EXPECT_EQ(Faults({"--frob"}).code, 2);
}

TEST(FaultsCmdTest, UnreachableSocketExitsThree) {
  TempDir dir;
  const Outcome r =
      Faults({"--socket", dir.Sub("nobody.sock"), "--cmd", "status"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("cannot reach faultfs"), std::string::npos) << r.err;
  auto c = ControlClient::Connect(dir.Sub("nobody.sock"), 200);
  EXPECT_FALSE(c.ok());
}

class IntegrationFaultsCmdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (faultfs::testing::FuseDeviceMissing()) {
      GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
    }
    ASSERT_TRUE(MakeDirs(dir_.Sub("backing")).ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
    ASSERT_TRUE(WriteStringToFile(dir_.Sub("backing/a.txt"), "old").ok());
    auto m = faultfs::testing::MountedFaultfs::Start(
        dir_.Sub("backing"), dir_.Sub("mnt"), dir_.Sub("trace.bin"),
        {"--control-socket", Socket()});
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    fs_ = std::move(*m);
  }
  std::string Socket() const { return dir_.Sub("ctl.sock"); }

  TempDir dir_;
  std::unique_ptr<faultfs::testing::MountedFaultfs> fs_;
};

TEST_F(IntegrationFaultsCmdTest, SendsAPlanAndCommands) {
  const std::string plan = dir_.Sub("plan.json");
  ASSERT_TRUE(WriteStringToFile(plan, R"({"rules": [
      {"id": "ro", "op": "write", "path": "a.txt", "nth": 2,
       "action": {"errno": "EROFS"}},
      {"id": "slow", "op": "fsync", "action": {"delay_ms": 1}}]})")
                  .ok());
  Outcome r = Faults({"--socket", Socket(), plan});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["injected"],
            nlohmann::json::array({"ro", "slow"}));
  r = Faults({"--socket", Socket(), plan});
  EXPECT_EQ(r.code, 2) << "ids are taken now";
  EXPECT_NE(r.err.find("already in use"), std::string::npos) << r.err;

  const std::string file = fs_->mount() + "/a.txt";
  ASSERT_TRUE(WriteStringToFile(file, "new").ok());
  EXPECT_FALSE(WriteStringToFile(file, "newer").ok()) << "the 2nd write fails";
  r = Faults({"--socket", Socket(), "--cmd", "unsynced"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["files"]["a.txt"], 3);
  r = Faults({"--socket", Socket(), "--cmd", "clear-cache"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(*ReadFileToString(file), "old");
  r = Faults({"--socket", Socket(), "--cmd", "status"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto status = nlohmann::json::parse(r.out);
  EXPECT_EQ(status["fired"][0]["rule"], "ro");
  EXPECT_EQ(status["fired"][0]["count"], 1);

  // The client on its own: one connection, several calls, errors as Status.
  auto client = ControlClient::Connect(Socket(), 2000);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto mark = (*client)->Call({{"cmd", "mark"}, {"label", "hello"}});
  EXPECT_TRUE(mark.ok()) << mark.status().ToString();
  auto bad = (*client)->Call({{"cmd", "explode"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown command"), std::string::npos);
  EXPECT_TRUE((*client)->Call({{"cmd", "flush"}}).ok()) << "still usable";
  ASSERT_TRUE(fs_->Stop().ok());
  EXPECT_FALSE(PathExists(Socket())) << "faultfs removes its socket";
}

}  // namespace
}  // namespace crashlab
