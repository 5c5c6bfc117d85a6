// Baselines, --fail-on and `report diff` on synthetic reports.
#include <gtest/gtest.h>

#include "core/files.h"
#include "reports/baseline.h"
#include "reports/diff.h"
#include "reports/test_fixtures.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using testing::LostFinding;
using testing::SampleCell;
using testing::SampleMatrix;
using testing::SampleReport;

TEST(BaselineTest, StableFingerprintIgnoresOperationIdsAndPositions) {
  const MatrixCell cell = SampleCell(0, SampleReport("sqlite", {{"synchronous", "off"}},
                                                     "explore", 0));
  const ReportFinding a = LostFinding("F1", 3, 0), b = LostFinding("F9", 30, 0);
  EXPECT_EQ(StableFingerprint(cell, a), StableFingerprint(cell, b));
  EXPECT_EQ(StableFingerprint(cell, a),
            "sqlite synchronous=off|explore|auth|lost_commit|model=drop-unsynced;"
            "dropped=yes;torn=no;ops=signup:acknowledged;cells=users.exists");
  MatrixCell other = cell;
  other.settings = {{"synchronous", "full"}};
  EXPECT_NE(StableFingerprint(other, a), StableFingerprint(cell, a));
  ReportFinding torn = a;
  torn.state.torn_count = 1;
  EXPECT_NE(StableFingerprint(cell, torn), StableFingerprint(cell, a));
}

TEST(BaselineTest, BaselineAcceptsKnownFindingsAndFailsNewOnes) {
  TempDir dir;
  const MatrixReport m = SampleMatrix();
  const std::string path = dir.Sub("baseline.json");
  ASSERT_TRUE(WriteStringToFile(path, BaselineJson(m).dump(2)).ok());
  auto baseline = ReadBaseline(path);
  ASSERT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_EQ(baseline->accepted.size(), 2u);  // sqlite explore, redis process

  GatePolicy policy;
  policy.baseline = &*baseline;
  GateResult known = Gate(m, policy);
  EXPECT_TRUE(known.failing.empty());
  EXPECT_EQ(known.accepted.size(), 3u);
  EXPECT_EQ(known.exit_code, kExitInfrastructure);  // the postgres cell never ran

  MatrixReport grown = m;
  grown.cells.pop_back();
  grown.cells_total = 3;
  EXPECT_EQ(Gate(grown, policy).exit_code, kExitPass);
  Report atomicity = *grown.cells[1].report;
  ReportFinding f = LostFinding("F1", 20, 1, "process");
  f.kind = FindingKind::kAtomicity;
  atomicity.findings.push_back(f);
  atomicity.summary.by_kind["atomicity"] = 1;
  atomicity.summary.verdict = "fail";
  grown.cells[1] = SampleCell(1, atomicity);
  GateResult fresh = Gate(grown, policy);
  ASSERT_EQ(fresh.failing.size(), 1u);
  EXPECT_EQ(fresh.failing[0].finding->kind, FindingKind::kAtomicity);
  EXPECT_EQ(fresh.exit_code, kExitFindings);
  EXPECT_NE(fresh.Summary().find("NEW sqlite synchronous=off F1 atomicity"),
            std::string::npos)
      << fresh.Summary();
}

TEST(BaselineTest, FailOnChoosesTheKindsThatFail) {
  MatrixReport m = SampleMatrix();
  m.cells.pop_back();
  m.cells_total = 3;
  auto kinds = ParseKinds("atomicity,corruption");
  ASSERT_TRUE(kinds.ok());
  GatePolicy policy;
  policy.fail_on = *kinds;
  GateResult g = Gate(m, policy);
  EXPECT_EQ(g.ignored.size(), 3u);
  EXPECT_EQ(g.exit_code, kExitPass);
  EXPECT_FALSE(ParseKinds("lost_commits").ok());
  EXPECT_EQ(ParseKinds("all")->size(), std::size(kAllFindingKinds));
}

TEST(BaselineTest, AFailedCellWithoutFindingsIsNeverAccepted) {
  MatrixReport m;
  Report iso = SampleReport("postgres", {}, "none", 0);
  iso.summary.verdict = "fail";  // e.g. G2-item anomalies: not a finding kind
  m.cells.push_back(SampleCell(0, iso));
  m.cells_total = 1;
  Baseline empty;
  GatePolicy policy;
  policy.baseline = &empty;
  GateResult g = Gate(m, policy);
  EXPECT_EQ(g.exit_code, kExitFindings);
  ASSERT_EQ(g.failing_cells.size(), 1u);
  EXPECT_NE(g.Summary().find("FAILED postgres"), std::string::npos) << g.Summary();
}

TEST(BaselineTest, MalformedBaselineIsRefusedWithAHint) {
  TempDir dir;
  ASSERT_TRUE(WriteStringToFile(dir.Sub("b.json"), R"({"accepted": []})").ok());
  auto b = ReadBaseline(dir.Sub("b.json"));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("crashlab report baseline"), std::string::npos);
}

TEST(DiffTest, NewFixedUnchangedAndNotCompared) {
  const MatrixReport before = SampleMatrix();
  MatrixReport after = before;
  // sqlite explore: fixed; redis: unchanged; a new power-cut finding.
  after.cells[0] = SampleCell(0, SampleReport("sqlite", {{"synchronous", "off"}}, "explore", 0));
  after.cells[1] = SampleCell(1, SampleReport("sqlite", {{"synchronous", "off"}}, "power", 1));
  const FindingDiff d = DiffResults(before, after);
  ASSERT_EQ(d.added.size(), 1u);
  EXPECT_NE(d.added[0].fingerprint.find("|power|"), std::string::npos);
  ASSERT_EQ(d.fixed.size(), 1u);
  EXPECT_NE(d.fixed[0].fingerprint.find("|explore|"), std::string::npos);
  EXPECT_EQ(d.unchanged.size(), 1u);
  EXPECT_EQ(d.ExitCode(), 1);
  EXPECT_NE(d.ToText().find("1 new, 1 fixed, 1 unchanged"), std::string::npos) << d.ToText();

  MatrixReport only_redis = before;
  only_redis.cells = {before.cells[2]};
  const FindingDiff partial = DiffResults(before, only_redis);
  EXPECT_TRUE(partial.fixed.empty());  // sqlite was not run: not "fixed"
  EXPECT_EQ(partial.not_compared.size(), 1u);
  EXPECT_EQ(partial.ExitCode(), 0);
}

}  // namespace
}  // namespace crashlab
