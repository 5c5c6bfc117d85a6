// Inspect on the real Skytable 0.8 recordings (engines/skytable/testdata,
// copies of ../shared/engines/fixtures/skytable) and on SQLite and LevelDB
// files written by the real libraries in the test.
#include "checkers/formats/inspect.h"

#include <sqlite3.h>
#include <leveldb/db.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "checkers/formats/checksums.h"
#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab::formats {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& stage, const std::string& file) {
  const std::string root =
      SourceDir() + "/engines/skytable/testdata/data/" + stage;
  if (file == "gns") return root + "/gns.db-tlog";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().string().find("mdl_" + file) != std::string::npos &&
        e.path().filename() == "data.db-btlog") {
      return e.path().string();
    }
  }
  return root + "/missing-" + file;
}

std::string Read(const std::string& path) {
  auto data = ReadFileToString(path);
  EXPECT_TRUE(data.ok()) << path;
  return data.ok() ? *data : "";
}

Inspection Must(const std::string& name, std::string_view data,
                Format f = Format::kAuto) {
  auto r = Inspect(name, data, f);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Inspection{};
}

// The first element that is not intact, or nullptr.
const Element* FirstBad(const Inspection& in) {
  for (const Element& e : in.elements) {
    if (e.verdict != Verdict::kIntact) return &e;
  }
  return nullptr;
}

TEST(InspectChecksums, KnownVectors) {
  EXPECT_EQ(Crc64Xz("123456789"), 0x995DC9BBDF1939FAull);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc64Xz("6789", Crc64Xz("12345")), Crc64Xz("123456789"));
}

TEST(InspectSkytable, CleanShutdownGnsParsesEveryEvent) {
  const Inspection in = Must("gns.db-tlog", Read(Fixture("02-clean-shutdown", "gns")));
  EXPECT_EQ(in.format, Format::kGns);
  EXPECT_EQ(in.verdict(), Verdict::kIntact) << in.ToJson().dump(1);
  ASSERT_EQ(in.elements.size(), 6u);  // header, 4 DDL events, Closed
  EXPECT_EQ(in.elements[1].fields["transaction_kind"], 8);  // create user
  EXPECT_EQ(in.elements[2].fields["transaction_kind"], 0);  // create space
  EXPECT_EQ(in.elements[3].fields["transaction_kind"], 3);  // create model
  EXPECT_EQ(in.elements[5].kind, "driver");
  EXPECT_EQ(in.elements[5].fields["kind"], "closed");
  EXPECT_EQ(in.elements[5].offset, 904u);
  EXPECT_TRUE(in.notes.empty());
}

TEST(InspectSkytable, EveryFixtureFileIsIntact) {
  for (const char* stage : {"01-running-after-ddl-dml", "02-clean-shutdown",
                            "03-after-sigkill", "04-window2-flushed-then-sigkill",
                            "05-after-repair"}) {
    for (const char* file : {"gns", "users", "sessions"}) {
      const std::string path = Fixture(stage, file);
      const Inspection in = Must(path, Read(path));
      EXPECT_EQ(in.verdict(), Verdict::kIntact)
          << stage << " " << file << in.ToJson().dump(1);
    }
  }
}

TEST(InspectSkytable, UncleanJournalsSaySkyd080Refuses) {
  const Inspection killed = Must("gns.db-tlog", Read(Fixture("03-after-sigkill", "gns")));
  ASSERT_FALSE(killed.notes.empty());
  EXPECT_NE(killed.notes[0].find("does not end with a Closed"), std::string::npos);
  EXPECT_EQ(killed.elements.back().fields["kind"], "reopened");
  const Inspection repaired = Must("x", Read(Fixture("05-after-repair", "users")), Format::kSdss);
  EXPECT_EQ(repaired.format, Format::kBatch);
  EXPECT_TRUE(repaired.notes.empty()) << repaired.ToJson().dump(1);
}

TEST(InspectSkytable, BatchJournalFields) {
  const Inspection in = Must("data.db-btlog", Read(Fixture("02-clean-shutdown", "users")));
  ASSERT_EQ(in.elements.size(), 3u);
  const Element& batch = in.elements[1];
  EXPECT_EQ(batch.kind, "batch");
  EXPECT_EQ(batch.offset, 64u);
  EXPECT_EQ(batch.length, 244u - 64u);
  EXPECT_EQ(batch.fields["actual_rows"], 2);
  EXPECT_EQ(batch.fields["columns"], 4);
}

TEST(InspectSkytable, FlippedByteInGnsEventIsCorruptAtThatEvent) {
  std::string gns = Read(Fixture("02-clean-shutdown", "gns"));
  const Inspection clean = Must("gns.db-tlog", gns);
  const Element& target = clean.elements[3];  // event 2: create model
  gns[target.offset + 40 + 10] ^= 0x01;       // a payload byte
  const Inspection in = Must("gns.db-tlog", gns);
  const Element* bad = FirstBad(in);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->verdict, Verdict::kCorrupt);
  EXPECT_EQ(bad->index, 2);
  EXPECT_EQ(bad->offset, target.offset);
  EXPECT_EQ(bad->field, "crc");
  // The running CRC of the Closed event notices as well.
  EXPECT_EQ(in.elements.back().field, "running_crc");
}

TEST(InspectSkytable, TornHeaderPrefixOnly) {
  const std::string gns = Read(Fixture("02-clean-shutdown", "gns"));
  const Inspection cut = Must("gns.db-tlog", gns.substr(0, 37));
  ASSERT_NE(cut.header(), nullptr);
  EXPECT_EQ(cut.header()->verdict, Verdict::kTorn);
  EXPECT_EQ(cut.header()->field, "file_specifier");
  EXPECT_EQ(cut.header()->length, 37u);
  // A prefix persisted inside a file of full length: the rest is zeros.
  std::string zeroed = gns;
  std::fill(zeroed.begin() + 20, zeroed.begin() + 64, '\0');
  const Inspection z = Must("gns.db-tlog", zeroed);
  EXPECT_EQ(z.header()->verdict, Verdict::kTorn);
  EXPECT_EQ(z.header()->field, "driver_version");
  // A wrong byte with the rest in place is corruption, not a tear.
  std::string flipped = gns;
  flipped[3] ^= 0x20;
  EXPECT_EQ(Must("gns.db-tlog", flipped).header()->verdict, Verdict::kCorrupt);
  EXPECT_EQ(Must("gns.db-tlog", "").header()->verdict, Verdict::kTorn);
}

TEST(InspectSkytable, TruncatedBatchIsTorn) {
  const std::string users = Read(Fixture("02-clean-shutdown", "users"));
  const Inspection in = Must("data.db-btlog", users.substr(0, 200));
  const Element* bad = FirstBad(in);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->kind, "batch");
  EXPECT_EQ(bad->verdict, Verdict::kTorn);
  EXPECT_EQ(bad->index, 0);
  EXPECT_EQ(bad->offset, 64u);
  EXPECT_EQ(bad->field, "crc");
}

TEST(InspectSkytable, FlippedBatchByteBeforeClosedEventIsCorrupt) {
  std::string users = Read(Fixture("02-clean-shutdown", "users"));
  users[0x90] ^= 0x40;  // inside alice's password hash
  const Inspection in = Must("data.db-btlog", users);
  const Element* bad = FirstBad(in);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->kind, "batch");
  EXPECT_EQ(bad->verdict, Verdict::kCorrupt);
  EXPECT_EQ(bad->length, 244u - 64u);
}

TEST(InspectFormats, UnknownFileIsBadInput) {
  auto r = Inspect("notes.txt", "hello", Format::kAuto);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kBadInput);
  EXPECT_FALSE(ParseFormat("nope").ok());
  EXPECT_EQ(*ParseFormat("sqlite-wal"), Format::kSqliteWal);
}

// A WAL database with three committed transactions, never checkpointed.
void MakeSqliteWal(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* sql =
      "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
      "CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT);"
      "INSERT INTO t VALUES('a', 'one'); INSERT INTO t VALUES('b', 'two');";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  // Copy the files while the connection holds the WAL (no checkpoint on close).
  ASSERT_TRUE(CopyTree(fs::path(path).parent_path().string(),
                       fs::path(path).parent_path().string() + "-copy").ok());
  sqlite3_close(db);
}

TEST(InspectSqlite, DatabaseAndWalFromTheRealLibrary) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  ASSERT_TRUE(MakeDirs(dir).ok());
  MakeSqliteWal(dir + "/auth.db");
  const std::string copy = tmp.Sub("db-copy");
  const Inspection wal = Must("auth.db-wal", Read(copy + "/auth.db-wal"));
  EXPECT_EQ(wal.format, Format::kSqliteWal);
  EXPECT_EQ(wal.verdict(), Verdict::kIntact) << wal.ToJson().dump(1);
  EXPECT_GE(wal.elements.size(), 4u);  // header and 3+ frames
  const Inspection db = Must("auth.db", Read(dir + "/auth.db"));
  EXPECT_EQ(db.format, Format::kSqlite);
  EXPECT_EQ(db.verdict(), Verdict::kIntact) << db.ToJson().dump(1);
  EXPECT_EQ(db.header()->fields["page_size"], 4096);
  EXPECT_EQ(db.header()->fields["read_version"], 2);  // WAL mode
  // A torn database header: a prefix only.
  const Inspection torn = Must("auth.db", Read(dir + "/auth.db").substr(0, 60));
  EXPECT_EQ(torn.header()->verdict, Verdict::kTorn);
}

TEST(InspectSqlite, FlippedWalFrameIsCorruptAtThatFrame) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  ASSERT_TRUE(MakeDirs(dir).ok());
  MakeSqliteWal(dir + "/auth.db");
  std::string wal = Read(tmp.Sub("db-copy") + "/auth.db-wal");
  const Inspection clean = Must("auth.db-wal", wal);
  ASSERT_GE(clean.elements.size(), 3u);
  const Element& frame1 = clean.elements[2];
  wal[frame1.offset + 24 + 1000] ^= 0x55;  // page data of frame 1
  const Inspection in = Must("auth.db-wal", wal);
  const Element* bad = FirstBad(in);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->kind, "frame");
  EXPECT_EQ(bad->index, 1);
  EXPECT_EQ(bad->offset, frame1.offset);
  EXPECT_EQ(bad->field, "checksum");
  EXPECT_EQ(bad->verdict, Verdict::kCorrupt);
  // Cut inside frame 1: torn.
  const Inspection cut = Must("auth.db-wal", Read(tmp.Sub("db-copy") + "/auth.db-wal")
                                                 .substr(0, frame1.offset + 100));
  ASSERT_NE(FirstBad(cut), nullptr);
  EXPECT_EQ(FirstBad(cut)->verdict, Verdict::kTorn);
  EXPECT_EQ(FirstBad(cut)->index, 1);
}

// A LevelDB directory holding one log with a small record, a record larger
// than a block (FIRST/MIDDLE/LAST) and another small one.
std::string MakeLevelDb(const std::string& dir) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  EXPECT_TRUE(leveldb::DB::Open(options, dir, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions sync;
  sync.sync = true;
  EXPECT_TRUE(db->Put(sync, "alice", "h1").ok());
  EXPECT_TRUE(db->Put(sync, "big", std::string(70000, 'x')).ok());
  EXPECT_TRUE(db->Put(sync, "bob", "h2").ok());
  db.reset();
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log" &&
        e.file_size() > 0) {
      return e.path().string();
    }
  }
  return "";
}

TEST(InspectLevelDb, LogManifestAndCurrentFromTheRealLibrary) {
  TempDir tmp;
  const std::string log = MakeLevelDb(tmp.path());
  ASSERT_FALSE(log.empty());
  const Inspection in = Must(log, Read(log));
  EXPECT_EQ(in.format, Format::kLevelDbLog);
  EXPECT_EQ(in.verdict(), Verdict::kIntact) << in.ToJson().dump(1);
  bool saw_first = false, saw_last = false;
  for (const Element& e : in.elements) {
    saw_first |= e.fields.value("type", "") == "first";
    saw_last |= e.fields.value("type", "") == "last";
  }
  EXPECT_TRUE(saw_first && saw_last);
  const Inspection current = Must(tmp.Sub("CURRENT"), Read(tmp.Sub("CURRENT")));
  EXPECT_EQ(current.verdict(), Verdict::kIntact);
  const std::string manifest = current.header()->fields["manifest"];
  const Inspection m = Must(manifest, Read(tmp.Sub(manifest)));
  EXPECT_EQ(m.format, Format::kLevelDbManifest);
  EXPECT_EQ(m.verdict(), Verdict::kIntact) << m.ToJson().dump(1);
  // CURRENT cut short.
  EXPECT_EQ(Must("CURRENT", Read(tmp.Sub("CURRENT")).substr(0, 11)).verdict(),
            Verdict::kTorn);
}

TEST(InspectLevelDb, TornAndFlippedLogRecords) {
  TempDir tmp;
  const std::string log = MakeLevelDb(tmp.path());
  ASSERT_FALSE(log.empty());
  const std::string data = Read(log);
  const Inspection clean = Must(log, data);
  const Element& last = clean.elements.back();
  // Torn: the file ends inside the last record.
  const Inspection torn = Must(log, data.substr(0, last.offset + 9));
  const Element* bad = FirstBad(torn);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->verdict, Verdict::kTorn);
  EXPECT_EQ(bad->index, last.index);
  EXPECT_EQ(bad->offset, last.offset);
  EXPECT_EQ(bad->field, "data");
  // Torn inside the record header.
  EXPECT_EQ(FirstBad(Must(log, data.substr(0, last.offset + 3)))->field, "crc");
  // Flipped: a data byte of the first record.
  std::string flipped = data;
  flipped[clean.elements[0].offset + 10] ^= 0x01;
  const Element* f = FirstBad(Must(log, flipped));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->verdict, Verdict::kCorrupt);
  EXPECT_EQ(f->index, 0);
  EXPECT_EQ(f->field, "crc");
}

}  // namespace
}  // namespace crashlab::formats
