#include "core/subprocess.h"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

namespace crashlab {
namespace {

TEST(SubprocessTest, LinesGoBothWays) {
  auto p = Subprocess::Spawn(
      {.argv = {"/bin/cat"}, .pipe_stdin = true, .pipe_stdout = true});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->WriteLine("hello").ok());
  auto line = (*p)->ReadLine(5000);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line, "hello");
  (*p)->CloseStdin();
  auto st = (*p)->Wait(5000);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFEXITED(*st));
}

TEST(SubprocessTest, ReadTimesOutOnASilentChild) {
  auto p = Subprocess::Spawn(
      {.argv = {"/bin/sleep", "30"}, .pipe_stdout = true});
  ASSERT_TRUE(p.ok());
  auto line = (*p)->ReadLine(100);
  EXPECT_EQ(line.status().code(), Code::kTimeout);
}

TEST(SubprocessTest, KillReachesTheWholeGroup) {
  // The shell starts a grandchild; killing the group must end both.
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "sleep 30 & echo $!; wait"},
                              .pipe_stdout = true});
  ASSERT_TRUE(p.ok());
  auto grandchild = (*p)->ReadLine(5000);
  ASSERT_TRUE(grandchild.ok());
  pid_t gc = std::stoi(*grandchild);
  (*p)->Kill(SIGKILL);
  auto st = (*p)->Wait(5000);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFSIGNALED(*st));
  for (int i = 0; i < 100 && ProcessAlive(gc); ++i) usleep(10000);
  EXPECT_FALSE(ProcessAlive(gc)) << "grandchild survived";
}

TEST(SubprocessTest, WhatAChildLeavesInItsGroupDiesWithIt) {
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "sleep 30 & echo $!"},
                              .pipe_stdout = true});
  ASSERT_TRUE(p.ok());
  auto grandchild = (*p)->ReadLine(5000);
  ASSERT_TRUE(grandchild.ok());
  auto st = (*p)->Wait(5000);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFEXITED(*st));
  const pid_t gc = std::stoi(*grandchild);
  for (int i = 0; i < 100 && ProcessAlive(gc); ++i) usleep(10000);
  EXPECT_FALSE(ProcessAlive(gc)) << "left-behind group member survived";
}

TEST(SubprocessTest, MissingProgramExits127) {
  auto p = Subprocess::Spawn({.argv = {"/nonexistent/program"}});
  ASSERT_TRUE(p.ok());
  auto st = (*p)->Wait(5000);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Subprocess::DescribeWaitStatus(*st), "exit code 127");
}

}  // namespace
}  // namespace crashlab
