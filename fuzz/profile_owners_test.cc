// fuzz/profile_owners.py on a made-up `perf script` of ten samples: each
// owner's share, the part in ASan's allocator, the speed-up if it cost
// nothing, and the bound with only the engine's (and libFuzzer's) time.
// python3 is a CI dependency (ci/install-deps.sh), as fuzz/profile.sh needs it.
#include <gtest/gtest.h>

#include <string>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

std::string Sample(const std::string& leaf, const std::string& leaf_dso,
                   const std::string& caller) {
  const std::string fuzzer = "/out/leveldb_crash_fuzzer";
  return "leveldb_crash_f 100 1.0: 2004008 cpu-clock:\n"
         "\t    7f0000001000 " +
         leaf + "+0x10 (" + leaf_dso +
         ")\n"
         "\t    55d600002000 " +
         caller + "+0x20 (" + fuzzer +
         ")\n"
         "\t    55d600003000 LLVMFuzzerTestOneInput+0x30 (" +
         fuzzer + ")\n\n";
}

TEST(ProfileOwnersTest, SharesSpeedupsAndTheBound) {
  const std::string fuzzer = "/out/leveldb_crash_fuzzer";
  std::string perf;
  for (int i = 0; i < 4; ++i) {  // LevelDB, symbols or not
    perf += Sample("[unknown]", "/usr/lib/libleveldb.so.1.23.0",
                   "crashlab::LeveldbAuthEngine::Apply");
  }
  for (int i = 0; i < 2; ++i) {
    perf += Sample("fuzzer::InputCorpus::UpdateFeatureFrequency", fuzzer,
                   "fuzzer::Fuzzer::RunOne");
  }
  for (int i = 0; i < 3; ++i) {  // ASan's allocator, for SimFs
    perf += Sample("__asan::Allocator::Allocate", fuzzer,
                   "crashlab::SimFs::Append");
  }
  perf += Sample("crashlab::CheckIndex::CheckIndex", fuzzer,
                 "crashlab::CheckState");
  const TempDir dir;
  const std::string in = dir.Sub("perf.txt");
  ASSERT_TRUE(WriteStringToFile(in, perf).ok());
  const CommandResult r = RunCommand(
      {"/bin/sh", "-c",
       "python3 '" + SourceDir() + "/fuzz/profile_owners.py' < '" + in + "'"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("10 samples"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("40.0%                     0.0%    x1.67  engine "
                          "library"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("30.0%                    30.0%    x1.43  crash "
                          "simulator"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("20.0%                     0.0%    x1.25  "
                          "libFuzzer"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("10.0%                     0.0%    x1.11  oracles"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("bound: x2.50 as fast with only the engine "
                          "library's time left, x1.67 with the engine's and "
                          "libFuzzer's"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace crashlab
