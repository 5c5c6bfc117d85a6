// crashlab corrupt-sweep against real engines, through the CLI: SQLite's
// database file (its header refused, some pages not), LevelDB and Redis
// with small budgets so the whole suite stays under a minute.
#include "harness/explore/corrupt_sweep.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "engines/engine_def.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

struct Sweep {
  int exit_code = -1;
  std::string output;
  nlohmann::json json;
};

Sweep RunSweep(const TempDir& tmp, std::vector<std::string> extra) {
  std::vector<std::string> argv = {BinDir() + "/crashlab", "corrupt-sweep",
                                   "--out", tmp.Sub("out"), "--ops", "20"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const CommandResult r = RunCommand(argv, 120000);
  Sweep s{r.exit_code, r.output};
  auto text = ReadFileToString(tmp.Sub("out/sweep.json"));
  if (text.ok()) s.json = nlohmann::json::parse(*text, nullptr, false);
  return s;
}

const nlohmann::json* FileEntry(const nlohmann::json& sweep,
                                const std::string& path) {
  for (const auto& f : sweep["files"]) {
    if (f["path"] == path) return &f;
  }
  return nullptr;
}

TEST(IntegrationCorruptSweep, SqliteHeaderDetectedSomePagesNot) {
  TempDir tmp;
  const Sweep s = RunSweep(tmp, {"--engine", "sqlite", "--files", "auth.db",
                                 "--budget-s", "25"});
  ASSERT_TRUE(s.json.is_object()) << s.output;
  const nlohmann::json* db = FileEntry(s.json, "auth.db");
  ASSERT_NE(db, nullptr) << s.json.dump(1);
  EXPECT_EQ((*db)["format"], "sqlite");
  EXPECT_EQ((*db)["header_size"], 100);
  // The magic: flipping any of its 16 bytes makes SQLite refuse the file.
  for (const auto& r : (*db)["regions"]) {
    if (r["mode"] == "flip" && r["area"] == "header" && r["offset"] < 16) {
      EXPECT_EQ(r["result"], "detected_and_refused") << r.dump();
    }
  }
  const auto& header = (*db)["counts"]["header"];
  EXPECT_GE(header["detected_and_refused"].get<int>(), 16) << s.output;
  // Page damage SQLite does not notice: no checksum on pages.
  const auto& body = (*db)["counts"]["body"];
  EXPECT_GT(body["silent_wrong_data"].get<int>() + body["silent_loss"].get<int>(), 0)
      << s.output;
  EXPECT_EQ(s.exit_code, 1) << s.output;  // silent damage is a finding
}

TEST(IntegrationCorruptSweep, LevelDbLogAndCurrent) {
  TempDir tmp;
  const Sweep s = RunSweep(tmp, {"--engine", "leveldb", "--budget-s", "12"});
  ASSERT_TRUE(s.json.is_object()) << s.output;
  EXPECT_GT(s.json["regions_tried"].get<int>(), 10) << s.output;
  bool saw_current = false;
  for (const auto& f : s.json["files"]) {
    if (f["path"] != "CURRENT") continue;
    saw_current = true;
    EXPECT_EQ(f["format"], "leveldb-current");
    // A CURRENT that names no manifest: LevelDB refuses to open.
    for (const auto& r : f["regions"]) {
      if (r["mode"] == "flip" && r["offset"] == 0) {
        EXPECT_EQ(r["result"], "detected_and_refused") << r.dump();
      }
    }
  }
  EXPECT_TRUE(saw_current) << s.json.dump(1);
  EXPECT_TRUE(s.exit_code == 1 || s.exit_code == 4) << s.output;
}

TEST(IntegrationCorruptSweep, RedisAofWithSmallBudget) {
  if (!ProgramAvailable("redis-server", nullptr)) {
    GTEST_SKIP() << "redis-server is not installed: run ci/install-deps.sh";
  }
  TempDir tmp;
  const Sweep s = RunSweep(tmp, {"--engine", "redis", "--set", "appendonly=yes",
                                 "--budget-s", "12"});
  ASSERT_TRUE(s.json.is_object()) << s.output;
  EXPECT_GT(s.json["regions_tried"].get<int>(), 0) << s.output;
  uint64_t detected = 0;
  for (const auto& f : s.json["files"]) {
    detected += f["counts"]["header"]["detected_and_refused"].get<uint64_t>();
  }
  EXPECT_GT(detected, 0u) << s.json.dump(1);
  EXPECT_TRUE(s.exit_code == 0 || s.exit_code == 1 || s.exit_code == 4)
      << s.output;
}

TEST(CorruptSweepCli, BadUsageIsExitTwo) {
  TempDir tmp;
  const CommandResult r = RunCommand(
      {BinDir() + "/crashlab", "corrupt-sweep", "--engine", "nope", "--out",
       tmp.Sub("out")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const CommandResult missing = RunCommand({BinDir() + "/crashlab", "inspect",
                                            tmp.Sub("no-such-file")});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  const CommandResult nothing = RunCommand(
      {BinDir() + "/crashlab", "corrupt-sweep", "--engine", "sqlite", "--ops",
       "3", "--files", "no-such-*", "--out", tmp.Sub("out2")});
  EXPECT_EQ(nothing.exit_code, 2) << nothing.output;
  EXPECT_NE(nothing.output.find("its files: auth.db"), std::string::npos)
      << nothing.output;
}

}  // namespace
}  // namespace crashlab
