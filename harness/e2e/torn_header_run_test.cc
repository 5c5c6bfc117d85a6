// The torn-header check inside `crashlab run`: explore and power reports
// carry a `headers` summary, and a torn header the engine accepts while
// losing acknowledged data is a torn_header finding (LevelDB, which skips a
// log whose first record never persisted, with sync off).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

nlohmann::json RunReport(const TempDir& tmp, std::vector<std::string> extra) {
  std::vector<std::string> argv = {BinDir() + "/crashlab", "run", "--out",
                                   tmp.Sub("out"), "--minimize-budget-s", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const CommandResult r = RunCommand(argv, 300000);
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_TRUE(ValidateReportFile(tmp.Sub("out/report.json")).ok());
  auto text = ReadFileToString(tmp.Sub("out/report.json"));
  return text.ok() ? nlohmann::json::parse(*text, nullptr, false)
                   : nlohmann::json();
}

TEST(IntegrationTornHeaderRun, LevelDbExploreCountsTornLogsAndFindsSilentOnes) {
  TempDir tmp;
  const nlohmann::json r =
      RunReport(tmp, {"--engine", "leveldb", "--ops", "15", "--seed", "3",
                      "--model", "drop-unsynced,torn"});
  ASSERT_TRUE(r.contains("headers")) << r.dump(1);
  const nlohmann::json& h = r["headers"];
  EXPECT_EQ(h["states"], r["summary"]["states_checked"]);
  EXPECT_GT(h["files_by_kind"]["leveldb-current"]["intact"].get<int>(), 0);
  EXPECT_GT(h["files_by_kind"]["leveldb-log"]["torn"].get<int>(), 0) << h.dump(1);
  // Every silent damaged state shows up as torn_header findings, and only
  // then (refusals are counted as detected, never as findings).
  const int silent = h["damaged_states_by_reaction"]["silent"];
  const int torn_findings = r["summary"]["by_kind"]["torn_header"];
  EXPECT_EQ(silent > 0, torn_findings > 0) << h.dump(1);
  for (const auto& f : r["findings"]) {
    if (f["kind"] != "torn_header") continue;
    EXPECT_NE(f["summary"].get<std::string>().find(".log"), std::string::npos);
  }
}

TEST(IntegrationTornHeaderRun, PowerRunsScanEveryCrashImage) {
  TempDir tmp;
  const nlohmann::json r =
      RunReport(tmp, {"--engine", "sqlite", "--crash", "power", "--rounds",
                      "2", "--ops", "20", "--seed", "5"});
  ASSERT_TRUE(r.contains("headers")) << r.dump(1);
  EXPECT_EQ(r["headers"]["states"], 2);
  EXPECT_EQ(r["headers"]["files_by_kind"]["sqlite"]["intact"], 2);
}

}  // namespace
}  // namespace crashlab
