#include "core/persistence.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace crashlab {
namespace {

// A small trace by hand: base is an empty root.
class TraceBuilder {
 public:
  TraceBuilder() { t_.records.push_back(Record{.op = Op::kBase}); t_.first_op = 1; }
  size_t Add(Record r) {
    t_.records.push_back(std::move(r));
    return t_.records.size() - 1;
  }
  size_t Create(FileId parent, const std::string& name, FileId file) {
    return Add({.op = Op::kCreate, .file = file, .parent = parent,
                .mode = 0100644, .name = name});
  }
  size_t Write(FileId file, uint64_t off, const std::string& data) {
    return Add({.op = Op::kWrite, .file = file, .offset = off, .data = data});
  }
  size_t Fsync(FileId file) { return Add({.op = Op::kFsync, .file = file}); }
  size_t FsyncDir(FileId dir) { return Add({.op = Op::kFsyncDir, .file = dir}); }
  size_t Mark(const std::string& l) { return Add({.op = Op::kMark, .data = l}); }
  const Trace& trace() const { return t_; }

 private:
  Trace t_;
};

std::vector<uint32_t> DroppedAtEnd(const Trace& t) {
  return StateAt(t, Model::kDropUnsynced, t.records.size()).dropped;
}

TEST(PersistenceTest, PrefixHasOneStatePerPosition) {
  TraceBuilder b;
  b.Create(kRootId, "f", 2);
  b.Write(2, 0, "x");
  auto states = GenerateStates(b.trace(), Model::kPrefix);
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0].position, 1u);
  EXPECT_EQ(states[2].position, 3u);
  for (const auto& s : states) EXPECT_TRUE(s.dropped.empty());
}

TEST(PersistenceTest, FsyncMakesEarlierWritesOfThatFileDurable) {
  TraceBuilder b;
  size_t c = b.Create(kRootId, "f", 2);
  size_t w1 = b.Write(2, 0, "a");
  b.Fsync(2);
  size_t w2 = b.Write(2, 1, "b");
  size_t other = b.Write(3, 0, "other file");
  EXPECT_EQ(DroppedAtEnd(b.trace()),
            (std::vector<uint32_t>{uint32_t(c), uint32_t(w2), uint32_t(other)}));
  (void)w1;
}

TEST(PersistenceTest, NamespaceOpsNeedTheirDirectoryFsynced) {
  TraceBuilder b;
  b.Create(kRootId, "f", 2);
  b.Fsync(2);  // a file fsync does not persist its directory entry
  EXPECT_EQ(DroppedAtEnd(b.trace()).size(), 1u);
  b.FsyncDir(kRootId);
  EXPECT_TRUE(DroppedAtEnd(b.trace()).empty());
}

TEST(PersistenceTest, CrossDirectoryRenameSettledByEitherDirectory) {
  TraceBuilder b;
  b.Add({.op = Op::kRename, .file = 5, .parent = 2, .new_parent = 3,
         .name = "a", .new_name = "b"});
  EXPECT_EQ(DroppedAtEnd(b.trace()).size(), 1u);
  b.FsyncDir(3);
  EXPECT_TRUE(DroppedAtEnd(b.trace()).empty());
}

TEST(PersistenceTest, DropUnsyncedImageLosesUnsyncedData) {
  TraceBuilder b;
  b.Create(kRootId, "f", 2);
  b.FsyncDir(kRootId);
  b.Write(2, 0, "durable");
  b.Fsync(2);
  b.Mark("ok:1");
  b.Write(2, 0, "VOLATILE");
  FsImage base;
  ImageBuilder builder(b.trace(), base);
  const Trace& t = b.trace();
  auto s = StateAt(t, Model::kDropUnsynced, t.records.size());
  EXPECT_EQ(builder.Build(s).Files()["f"], "durable");
  auto p = StateAt(t, Model::kPrefix, t.records.size());
  EXPECT_EQ(builder.Build(p).Files()["f"], "VOLATILE");
}

TEST(PersistenceTest, StateIdsRoundTrip) {
  CrashState s{Model::kDropUnsynced, 812, {}};
  EXPECT_EQ(s.Id(), "drop-unsynced@812");
  Model m;
  size_t pos;
  ASSERT_TRUE(ParseStateId(s.Id(), &m, &pos));
  EXPECT_EQ(m, Model::kDropUnsynced);
  EXPECT_EQ(pos, 812u);
  EXPECT_FALSE(ParseStateId("reorder@1", &m, &pos));
  EXPECT_FALSE(ParseStateId("prefix@", &m, &pos));
  EXPECT_FALSE(ParseStateId("prefix@1x", &m, &pos));
}

TEST(PersistenceTest, ParseModelsRejectsUnknownNames) {
  EXPECT_TRUE(ParseModels("prefix,drop-unsynced").ok());
  auto bad = ParseModels("prefix,bogus");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bogus"), std::string::npos);
}

// The incremental builder must give exactly what a rebuild from the base
// gives, whatever order states are asked for in.
TEST(PersistenceTest, IncrementalBuildEqualsRebuild) {
  Rng rng(7);
  TraceBuilder b;
  for (int i = 0; i < 300; ++i) {
    FileId f = 2 + rng.Uniform(4);
    switch (rng.Uniform(6)) {
      case 0: b.Create(kRootId, "f" + std::to_string(f), f); break;
      case 1: b.Fsync(f); break;
      case 2: b.FsyncDir(kRootId); break;
      default:
        b.Write(f, rng.Uniform(64), std::string(1 + rng.Uniform(16), 'a' + i % 26));
    }
  }
  const Trace& t = b.trace();
  FsImage base;
  ImageBuilder incremental(t, base);
  for (Model m : {Model::kPrefix, Model::kDropUnsynced}) {
    for (const CrashState& s : GenerateStates(t, m)) {
      ImageBuilder fresh(t, base);
      ASSERT_EQ(incremental.Build(s).ContentHash(),
                fresh.Build(s).ContentHash())
          << s.Id();
    }
  }
}

}  // namespace
}  // namespace crashlab
