#include "core/subprocess.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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

// Regression: redis-server's stdout reached crashlab's terminal.
TEST(SubprocessTest, StdoutCanJoinTheStderrLog) {
  char dir[] = "/tmp/crashlab-subprocess-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string log = std::string(dir) + "/log";
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "echo out; echo err >&2"},
                              .stderr_path = log,
                              .stdout_to_stderr_path = true});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Wait(5000).ok());
  std::FILE* f = std::fopen(log.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "out\nerr\n");
  ::unlink(log.c_str());
  ::rmdir(dir);
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
