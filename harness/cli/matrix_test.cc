// Matrix files, sharding, and the done-when integration tests of issue 8:
// a matrix of SQLite (two settings), Redis (two settings) and PostgreSQL
// from one file gives the comparison table, and its two shards merge into
// the whole; a baseline lets a run with only known findings pass and fails
// one with a new finding.
#include "harness/cli/matrix.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "core/files.h"
#include "core/subprocess.h"
#include "reports/property.h"
#include "reports/table.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

constexpr char kSpec[] = R"({
  "name": "t",
  "defaults": {"workload": "auth", "ops": 30, "seeds": [7], "max_states": 100},
  "crash": ["explore", {"mode": "process", "rounds": 2, "max_states": 5}],
  "engines": [
    {"engine": "sqlite", "settings": [{"synchronous": "full"}, {"synchronous": "off"}],
     "minimize_budget_s": 2},
    {"engine": "redis", "settings": [{"appendfsync": "always"}], "crash": [{"mode": "process"}],
     "seeds": [1, 2]}
  ]
})";

TEST(MatrixSpecTest, ExpandsInFileOrderWithTheMostSpecificBudget) {
  auto spec = ParseMatrixSpec(json::parse(kSpec));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->cells.size(), 6u);  // 2 settings x 2 modes + 1 x 1 x 2 seeds
  const MatrixCell& first = spec->cells[0];
  EXPECT_EQ(first.name, "sqlite_synchronous=full_explore_auth-30_seed-7");
  EXPECT_EQ(first.dir, "cells/" + first.name);
  EXPECT_EQ(first.args,
            (std::vector<std::string>{"run", "--engine", "sqlite", "--set", "synchronous=full",
                                      "--workload", "auth", "--ops", "30", "--seed", "7",
                                      "--crash", "explore", "--max-states", "100",
                                      "--minimize-budget-s", "2"}));
  const MatrixCell& live = spec->cells[1];
  EXPECT_EQ(live.crash, "process");
  // The crash entry's max_states beats the default; rounds only for live modes.
  EXPECT_NE(std::find(live.args.begin(), live.args.end(), "5"), live.args.end());
  EXPECT_NE(std::find(live.args.begin(), live.args.end(), "--rounds"), live.args.end());
  EXPECT_EQ(spec->cells[4].seed, 1u);
  EXPECT_EQ(spec->cells[5].seed, 2u);
  for (size_t i = 0; i < spec->cells.size(); ++i) EXPECT_EQ(spec->cells[i].index, static_cast<int>(i));
}

TEST(MatrixSpecTest, YamlGivesTheSameMatrixAsJson) {
  const char* yaml = R"(
name: t
defaults: {workload: auth, ops: 30, seeds: [7], max_states: 100}
crash:
  - explore
  - {mode: process, rounds: 2, max_states: 5}
engines:
  - engine: sqlite
    settings: [{synchronous: full}, {synchronous: "off"}]
    minimize_budget_s: 2
  - engine: redis
    settings: [{appendfsync: always}]
    crash: [{mode: process}]
    seeds: [1, 2]
)";
  auto j = YamlToJson(yaml);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto from_yaml = ParseMatrixSpec(*j);
  auto from_json = ParseMatrixSpec(json::parse(kSpec));
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.status().ToString();
  EXPECT_EQ(from_yaml->hash, from_json->hash);
  EXPECT_FALSE(YamlToJson("engines: [unclosed").ok());
}

TEST(MatrixSpecTest, MistakesAreRefusedNotGuessed) {
  auto bad = [](const char* text) { return ParseMatrixSpec(json::parse(text)).status().message(); };
  EXPECT_NE(bad(R"({"engines": [{"engine": "sqlite", "setings": [{}]}]})").find("setings"),
            std::string::npos);
  EXPECT_NE(bad(R"({"engines": []})").find("non-empty"), std::string::npos);
  EXPECT_NE(bad(R"({"engines": [{"engine": "x"}], "crash": ["boom"]})").find("boom"),
            std::string::npos);
  EXPECT_NE(bad(R"({"engines": [{"engine": "x", "settings": [{"a": "1"}, {"a": "1"}]}]})")
                .find("listed twice"),
            std::string::npos);
  EXPECT_NE(bad(R"({"engines": [{"engine": "x", "settings": [{"bin": "${CRASHLAB_NO_SUCH_VAR}"}]}]})")
                .find("CRASHLAB_NO_SUCH_VAR"),
            std::string::npos);
  setenv("CRASHLAB_MATRIX_TEST_VAR", "/opt/skyd", 1);
  auto ok = ParseMatrixSpec(json::parse(
      R"({"engines": [{"engine": "skytable", "settings": [{"skyd": "${CRASHLAB_MATRIX_TEST_VAR}"}]}]})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->cells[0].settings.at("skyd"), "/opt/skyd");
}

TEST(MatrixSpecTest, ShardsPartitionTheCellsDeterministically) {
  auto spec = ParseMatrixSpec(json::parse(kSpec));
  ASSERT_TRUE(spec.ok());
  std::vector<int> seen;
  for (int k = 0; k < 4; ++k) {
    for (const MatrixCell& c : ShardCells(*spec, k, 4)) {
      EXPECT_EQ(c.index % 4, k);
      seen.push_back(c.index);
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  int index = 0, count = 0;
  EXPECT_TRUE(ParseShard("2/3", &index, &count).ok());
  EXPECT_EQ(index, 1);
  EXPECT_EQ(count, 3);
  EXPECT_FALSE(ParseShard("0/3", &index, &count).ok());
  EXPECT_FALSE(ParseShard("4/3", &index, &count).ok());
  EXPECT_FALSE(ParseShard("1/2x", &index, &count).ok());
}

// ---- integration: real engines through `crashlab matrix` ----

std::string Crashlab() { return BinDir() + "/crashlab"; }

json ReadJson(const std::string& path) {
  auto text = ReadFileToString(path);
  return text.ok() ? json::parse(*text, nullptr, false) : json();
}

// The combined report without what legitimately differs between two
// invocations over the same cells: where they wrote and how long they took.
json Comparable(json j) {
  j.erase("out");
  j["summary"].erase("duration_s");
  return j;
}

constexpr char kEnginesMatrix[] = R"({
  "name": "issue-8-engines",
  "defaults": {"workload": "auth", "ops": 30, "seeds": [7], "minimize_budget_s": 2,
               "timeout_s": 20},
  "engines": [
    {"engine": "sqlite", "settings": [{"synchronous": "full"}, {"synchronous": "off"}],
     "crash": ["explore"]},
    {"engine": "redis", "settings": [{"appendfsync": "always"}, {"appendfsync": "no"}],
     "crash": [{"mode": "process", "rounds": 2}]},
    {"engine": "postgres", "crash": [{"mode": "process", "rounds": 2}]}
  ]
})";

TEST(IntegrationMatrix, EnginesTableAndTwoShardsMergeIntoTheWhole) {
  TempDir dir;
  // PostgreSQL runs as the system user postgres: it must enter the run dir.
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string file = dir.Sub("matrix.json");
  ASSERT_TRUE(WriteStringToFile(file, kEnginesMatrix).ok());
  const int64_t start_ms = MonotonicMs();
  for (int k = 1; k <= 2; ++k) {
    CommandResult r = RunCommand({Crashlab(), "matrix", file, "--shard", std::to_string(k) + "/2",
                                  "--jobs", "2", "--out", dir.Sub("shard" + std::to_string(k))});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
    std::printf("shard %d/2:\n%s\n", k, r.output.c_str());
  }
  std::printf("matrix wall time (2 shards, --jobs 2): %.1f s\n", (MonotonicMs() - start_ms) / 1000.0);
  const json s1 = ReadJson(dir.Sub("shard1/report.json"));
  const json s2 = ReadJson(dir.Sub("shard2/report.json"));
  ASSERT_EQ(s1["cells"].size() + s2["cells"].size(), 5u);
  for (const json& shard : {s1, s2}) {
    for (const json& c : shard["cells"]) {
      ASSERT_NE(c["verdict"], "error") << c["name"] << ": " << c["error"];
    }
  }
  CommandResult merged = RunCommand({Crashlab(), "report", "merge", dir.Sub("shard1/report.json"),
                                     dir.Sub("shard2/report.json"), "-o", dir.Sub("merged.json")});
  ASSERT_TRUE(merged.exit_code == 0 || merged.exit_code == 1) << merged.output;

  // The whole: one unsharded invocation over the same cells (kept, not rerun).
  ASSERT_TRUE(MakeDirs(dir.Sub("whole/cells")).ok());
  for (const char* shard : {"shard1", "shard2"}) {
    CommandResult cp = RunCommand({"/bin/sh", "-c", "cp -a " + dir.Sub(shard) + "/cells/. " +
                                                        dir.Sub("whole/cells/")});
    ASSERT_EQ(cp.exit_code, 0) << cp.output;
  }
  CommandResult whole = RunCommand({Crashlab(), "matrix", file, "--resume", "--out", dir.Sub("whole")});
  ASSERT_TRUE(whole.exit_code == 0 || whole.exit_code == 1) << whole.output;
  size_t kept = 0;
  for (size_t at = whole.output.find("kept "); at != std::string::npos;
       at = whole.output.find("kept ", at + 1)) {
    ++kept;
  }
  EXPECT_EQ(kept, 5u) << whole.output;
  const json w = ReadJson(dir.Sub("whole/report.json"));
  const json m = ReadJson(dir.Sub("merged.json"));
  EXPECT_EQ(Comparable(m), Comparable(w));

  // The table: every property by five engine configurations.
  ASSERT_EQ(w["table"]["columns"].size(), 5u) << w["table"].dump(1);
  ASSERT_EQ(w["table"]["rows"].size(), std::size(kAllProperties));
  CommandResult table = RunCommand({Crashlab(), "report", "table", dir.Sub("whole/report.json")});
  ASSERT_EQ(table.exit_code, 0) << table.output;
  std::printf("%s\n", table.output.c_str());
  for (const json& row : w["table"]["rows"]) {
    for (const json& cell : row["cells"]) {
      if (row["property"] == "isolation" || row["property"] == "checksums") {
        EXPECT_EQ(cell["verdict"], "not tested") << cell.dump();  // nothing exercised them
      }
    }
  }
  const json& power = w["table"]["rows"][1]["cells"];
  EXPECT_EQ(power[1]["verdict"], "violated") << power.dump();  // sqlite synchronous=off
  EXPECT_EQ(power[2]["verdict"], "not tested");  // redis ran process crashes only
  const json& process = w["table"]["rows"][0]["cells"];
  EXPECT_EQ(process[0]["verdict"], "not tested");  // sqlite ran explore only
  EXPECT_EQ(process[2]["verdict"], "holds") << process.dump();  // appendfsync=always

  CommandResult schema = RunCommand({"/usr/bin/python3", SourceDir() + "/reports/validate_report.py",
                                     SourceDir() + "/reports/schema/matrix-v1.schema.json",
                                     dir.Sub("whole/report.json"), dir.Sub("merged.json")});
  EXPECT_EQ(schema.exit_code, 0) << schema.output;
  for (const json& c : w["cells"]) {
    Status valid = ValidateReportFile(dir.Sub("whole/" + c["dir"].get<std::string>() + "/report.json"));
    EXPECT_TRUE(valid.ok()) << valid.ToString();
  }
  // The CI formats over the real matrix.
  const std::string junit = dir.Sub("junit.xml");
  ASSERT_EQ(RunCommand({Crashlab(), "report", "junit", dir.Sub("merged.json"), "-o", junit}).exit_code, 0);
  CommandResult xsd = RunCommand({"/usr/bin/xmllint", "--noout", "--schema",
                                  SourceDir() + "/reports/schema/junit.xsd", junit});
  EXPECT_EQ(xsd.exit_code, 0) << xsd.output;
  ASSERT_EQ(RunCommand({Crashlab(), "report", "html", dir.Sub("merged.json"), "-o",
                        dir.Sub("report.html")}).exit_code, 0);
  if (const char* keep = getenv("CRASHLAB_KEEP_MATRIX")) {
    RunCommand({"/bin/sh", "-c", std::string("rm -rf ") + keep + " && cp -a " + dir.path() + " " + keep});
  }
}

// A run whose findings are all in the baseline passes; a run with a finding
// the baseline does not know fails; --fail-on leaves other kinds alone.
TEST(IntegrationGate, BaselinePassesKnownFindingsAndFailsNewOnes) {
  TempDir dir;
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> argv = {Crashlab(), "run", "--engine", "sqlite", "--set",
                                     "synchronous=off", "--ops", "30", "--seed", "7",
                                     "--minimize-budget-s", "2", "--out", dir.Sub(out)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  };
  CommandResult first = run("first", {});
  ASSERT_EQ(first.exit_code, 1) << first.output;  // synchronous=off loses commits
  CommandResult made = RunCommand({Crashlab(), "report", "baseline", dir.Sub("first/report.json"),
                                   "-o", dir.Sub("baseline.json")});
  ASSERT_EQ(made.exit_code, 0) << made.output;

  CommandResult known = run("known", {"--baseline", dir.Sub("baseline.json")});
  EXPECT_EQ(known.exit_code, 0) << known.output;
  EXPECT_NE(known.output.find("gate: 0 new findings fail"), std::string::npos) << known.output;

  CommandResult fresh = run("new", {"--set", "journal_mode=wal", "--baseline",
                                    dir.Sub("baseline.json")});
  EXPECT_EQ(fresh.exit_code, 1) << fresh.output;
  EXPECT_NE(fresh.output.find("NEW sqlite journal_mode=wal synchronous=off"), std::string::npos)
      << fresh.output;

  CommandResult diff = RunCommand({Crashlab(), "report", "diff", dir.Sub("first/report.json"),
                                   dir.Sub("new/report.json")});
  EXPECT_EQ(diff.exit_code, 1) << diff.output;
  CommandResult same = RunCommand({Crashlab(), "report", "diff", dir.Sub("first/report.json"),
                                   dir.Sub("known/report.json")});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("0 new, 0 fixed"), std::string::npos) << same.output;

  CommandResult only_atomicity = run("kinds", {"--fail-on", "recovery_failure"});
  EXPECT_EQ(only_atomicity.exit_code, 0) << only_atomicity.output;

  // The same gate through a matrix of the known configuration.
  const std::string file = dir.Sub("m.yaml");
  ASSERT_TRUE(WriteStringToFile(file,
      "name: gate\n"
      "defaults: {ops: 30, seeds: [7], minimize_budget_s: 2}\n"
      "engines:\n  - engine: sqlite\n    settings: [{synchronous: \"off\"}]\n").ok());
  CommandResult matrix = RunCommand({Crashlab(), "matrix", file, "--out", dir.Sub("matrix"),
                                     "--baseline", dir.Sub("baseline.json")});
  EXPECT_EQ(matrix.exit_code, 0) << matrix.output;
  CommandResult ann = RunCommand({Crashlab(), "report", "annotations", dir.Sub("matrix/report.json"),
                                  "--baseline", dir.Sub("baseline.json")});
  EXPECT_EQ(ann.exit_code, 0);
  EXPECT_EQ(ann.output.find("::error"), std::string::npos) << ann.output;
  EXPECT_NE(ann.output.find("::notice"), std::string::npos) << ann.output;
}

}  // namespace
}  // namespace crashlab
