#include "harness/explore/outcome_tally.h"
#include "harness/record/file_names.h"

#include <gtest/gtest.h>

namespace crashlab {
namespace {

TEST(OutcomeTally, GroupNamesHideWhatChangesFromRunToRun) {
  EXPECT_EQ(FileGroupName("gns.db-tlog"), "gns.db-tlog");
  EXPECT_EQ(FileGroupName("000012.log"), "N.log");
  EXPECT_EQ(FileGroupName("mdl_t2-b5ed12b5-00ab-4089-a5cc-88472dfc467a"),
            "mdl_tN-UUID");
  EXPECT_EQ(FileGroupName("auth.db-wal"), "auth.db-wal");
}

TEST(OutcomeTally, StatesCountByTheFilesTheyLostAndTheOutcome) {
  Trace trace;
  Record base;
  base.op = Op::kBaseEntry;
  base.file = 2;
  base.name = "gns.db-tlog";
  Record create;
  create.op = Op::kCreate;
  create.file = 3;
  create.name = "data.db-btlog";
  Record w1, w2;
  w1.op = w2.op = Op::kWrite;
  w1.file = 2;
  w2.file = 3;
  trace.records = {base, create, w1, w2};
  OutcomeTally tally(trace);
  CrashState clean, gns, both;
  gns.dropped = {2};
  both.dropped = {1, 2};
  Observation ok, refused;
  refused.outcome = Observation::Outcome::kRefused;
  Finding lost;
  lost.kind = FindingKind::kLostCommit;
  tally.Add(clean, ok, {});
  tally.Add(gns, ok, {lost});
  tally.Add(gns, refused, {});
  tally.Add(both, refused, {});
  const auto rows = tally.Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].files, "gns.db-tlog");
  EXPECT_EQ(rows[0].states, 2u);
  EXPECT_EQ(rows[0].with_findings, 1u);
  EXPECT_EQ(rows[0].refused, 1u);
  bool saw_both = false;
  for (const auto& r : rows) {
    if (r.files == "data.db-btlog + gns.db-tlog") saw_both = r.refused == 1;
    if (r.files == "(none)") EXPECT_EQ(r.recovered, 1u);
  }
  EXPECT_TRUE(saw_both);
}

}  // namespace
}  // namespace crashlab
