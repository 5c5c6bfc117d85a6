#include "core/persistence.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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

size_t Fault(TraceBuilder& b, const std::string& json) {
  return b.Add({.op = Op::kFault, .tags = kTagInjected, .data = json});
}

// Over a long random trace of writes and fsyncs to a few files (most of
// them synced, one never), the tracker's unsynced set at every position is
// what a plain set says: each write pending until its file's next fsync.
TEST(PersistenceTest, UnsyncedMatchesAPlainSetOverALongTrace) {
  TraceBuilder b;
  for (FileId f = 2; f <= 5; ++f) b.Create(kRootId, "f" + std::to_string(f), f);
  b.FsyncDir(kRootId);
  Rng rng(11);
  for (int i = 0; i < 3000; ++i) {
    const FileId f = 2 + rng.Uniform(4);
    if (f != 5 && rng.Uniform(4) == 0) {
      b.Fsync(f);
    } else {
      b.Write(f, rng.Uniform(100), "x");
    }
  }
  const Trace& t = b.trace();
  SyncTracker tracker;
  std::set<uint32_t> want;
  std::map<FileId, std::vector<uint32_t>> by_file;
  for (size_t p = t.first_op; p < t.records.size(); ++p) {
    const Record& r = t.records[p];
    tracker.Observe(static_cast<uint32_t>(p), r);
    if (r.op == Op::kWrite || r.op == Op::kCreate) {
      want.insert(static_cast<uint32_t>(p));
      by_file[r.op == Op::kCreate ? r.parent : r.file].push_back(
          static_cast<uint32_t>(p));
    } else if (r.op == Op::kFsync || r.op == Op::kFsyncDir) {
      for (uint32_t i : by_file[r.file]) want.erase(i);
      by_file[r.file].clear();
    }
    ASSERT_EQ(tracker.Unsynced(),
              std::vector<uint32_t>(want.begin(), want.end()))
        << "position " << p;
    ASSERT_EQ(tracker.unsynced_count(), want.size());
  }
  EXPECT_GT(want.size(), 500u) << "the never-synced file keeps its writes";
}

TEST(PersistenceTest, LyingFsyncMakesNothingDurable) {
  TraceBuilder b;
  b.Create(kRootId, "f", 2);
  b.FsyncDir(kRootId);
  size_t w = b.Write(2, 0, "data");
  b.Add({.op = Op::kFsync, .tags = kTagInjected | kTagNoBarrier, .file = 2});
  EXPECT_EQ(DroppedAtEnd(b.trace()), std::vector<uint32_t>{uint32_t(w)});
}

TEST(PersistenceTest, FaultsCanPersistTearOrSettleRecords) {
  TraceBuilder b;
  b.Create(kRootId, "f", 2);
  b.FsyncDir(kRootId);
  size_t w1 = b.Write(2, 0, "aaaa");
  size_t w2 = b.Write(2, 4, "bbbb");
  size_t w3 = b.Write(2, 8, "cccc");
  // torn-seq: the first and third writes reached the disk; torn-op: half
  // of the second did.
  Fault(b, "{\"action\":\"crash\",\"persist\":[" + std::to_string(w1) + "," +
               std::to_string(w3) + "],\"keep\":[[" + std::to_string(w2) +
               ",2,2]]}");
  const Trace& t = b.trace();
  CrashState s = StateAt(t, Model::kDropUnsynced, t.records.size());
  EXPECT_TRUE(s.dropped.empty());
  ASSERT_EQ(s.torn.size(), 1u);
  EXPECT_EQ(s.torn[0].index, w2);
  FsImage base;
  ImageBuilder builder(t, base);
  EXPECT_EQ(builder.Build(s).Files()["f"], std::string("aaaa\0\0bbcccc", 12));

  // A later fsync makes the torn write whole again.
  b.Fsync(2);
  CrashState after = StateAt(b.trace(), Model::kDropUnsynced,
                             b.trace().records.size());
  EXPECT_TRUE(after.torn.empty());

  TraceBuilder c;
  c.Write(2, 0, "x");
  c.Create(kRootId, "g", 3);
  Fault(c, "{\"action\":\"checkpoint\",\"settle_all\":true}");
  EXPECT_TRUE(DroppedAtEnd(c.trace()).empty());
}

TEST(PersistenceTest, TearsFillTheUnkeptRangeAsAsked) {
  Record w{.op = Op::kWrite, .file = 2, .offset = 2, .data = "WXYZ"};
  FsImage img;
  img.Apply(Record{.op = Op::kCreate, .file = 2, .parent = kRootId,
                   .mode = 0100644, .name = "f"});
  img.Apply(Record{.op = Op::kWrite, .file = 2, .data = "abcdefgh"});
  FsImage old = img, zeros = img, garbage = img;
  Tear t{.index = 0, .keep = {{0, 1}}};
  old.ApplyPartialWrite(w, t);
  EXPECT_EQ(old.Files()["f"], "abWdefgh");
  t.fill = Tear::Fill::kZeros;
  zeros.ApplyPartialWrite(w, t);
  EXPECT_EQ(zeros.Files()["f"], std::string("abW\0\0\0gh", 8));
  t.fill = Tear::Fill::kGarbage;
  t.garbage_seed = 9;
  garbage.ApplyPartialWrite(w, t);
  FsImage again = img;
  again.ApplyPartialWrite(w, t);
  EXPECT_EQ(garbage.Files()["f"], again.Files()["f"]) << "seeded";
  EXPECT_EQ(garbage.Files()["f"].substr(0, 3), "abW");
}

TEST(PersistenceTest, StateIdsRoundTrip) {
  CrashState s{Model::kDropUnsynced, 812, {}, {}};
  EXPECT_EQ(s.Id(), "drop-unsynced@812");
  s.detail = "5a";
  EXPECT_EQ(s.Id(), "drop-unsynced@812#5a");
}

TEST(PersistenceTest, CrashStatesRoundTripThroughJson) {
  CrashState s{Model::kDropUnsynced, 40, {3, 7, 9}, {}, "power"};
  s.torn.push_back(Tear{.index = 12, .keep = {{0, 512}}, .fill = Tear::Fill::kZeros});
  EXPECT_EQ(s.Id(), "power@40");
  auto back = CrashStateFromJson(CrashStateToJson(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  auto bad = CrashStateToJson(s);
  bad["dropped"] = {9, 3};
  EXPECT_FALSE(CrashStateFromJson(bad).ok());
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
    switch (rng.Uniform(7)) {
      case 0: b.Create(kRootId, "f" + std::to_string(f), f); break;
      case 1: b.Fsync(f); break;
      case 2: b.FsyncDir(kRootId); break;
      case 3: {
        const size_t last = b.trace().records.size() - 1;
        Fault(b, "{\"keep\":[[" + std::to_string(last) + ",1,3]],\"persist\":[" +
                     std::to_string(last > 2 ? last - 2 : 1) + "]}");
        break;
      }
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
  // The explorer's order (both models at each position, then back to the
  // start): rebuilds from the kept prefix image must equal fresh builds.
  const auto prefix = GenerateStates(t, Model::kPrefix);
  const auto unsynced = GenerateStates(t, Model::kDropUnsynced);
  ImageBuilder interleaved(t, base);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < prefix.size(); ++i) {
      for (const CrashState* s : {&unsynced[i], &prefix[i]}) {
        ImageBuilder fresh(t, base);
        ASSERT_EQ(interleaved.Build(*s).ContentHash(),
                  fresh.Build(*s).ContentHash())
            << s->Id() << " pass " << pass;
      }
    }
  }
}

// A random trace over two directories with every kind of record: files
// created, written, truncated, punched, renamed across directories, linked,
// unlinked, symlinked; fsyncs (some lying) of files and directories.
Trace RandomTrace(uint64_t seed, int n) {
  Rng rng(seed);
  TraceBuilder b;
  const FileId sub = 2;
  b.Add({.op = Op::kMkdir,
         .file = sub,
         .parent = kRootId,
         .mode = 040755,
         .name = "d"});
  const FileId dirs[] = {kRootId, sub};
  for (int i = 0; i < n; ++i) {
    const FileId f = 3 + rng.Uniform(5);
    const FileId dir = dirs[rng.Uniform(2)];
    const std::string name = "f" + std::to_string(rng.Uniform(5));
    switch (rng.Uniform(12)) {
      case 0:
        b.Create(dir, name, f);
        break;
      case 1:
        b.Fsync(f);
        break;
      case 2:
        b.FsyncDir(dir);
        break;
      case 3:
        b.Add({.op = Op::kRename,
               .file = f,
               .parent = dir,
               .new_parent = dirs[rng.Uniform(2)],
               .name = name,
               .new_name = "r" + std::to_string(rng.Uniform(3))});
        break;
      case 4:
        b.Add({.op = Op::kUnlink, .file = f, .parent = dir, .name = name});
        break;
      case 5:
        b.Add({.op = Op::kLink, .file = f, .parent = dir, .name = "l" + name});
        break;
      case 6:
        b.Add({.op = Op::kTruncate, .file = f, .offset = rng.Uniform(40)});
        break;
      case 7:
        b.Add({.op = Op::kFallocate,
               .file = f,
               .offset = rng.Uniform(30),
               .length = 1 + rng.Uniform(20),
               .mode = static_cast<uint32_t>(rng.Uniform(2) ? 0 : 3)});
        break;
      case 8:
        b.Add({.op = Op::kFsync, .tags = kTagNoBarrier, .file = f});
        break;
      case 9:
        if (rng.Uniform(4) == 0) {
          b.Add({.op = Op::kSymlink,
                 .file = 10 + rng.Uniform(3),
                 .parent = dir,
                 .mode = 0120777,
                 .name = "s" + name,
                 .data = "target" + name});
          break;
        }
        [[fallthrough]];
      default:
        b.Write(
            f, rng.Uniform(64),
            std::string(1 + rng.Uniform(24), static_cast<char>('a' + i % 26)));
    }
  }
  return b.trace();
}

// States a model could not make: random subsets of what is unsynced at each
// position, some writes torn, visited in position order like the explorer.
std::vector<CrashState> RandomStates(const Trace& t, uint64_t seed) {
  Rng rng(seed);
  std::vector<CrashState> out;
  SyncTracker tracker;
  for (size_t p = t.first_op; p <= t.records.size(); ++p) {
    CrashState s{Model::kReorder, p, {}, {}};
    for (uint32_t i : tracker.Unsynced()) {
      const bool write = t.records[i].op == Op::kWrite;
      switch (rng.Uniform(3)) {
        case 0:
          s.dropped.push_back(i);
          break;
        case 1:
          if (write)
            s.torn.push_back(
                {.index = i, .keep = {{0, 1}}, .fill = Tear::Fill::kZeros});
          break;
        default:
          break;
      }
    }
    out.push_back(std::move(s));
    if (p < t.records.size())
      tracker.Observe(static_cast<uint32_t>(p), t.records[p]);
  }
  return out;
}

// The reference construction: the base plus every kept record in trace
// order, dropped ones skipped and torn ones applied in part.
TEST(PersistenceTest, ReplayAppliesTheKeptRecordsInOrder) {
  TraceBuilder b;
  b.Create(kRootId, "a", 2);
  b.Write(2, 0, "abcdef");
  const uint32_t dropped = b.Write(2, 2, "XY");
  const uint32_t torn = b.Write(2, 6, "ghij");  // only "gh" persists
  const uint32_t unnamed = b.Create(kRootId, "b", 3);
  b.Write(3, 0, "orphan");  // to a file whose name did not persist
  const size_t position = b.Write(2, 0, "Z");  // after the crash
  const Trace& t = b.trace();
  FsImage base;
  const CrashState s{Model::kReorder,
                     position,
                     {dropped, unnamed},
                     {{.index = torn, .keep = {{0, 2}}}}};
  const FsImage image = ImageBuilder::Replay(t, base, s);
  EXPECT_EQ(image.Files(),
            (std::map<std::string, std::string>{{"a", "abcdefgh"}}));
  ImageBuilder builder(t, base);
  EXPECT_EQ(builder.Build(s).FirstDifference(image), "");
}

TEST(PersistenceTest, RollingBackFileByFileEqualsReplayingEveryModel) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const Trace t = RandomTrace(seed, 250);
    FsImage base;
    const auto prefix = GenerateStates(t, Model::kPrefix);
    const auto unsynced = GenerateStates(t, Model::kDropUnsynced);
    const auto random = RandomStates(t, seed);
    ImageBuilder interleaved(t, base);
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < prefix.size(); ++i) {
        for (const CrashState* s : {&unsynced[i], &random[i], &prefix[i]}) {
          const FsImage want = ImageBuilder::Replay(t, base, *s);
          const FsImage& got = interleaved.Build(*s);
          ASSERT_EQ(got.FirstDifference(want), "")
              << s->Id() << " seed " << seed << " pass " << pass << "\n"
              << [&] {
                   std::string o;
                   for (size_t k = 0; k < s->position; ++k) {
                     o += RecordToJson(t.records[k], k) + "\n";
                   }
                   for (uint32_t d : s->dropped) o += std::to_string(d) + " ";
                   return o;
                 }();
          ASSERT_EQ(got.ContentHash(), want.ContentHash())
              << s->Id() << " seed " << seed << " pass " << pass;
        }
      }
    }
  }
}

// The bug: SQLite's -shm file is written once and never fsynced, so every
// drop-unsynced state dropped one of the trace's first records, and each
// was rebuilt by replaying the whole trace up to it (quadratic in the run).
TEST(PersistenceTest, OldUnsyncedRecordOfOneFileDoesNotMakeStatesReplayAll) {
  TraceBuilder b;
  b.Create(kRootId, "shm", 2);
  b.Create(kRootId, "wal", 3);
  b.FsyncDir(kRootId);
  b.Write(2, 0, "never synced");
  for (int i = 0; i < 2000; ++i) {
    b.Write(3, 100 * i, std::string(100, 'w'));
    b.Fsync(3);
  }
  const Trace& t = b.trace();
  FsImage base;
  ImageBuilder builder(t, base);
  const auto states = GenerateStates(t, Model::kDropUnsynced);
  for (const CrashState& s : states) builder.Build(s);
  ImageBuilder fresh(t, base);
  EXPECT_EQ(builder.Build(states.back()).ContentHash(),
            fresh.Build(states.back()).ContentHash());
  // Linear: a few records per state (the replay was ~2,000 on average).
  EXPECT_LT(builder.applied(), 10 * states.size());
}

}  // namespace
}  // namespace crashlab
