#include "faultfs/path_table.h"

#include <gtest/gtest.h>
#include <stdio.h>

namespace crashlab::faultfs {
namespace {

Record Ns(Op op, FileId parent, const std::string& name, FileId file) {
  Record r;
  r.op = op;
  r.parent = parent;
  r.name = name;
  r.file = file;
  return r;
}

Record Rename(FileId parent, const std::string& name, FileId new_parent,
              const std::string& new_name, FileId file, FileId other,
              uint32_t flags = 0) {
  Record r = Ns(Op::kRename, parent, name, file);
  r.new_parent = new_parent;
  r.new_name = new_name;
  r.other = other;
  r.flags = flags;
  return r;
}

TEST(PathTableTest, FollowsTheNamespace) {
  PathTable t;
  t.Apply(Ns(Op::kBaseEntry, kRootId, "data", 2));
  t.Apply(Ns(Op::kCreate, 2, "a.db", 3));
  EXPECT_EQ(t.PathOf(kRootId), "");
  EXPECT_EQ(t.PathOf(3), "data/a.db");
  EXPECT_EQ(t.ChildPath(2, "x"), "data/x");
  EXPECT_EQ(t.ChildPath(kRootId, "x"), "x");
  t.Apply(Rename(kRootId, "data", kRootId, "d2", 2, 0));
  EXPECT_EQ(t.PathOf(3), "d2/a.db") << "a renamed directory moves its files";
  t.Apply(Ns(Op::kLink, kRootId, "hard", 3));
  EXPECT_EQ(t.PathOf(3), "d2/a.db") << "the oldest name";
  t.Apply(Ns(Op::kUnlink, 2, "a.db", 3));
  EXPECT_EQ(t.PathOf(3), "hard");
  t.Apply(Ns(Op::kUnlink, kRootId, "hard", 3));
  EXPECT_EQ(t.PathOf(3), "hard") << "an unlinked file keeps its last path";
  t.Apply(Ns(Op::kCreate, kRootId, "x", 4));
  t.Apply(Ns(Op::kCreate, kRootId, "y", 5));
  t.Apply(Rename(kRootId, "x", kRootId, "y", 4, 5, RENAME_EXCHANGE));
  EXPECT_EQ(t.PathOf(4), "y");
  EXPECT_EQ(t.PathOf(5), "x");
  t.Apply(Rename(kRootId, "x", kRootId, "y", 5, 4));
  EXPECT_EQ(t.PathOf(5), "y");
  EXPECT_EQ(t.PathOf(4), "y") << "the replaced file keeps its last path";
  EXPECT_EQ(t.PathOf(99), "");
}

}  // namespace
}  // namespace crashlab::faultfs
