// Torn-header check: header classification on the real Skytable files, on
// an FsImage, and the engine-reaction rules (refused = detected, silent loss
// on a torn header = a torn_header finding).
#include "checkers/formats/torn_header.h"

#include <gtest/gtest.h>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab::formats {
namespace {

std::string Gns() {
  auto data = ReadFileToString(
      SourceDir() + "/engines/skytable/testdata/data/02-clean-shutdown/gns.db-tlog");
  EXPECT_TRUE(data.ok());
  return data.ok() ? *data : "";
}

TEST(TornHeader, ClassifiesByFormat) {
  const std::string gns = Gns();
  EXPECT_EQ(ClassifyHeader("gns.db-tlog", gns)->state, HeaderState::kIntact);
  EXPECT_EQ(ClassifyHeader("gns.db-tlog", gns.substr(0, 30))->state,
            HeaderState::kTorn);
  EXPECT_EQ(ClassifyHeader("gns.db-tlog", "")->state, HeaderState::kMissing);
  std::string flipped = gns;
  flipped[0] ^= 1;
  EXPECT_EQ(ClassifyHeader("gns.db-tlog", flipped)->state, HeaderState::kCorrupt);
  EXPECT_EQ(ClassifyHeader("000003.log", std::string(3, 'x'))->state,
            HeaderState::kTorn);
  EXPECT_EQ(ClassifyHeader("CURRENT", "MANIFEST-0000")->state, HeaderState::kTorn);
  EXPECT_EQ(ClassifyHeader("auth.db", std::string("SQLite format 3\0", 16))->state,
            HeaderState::kTorn);
  EXPECT_FALSE(ClassifyHeader("notes.txt", "hello").has_value());
}

TEST(TornHeader, ScansAMaterializedDirectory) {
  auto files = ScanHeaderDir(SourceDir() +
                             "/engines/skytable/testdata/data/03-after-sigkill");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);  // gns + two batch journals (.sky_pid skipped)
  EXPECT_EQ(files->back().path, "gns.db-tlog");
  EXPECT_EQ(files->back().format, Format::kGns);
  for (const FileHeader& f : *files) EXPECT_EQ(f.state, HeaderState::kIntact);
}

TEST(TornHeader, ScansAnFsImage) {
  FsImage image;
  Record create;
  create.op = Op::kCreate;
  create.file = 2;
  create.parent = kRootId;
  create.name = "gns.db-tlog";
  ASSERT_TRUE(image.Apply(create));
  Record write;
  write.op = Op::kWrite;
  write.file = 2;
  write.offset = 0;
  write.data = Gns().substr(0, 50);
  ASSERT_TRUE(image.Apply(write));
  const std::vector<FileHeader> files = ScanHeaders(image);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].state, HeaderState::kTorn);
}

std::vector<FileHeader> TornGns() {
  return {*ClassifyHeader("gns.db-tlog", Gns().substr(0, 40))};
}

TEST(TornHeader, RefusedIsDetectedNotAFinding) {
  Observation refused{Observation::Outcome::kRefused, "storage error"};
  const HeaderCheck c = CheckHeaders(TornGns(), refused, {});
  EXPECT_EQ(c.reaction, HeaderReaction::kDetected);
  EXPECT_TRUE(c.findings.empty());
}

TEST(TornHeader, SilentLossOnATornHeaderIsAFinding) {
  Finding lost;
  lost.kind = FindingKind::kLostCommit;
  lost.ops = {7, 3};
  const HeaderCheck c = CheckHeaders(TornGns(), Observation{}, {lost});
  EXPECT_EQ(c.reaction, HeaderReaction::kSilent);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].kind, FindingKind::kTornHeader);
  EXPECT_EQ(c.findings[0].ops, (std::vector<uint64_t>{3, 7}));
  EXPECT_NE(c.findings[0].summary.find("gns.db-tlog"), std::string::npos);
  // Started with everything acknowledged there: recovered, no finding.
  const HeaderCheck ok = CheckHeaders(TornGns(), Observation{}, {});
  EXPECT_EQ(ok.reaction, HeaderReaction::kRecovered);
  EXPECT_TRUE(ok.findings.empty());
}

TEST(TornHeader, SummaryCountsAndRoundTrips) {
  HeaderSummary s;
  s.Add(CheckHeaders(TornGns(), Observation{Observation::Outcome::kRefused}, {}));
  s.Add(CheckHeaders({*ClassifyHeader("gns.db-tlog", Gns())}, Observation{}, {}));
  const nlohmann::json j = s.ToJson();
  EXPECT_EQ(j["states"], 2);
  EXPECT_EQ(j["files_by_state"]["torn"], 1);
  EXPECT_EQ(j["files_by_state"]["intact"], 1);
  EXPECT_EQ(j["files_by_kind"]["gns"]["torn"], 1);
  EXPECT_EQ(j["damaged_states_by_reaction"]["detected"], 1);
  EXPECT_EQ(HeaderSummary::FromJson(j).ToJson(), j);
}

}  // namespace
}  // namespace crashlab::formats
