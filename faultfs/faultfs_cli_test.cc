// crashlab-faultfs refuses bad input with one clear line, a usage exit code
// and nothing mounted or overwritten.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/status.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab::faultfs {
namespace {

class IntegrationFaultfsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(dir_.Sub("backing")).ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
  }

  // Runs the binary; returns its exit code and fills `err` with stderr.
  int Run(const std::vector<std::string>& args, std::string* err) {
    std::vector<std::string> argv = {testing::FaultfsBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, err);
  }

  int RunCommand(const std::vector<std::string>& argv, std::string* err) {
    const std::string err_path = dir_.Sub("stderr-" + std::to_string(runs_++));
    const int st = testing::RunProgram(argv, err_path);
    auto text = ReadFileToString(err_path);
    *err = text.ok() ? *text : "";
    EXPECT_FALSE(testing::IsMounted(testing::RealPath(dir_.Sub("mnt"))));
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  static int Lines(const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }

  TempDir dir_;
  int runs_ = 0;
};

TEST_F(IntegrationFaultfsCliTest, RefusesAnExistingTrace) {
  const std::string trace = dir_.Sub("trace.bin");
  ASSERT_TRUE(WriteStringToFile(trace, "earlier run").ok());
  std::string err;
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("mnt"), "--trace", trace}, &err),
            kExitUsage);
  EXPECT_NE(err.find("already exists"), std::string::npos) << err;
  EXPECT_EQ(Lines(err), 1) << err;
  EXPECT_EQ(*ReadFileToString(trace), "earlier run");
}

TEST_F(IntegrationFaultfsCliTest, RefusesAMissingBacking) {
  std::string err;
  EXPECT_EQ(
      Run({dir_.Sub("nope"), dir_.Sub("mnt"), "--trace", dir_.Sub("trace.bin")},
          &err),
      kExitUsage);
  EXPECT_EQ(err, "crashlab-faultfs: BACKING " + dir_.Sub("nope") +
                     " does not exist\n");
  EXPECT_FALSE(PathExists(dir_.Sub("trace.bin")));
}

TEST_F(IntegrationFaultfsCliTest, RefusesABackingThatIsNotADirectory) {
  ASSERT_TRUE(WriteStringToFile(dir_.Sub("file"), "x").ok());
  std::string err;
  EXPECT_EQ(
      Run({dir_.Sub("file"), dir_.Sub("mnt"), "--trace", dir_.Sub("trace.bin")},
          &err),
      kExitUsage);
  EXPECT_EQ(err, "crashlab-faultfs: BACKING " + dir_.Sub("file") +
                     " is not a directory\n");
}

TEST_F(IntegrationFaultfsCliTest, RefusesAMountInsideBackingAndBadUsage) {
  ASSERT_TRUE(MakeDirs(dir_.Sub("backing/inner")).ok());
  std::string err;
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("backing/inner"), "--trace",
                 dir_.Sub("trace.bin")},
                &err),
            kExitUsage);
  EXPECT_NE(err.find("must not be BACKING or inside it"), std::string::npos);
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("mnt")}, &err), kExitUsage);
  EXPECT_NE(err.find("missing --trace"), std::string::npos) << err;
  EXPECT_EQ(Lines(err), 1);
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("mnt"), "--trace",
                 dir_.Sub("trace.bin"), "--ready-fd", "900"},
                &err),
            kExitUsage);
  EXPECT_NE(err.find("not an open file descriptor"), std::string::npos);
  EXPECT_FALSE(PathExists(dir_.Sub("trace.bin")));
}

TEST_F(IntegrationFaultfsCliTest, RefusesABadPlanOrControlSocket) {
  ASSERT_TRUE(WriteStringToFile(dir_.Sub("plan.toml"),
                                "[[rule]]\nop = \"fsync\"\nprobability = 2\n"
                                "action = { lie = true }\n")
                  .ok());
  std::string err;
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("mnt"), "--trace",
                 dir_.Sub("trace.bin"), "--faults", dir_.Sub("plan.toml")},
                &err),
            kExitUsage);
  EXPECT_NE(err.find("line 3: rules[0]: key 'probability'"), std::string::npos)
      << err;
  EXPECT_EQ(Lines(err), 1) << err;
  EXPECT_EQ(Run({dir_.Sub("backing"), dir_.Sub("mnt"), "--trace",
                 dir_.Sub("trace.bin"), "--faults", dir_.Sub("none.json")},
                &err),
            kExitUsage);
  ASSERT_TRUE(WriteStringToFile(dir_.Sub("not-a-socket"), "x").ok());
  EXPECT_EQ(
      Run({dir_.Sub("backing"), dir_.Sub("mnt"), "--trace",
           dir_.Sub("trace.bin"), "--control-socket", dir_.Sub("not-a-socket")},
          &err),
      kExitUsage);
  EXPECT_NE(err.find("is not a socket"), std::string::npos) << err;
  EXPECT_EQ(*ReadFileToString(dir_.Sub("not-a-socket")), "x");
  EXPECT_FALSE(PathExists(dir_.Sub("trace.bin")));
}

TEST_F(IntegrationFaultfsCliTest, MissingFuseDeviceIsAnInfrastructureError) {
  if (::geteuid() != 0 || !PathExists("/usr/bin/unshare")) {
    GTEST_SKIP() << "needs root and unshare(1) to hide /dev/fuse";
  }
  // A private mount namespace whose /dev is empty.
  std::string err;
  const int code =
      RunCommand({"/usr/bin/unshare", "-m", "sh", "-c",
                  "mount -t tmpfs none /dev && exec \"$0\" \"$@\"",
                  testing::FaultfsBinary(), dir_.Sub("backing"),
                  dir_.Sub("mnt"), "--trace", dir_.Sub("trace.bin")},
                 &err);
  if (err.rfind("crashlab-faultfs:", 0) != 0) {
    GTEST_SKIP() << "cannot hide /dev/fuse here: " << err;
  }
  EXPECT_EQ(code, kExitInfrastructure);
  EXPECT_EQ(err,
            "crashlab-faultfs: cannot mount: /dev/fuse is missing; load the "
            "fuse module or run the container with --device /dev/fuse\n");
  EXPECT_FALSE(PathExists(dir_.Sub("trace.bin")));
}

}  // namespace
}  // namespace crashlab::faultfs
