// Every benchmark reads its command line through bench_args: --help prints
// the usage and exits 0; a misspelt option, a missing or unparsable value,
// a stray word or a value out of range gets one line, the usage and exit
// code 2, before anything is measured (a hand-rolled loop used to ignore
// an option without a value, throw out of std::stoull, or wrap `-1` to
// 2^64 - 1 and run for ever).
#include "bench/bench_args.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "core/files.h"
#include "core/subprocess.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using Args = std::vector<std::string>;

struct BenchRun {
  int code = -1;
  std::string output;  // stdout and stderr
};

BenchRun RunBench(const std::string& bench, const Args& args,
                  const std::string& out) {
  SpawnOptions o;
  o.argv = {BinDir() + "/" + bench};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stderr_path = out;
  o.stdout_to_stderr_path = true;
  BenchRun run;
  auto p = Subprocess::Spawn(o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return run;
  auto status = (*p)->Wait(60000);
  EXPECT_TRUE(status.ok()) << bench << ": " << status.status().ToString();
  if (!status.ok()) return run;
  run.code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  auto text = ReadFileToString(out);
  if (text.ok()) run.output = *text;
  return run;
}

TEST(BenchArgsTest, EveryBenchmarkRefusesBadArgumentsBeforeMeasuring) {
  // Per benchmark: argument sets it must refuse. Each also gets a
  // misspelt option, a stray word and --help.
  const std::vector<std::pair<std::string, std::vector<Args>>> benches = {
      {"crashlab-bench-order",
       {{"--ops"}, {"--ops", "abc"}, {"--ops", "-1"}, {"--repeat", "0"}}},
      {"crashlab-bench-elle",
       {{"--sizes", "1,,2"},
        {"--sizes", "x"},
        {"--repeat", "0"},
        {"--seed", "-1"}}},
      {"crashlab-bench-explore",
       {{"--ops", "300,"},
        {"--jobs", "0"},
        {"--set", "journal_mode"},
        {"--sample"}}},
      {"crashlab-bench-scale",
       {{"--sizes", "10,-1"}, {"--states", "0"}, {"--seed", "1.5"}}},
      {"crashlab-bench-skytable",
       {{"--iterations", "0"}, {"--iterations", "many"}, {"--skyd"}}},
      {"crashlab-bench-fuzz",
       {{"--seconds"},
        {"--seconds", "abc"},
        {"--engine", "pg"},
        {"--seconds", "0"},
        {"--fuzz-seconds", "0"},
        {"--survey", "-1"}}},
      {"crashlab-bench-recording",
       {{"--txns", "0"}, {"--seed", "-1"}, {"--threads", "x"}}},
      {"crashlab-bench-spine",
       {{"--ops", "-1"}, {"--set", "=wal"}, {"--deep-states", "-5"}}},
  };
  const TempDir dir;
  int n = 0;
  for (const auto& [bench, bad] : benches) {
    std::vector<Args> cases = bad;
    cases.push_back({"--no-such-option", "1"});
    cases.push_back({"stray"});
    for (const Args& args : cases) {
      const BenchRun run =
          RunBench(bench, args, dir.Sub("out" + std::to_string(n++)));
      EXPECT_EQ(run.code, 2) << bench << " " << args[0] << ": " << run.output;
      EXPECT_NE(run.output.find(bench + ": "), std::string::npos)
          << bench << " " << args[0] << ": " << run.output;
      EXPECT_NE(run.output.find("usage: " + bench), std::string::npos)
          << bench << " " << args[0] << ": " << run.output;
    }
    const BenchRun help = RunBench(bench, {"--help"}, dir.Sub("help" + bench));
    EXPECT_EQ(help.code, 0) << bench << ": " << help.output;
    EXPECT_EQ(help.output.rfind("usage: " + bench, 0), 0u)
        << bench << ": " << help.output;
  }
}

TEST(BenchArgsTest, CountListsAreDigitsOnly) {
  using bench::ParseCounts;
  EXPECT_EQ(ParseCounts("300,1500,10000"),
            (std::vector<uint64_t>{300, 1500, 10000}));
  EXPECT_EQ(ParseCounts("7"), (std::vector<uint64_t>{7}));
  EXPECT_EQ(ParseCounts("0", 0), (std::vector<uint64_t>{0}));
  for (const char* bad : {"", ",", "1,", ",1", "1,,2", "-1", "1e3", "0", " 1",
                          "abc", "99999999999999999999"}) {
    EXPECT_FALSE(ParseCounts(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace crashlab
