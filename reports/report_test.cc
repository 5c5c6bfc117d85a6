#include "reports/report.h"

#include <gtest/gtest.h>

#include "reports/wording.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

Report Sample() {
  Report r;
  r.tool_version = "0.1.0";
  r.engine.name = "sqlite";
  r.engine.version = "3.40.1";
  r.engine.settings = {{"journal_mode", "wal"}, {"synchronous", "off"}};
  r.engine.claim_kind = "none";
  r.engine.claim_basis = "synchronous=OFF hands data to the OS without syncing";
  r.workload = {"auth", 300, 7, 1};
  r.crash = {"explore", {"prefix", "drop-unsynced"}};
  r.seed = 7;
  r.trace = {"trace.bin", 1234, "base"};
  r.summary.verdict = "fail";
  r.summary.ops_invoked = r.summary.ops_acknowledged = 300;
  r.summary.crash_states = 2400;
  r.summary.unique_images = 900;
  r.summary.states_checked = 2400;
  r.summary.recoveries = 900;
  r.summary.by_kind = {{"lost_commit", 1}};
  r.summary.duration_s = 3.5;
  ReportFinding f;
  f.id = "F1";
  f.fingerprint = "lost_commit:5";
  f.run_dir = "out";
  f.minimized = true;
  f.minimize_tests = 12;
  f.minimize_complete = true;
  f.kind = FindingKind::kLostCommit;
  f.summary = "login #5 was acknowledged but is lost";
  f.explanation = ExplainKind(f.kind);
  f.ops = {{5, "login", {{"username", "user-1"}}, "acknowledged"}};
  f.cells = {{{"sessions", "s-5", ""}, true, false}};
  f.state = {"drop-unsynced@812",
             "drop-unsynced",
             812,
             {{40, 41}, {50, 50}},
             3,
             1,
             "0123456789abcdef0123456789abcdef",
             17};
  f.minimal = f.state;
  f.round = 2;
  f.states_affected = 17;
  f.models = {"drop-unsynced"};
  f.replay = "crashlab replay out --state drop-unsynced@812 --to /tmp/x";
  r.findings.push_back(f);
  return r;
}

TEST(ReportTest, WrittenReportValidatesAndReadsBack) {
  TempDir dir;
  const std::string path = dir.Sub("report.json");
  ASSERT_TRUE(WriteReport(Sample(), path).ok());
  Status valid = ValidateReportFile(path);
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  auto back = ReadReport(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), Sample().ToJson());
  EXPECT_EQ(back->ExitCode(), kExitFindings);
}

// crashlab-report/2: the claim's order promise, classes with every member
// (also ones not detailed), and the loss shape survive writing, the schema
// and reading back.
TEST(ReportTest, ClassesLossShapeAndOrderClaimReadBack) {
  Report r = Sample();
  r.engine.claim_order.prefix = PrefixScope::kPerClient;
  r.engine.claim_order.sync_barrier = true;
  r.findings[0].class_id = "C1";
  FindingClass c;
  c.id = "C1";
  c.shape = "before-ack:write auth.db-wal";
  c.cause =
      "was acknowledged after a write to auth.db-wal that no fsync covered";
  c.members = {{"lost_commit:5", {5}, 17, "F1"}, {"lost_commit:6", {6}, 3, ""}};
  c.first = "F1";
  c.replay = r.findings[0].replay;
  r.classes = {c};
  r.loss_shape.Add({300, 2, 0, 2, 0.25});
  TempDir dir;
  const std::string path = dir.Sub("report.json");
  ASSERT_TRUE(WriteReport(r, path).ok());
  Status valid = ValidateReportFile(path);
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  auto back = ReadReport(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), r.ToJson());
  EXPECT_EQ(back->classes.at(0).members.size(), 2u);
  EXPECT_EQ(back->engine.claim_order.prefix, PrefixScope::kPerClient);
  EXPECT_EQ(back->loss_shape.Shape(), "suffix");
}

// Reports written before the order checks (crashlab-report/1: no classes,
// no loss shape, no order in the claim) are still read, so baselines and
// merges of them keep working.
TEST(ReportTest, VersionOneReportsAreStillRead) {
  nlohmann::json j = Sample().ToJson();
  j["schema"] = "crashlab-report/1";
  j.erase("classes");
  for (const char* k : {"window_ops", "prefix", "sync_barrier"}) {
    j["engine"]["claim"].erase(k);
  }
  j["findings"][0].erase("class");
  auto back = Report::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->classes.empty());
  EXPECT_FALSE(back->engine.claim_order.any());
  EXPECT_FALSE(back->loss_shape.measured());
  EXPECT_EQ(back->findings.at(0).fingerprint, "lost_commit:5");
  j["schema"] = "crashlab-report/3";
  EXPECT_FALSE(Report::FromJson(j).ok());
}

// Regression: a Skytable explore of the ddl workload died with "incomplete
// UTF-8 string" while writing its report: skyd's refusal quoted raw bytes.
// Such bytes are now replaced, and the report is written.
TEST(ReportTest, EngineWordsThatAreNotUtf8DoNotStopTheReport) {
  TempDir dir;
  Report r = Sample();
  r.findings[0].message = std::string("skyd: bad byte \x96 in a journal");
  const std::string path = dir.Sub("report.json");
  ASSERT_TRUE(WriteReport(r, path).ok());
  auto back = ReadReport(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->findings[0].message,
            "skyd: bad byte \xEF\xBF\xBD in a journal");
  EXPECT_TRUE(ValidateReportFile(path).ok());
}

TEST(ReportTest, ValidatorRejectsAReportMissingItsVerdict) {
  TempDir dir;
  nlohmann::json j = Sample().ToJson();
  j["summary"].erase("verdict");
  const std::string path = dir.Sub("bad.json");
  ASSERT_TRUE(WriteStringToFile(path, j.dump()).ok());
  Status s = ValidateReportFile(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("verdict"), std::string::npos) << s.message();
  EXPECT_FALSE(Report::FromJson(j).ok());
}

TEST(ReportTest, EveryKindIsCountedEvenWhenZero) {
  nlohmann::json j = Sample().ToJson();
  EXPECT_EQ(j["summary"]["by_kind"]["atomicity"], 0);
  EXPECT_EQ(j["summary"]["by_kind"]["lost_commit"], 1);
}

TEST(ReportTest, VerdictsMapToExitCodes) {
  Report r = Sample();
  r.summary.verdict = "pass";
  EXPECT_EQ(r.ExitCode(), 0);
  r.summary.verdict = "incomplete";
  EXPECT_EQ(r.ExitCode(), kExitIncomplete);
  r.summary.verdict = "error";
  EXPECT_EQ(r.ExitCode(), 3);
}

TEST(ReportTest, RangesCompressSortedIndices) {
  auto r = ToRanges({3, 4, 5, 9, 11, 12});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], std::make_pair(uint64_t{3}, uint64_t{5}));
  EXPECT_EQ(r[1], std::make_pair(uint64_t{9}, uint64_t{9}));
  EXPECT_EQ(r[2], std::make_pair(uint64_t{11}, uint64_t{12}));
}

}  // namespace
}  // namespace crashlab
