// Skytable rows on disk, read from the real 0.8.0 recordings
// (engines/skytable/testdata, copies of ../shared/engines/fixtures/skytable).
#include "checkers/formats/skytable_rows.h"

#include <gtest/gtest.h>

#include "checkers/formats/checksums.h"
#include "checkers/formats/inspect.h"
#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab::formats {
namespace {

using nlohmann::json;

std::string Stage(const std::string& stage) {
  return SourceDir() + "/engines/skytable/testdata/data/" + stage;
}

SkytableDisk MustRead(const std::string& stage) {
  auto disk = ReadSkytableDisk(Stage(stage));
  EXPECT_TRUE(disk.ok()) << disk.status().message();
  return disk.ok() ? std::move(*disk) : SkytableDisk{};
}

// users cells: pwhash, sessions, failed, locked (declared order, key left out).
const json kAlice = {"h1-alice", 1, 0, false};
const json kBob = {"h1-bob", 0, 5, true};

TEST(SkytableRows, CleanShutdownHoldsTheTranscriptsFinalRows) {
  const SkytableDisk disk = MustRead("02-clean-shutdown");
  EXPECT_TRUE(disk.gns_closed);
  EXPECT_EQ(disk.gns_damage, "");
  ASSERT_EQ(disk.models.size(), 2u);
  const SkytableModel& users = disk.models.at("auth.users");
  EXPECT_TRUE(users.closed);
  EXPECT_EQ(users.batches, 1u);
  EXPECT_EQ(users.rows, (std::map<std::string, json>{{"alice", kAlice},
                                                      {"bob", kBob}}));
  // The session was inserted and deleted: both deltas are in the batch.
  const SkytableModel& sessions = disk.models.at("auth.sessions");
  EXPECT_TRUE(sessions.rows.empty());
  EXPECT_EQ(sessions.batches, 1u);
}

TEST(SkytableRows, BatchesListTheirDeltasInInspect) {
  auto data = ReadFileToString(
      Stage("02-clean-shutdown") +
      "/data/auth-6a1d020e-094a-4da7-b13b-1d07f4a2cd4a/"
      "mdl_sessions-4fba7972-59c2-40fc-89f0-8377126dc661/data.db-btlog");
  ASSERT_TRUE(data.ok());
  const Inspection in = InspectSkytable(*data, Format::kBatch);
  ASSERT_GE(in.elements.size(), 2u);
  const json& rows = in.elements[1].fields["rows"];
  ASSERT_EQ(rows.size(), 2u) << in.ToJson().dump();
  EXPECT_EQ(rows[0]["kind"], "insert");
  EXPECT_EQ(rows[0]["key"], "s-1");
  EXPECT_EQ(rows[0]["cells"][0], "alice");
  EXPECT_EQ(rows[1]["kind"], "delete");
  EXPECT_EQ(rows[1]["key"], "s-1");
  EXPECT_EQ(rows[1]["cells"], json::array());
  EXPECT_EQ(in.elements[1].fields["early_exit"], false);
}

TEST(SkytableRows, AnUnclosedJournalStillReplaysItsIntactBatches) {
  const SkytableDisk disk = MustRead("04-window2-flushed-then-sigkill");
  EXPECT_FALSE(disk.gns_closed);
  EXPECT_EQ(disk.gns_damage, "");  // intact, yet 0.8.0 refuses it
  const SkytableModel& users = disk.models.at("auth.users");
  EXPECT_FALSE(users.closed);
  EXPECT_EQ(users.batches, 2u);  // one per 2 s window
  EXPECT_EQ(users.rows.size(), 2u);
  EXPECT_EQ(users.rows.at("alice")[0], "h1-alice");
}

TEST(SkytableRows, ATornBatchStopsTheReplayAndSaysWhere) {
  const std::string dir = Stage("02-clean-shutdown");
  TempDir copy;
  ASSERT_TRUE(CopyTree(dir, copy.Sub("d")).ok());
  const std::string users =
      copy.Sub("d") + "/data/auth-6a1d020e-094a-4da7-b13b-1d07f4a2cd4a/"
                      "mdl_users-625a2101-952a-428c-982f-e68504aee754/"
                      "data.db-btlog";
  auto bytes = ReadFileToString(users);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(WriteStringToFile(users, bytes->substr(0, 200)).ok());
  auto disk = ReadSkytableDisk(copy.Sub("d"));
  ASSERT_TRUE(disk.ok()) << disk.status().message();
  const SkytableModel& m = disk->models.at("auth.users");
  EXPECT_EQ(m.batches, 0u);
  EXPECT_TRUE(m.rows.empty());
  EXPECT_FALSE(m.closed);
  EXPECT_NE(m.stopped_at.find("batch 0 at byte 64 is torn"), std::string::npos)
      << m.stopped_at;
}

TEST(SkytableRows, RowBytesThatDoNotParseAreRefusedNotGuessed) {
  bool early = false;
  // A row of kind 7.
  std::string rows("\x07", 1);
  rows += std::string(16, '\0');
  auto r = DecodeSkytableBatchRows(rows, 1, 3, 0, &early);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row kind 7"), std::string::npos);
  // A key length past the end.
  rows = std::string("\x01", 1) + std::string(8, '\0') + "\xff" +
         std::string(7, '\0');
  r = DecodeSkytableBatchRows(rows, 1, 3, 0, &early);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("key needs 255 bytes"), std::string::npos)
      << r.status().message();
  // Integer keys were never recorded: refused.
  r = DecodeSkytableBatchRows("", 0, 1, 0, &early);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("type tag 1"), std::string::npos);
  // Early exit, then the actual count.
  rows = std::string("\x03\x00\x00\x00\x00\x00\x00\x00\x00", 9);
  r = DecodeSkytableBatchRows(rows, 4, 3, 4, &early);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(early);
  EXPECT_TRUE(r->empty());
}

TEST(SkytableRows, ADirectoryWithoutAGnsLogIsBadInput) {
  TempDir empty;
  auto disk = ReadSkytableDisk(empty.path());
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.status().code(), Code::kBadInput);
  EXPECT_NE(disk.status().message().find("gns.db-tlog"), std::string::npos);
}

}  // namespace
}  // namespace crashlab::formats
