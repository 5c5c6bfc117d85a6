// Every program crashlab builds allocates through jemalloc (CMakeLists.txt,
// CRASHLAB_JEMALLOC). Asked by MALLOC_CONF, jemalloc prints its statistics
// when a program exits; glibc's malloc ignores the variable, so a program
// linked without jemalloc, or one whose malloc still resolves to glibc's,
// prints nothing and fails here.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/test_util.h"

namespace crashlab {
namespace {

TEST(MallocTest, ProgramsAllocateThroughJemalloc) {
#ifndef CRASHLAB_JEMALLOC
  GTEST_SKIP() << "built with -DCRASHLAB_JEMALLOC=OFF";
#endif
  // The CLI and the FUSE daemon answer --version/--help; a driver reads
  // requests from stdin and exits at its end.
  const std::pair<const char*, const char*> programs[] = {
      {"crashlab", "--version"},
      {"crashlab-faultfs", "--help"},
      {"crashlab-driver-sqlite", ""},
      {"crashlab-driver-leveldb", ""},
      {"crashlab-driver-lmdb", ""},
  };
  for (const auto& [program, arg] : programs) {
    std::vector<std::string> argv = {"env", "MALLOC_CONF=stats_print:true",
                                      BinDir() + "/" + program};
    if (*arg) argv.push_back(arg);
    const CommandResult r = RunCommand(argv);
    EXPECT_NE(r.output.find("Begin jemalloc statistics"), std::string::npos)
        << program << " exited " << r.exit_code << ":\n"
        << r.output.substr(0, 400);
  }
}

}  // namespace
}  // namespace crashlab
