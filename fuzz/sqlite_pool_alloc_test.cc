#include "fuzz/sqlite_pool_alloc.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fuzz/auth_cycle.h"
#include "fuzz/sqlite_auth_engine.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

// What 60 seeded SQLite cycles did (synchronous=off, so commits are lost
// and there are findings to compare), one line per cycle.
std::string Cycles() {
  uint64_t process = 0;
  const SqliteSettings settings{"wal", "off"};
  const AuthEngineFactory make = [&](int) {
    return std::make_unique<SqliteAuthEngine>(
        settings, AuthWorkload::SharedSchema(), ++process);
  };
  auto engine = make(0);
  auto base = MakeBaseImage(*engine);
  if (!base.ok()) return "base: " + base.status().ToString();
  engine.reset();
  CycleConfig config;
  config.space = *ParseSpaceConfig("", "");
  std::string out;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    RngChoices choices(seed);
    auto c = RunAuthCycle(make, *base, choices, config);
    if (!c.ok()) return "cycle: " + c.status().ToString();
    out += std::to_string(c->ops) + " " + std::to_string(c->acked) + " " +
           std::to_string(c->crash_position);
    for (const Finding& f : c->findings) out += " " + f.Key();
    out += "\n";
  }
  return out;
}

// SQLite on the pool (in a child: the allocator must be set before SQLite's
// first use, and this process has used it) behaves exactly as on malloc.
TEST(SqlitePoolAllocTest, CyclesGoAndFindTheSameAsOnMalloc) {
  const std::string want = Cycles();
  ASSERT_NE(want.find("lost_commit"), std::string::npos) << want;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    sqlite3_shutdown();
    const Status s = InstallSqlitePoolAllocator();
    const std::string got = s.ok() ? Cycles() : "install: " + s.ToString();
    _exit(write(fds[1], got.data(), got.size()) ==
                  static_cast<ssize_t>(got.size())
              ? 0
              : 1);
  }
  close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) got.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(got, want);
}

// The free lists are per thread: a block made on one thread may be freed
// on another, and blocks outlive the thread that made them (its lists go
// back to malloc when it ends, the blocks SQLite still holds do not). In a
// child, as above; glibc aborts it on a double or bad free.
TEST(SqlitePoolAllocTest, BlocksCrossThreadsAndOutliveTheirThread) {
  const pid_t pid = fork();
  if (pid == 0) {
    sqlite3_shutdown();
    if (!InstallSqlitePoolAllocator().ok()) _exit(2);
    std::vector<void*> blocks;
    std::thread maker([&blocks] {
      for (int i = 0; i < 64; ++i) {
        void* p = sqlite3_malloc(100 + i * 50);
        if (!p) return;
        std::memset(p, i, 100 + i * 50);
        blocks.push_back(p);
      }
      // Some blocks wait in this thread's lists when it ends.
      for (int i = 0; i < 8; ++i) {
        sqlite3_free(blocks.back());
        blocks.pop_back();
      }
    });
    maker.join();
    int bad = blocks.size() == 56 ? 0 : 3;
    for (size_t i = 0; i < blocks.size(); ++i) {
      const auto* b = static_cast<const unsigned char*>(blocks[i]);
      if (b[0] != i || b[99] != i) bad = 4;
      sqlite3_free(blocks[i]);  // into this thread's lists
    }
    void* again = sqlite3_malloc(100);  // reused from them
    if (!again || sqlite3_msize(again) < 100) bad = 5;
    sqlite3_free(again);
    _exit(bad);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace crashlab
