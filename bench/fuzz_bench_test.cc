// crashlab-bench-fuzz refuses bad arguments with one line naming what is
// wrong, the usage, and exit code 2, before it benchmarks anything (a
// stray or misspelt option used to run the default 15 s benchmark).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/subprocess.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

TEST(FuzzBenchCliTest, BadArgumentsAreRefusedBeforeAnyRun) {
  const TempDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"--help"},          {"--seconds"},         {"--seconds", "abc"},
      {"--engine", "pg"},  {"--sec", "1"},        {"--seconds", "0"},
      {"stray"},           {"--fuzz-seconds", "0"}};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<std::string>& args = cases[i];
    const std::string err = dir.Sub("err" + std::to_string(i));
    SpawnOptions o;
    o.argv = {BinDir() + "/crashlab-bench-fuzz"};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.stderr_path = err;
    o.stdout_to_stderr_path = true;
    auto p = Subprocess::Spawn(o);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    auto code = (*p)->Wait(60000);
    ASSERT_TRUE(code.ok()) << code.status().ToString();
    EXPECT_TRUE(WIFEXITED(*code) && WEXITSTATUS(*code) == 2)
        << args[0] << ": " << Subprocess::DescribeWaitStatus(*code);
    auto text = ReadFileToString(err);
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("usage: crashlab-bench-fuzz"), std::string::npos)
        << *text;
    EXPECT_EQ(text->find("cycles/s"), std::string::npos) << *text;
  }
}

}  // namespace
}  // namespace crashlab
