#include "fuzz/simfs/sqlite_vfs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace crashlab {
namespace {

// One connection on a SimFs through the VFS.
class Db {
 public:
  explicit Db(SimFs* fs, bool create = true) {
    auto vfs = SqliteVfs::Register(fs, {});
    EXPECT_TRUE(vfs.ok());
    vfs_ = std::move(*vfs);
    const int flags =
        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    rc_ = sqlite3_open_v2("/t.db", &db_, flags, vfs_->name());
  }
  ~Db() {
    sqlite3_close_v2(db_);
    vfs_.reset();
  }
  int open_rc() const { return rc_; }
  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // The first column of the first row, as text ("" if none).
  std::string Query(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  SqliteVfs& vfs() { return *vfs_; }

 private:
  std::unique_ptr<SqliteVfs> vfs_;
  sqlite3* db_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

std::vector<Op> OpsOf(const Trace& t) {
  std::vector<Op> ops;
  for (size_t i = t.first_op; i < t.records.size(); ++i) {
    ops.push_back(t.records[i].op);
  }
  return ops;
}

size_t Count(const std::vector<Op>& ops, Op op) {
  return std::count(ops.begin(), ops.end(), op);
}

TEST(SqliteVfsTest, RealSqliteRunsOnSimFs) {
  SimFs fs;
  {
    Db db(&fs);
    ASSERT_EQ(db.open_rc(), SQLITE_OK);
    ASSERT_EQ(db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)"),
              SQLITE_OK);
    ASSERT_EQ(db.Exec("INSERT INTO t VALUES('a', 1), ('b', 2)"), SQLITE_OK);
  }
  EXPECT_TRUE(fs.Exists("/t.db"));
  EXPECT_FALSE(fs.Exists("/t.db-journal"));  // DELETE mode removed it
  Db again(&fs, /*create=*/false);
  ASSERT_EQ(again.open_rc(), SQLITE_OK);
  EXPECT_EQ(again.Query("SELECT sum(v) FROM t"), "3");
  EXPECT_EQ(again.Query("PRAGMA quick_check"), "ok");
}

// unixOpen sets UNIXFILE_DIRSYNC on a journal it opens with
// SQLITE_OPEN_CREATE; unixSync then fsyncs the directory once, after the
// journal. xDelete fsyncs the directory only when SQLite asks (EXTRA).
TEST(SqliteVfsTest, DirectorySyncsFollowTheUnixVfs) {
  for (const std::string sync : {"full", "extra"}) {
    SimFs fs;
    Db db(&fs);
    ASSERT_EQ(db.Exec("PRAGMA synchronous=" + sync), SQLITE_OK);
    ASSERT_EQ(db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY)"), SQLITE_OK);
    fs.SettleAll();
    ASSERT_EQ(db.Exec("INSERT INTO t VALUES('x')"), SQLITE_OK);
    const Trace& t = fs.trace();
    const auto ops = OpsOf(t);
    // create journal, write it, fsync it, fsync the directory, ...
    auto create = std::find(ops.begin(), ops.end(), Op::kCreate);
    ASSERT_NE(create, ops.end());
    auto fsync = std::find_if(create, ops.end(), [](Op o) {
      return o == Op::kFsync || o == Op::kFdatasync;
    });
    ASSERT_NE(fsync, ops.end());
    EXPECT_EQ(*(fsync + 1), Op::kFsyncDir) << sync;
    auto unlink = std::find(ops.begin(), ops.end(), Op::kUnlink);
    ASSERT_NE(unlink, ops.end());
    const bool dir_sync_after_delete =
        unlink + 1 != ops.end() && *(unlink + 1) == Op::kFsyncDir;
    EXPECT_EQ(dir_sync_after_delete, sync == "extra") << sync;
    EXPECT_EQ(Count(ops, Op::kFsyncDir), sync == "extra" ? 2u : 1u);
  }
}

TEST(SqliteVfsTest, WalNeedsExclusiveLockingWithoutSharedMemory) {
  SimFs fs;
  Db db(&fs);
  EXPECT_EQ(db.Query("PRAGMA journal_mode=wal"), "delete");
  ASSERT_EQ(db.Exec("PRAGMA locking_mode=EXCLUSIVE"), SQLITE_OK);
  EXPECT_EQ(db.Query("PRAGMA journal_mode=wal"), "wal");
  ASSERT_EQ(db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY)"), SQLITE_OK);
  ASSERT_EQ(db.Exec("INSERT INTO t VALUES('x')"), SQLITE_OK);
  EXPECT_TRUE(fs.Exists("/t.db-wal"));
  EXPECT_FALSE(fs.Exists("/t.db-shm"));  // the wal-index is in heap memory
}

// DELETE journal mode at a crash right after COMMIT, when nothing that was
// not synced survives: with synchronous=off the commit was never synced;
// with full, the journal's unlink (the commit point) is not followed by a
// directory fsync, so the journal comes back hot and recovery rolls the
// committed transaction back; extra fsyncs the directory after the unlink
// (SQLite documents extra for exactly this).
TEST(SqliteVfsTest, DeleteModeCommitSurvivesACrashOnlyWithSynchronousExtra) {
  const std::map<std::string, std::string> expected = {
      {"off", "0"}, {"full", "0"}, {"extra", "1"}};
  for (const auto& [sync, count] : expected) {
    SimFs fs;
    {
      Db db(&fs);
      ASSERT_EQ(db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY)"), SQLITE_OK);
    }
    fs.SettleAll();
    {
      Db db(&fs, false);
      ASSERT_EQ(db.Exec("PRAGMA synchronous=" + sync), SQLITE_OK);
      ASSERT_EQ(db.Exec("INSERT INTO t VALUES('x')"), SQLITE_OK);
      SpaceConfig c;
      c.models = {Model::kDropUnsynced};
      RngChoices choices(1);
      fs.Crash(choices, c);  // the connection's handles die here
    }
    Db db(&fs, false);
    EXPECT_EQ(db.Query("SELECT count(*) FROM t"), count) << sync;
  }
}

TEST(SqliteVfsTest, ShortReadsZeroFillAndAccessIgnoresEmptyFiles) {
  SimFs fs;
  int fd;
  ASSERT_EQ(fs.Open("/empty", O_RDWR | O_CREAT, &fd), 0);
  Db db(&fs);
  sqlite3_vfs* vfs = sqlite3_vfs_find(db.vfs().name());
  ASSERT_NE(vfs, nullptr);
  int exists = -1;
  ASSERT_EQ(vfs->xAccess(vfs, "/empty", SQLITE_ACCESS_EXISTS, &exists),
            SQLITE_OK);
  EXPECT_EQ(exists, 0);
  ASSERT_EQ(fs.Pwrite(fd, 0, "ab"), 0);
  ASSERT_EQ(vfs->xAccess(vfs, "/empty", SQLITE_ACCESS_EXISTS, &exists),
            SQLITE_OK);
  EXPECT_EQ(exists, 1);
  std::vector<char> buf(vfs->szOsFile);
  auto* file = reinterpret_cast<sqlite3_file*>(buf.data());
  int out = 0;
  ASSERT_EQ(vfs->xOpen(vfs, "/empty", file, SQLITE_OPEN_READWRITE |
                                                SQLITE_OPEN_MAIN_DB, &out),
            SQLITE_OK);
  char data[4] = {'x', 'x', 'x', 'x'};
  EXPECT_EQ(file->pMethods->xRead(file, data, 4, 0), SQLITE_IOERR_SHORT_READ);
  EXPECT_EQ(std::string(data, 4), std::string("ab\0\0", 4));
  EXPECT_EQ(file->pMethods->xSectorSize(file), 512);
  EXPECT_EQ(file->pMethods->xDeviceCharacteristics(file),
            SQLITE_IOCAP_POWERSAFE_OVERWRITE);
  file->pMethods->xClose(file);
}

}  // namespace
}  // namespace crashlab
