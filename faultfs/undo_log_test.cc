#include "faultfs/undo_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/files.h"
#include "core/fs_image.h"
#include "core/rng.h"
#include "tests/test_util.h"

namespace crashlab::faultfs {
namespace {

constexpr FileId kFile = 7;

// A real file changed through the undo log's protocol, as ops_write.cc
// does it: Save, perform, Commit.
class UndoLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("f");
    ASSERT_TRUE(WriteStringToFile(path_, original_).ok());
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
    struct stat st;
    ASSERT_EQ(::fstat(fd_, &st), 0);
    key_ = KeyOf(st);
  }
  void TearDown() override { ::close(fd_); }

  void Write(const std::string& data, uint64_t off) {
    auto p = log_.SaveWrite(kFile, key_, fd_, off, data.size());
    ASSERT_TRUE(p.has_value());
    ASSERT_EQ(::pwrite(fd_, data.data(), data.size(), off),
              static_cast<ssize_t>(data.size()));
    log_.Commit(std::move(*p), data.size());
  }
  void Truncate(uint64_t size) {
    auto p = log_.SaveTruncate(kFile, key_, fd_, size);
    ASSERT_TRUE(p.has_value());
    ASSERT_EQ(::ftruncate(fd_, size), 0);
    log_.Commit(std::move(*p), 0);
  }
  void Fallocate(int mode, uint64_t off, uint64_t len) {
    auto p = log_.SaveFallocate(kFile, key_, fd_, mode, off, len);
    ASSERT_TRUE(p.has_value());
    if (::fallocate(fd_, mode, off, len) != 0)
      GTEST_SKIP() << "no fallocate here";
    log_.Commit(std::move(*p), 0);
  }
  std::string Contents() { return *ReadFileToString(path_); }

  TempDir dir_;
  std::string path_;
  std::string original_ = std::string(5000, 'o') + "tail";
  int fd_ = -1;
  InodeKey key_;
  UndoLog log_;
};

TEST_F(UndoLogTest, DropRestoresTheFileAndRecordsTheRestore) {
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    const uint64_t off = rng.Uniform(9000);
    switch (rng.Uniform(4)) {
      case 0:
        Truncate(rng.Uniform(9000));
        break;
      case 1:
        Fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
                  1 + rng.Uniform(3000));
        break;
      default:
        Write(
            std::string(1 + rng.Uniform(3000), static_cast<char>('a' + i % 26)),
            off);
    }
  }
  // The trace's view of the file before the drop: what it holds now.
  FsImage image;
  Record create;
  create.op = Op::kCreate;
  create.parent = kRootId;
  create.name = "f";
  create.file = kFile;
  ASSERT_TRUE(image.Apply(create));
  Record now;
  now.op = Op::kWrite;
  now.file = kFile;
  now.data = Contents();
  ASSERT_TRUE(image.Apply(now));
  EXPECT_GT(log_.UnsyncedBytes().at(kFile), 0u);

  UndoLog::Restore r = log_.Drop(kFile);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(Contents(), original_);
  ASSERT_EQ(r.inodes.size(), 1u);
  EXPECT_EQ(r.inodes[0], key_);
  for (const Record& rec : r.records) {
    EXPECT_EQ(rec.tags, kTagInjected);
    EXPECT_TRUE(image.Apply(rec));
  }
  EXPECT_EQ(image.Files().at("f"), original_)
      << "the records replay the restore";
  EXPECT_TRUE(log_.UnsyncedBytes().empty());
  EXPECT_TRUE(log_.Drop(kFile).records.empty()) << "nothing left to drop";
}

TEST_F(UndoLogTest, AppendsSaveNothingAndSyncForgets) {
  Write("appended", original_.size());
  Write("more", original_.size() + 8);
  EXPECT_EQ(log_.UnsyncedBytes().at(kFile), 12u);
  log_.Synced(kFile);
  EXPECT_TRUE(log_.UnsyncedBytes().empty());
  Write("x", 0);
  UndoLog::Restore r = log_.Drop(kFile);
  EXPECT_EQ(Contents(), original_ + "appendedmore");
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].data, "o") << "one overwritten byte saved";
}

TEST_F(UndoLogTest, WriteGroupsAdvanceAtRealSyncsOnly) {
  EXPECT_EQ(log_.NextWrite(kFile).group, 1u);
  EXPECT_EQ(log_.NextWrite(kFile).pos, 1u);
  log_.NoteWrite(kFile, 10);
  log_.NoteWrite(kFile, 12);
  EXPECT_EQ(log_.NextWrite(kFile).pos, 3u);
  EXPECT_EQ(log_.GroupIndices(kFile, {2, 1, 5}),
            (std::vector<uint64_t>{12, 10}));
  log_.Synced(kFile);
  log_.Synced(kFile);  // an empty group does not count
  EXPECT_EQ(log_.NextWrite(kFile).group, 2u);
  EXPECT_EQ(log_.NextWrite(kFile).pos, 1u);
  log_.SettleAll();
  EXPECT_EQ(log_.NextWrite(kFile).group, 2u) << "a checkpoint is no fsync";
}

}  // namespace
}  // namespace crashlab::faultfs
