#include "reports/claims.h"

#include <gtest/gtest.h>

#include "reports/test_fixtures.h"

namespace crashlab {
namespace {

using nlohmann::json;

// SampleMatrix: sqlite synchronous=off explore (2 lost commits), sqlite
// synchronous=off process (none), redis everysec process (1 lost), and a
// postgres cell that never ran.
std::vector<ClaimResult> Decide(const json& claims) {
  auto specs = ParseClaims(claims);
  EXPECT_TRUE(specs.ok()) << specs.status().message();
  return specs.ok() ? DecideClaims(*specs, testing::SampleMatrix())
                    : std::vector<ClaimResult>{};
}

TEST(Claims, VerdictsFollowWhatHolds) {
  const json claims = json::parse(R"([
    {"id": "a", "claim": "sqlite off loses commits",
     "supports": [{"where": {"engine": "sqlite", "synchronous": "off"},
                   "metric": "findings.lost_commit", "above": 0}],
     "verdicts": {"confirmed": "Right."}},
    {"id": "b", "claim": "sqlite never loses anything",
     "supports": [{"where": {"engine": "sqlite"}, "metric": "findings", "equals": 0}],
     "refutes": [{"where": {"engine": "sqlite", "crash": "explore"},
                  "metric": "findings.lost_commit", "at_least": 1}]},
    {"id": "c", "claim": "process kills lose something on sqlite",
     "supports": [{"where": {"engine": "sqlite", "crash": "process"},
                   "metric": "findings", "above": 0}]},
    {"id": "d", "claim": "postgres is clean",
     "supports": [{"where": {"engine": "postgres"}, "metric": "findings", "equals": 0}]},
    {"id": "e", "claim": "redis loses, and also sqlite process",
     "supports": [{"where": {"engine": "redis"}, "metric": "findings.lost_commit", "above": 0}],
     "refutes": [{"where": {"engine": "sqlite"}, "metric": "findings", "above": 1}]}
  ])");
  const auto r = Decide(claims);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].verdict, "confirmed");
  EXPECT_EQ(r[0].words, "Right.");
  EXPECT_EQ(*r[0].supports[0].value, 2) << "summed over both sqlite cells";
  EXPECT_EQ(r[0].supports[0].cells.size(), 2u);
  EXPECT_EQ(r[1].verdict, "refuted");
  EXPECT_EQ(r[2].verdict, "not shown");
  EXPECT_EQ(r[3].verdict, "undecided") << "the postgres cell has no report";
  EXPECT_EQ(r[4].verdict, "partly");
}

TEST(Claims, MetricsReadRoundsOutcomesAndPointers) {
  Report live = testing::SampleReport("skytable", {{"rs_window", "2"}}, "process", 1);
  live.rounds[0].lost_acknowledged = 4;
  live.rounds[0].oldest_loss_s = 2.5;
  live.rounds[1].lost_acknowledged = 1;
  live.rounds[1].oldest_loss_s = 0.5;
  const json j = live.ToJson();
  EXPECT_EQ(*CellMetric(j, "lost_acknowledged"), 5);
  EXPECT_EQ(*CellMetric(j, "oldest_loss_s"), 2.5);
  EXPECT_EQ(*CellMetric(j, "/summary/ops_acknowledged"), 40);
  EXPECT_FALSE(CellMetric(j, "/no/such/thing"));
  Report explore = testing::SampleReport("skytable", {}, "explore", 0);
  explore.crash.outcomes = {{"gns.db-tlog", 10, 2, 3, 5},
                            {"data.db-btlog + gns.db-tlog", 4, 0, 0, 4},
                            {"(none)", 7, 7, 0, 0}};
  const json e = explore.ToJson();
  EXPECT_EQ(*CellMetric(e, "outcomes.refused:gns"), 9);
  EXPECT_EQ(*CellMetric(e, "outcomes.states:(none)"), 7);
  EXPECT_FALSE(CellMetric(j, "outcomes.refused:gns")) << "live runs have none";
}

TEST(Claims, BadClaimsSayWhatToFix) {
  auto unknown = ParseClaims(json::parse(
      R"([{"id": "x", "claim": "y", "supports": [{"metric": "speed", "above": 1}]}])"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown metric 'speed'"), std::string::npos);
  EXPECT_FALSE(ParseClaims(json::parse(
                   R"([{"id": "x", "claim": "y", "supports": [{"metric": "findings"}]}])"))
                   .ok())
      << "a support needs a comparison";
  EXPECT_FALSE(ParseClaims(json::parse(R"([{"id": "x", "claim": "y"}])")).ok());
  EXPECT_FALSE(ParseClaims(json::parse(
                   R"([{"id": "x", "claim": "y", "supports": [], "typo": 1}])"))
                   .ok());
}

TEST(Claims, MarkdownTableHasARowPerClaim) {
  const auto r = Decide(json::parse(R"([
    {"id": "a", "claim": "sqlite | off loses", "supports": [
      {"where": {"engine": "sqlite"}, "metric": "findings.lost_commit", "above": 0}],
     "measure": [{"label": "lost", "where": {"engine": "sqlite"},
                  "metric": "findings.lost_commit"}]}])"));
  const std::string md = ClaimsMarkdown(r);
  EXPECT_NE(md.find("| sqlite \\| off loses | **confirmed**"), std::string::npos) << md;
  EXPECT_NE(md.find("lost [engine=sqlite]: 2"), std::string::npos) << md;
}

TEST(Claims, MatrixReportCarriesDecidedClaims) {
  MatrixReport m = testing::SampleMatrix();
  m.claims = json::parse(R"([{"id": "a", "claim": "c", "supports": [
      {"where": {"engine": "redis"}, "metric": "findings.lost_commit", "above": 0}]}])");
  const json j = m.ToJson();
  ASSERT_TRUE(j.contains("claims"));
  EXPECT_EQ(j["claims"]["results"][0]["verdict"], "confirmed");
  auto back = MatrixReport::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->claims, m.claims);
}

}  // namespace
}  // namespace crashlab
