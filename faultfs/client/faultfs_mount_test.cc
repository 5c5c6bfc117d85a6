// Integration tests of FaultfsMount: the real crashlab-faultfs on a real
// FUSE mount, started the way `crashlab run` starts it.
#include "faultfs/client/faultfs_mount.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/files.h"
#include "core/trace.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

class IntegrationFaultfsMount : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
    ASSERT_TRUE(MakeDirs(dir_.Sub("backing")).ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
    options_.faultfs_bin = BinDir() + "/crashlab-faultfs";
    options_.backing = dir_.Sub("backing");
    options_.mount_point = dir_.Sub("mnt");
    options_.trace_path = dir_.Sub("trace.bin");
    options_.log_path = dir_.Sub("faultfs.log");
  }
  void TearDown() override {
    if (IsMountPoint(options_.mount_point)) ForceUnmount(options_.mount_point);
  }

  std::string Log() const {
    auto text = ReadFileToString(options_.log_path);
    return text.ok() ? *text : "";
  }

  // The labels of the trace's MARK records, in order.
  std::vector<std::string> Marks() {
    std::vector<std::string> marks;
    auto trace = ReadTrace(options_.trace_path);
    EXPECT_TRUE(trace.ok()) << trace.status().message();
    if (!trace.ok()) return marks;
    EXPECT_TRUE(trace->tail.clean);
    for (const Record& r : trace->records) {
      if (r.op == Op::kMark) marks.push_back(r.data);
    }
    return marks;
  }

  TempDir dir_;
  MountOptions options_;
};

TEST_F(IntegrationFaultfsMount, RecordsWritesAndMarksUntilStopped) {
  auto mount = FaultfsMount::Start(options_);
  ASSERT_TRUE(mount.ok()) << mount.status().message();
  ASSERT_TRUE(IsMountPoint(options_.mount_point));
  ASSERT_TRUE(WriteStringToFile(dir_.Sub("mnt/x"), "hello").ok());
  ASSERT_TRUE((*mount)->Mark("after-x").ok());
  ASSERT_TRUE((*mount)->Stop().ok());
  EXPECT_FALSE(IsMountPoint(options_.mount_point));
  EXPECT_EQ(ReadFileToString(dir_.Sub("backing/x")).value(), "hello");
  EXPECT_EQ(Marks(), std::vector<std::string>{"after-x"});
}

// Regression: crashlab SIGKILLed mid-run once left a faultfs mount that no
// process served or would remove. The daemon died with it (SIGKILL) and
// auto_unmount's helper, which starts after the mount and resolves the
// mount point first, had not got that far. Now the daemon gets SIGTERM
// and stops as on a normal stop: unmounts and finishes its trace, which
// a SIGKILLed daemon cannot (its last records are still in memory).
TEST_F(IntegrationFaultfsMount, DaemonWhoseParentDiesUnmountsAndClosesItsTrace) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {  // plays crashlab: mounts, marks, then waits to die
    ::close(ready[0]);
    auto mount = FaultfsMount::Start(options_);
    const bool ok = mount.ok() && (*mount)->Mark("before-death").ok();
    (void)!::write(ready[1], ok ? "y" : "n", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char answer = 0;
  ASSERT_EQ(::read(ready[0], &answer, 1), 1);
  ::close(ready[0]);
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  ASSERT_EQ(answer, 'y') << Log();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (IsMountPoint(options_.mount_point) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(IsMountPoint(options_.mount_point));
  // The daemon is not our child; its finished trace says it has stopped.
  std::vector<std::string> marks;
  while (marks.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto trace = ReadTrace(options_.trace_path);
    for (const Record& r : trace.ok() ? trace->records : std::vector<Record>{}) {
      if (r.op == Op::kMark) marks.push_back(r.data);
    }
  }
  EXPECT_EQ(marks, std::vector<std::string>{"before-death"})
      << Log();
}

}  // namespace
}  // namespace crashlab
