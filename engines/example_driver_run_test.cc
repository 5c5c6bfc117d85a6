// The user-engine path end to end: examples/drivers/toy_driver.py (the
// template engines/PROTOCOL.md hands storage developers) through the real
// `crashlab run --engine external`, exactly as the PROTOCOL.md section
// "Write your own driver in an afternoon" tells them to run it.
#include <gtest/gtest.h>

#include "engines/run_test_util.h"

namespace crashlab {
namespace {

class IntegrationRunExampleDriver : public testing_engines::CrashlabRun {
 protected:
  void SetUp() override {
    CrashlabRun::SetUp();
    if (!PathExists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  }
  std::string Driver() const {
    return "python3 " + SourceDir() + "/examples/drivers/toy_driver.py";
  }
};

// The toy engine writes a temp file, fsyncs, renames, fsyncs the directory:
// durable under every crash state, so the report is a clean pass.
TEST_F(IntegrationRunExampleDriver, ToyDriverExploreGivesAValidCleanReport) {
  ASSERT_EQ(Run("toy", "external",
                {"--set", "driver=" + Driver(), "--set", "claim=every-ack",
                 "--crash", "explore", "--ops", "50"}),
            0)
      << output_;
  EXPECT_EQ(report_["summary"]["verdict"], "pass");
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_EQ(Summary("ops_acknowledged"), 50u);
  EXPECT_GE(Summary("states_checked"), 100u);
  EXPECT_EQ(report_["engine"]["name"], "external");
}

// The same driver with its directory fsync taken out (a one-line bug a
// developer could make) must be caught: the rename can be lost.
TEST_F(IntegrationRunExampleDriver, ToyDriverWithoutDirFsyncIsCaught) {
  auto text = ReadFileToString(SourceDir() + "/examples/drivers/toy_driver.py");
  ASSERT_TRUE(text.ok());
  const std::string fsync_dir = "            os.fsync(fd)\n";
  const size_t at = text->find(fsync_dir);
  ASSERT_NE(at, std::string::npos) << "the example changed: update this test";
  std::string buggy = *text;
  buggy.replace(at, fsync_dir.size(), "            pass\n");
  const std::string path = dir_.Sub("buggy_driver.py");
  ASSERT_TRUE(WriteStringToFile(path, buggy).ok());
  ASSERT_EQ(Run("buggy", "external",
                {"--set", "driver=python3 " + path, "--crash", "explore",
                 "--ops", "30"}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
}

}  // namespace
}  // namespace crashlab
