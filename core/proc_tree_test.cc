#include "core/proc_tree.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/subprocess.h"

namespace crashlab {
namespace {

bool Has(const std::vector<pid_t>& v, pid_t p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

TEST(ProcTreeTest, ReadsThisProcess) {
  const auto s = ReadProcStat(::getpid());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ppid, ::getppid());
  EXPECT_EQ(s->pgrp, ::getpgrp());
  EXPECT_EQ(s->state, 'R');
  EXPECT_FALSE(ReadProcStat(0).has_value());
  EXPECT_FALSE(ReadProcStat(-1).has_value());
}

// A child that left its parent's group for a session of its own (as
// PostgreSQL's backends do) still belongs to the parent's group's tree.
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

  const std::vector<pid_t> tree = ProcessTreeOfGroups({group});
  EXPECT_TRUE(Has(tree, group));
  EXPECT_TRUE(Has(tree, inner));
  EXPECT_FALSE(Has(tree, ::getpid()));
  EXPECT_TRUE(std::is_sorted(tree.begin(), tree.end()));
  EXPECT_TRUE(DescendsFrom(inner, {}, {group}));
  EXPECT_TRUE(DescendsFrom(inner, {group}, {}));
  EXPECT_FALSE(DescendsFrom(::getpid(), {}, {group}));
  EXPECT_FALSE(DescendsFrom(group, {inner}, {}));

  ::kill(inner, SIGKILL);
  (*outer)->Kill(SIGKILL);
}

}  // namespace
}  // namespace crashlab
