#include "core/fs_image.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

Record Create(FileId parent, const std::string& name, FileId file) {
  return Record{.op = Op::kCreate, .file = file, .parent = parent,
                .mode = 0100644, .name = name};
}
Record Write(FileId file, uint64_t off, const std::string& data) {
  return Record{.op = Op::kWrite, .file = file, .offset = off, .data = data};
}

TEST(FsImageTest, CreateWriteRenameUnlink) {
  FsImage img;
  EXPECT_TRUE(img.Apply(Record{.op = Op::kMkdir, .file = 2, .parent = kRootId,
                               .mode = 040755, .name = "d"}));
  EXPECT_TRUE(img.Apply(Create(2, "a", 3)));
  EXPECT_TRUE(img.Apply(Write(3, 0, "hello")));
  EXPECT_TRUE(img.Apply(Write(3, 8, "xy")));
  EXPECT_TRUE(img.Apply(Record{.op = Op::kRename, .file = 3, .parent = 2,
                               .new_parent = kRootId, .name = "a",
                               .new_name = "b"}));
  auto files = img.Files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files["b"], std::string("hello\0\0\0xy", 10));
  EXPECT_EQ(img.PathOf(3), "b");
  EXPECT_TRUE(img.Apply(Record{.op = Op::kUnlink, .file = 3,
                               .parent = kRootId, .name = "b"}));
  EXPECT_TRUE(img.Files().empty());
}

TEST(FsImageTest, WriteToFileWhoseCreateWasDroppedLeavesAnOrphan) {
  FsImage img;
  EXPECT_TRUE(img.Apply(Write(7, 0, "data")));
  EXPECT_TRUE(img.Files().empty());
  EXPECT_EQ(img.PathOf(7), "");
}

TEST(FsImageTest, DroppedRenameKeepsDataUnderOldName) {
  FsImage img;
  img.Apply(Create(kRootId, "old", 3));
  // The rename did not persist; a later write to the same file did.
  img.Apply(Write(3, 0, "new data"));
  EXPECT_EQ(img.Files()["old"], "new data");
}

TEST(FsImageTest, UnlinkOfAnotherFileWithSameNameDoesNotApply) {
  FsImage img;
  img.Apply(Create(kRootId, "f", 3));
  EXPECT_FALSE(img.Apply(Record{.op = Op::kUnlink, .file = 9,
                                .parent = kRootId, .name = "f"}));
  EXPECT_EQ(img.Files().count("f"), 1u);
}

TEST(FsImageTest, TruncateFallocateAndTornWrite) {
  FsImage img;
  img.Apply(Create(kRootId, "f", 3));
  img.Apply(Write(3, 0, "abcdefgh"));
  img.Apply(Record{.op = Op::kTruncate, .file = 3, .offset = 4});
  EXPECT_EQ(img.Files()["f"], "abcd");
  img.Apply(Record{.op = Op::kFallocate, .file = 3, .offset = 0, .length = 6});
  EXPECT_EQ(img.Files()["f"], std::string("abcd\0\0", 6));
  img.Apply(Record{.op = Op::kFallocate, .file = 3,
                   .offset = 1, .length = 2,
                   .mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE});
  EXPECT_EQ(img.Files()["f"], std::string("a\0\0d\0\0", 6));
  img.ApplyTornWrite(Write(3, 2, "WXYZ"), 1, "??");
  EXPECT_EQ(img.Files()["f"], std::string("a\0W??\0", 6));
}

TEST(FsImageTest, CopiesShareNothingVisible) {
  FsImage a;
  a.Apply(Create(kRootId, "f", 3));
  a.Apply(Write(3, 0, "one"));
  FsImage b = a;
  b.Apply(Write(3, 0, "two"));
  EXPECT_EQ(a.Files()["f"], "one");
  EXPECT_EQ(b.Files()["f"], "two");
  EXPECT_NE(a.ContentHash(), b.ContentHash());
  b.Apply(Write(3, 0, "one"));
  EXPECT_EQ(a.ContentHash(), b.ContentHash());
}

TEST(FsImageTest, FirstDifferenceNamesThePathAndByte) {
  FsImage a;
  a.Apply(Create(kRootId, "f", 3));
  a.Apply(Write(3, 0, "same start"));
  FsImage b = a;
  EXPECT_EQ(a.FirstDifference(b), "");
  b.Apply(Write(3, 5, "S"));
  EXPECT_EQ(a.FirstDifference(b),
            "f: contents differ from byte 5 (sizes 10 vs 10)");
  b = a;
  b.Apply(Write(3, 10, "!"));
  EXPECT_EQ(a.FirstDifference(b),
            "f: contents differ from byte 10 (sizes 10 vs 11)");
  b = a;
  b.Apply(Create(kRootId, "e", 4));
  EXPECT_EQ(a.FirstDifference(b), "e: only in the second image");
  EXPECT_EQ(b.FirstDifference(a), "e: only in the first image");
  b = a;
  b.Apply(Record{.op = Op::kMkdir,
                 .file = 5,
                 .parent = kRootId,
                 .mode = 040700,
                 .name = "g"});
  EXPECT_EQ(a.FirstDifference(b), "g: only in the second image");
  a.Apply(Create(kRootId, "g", 5));
  EXPECT_EQ(a.FirstDifference(b), "g: kind 0 mode 644 vs kind 1 mode 700");
}

TEST(FsImageTest, HashSeesNamesNotJustBytes) {
  FsImage a, b;
  a.Apply(Create(kRootId, "x", 3));
  b.Apply(Create(kRootId, "y", 3));
  EXPECT_NE(a.ContentHash(), b.ContentHash());
}

TEST(FsImageTest, FromBaseAndMaterializeRoundTrip) {
  TempDir dir;
  const std::string base = dir.Sub("base");
  ASSERT_TRUE(MakeDirs(base + "/sub").ok());
  ASSERT_TRUE(WriteStringToFile(base + "/sub/f", "content").ok());
  ASSERT_TRUE(WriteStringToFile(base + "/top", "t").ok());
  Trace trace;
  trace.records = {
      Record{.op = Op::kBase, .data = "base"},
      Record{.op = Op::kBaseEntry, .file = 2, .parent = kRootId,
             .mode = S_IFDIR | 0755, .name = "sub"},
      Record{.op = Op::kBaseEntry, .file = 3, .parent = 2,
             .mode = S_IFREG | 0644, .name = "f"},
      Record{.op = Op::kBaseEntry, .file = 4, .parent = kRootId,
             .mode = S_IFREG | 0600, .name = "top"},
  };
  trace.first_op = 4;
  auto img = FsImage::FromBase(trace, base);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->Files()["sub/f"], "content");
  img->Apply(Write(3, 7, "!"));

  const std::string out = dir.Sub("out");
  ASSERT_TRUE(MakeDirs(out).ok());
  ASSERT_TRUE(img->Materialize(out).ok());
  EXPECT_EQ(*ReadFileToString(out + "/sub/f"), "content!");
  struct stat st;
  ASSERT_EQ(stat((out + "/top").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Materialize writes a file straight from its blocks: a file of several
// blocks with a partial last one, and one rewritten in the middle after a
// copy shared its blocks, come out byte for byte.
TEST(FsImageTest, MaterializeWritesEveryBlockOfAFile) {
  const uint64_t block = FileData::kBlockSize;
  std::string big(3 * block + 123, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  FsImage img;
  ASSERT_TRUE(img.Apply(Create(kRootId, "big", 2)));
  ASSERT_TRUE(img.Apply(Write(2, 0, big)));
  FsImage copy = img;  // shares the blocks
  ASSERT_TRUE(copy.Apply(Write(2, block - 2, "abcd")));
  big.replace(block - 2, 4, "abcd");
  TempDir dir;
  ASSERT_TRUE(copy.Materialize(dir.path()).ok());
  EXPECT_EQ(*ReadFileToString(dir.Sub("big")), big);
}

// More pieces than one writev call takes (IOV_MAX, 1024 on Linux), empty
// ones among them: the file is their concatenation.
TEST(FsImageTest, WriteSpansToFileWritesEveryPiece) {
  std::vector<std::string> pieces;
  std::string want;
  for (int i = 0; i < 3000; ++i) {
    pieces.push_back(i % 5 == 0 ? "" : std::to_string(i) + ",");
    want += pieces.back();
  }
  const std::vector<std::string_view> spans(pieces.begin(), pieces.end());
  TempDir dir;
  ASSERT_TRUE(WriteSpansToFile(dir.Sub("f"), spans, /*sync=*/true).ok());
  EXPECT_EQ(*ReadFileToString(dir.Sub("f")), want);
  ASSERT_TRUE(WriteSpansToFile(dir.Sub("f"), {}).ok());  // truncates
  EXPECT_EQ(*ReadFileToString(dir.Sub("f")), "");
  EXPECT_FALSE(WriteSpansToFile(dir.Sub("missing/f"), spans).ok());
}

TEST(FsImageTest, ReadAccessorsById) {
  FsImage img;
  EXPECT_TRUE(img.Apply(Record{.op = Op::kMkdir, .file = 5, .parent = kRootId,
                               .mode = 040750, .name = "d"}));
  EXPECT_TRUE(img.Apply(Create(5, "a", 9)));
  EXPECT_TRUE(img.Apply(Write(9, 0, "xy")));
  ASSERT_NE(img.Data(9), nullptr);
  EXPECT_EQ(img.Data(9)->ToString(), "xy");
  EXPECT_EQ(img.Data(5), nullptr);  // a directory has entries, not data
  EXPECT_EQ(img.Data(42), nullptr);
  ASSERT_NE(img.Entries(5), nullptr);
  EXPECT_EQ(img.Entries(5)->at("a"), 9u);
  EXPECT_EQ(img.Entries(9), nullptr);
  FsImage::Kind kind;
  uint32_t mode = 0;
  ASSERT_TRUE(img.KindOf(5, &kind, &mode));
  EXPECT_EQ(kind, FsImage::Kind::kDir);
  EXPECT_EQ(mode, 0750u);
  EXPECT_FALSE(img.KindOf(42, &kind));
  // Orphans count: an unlinked file keeps its inode (and its id).
  EXPECT_TRUE(img.Apply(Record{.op = Op::kUnlink, .file = 9, .parent = 5,
                               .name = "a"}));
  EXPECT_EQ(img.MaxId(), 9u);
}

}  // namespace
}  // namespace crashlab
