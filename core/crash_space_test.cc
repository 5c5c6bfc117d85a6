#include "core/crash_space.h"

#include <gtest/gtest.h>

#include <set>

namespace crashlab {
namespace {

// base | create f | write f x3 | fsync f | create g (dir unsynced) | write g
Trace SmallTrace() {
  Trace t;
  t.records.push_back(Record{.op = Op::kBase});
  t.first_op = 1;
  t.records.push_back({.op = Op::kCreate, .file = 2, .parent = kRootId,
                       .mode = 0100644, .name = "f"});
  t.records.push_back({.op = Op::kFsyncDir, .file = kRootId});
  t.records.push_back({.op = Op::kWrite, .file = 2, .data = std::string(1000, 'a')});
  t.records.push_back({.op = Op::kWrite, .file = 2, .offset = 1000,
                       .data = std::string(5000, 'b')});
  t.records.push_back({.op = Op::kWrite, .file = 2, .offset = 0, .data = "CC"});
  t.records.push_back({.op = Op::kFsync, .file = 2});
  t.records.push_back({.op = Op::kCreate, .file = 3, .parent = kRootId,
                       .mode = 0100644, .name = "g"});
  t.records.push_back({.op = Op::kWrite, .file = 3, .data = "ggg"});
  return t;
}

std::vector<CrashState> All(const Trace& t, SpaceConfig c) {
  StateSpace space(t, c);
  std::vector<CrashState> out;
  for (CrashState s; space.Next(&s);) out.push_back(s);
  return out;
}

TEST(CrashSpaceTest, PrefixAndDropUnsyncedMatchTheSimpleGenerators) {
  Trace t = SmallTrace();
  auto states = All(t, {});
  auto prefix = GenerateStates(t, Model::kPrefix);
  auto dropped = GenerateStates(t, Model::kDropUnsynced);
  ASSERT_EQ(states.size(), prefix.size() + dropped.size());
  for (size_t i = 0; i < prefix.size(); ++i) EXPECT_EQ(states[i], prefix[i]);
  for (size_t i = 0; i < dropped.size(); ++i) {
    EXPECT_EQ(states[prefix.size() + i], dropped[i]);
  }
}

TEST(CrashSpaceTest, ReorderEnumeratesEverySubsetAndIdsRebuildThem) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kReorder};
  auto states = All(t, c);
  // Crash points: before fsync_dir (1 pending: create f), before fsync f
  // (3 pending writes), the end (create g, write g).
  EXPECT_EQ(states.size(), 2u + 8u + 4u);
  std::set<std::string> ids;
  for (const CrashState& s : states) {
    EXPECT_TRUE(ids.insert(s.Id()).second) << "duplicate id " << s.Id();
    auto back = StateFromId(t, s.Id());
    ASSERT_TRUE(back.ok()) << s.Id() << ": " << back.status().ToString();
    EXPECT_EQ(*back, s);
  }
}

TEST(CrashSpaceTest, SequentialDeviceKeepsOnlyPrefixesPerFile) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kReorder};
  c.flags.sequential = true;
  auto states = All(t, c);
  // 2 + 4 (prefixes of 3 writes) + 4 (dir group x file group: 2 x 2).
  EXPECT_EQ(states.size(), 2u + 4u + 4u);
  for (const CrashState& s : states) {
    if (s.position != 6) continue;
    // If a later write of f persisted, every earlier one did.
    bool dropped_earlier = false;
    for (uint32_t i : {3u, 4u, 5u}) {
      const bool dropped = std::count(s.dropped.begin(), s.dropped.end(), i);
      EXPECT_FALSE(dropped_earlier && !dropped) << s.Id();
      dropped_earlier |= dropped;
    }
  }
}

TEST(CrashSpaceTest, AboveTheBoundSubsetsAreSampledAndSaidSo) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kReorder};
  c.exhaustive_bound = 2;
  c.samples = 5;
  StateSpace space(t, c);
  size_t n = 0;
  for (CrashState s; space.Next(&s);) ++n;
  const ModelStats& st = space.stats().at("reorder");
  EXPECT_EQ(st.exhaustive_points, 2u);
  EXPECT_EQ(st.sampled_points, 1u);
  EXPECT_EQ(n, 2u + 5u + 4u);
  EXPECT_EQ(st.states, n);
}

TEST(CrashSpaceTest, TornWritesCutAtBoundariesAndRebuildFromIds) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kTorn};
  auto states = All(t, c);
  ASSERT_FALSE(states.empty());
  FsImage base;
  for (const CrashState& s : states) {
    ASSERT_EQ(s.torn.size(), 1u) << s.Id();
    auto back = StateFromId(t, s.Id());
    ASSERT_TRUE(back.ok()) << s.Id() << ": " << back.status().ToString();
    EXPECT_EQ(*back, s);
    ImageBuilder a(t, base), b(t, base);
    EXPECT_EQ(a.Build(s).ContentHash(), b.Build(*back).ContentHash());
  }
  // The 5000-byte write at offset 1000 tears at sector 512*2=1024 -> 24 kept.
  EXPECT_TRUE(std::any_of(states.begin(), states.end(), [](const CrashState& s) {
    return s.torn[0].index == 4 && s.torn[0].keep[0].second == 24;
  }));
}

TEST(CrashSpaceTest, DeviceFlagsPruneTears) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kTorn};
  const size_t all = All(t, c).size();
  c.flags.atomic = true;
  auto atomic = All(t, c);
  EXPECT_LT(atomic.size(), all);
  for (const CrashState& s : atomic) {
    EXPECT_NE(s.torn[0].index, 5u) << "a 2-byte write inside a sector tore";
    const Record& w = t.records[s.torn[0].index];
    EXPECT_EQ((w.offset + s.torn[0].keep[0].second) % 512, 0u)
        << s.Id() << ": atomic devices tear only at sector boundaries";
  }
  c.flags = {};
  c.flags.safe_append = true;
  for (const CrashState& s : All(t, c)) {
    if (s.torn[0].index == 4 || s.torn[0].index == 3 || s.torn[0].index == 8) {
      EXPECT_EQ(s.torn[0].fill, Tear::Fill::kOld) << s.Id() << " append";
    }
  }
}

TEST(CrashSpaceTest, MalformedIdsAreRejected) {
  Trace t = SmallTrace();
  for (const char* id : {"reorder@6#zz", "reorder@6#f", "reorder@6#1f",
                         "torn@6#3:99999:o", "torn@6#9:1:o", "torn@6#3:1:q",
                         "torn@6#3:1:g", "prefix@6#1", "prefix@99",
                         "sideways@3", "prefix@"}) {
    EXPECT_FALSE(StateFromId(t, id).ok()) << id;
  }
}

TEST(CrashSpaceTest, DrawnStatesFollowTheirChoices) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kReorder, Model::kTorn};
  const std::string input = "\x01\x00\x01\x01\x05\x02\x03\x04";
  ByteChoices a(input), b(input);
  CrashState x = DrawState(t, 6, c, a);
  CrashState y = DrawState(t, 6, c, b);
  EXPECT_EQ(x, y) << "same bytes, same state";
  // Over many seeds every pending write is sometimes kept, sometimes not.
  std::set<std::vector<uint32_t>> seen;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    RngChoices r(seed);
    seen.insert(DrawState(t, 6, c, r).dropped);
  }
  EXPECT_GE(seen.size(), 4u);
}

TEST(CrashSpaceTest, IncrementalBuilderMatchesFreshBuildsForEveryModel) {
  Trace t = SmallTrace();
  SpaceConfig c;
  c.models = {Model::kPrefix, Model::kDropUnsynced, Model::kReorder,
              Model::kTorn};
  FsImage base;
  ImageBuilder incremental(t, base);
  for (const CrashState& s : All(t, c)) {
    ImageBuilder fresh(t, base);
    EXPECT_EQ(incremental.Build(s).ContentHash(), fresh.Build(s).ContentHash())
        << s.Id();
  }
}

}  // namespace
}  // namespace crashlab
