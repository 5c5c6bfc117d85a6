#include "reports/table.h"

#include <gtest/gtest.h>

#include "core/files.h"
#include "reports/matrix_report.h"
#include "reports/test_fixtures.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using testing::LostFinding;
using testing::SampleCell;
using testing::SampleMatrix;
using testing::SampleReport;

const TableCell& At(const Table& t, Property p, const std::string& column) {
  size_t col = 0;
  while (col < t.columns.size() && t.columns[col] != column) ++col;
  EXPECT_LT(col, t.columns.size()) << column;
  for (const Table::Row& row : t.rows) {
    if (row.property == p) return row.cells.at(col);
  }
  ADD_FAILURE() << "no row " << PropertyId(p);
  return t.rows.front().cells.front();
}

TEST(TableTest, VerdictsComeFromTheCellsEvidenceOnly) {
  const Table t = BuildTable(SampleMatrix());
  ASSERT_EQ(t.columns, (std::vector<std::string>{"sqlite synchronous=off",
                                                 "redis appendfsync=everysec", "postgres"}));
  ASSERT_EQ(t.rows.size(), std::size(kAllProperties));
  EXPECT_EQ(t.labels, t.columns);  // one configuration per engine: nothing dropped
  const std::string sqlite = "sqlite synchronous=off", redis = "redis appendfsync=everysec";
  EXPECT_EQ(At(t, Property::kPowerCut, sqlite).verdict, Verdict::kViolated);
  EXPECT_EQ(At(t, Property::kPowerCut, sqlite).findings.size(), 2u);
  EXPECT_EQ(At(t, Property::kPowerCut, sqlite).counts["crash states"], 500);
  EXPECT_EQ(At(t, Property::kProcessCrash, sqlite).verdict, Verdict::kHolds);
  EXPECT_EQ(At(t, Property::kProcessCrash, sqlite).counts["crashes"], 3);
  EXPECT_EQ(At(t, Property::kLossWindow, sqlite).verdict, Verdict::kNoPromise);
  EXPECT_EQ(At(t, Property::kAtomicity, sqlite).verdict, Verdict::kHolds);
  EXPECT_EQ(At(t, Property::kRecovery, sqlite).verdict, Verdict::kHolds);
  // Nothing damaged files or ran concurrent clients: never a verdict.
  EXPECT_EQ(At(t, Property::kChecksums, sqlite).verdict, Verdict::kNotTested);
  EXPECT_EQ(At(t, Property::kIsolation, sqlite).verdict, Verdict::kNotTested);
  // Redis: process crashes lost a write, inside its promised window.
  EXPECT_EQ(At(t, Property::kProcessCrash, redis).verdict, Verdict::kViolated);
  EXPECT_NE(At(t, Property::kProcessCrash, redis).text.find("1 acknowledged writes lost in 1 crashes"),
            std::string::npos)
      << At(t, Property::kProcessCrash, redis).text;
  EXPECT_EQ(At(t, Property::kPowerCut, redis).verdict, Verdict::kNotTested);
  EXPECT_EQ(At(t, Property::kLossWindow, redis).verdict, Verdict::kHolds);
  // The postgres cell never produced a report: every row is "not tested".
  for (const Table::Row& row : t.rows) {
    EXPECT_EQ(row.cells[2].verdict, Verdict::kNotTested) << PropertyId(row.property);
    EXPECT_EQ(row.cells[2].text.substr(0, 10), "not tested");
  }
}

// Regression: skyd 0.8.0, which never restarts after a kill, read "holds:
// 1 crashes checked" for process-crash durability (nothing was checked),
// 2,428 refused crash states read as "6 crash states" (the number of
// distinct refusals), and refused explore states counted as checked for
// power-cut durability.
TEST(TableTest, CrashesNeverRestartedFromAreNotDecidedAndRefusalsCountStates) {
  Report live = SampleReport("skytable", {{"skyd", "0.8.0"}}, "process", 0);
  for (RoundReport& round : live.rounds) round.recovered = false;
  Report explore = SampleReport("skytable", {{"skyd", "0.8.0"}}, "explore", 0);
  ReportFinding refused = LostFinding("F1", 1, 0, "prefix");
  refused.kind = FindingKind::kRecoveryFailure;
  refused.states_affected = 428;
  explore.findings = {refused};
  explore.summary.by_kind["recovery_failure"] = 1;
  MatrixReport m;
  m.cells = {SampleCell(0, live), SampleCell(1, explore)};
  m.cells[1].name += "-explore";
  const Table t = BuildTable(m);
  const std::string col = "skytable skyd=0.8.0";
  const TableCell& process = At(t, Property::kProcessCrash, col);
  EXPECT_EQ(process.verdict, Verdict::kNotTested);
  EXPECT_NE(process.text.find(
                "not decided: the engine did not start again after 3 crashes"),
            std::string::npos)
      << process.text;
  // The 2,428 refused crash states show nothing about what survived either.
  const TableCell& power = At(t, Property::kPowerCut, col);
  EXPECT_EQ(power.counts["crash states"], 500 - 428) << power.text;
  const TableCell& recovery = At(t, Property::kRecovery, col);
  EXPECT_EQ(recovery.verdict, Verdict::kViolated);
  EXPECT_NE(recovery.text.find("428 crash states"), std::string::npos)
      << recovery.text;
}

TEST(TableTest, EveryAckPromiseIsBrokenByAnyLoss) {
  MatrixReport m;
  m.cells.push_back(SampleCell(0, SampleReport("sqlite", {{"synchronous", "full"}},
                                               "explore", 1, "every_ack")));
  m.cells_total = 1;
  const Table t = BuildTable(m);
  const TableCell& window = At(t, Property::kLossWindow, t.columns[0]);
  EXPECT_EQ(window.verdict, Verdict::kViolated) << window.text;
}

TEST(TableTest, SweepAndIsolationSectionsAreEvidence) {
  MatrixReport m;
  m.cells.push_back(SampleCell(0, SampleReport("sqlite", {}, "explore", 0)));
  m.cells[0].sweep = nlohmann::json::parse(R"({"files": [{"path": "auth.db", "size": 8192,
      "regions": [{"offset": 0, "length": 100, "result": "detected_and_refused"},
                  {"offset": 4096, "length": 4096, "result": "silent_wrong_data"}]}]})");
  (*m.cells[0].raw)["isolation"] = nlohmann::json::parse(
      R"({"strongest_consistent": ["serializable"], "not": [], "counts": {"txns": 50}})");
  m.cells_total = 1;
  const Table t = BuildTable(m);
  const TableCell& sums = At(t, Property::kChecksums, t.columns[0]);
  EXPECT_EQ(sums.verdict, Verdict::kViolated) << sums.text;
  EXPECT_EQ(sums.counts["sweep_regions"], 2);
  const TableCell& iso = At(t, Property::kIsolation, t.columns[0]);
  EXPECT_EQ(iso.verdict, Verdict::kObserved);
  EXPECT_EQ(iso.text, "serializable (50 transactions)");
}

TEST(TableTest, DamagedHeadersMetInCrashStatesAreChecksumEvidence) {
  MatrixReport m;
  m.cells.push_back(SampleCell(0, SampleReport("sqlite", {}, "explore", 0)));
  (*m.cells[0].raw)["headers"] = nlohmann::json::parse(
      R"({"damaged_states_by_reaction": {"detected": 4, "recovered": 2, "silent": 0}})");
  m.cells_total = 1;
  Table t = BuildTable(m);
  TableCell sums = At(t, Property::kChecksums, t.columns[0]);
  EXPECT_EQ(sums.verdict, Verdict::kHolds) << sums.text;
  EXPECT_EQ(sums.counts["damaged states"], 6);
  (*m.cells[0].raw)["headers"]["damaged_states_by_reaction"]["silent"] = 1;
  t = BuildTable(m);
  sums = At(t, Property::kChecksums, t.columns[0]);
  EXPECT_EQ(sums.verdict, Verdict::kViolated) << sums.text;
}

TEST(TableTest, ShortLabelsDropWhatAnEnginesColumnsShare) {
  MatrixReport m;
  m.cells.push_back(SampleCell(0, SampleReport("sqlite", {{"journal_mode", "wal"}, {"synchronous", "full"}}, "explore", 0)));
  m.cells.push_back(SampleCell(1, SampleReport("sqlite", {{"journal_mode", "wal"}, {"synchronous", "off"}}, "explore", 0)));
  m.cells.push_back(SampleCell(2, SampleReport("redis", {{"appendfsync", "always"}}, "process", 0)));
  const Table t = BuildTable(m);
  EXPECT_EQ(t.labels, (std::vector<std::string>{"sqlite synchronous=full", "sqlite synchronous=off",
                                                "redis appendfsync=always"}));
  EXPECT_EQ(t.columns[0], "sqlite journal_mode=wal synchronous=full");
}

TEST(TableTest, TextAndMarkdownNameEveryPropertyWithItsStatement) {
  const Table t = BuildTable(SampleMatrix());
  const std::string text = t.ToText(), md = t.ToMarkdown();
  for (Property p : kAllProperties) {
    EXPECT_NE(text.find(PropertyTitle(p)), std::string::npos);
    EXPECT_NE(text.find(PropertyStatement(p)), std::string::npos);
    EXPECT_NE(md.find(PropertyTitle(p)), std::string::npos);
  }
  EXPECT_NE(md.find("| property | sqlite synchronous=off |"), std::string::npos) << md;
}

TEST(MatrixReportTest, WrittenReportValidatesAndReadsBackEqual) {
  TempDir dir;
  const MatrixReport m = SampleMatrix();
  const std::string path = dir.Sub("report.json");
  ASSERT_TRUE(WriteMatrixReport(m, path).ok());
  CommandResult v = RunCommand({"/usr/bin/python3", SourceDir() + "/reports/validate_report.py",
                                SourceDir() + "/reports/schema/matrix-v1.schema.json", path});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  auto back = ReadResults(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->Verdict(), "fail");
  EXPECT_EQ(back->ExitCode(), 1);
}

TEST(MatrixReportTest, RunReportReadsAsAOneCellMatrix) {
  TempDir dir;
  const std::string path = dir.Sub("report.json");
  ASSERT_TRUE(WriteReport(SampleReport("sqlite", {{"synchronous", "off"}}, "explore", 2), path).ok());
  ASSERT_TRUE(WriteStringToFile(dir.Sub("sweep.json"), R"({"files": []})").ok());
  auto m = ReadResults(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->cells.size(), 1u);
  EXPECT_TRUE(m->single_run);
  EXPECT_EQ(m->cells[0].Config(), "sqlite synchronous=off");
  EXPECT_TRUE(m->cells[0].sweep.has_value());  // found beside the report
}

TEST(MatrixReportTest, ShardMergeRestoresTheWholeAndRefusesStrangers) {
  const MatrixReport whole = SampleMatrix();
  MatrixReport a = whole, b = whole;
  a.shard_count = b.shard_count = 2;
  b.shard_index = 1;
  a.cells = {whole.cells[0], whole.cells[2]};
  b.cells = {whole.cells[1], whole.cells[3]};
  auto merged = MergeMatrixReports({b, a});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->ToJson(), whole.ToJson());
  auto partial = MergeMatrixReports({a});
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->cells.size(), 2u);
  MatrixReport stranger = b;
  stranger.spec_hash = "other";
  EXPECT_FALSE(MergeMatrixReports({a, stranger}).ok());
  EXPECT_FALSE(MergeMatrixReports({a, a}).ok());
}

}  // namespace
}  // namespace crashlab
