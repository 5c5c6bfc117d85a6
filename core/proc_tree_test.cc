#include "core/proc_tree.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "core/subprocess.h"

namespace crashlab {
namespace {

bool Has(const std::vector<ProcId>& tree, pid_t p) {
  return std::any_of(tree.begin(), tree.end(),
                     [p](const ProcId& id) { return id.pid == p; });
}

TEST(ProcTreeTest, ReadsThisProcessAndItsThreads) {
  const auto s = ReadProcStat(::getpid());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ppid, ::getppid());
  EXPECT_EQ(s->pgrp, ::getpgrp());
  EXPECT_EQ(s->state, 'R');
  EXPECT_GT(s->start_time, 0u);
  EXPECT_FALSE(ReadProcStat(0).has_value());
  EXPECT_FALSE(ReadProcStat(-1).has_value());
  EXPECT_EQ(ThreadGroupOf(::getpid()), ::getpid());
  // FUSE names a request's thread, not its process.
  pid_t tid = 0;
  std::optional<pid_t> its_process;
  std::thread([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    its_process = ThreadGroupOf(tid);
  }).join();
  EXPECT_NE(tid, ::getpid());
  EXPECT_EQ(its_process, ::getpid());
}

// A child that left its parent's group for a session of its own (as
// PostgreSQL's backends do) still belongs to the parent's group's tree;
// a pid is only its process with the same start time.
TEST(ProcTreeTest, AChildInItsOwnSessionIsInItsParentsTree) {
  auto outer = Subprocess::Spawn(
      {.argv = {"/bin/sh", "-c",
                "setsid /bin/sh -c 'echo $$; exec sleep 30' & wait"},
       .pipe_stdout = true});
  ASSERT_TRUE(outer.ok()) << outer.status().ToString();
  const pid_t group = (*outer)->pid();
  auto line = (*outer)->ReadLine(5000);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  const pid_t inner = std::stoi(*line);
  const auto s = ReadProcStat(inner);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ppid, group);
  EXPECT_EQ(s->pgrp, inner) << "setsid gave it a group of its own";

  const std::vector<ProcId> tree = ProcessTreeOfGroups({group});
  EXPECT_TRUE(Has(tree, group));
  EXPECT_TRUE(Has(tree, inner));
  EXPECT_FALSE(Has(tree, ::getpid()));
  EXPECT_TRUE(std::is_sorted(tree.begin(), tree.end()));
  EXPECT_TRUE(DescendsFrom(inner, tree));
  EXPECT_FALSE(DescendsFrom(::getpid(), tree));
  const auto g = ReadProcStat(group);
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE(DescendsFrom(inner, {{group, g->start_time}}));
  EXPECT_FALSE(DescendsFrom(inner, {{group, g->start_time + 1}}))
      << "another process that got the same pid later";
  EXPECT_FALSE(DescendsFrom(group, {{inner, s->start_time}}));

  ::kill(inner, SIGKILL);
  (*outer)->Kill(SIGKILL);
}

}  // namespace
}  // namespace crashlab
