// The include graph points one way. Each source folder is a layer with a
// rank; a file may include from its own layer and from layers of lower rank,
// never upward and never sideways into a sibling of the same rank (live/ and
// explore/ are siblings: neither may include the other). Test sources may
// also include from any layer below harness/ (an engine test may build the
// auth schema from workloads/), but never from harness/ unless they live
// there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

struct Layer {
  const char* prefix;  // a folder, with its trailing slash
  int rank;
};

// Longest prefix wins: harness/record/ before harness/.
constexpr Layer kLayers[] = {
    {"core/", 0},           {"tests/", 1},           {"faultfs/", 2},
    {"engines/", 3},        {"checkers/", 3},        {"workloads/", 4},
    {"reports/", 5},        {"harness/record/", 6},  {"harness/explore/", 7},
    {"harness/live/", 7},   {"harness/", 8},         {"harness/cli/", 9},
    {"harness/e2e/", 9},    {"fuzz/", 10},           {"bench/", 11},
    {"examples/", 11},
};
constexpr int kHarnessRank = 6;  // the lowest layer under harness/

const Layer* LayerOf(const std::string& path) {
  const Layer* best = nullptr;
  for (const Layer& l : kLayers) {
    const std::string p = l.prefix;
    if (path.compare(0, p.size(), p) == 0 &&
        (best == nullptr || p.size() > std::string(best->prefix).size())) {
      best = &l;
    }
  }
  return best;
}

bool IsTestSource(const std::string& path) {
  return path.find("_test.") != std::string::npos ||
         path.find("test_util") != std::string::npos;
}

// "" when `from` may include `to` (paths relative to the source root),
// else why not.
std::string Violation(const std::string& from, const std::string& to) {
  const Layer* a = LayerOf(from);
  const Layer* b = LayerOf(to);
  if (a == nullptr || b == nullptr) return "";  // not a layered folder
  if (a == b || b->rank < a->rank) return "";
  if (IsTestSource(from) && b->rank < kHarnessRank) return "";
  return std::string(b->rank == a->rank ? "sideways" : "upward") +
         " include: " + from + " (" + a->prefix + ") includes " + to + " (" +
         b->prefix + ")";
}

TEST(Layering, TheRuleCatchesUpwardAndSidewaysIncludes) {
  EXPECT_EQ(Violation("harness/explore/explorer.cc", "harness/record/timeline.h"), "");
  EXPECT_EQ(Violation("harness/run.cc", "harness/live/live_run.h"), "");
  EXPECT_EQ(Violation("harness/cli/main.cc", "harness/run.h"), "");
  EXPECT_EQ(Violation("harness/record/timeline.cc", "harness/record/finding_set.h"), "");
  EXPECT_NE(Violation("engines/run_test_util.h", "harness/run.h"), "");
  EXPECT_NE(Violation("checkers/check.cc", "harness/record/timeline.h"), "");
  EXPECT_NE(Violation("harness/live/live_run.cc", "harness/explore/recovery_pool.h"), "");
  EXPECT_NE(Violation("harness/explore/explorer.cc", "harness/live/crash_plan.h"), "");
  EXPECT_NE(Violation("harness/explore/corrupt_sweep.cc", "harness/run.h"), "");
  EXPECT_NE(Violation("harness/txn_run.h", "harness/cli/cli_args.h"), "");
  EXPECT_NE(Violation("engines/engine.cc", "checkers/check.h"), "");
  EXPECT_NE(Violation("core/files.cc", "faultfs/client/faultfs_mount.h"), "");
  // Tests may reach below harness/, but a lower layer's test not into it.
  EXPECT_EQ(Violation("engines/kv_rows_test.cc", "workloads/auth.h"), "");
  EXPECT_NE(Violation("engines/server/server_run_test.cc", "harness/run.h"), "");
}

TEST(Layering, NoSourceIncludesUpwardOrSideways) {
  namespace fs = std::filesystem;
  const fs::path root = CRASHLAB_SOURCE_DIR;
  const std::regex include_re(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::vector<std::string> problems;
  size_t files = 0;
  for (const Layer& layer : kLayers) {
    const fs::path dir = root / layer.prefix;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const std::string ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
      const std::string from = fs::relative(entry.path(), root).string();
      if (LayerOf(from) != &layer) continue;  // counted under its own layer
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        if (!std::regex_search(line, m, include_re)) continue;
        const std::string why = Violation(from, m[1]);
        if (!why.empty()) problems.push_back(why);
      }
    }
  }
  EXPECT_GT(files, 300u) << "the walk missed the source tree at " << root;
  for (const std::string& p : problems) ADD_FAILURE() << p;
}

}  // namespace
