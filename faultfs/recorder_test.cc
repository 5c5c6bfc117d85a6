#include "faultfs/recorder.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/files.h"
#include "core/fs_image.h"
#include "faultfs/base_walk.h"
#include "tests/test_util.h"

namespace crashlab::faultfs {
namespace {

class FaultfsBaseWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Sub("backing");
    ASSERT_TRUE(MakeDirs(root_ + "/b/sub").ok());
    ASSERT_TRUE(WriteStringToFile(root_ + "/c.txt", "ccc").ok());
    ASSERT_TRUE(WriteStringToFile(root_ + "/b/sub/x", "x").ok());
    ASSERT_TRUE(WriteStringToFile(root_ + "/a.txt", "aaa").ok());
    ASSERT_EQ(::link((root_ + "/a.txt").c_str(), (root_ + "/b/hard").c_str()),
              0);
    ASSERT_EQ(::symlink("a.txt", (root_ + "/d-link").c_str()), 0);
  }

  Result<BaseTree> Walk() {
    int fd = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    auto tree = WalkBase(fd, root_);
    ::close(fd);
    return tree;
  }

  TempDir dir_;
  std::string root_;
};

TEST_F(FaultfsBaseWalkTest, SortedPreorderIdsAndSharedHardLinks) {
  auto tree = Walk();
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  std::vector<std::tuple<FileId, std::string, FileId>> got;
  for (const BaseEntry& e : tree->entries)
    got.emplace_back(e.parent, e.name, e.id);
  const std::vector<std::tuple<FileId, std::string, FileId>> want = {
      {kRootId, "a.txt", 2}, {kRootId, "b", 3}, {3, "hard", 2},
      {3, "sub", 4},         {4, "x", 5},       {kRootId, "c.txt", 6},
      {kRootId, "d-link", 7}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(tree->next_id, 8u);
  EXPECT_TRUE(S_ISDIR(tree->entries[1].mode));
  EXPECT_TRUE(S_ISLNK(tree->entries[6].mode));
  EXPECT_TRUE(S_ISREG(tree->entries[0].mode));
}

TEST_F(FaultfsBaseWalkTest, RecorderWritesBaseThenRecordsInOrder) {
  auto tree = Walk();
  ASSERT_TRUE(tree.ok());
  const std::string trace_path = dir_.Sub("trace.bin");
  auto recorder = Recorder::Create(trace_path, "the-base", *tree);
  ASSERT_TRUE(recorder.ok()) << recorder.status().ToString();
  const InodeKey a_key = tree->entries[0].key;
  const InodeKey fresh_key{a_key.dev, 999999999};
  {
    Recorder::Scope scope = (*recorder)->Lock(42);
    EXPECT_EQ(scope.IdOf(a_key), 2u);
    EXPECT_EQ(scope.IdOf(tree->root), kRootId);
    // An inode number reused by a file created through the mount.
    EXPECT_EQ(scope.NewId(a_key), 8u);
    EXPECT_EQ(scope.IdOf(a_key), 8u);
    // An inode never seen gets a fresh id once, then keeps it.
    EXPECT_EQ(scope.IdOf(fresh_key), 9u);
    EXPECT_EQ(scope.IdOf(fresh_key), 9u);
    Record r;
    r.op = Op::kWrite;
    r.file = 8;
    r.data = "hi";
    scope.Append(r);
  }
  (*recorder)->Mark("ack-1", 7);
  EXPECT_EQ((*recorder)->records(), 1u + 7u + 2u);
  ASSERT_TRUE((*recorder)->Close().ok());

  auto trace = ReadTrace(trace_path);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_TRUE(trace->tail.clean);
  EXPECT_EQ(trace->base_dir, "the-base");
  ASSERT_EQ(trace->first_op, 8u);
  ASSERT_EQ(trace->records.size(), 10u);
  EXPECT_EQ(trace->records[1].op, Op::kBaseEntry);
  EXPECT_EQ(trace->records[1].name, "a.txt");
  const Record& w = trace->records[8];
  EXPECT_EQ(w.op, Op::kWrite);
  EXPECT_EQ(w.pid, 42u);
  EXPECT_EQ(w.data, "hi");
  const Record& m = trace->records[9];
  EXPECT_EQ(m.op, Op::kMark);
  EXPECT_EQ(m.data, "ack-1");
  EXPECT_EQ(m.pid, 7u);
  EXPECT_LE(w.time_ns, m.time_ns);

  // The base description rebuilds the tree as it was.
  auto image = FsImage::FromBase(*trace, root_);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  const std::map<std::string, std::string> want = {
      {"a.txt", "aaa"}, {"b/hard", "aaa"}, {"b/sub/x", "x"}, {"c.txt", "ccc"}};
  EXPECT_EQ(image->Files(), want);
}

TEST_F(FaultfsBaseWalkTest, RecorderRefusesAnExistingTrace) {
  auto tree = Walk();
  ASSERT_TRUE(tree.ok());
  const std::string trace_path = dir_.Sub("trace.bin");
  ASSERT_TRUE(WriteStringToFile(trace_path, "precious").ok());
  auto recorder = Recorder::Create(trace_path, "base", *tree);
  EXPECT_FALSE(recorder.ok());
  EXPECT_EQ(*ReadFileToString(trace_path), "precious");
}

}  // namespace
}  // namespace crashlab::faultfs
