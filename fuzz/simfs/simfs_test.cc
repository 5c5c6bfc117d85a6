#include "fuzz/simfs/simfs.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

// Choices read from a script, then 0: a test names every decision.
class ScriptedChoices : public Choices {
 public:
  explicit ScriptedChoices(std::vector<uint64_t> script)
      : script_(std::move(script)) {}
  uint64_t Pick(uint64_t n) override {
    const uint64_t v = next_ < script_.size() ? script_[next_++] : 0;
    return v % n;
  }

 private:
  std::vector<uint64_t> script_;
  size_t next_ = 0;
};

SpaceConfig OnlyDropUnsynced() {
  SpaceConfig c;
  c.models = {Model::kDropUnsynced};
  return c;
}

std::string Read(SimFs& fs, const std::string& path) {
  int fd;
  if (fs.Open(path, O_RDONLY, &fd) != 0) return "<missing>";
  std::string out;
  EXPECT_EQ(fs.Pread(fd, 0, 1 << 20, &out), 0);
  fs.Close(fd);
  return out;
}

// Creates `path`, makes its name durable, and writes `data` (unsynced).
int CreateDurableName(SimFs& fs, const std::string& path,
                      const std::string& data) {
  int fd;
  EXPECT_EQ(fs.Open(path, O_RDWR | O_CREAT, &fd), 0);
  EXPECT_EQ(fs.SyncDir("/"), 0);
  EXPECT_EQ(fs.Pwrite(fd, 0, data), 0);
  return fd;
}

TEST(SimFsTest, WritesAreVisibleBeforeACrash) {
  SimFs fs;
  int fd;
  ASSERT_EQ(fs.Mkdir("/d"), 0);
  ASSERT_EQ(fs.Open("/d/f", O_RDWR | O_CREAT, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 0, "hello"), 0);
  ASSERT_EQ(fs.Pwrite(fd, 8, "xy"), 0);
  EXPECT_EQ(Read(fs, "d/f"), std::string("hello\0\0\0xy", 10));
  std::string part;
  ASSERT_EQ(fs.Pread(fd, 3, 4, &part), 0);
  EXPECT_EQ(part, std::string("lo\0\0", 4));
  ASSERT_EQ(fs.Pread(fd, 100, 4, &part), 0);
  EXPECT_EQ(part, "");
  std::vector<std::string> names;
  ASSERT_EQ(fs.List("/d", &names), 0);
  EXPECT_EQ(names, std::vector<std::string>{"f"});
  SimFs::Stat st;
  ASSERT_EQ(fs.Fstat(fd, &st), 0);
  EXPECT_EQ(st.size, 10u);
  // Every state change is one record, applied as it is recorded.
  EXPECT_EQ(fs.trace().records.size() - fs.trace().first_op, 4u);
}

TEST(SimFsTest, ErrorsAreErrnoValues) {
  SimFs fs;
  int fd;
  EXPECT_EQ(fs.Open("/nope", O_RDONLY, &fd), ENOENT);
  EXPECT_EQ(fs.Open("/a/b", O_RDWR | O_CREAT, &fd), ENOENT);
  ASSERT_EQ(fs.Open("/f", O_RDWR | O_CREAT, &fd), 0);
  EXPECT_EQ(fs.Open("/f", O_RDWR | O_CREAT | O_EXCL, &fd), EEXIST);
  EXPECT_EQ(fs.Open("/f/x", O_RDWR | O_CREAT, &fd), ENOTDIR);
  EXPECT_EQ(fs.Open("/../f", O_RDONLY, &fd), EINVAL);
  ASSERT_EQ(fs.Mkdir("/d"), 0);
  EXPECT_EQ(fs.Mkdir("/d"), EEXIST);
  EXPECT_EQ(fs.Open("/d", O_RDWR, &fd), EISDIR);
  EXPECT_EQ(fs.Unlink("/d"), EISDIR);
  EXPECT_EQ(fs.Rmdir("/f"), ENOTDIR);
  ASSERT_EQ(fs.Open("/d/g", O_RDWR | O_CREAT, &fd), 0);
  EXPECT_EQ(fs.Rmdir("/d"), ENOTEMPTY);
  EXPECT_EQ(fs.Rename("/d", "/d/e"), EINVAL);
  EXPECT_EQ(fs.Rename("/f", "/d"), EISDIR);
  EXPECT_EQ(fs.Close(12345), EBADF);
  int ro;
  ASSERT_EQ(fs.Open("/f", O_RDONLY, &ro), 0);
  EXPECT_EQ(fs.Pwrite(ro, 0, "x"), EBADF);
  // Descriptors are never reused: a closed one stays bad.
  ASSERT_EQ(fs.Close(ro), 0);
  EXPECT_EQ(fs.Close(ro), EBADF);
  std::string out;
  EXPECT_EQ(fs.Pread(ro, 0, 1, &out), EBADF);
  EXPECT_EQ(fs.Close(-1), EBADF);
  EXPECT_EQ(fs.Close(0), EBADF);
}

TEST(SimFsTest, UnsyncedDataIsLostAtACrash) {
  SimFs fs;
  int fd = CreateDurableName(fs, "/f", "hello");
  RngChoices choices(1);
  const CrashState& s = fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_EQ(s.dropped.size(), 1u);
  EXPECT_EQ(Read(fs, "/f"), "");
  // The process died with the crash: its descriptors are gone.
  EXPECT_EQ(fs.Pwrite(fd, 0, "late"), EBADF);
  EXPECT_EQ(fs.crashes(), 1u);
}

TEST(SimFsTest, FsyncMakesDataDurable) {
  SimFs fs;
  int fd = CreateDurableName(fs, "/f", "hello");
  ASSERT_EQ(fs.Fsync(fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 5, " world"), 0);  // after the fsync: lost
  RngChoices choices(1);
  fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_EQ(Read(fs, "/f"), "hello");
  // fdatasync is as good as fsync for file data.
  ASSERT_EQ(fs.Open("/f", O_RDWR, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 5, "!"), 0);
  ASSERT_EQ(fs.Fdatasync(fd), 0);
  fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_EQ(Read(fs, "/f"), "hello!");
}

TEST(SimFsTest, ACreatedFileWithoutADirectoryFsyncVanishes) {
  SimFs fs;
  int fd;
  ASSERT_EQ(fs.Open("/f", O_RDWR | O_CREAT, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 0, "data"), 0);
  ASSERT_EQ(fs.Fsync(fd), 0);  // the data, not the name
  RngChoices choices(1);
  fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_FALSE(fs.Exists("/f"));

  ASSERT_EQ(fs.Open("/g", O_RDWR | O_CREAT, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 0, "data"), 0);
  ASSERT_EQ(fs.Fsync(fd), 0);
  ASSERT_EQ(fs.SyncDir("/"), 0);
  fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_EQ(Read(fs, "/g"), "data");
}

TEST(SimFsTest, RenameIsDurableOnlyAfterTheDirectoryFsync) {
  for (bool sync_dir : {false, true}) {
    SimFs fs;
    int fd = CreateDurableName(fs, "/a", "old");
    ASSERT_EQ(fs.Fsync(fd), 0);
    fd = CreateDurableName(fs, "/tmp", "new");
    ASSERT_EQ(fs.Fsync(fd), 0);
    ASSERT_EQ(fs.Rename("/tmp", "/a"), 0);
    EXPECT_EQ(Read(fs, "/a"), "new");
    if (sync_dir) {
      ASSERT_EQ(fs.SyncDir("/"), 0);
    }
    RngChoices choices(1);
    fs.Crash(choices, OnlyDropUnsynced());
    EXPECT_EQ(Read(fs, "/a"), sync_dir ? "new" : "old") << sync_dir;
    EXPECT_EQ(fs.Exists("/tmp"), !sync_dir) << sync_dir;
  }
}

TEST(SimFsTest, ATornWriteKeepsExactlyTheChosenPrefix) {
  const std::string data(10000, 'B');
  for (Tear::Fill fill : {Tear::Fill::kOld, Tear::Fill::kGarbage}) {
    SimFs fs;
    int fd = CreateDurableName(fs, "/f", std::string(10000, 'A'));
    ASSERT_EQ(fs.Fsync(fd), 0);
    ASSERT_EQ(fs.Pwrite(fd, 0, data), 0);  // an overwrite, unsynced
    SpaceConfig c;
    c.models = {Model::kTorn};
    // Tear (1), the only write (0), byte cut 1000, the cut at index 2 of
    // the sorted candidates, the fill.
    ScriptedChoices choices(
        {1, 0, 1000, 2, fill == Tear::Fill::kOld ? 0u : 1u});
    const CrashState& s = fs.Crash(choices, c);
    ASSERT_EQ(s.torn.size(), 1u);
    ASSERT_EQ(s.torn[0].fill, fill);
    ASSERT_EQ(s.torn[0].keep.size(), 1u);
    const uint64_t kept = s.torn[0].keep[0].second;
    ASSERT_EQ(s.torn[0].keep[0].first, 0u);
    ASSERT_GT(kept, 0u);
    ASSERT_LT(kept, data.size());
    const std::string got = Read(fs, "/f");
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(got.substr(0, kept), data.substr(0, kept));
    if (fill == Tear::Fill::kOld) {
      EXPECT_EQ(got.substr(kept), std::string(data.size() - kept, 'A'));
    } else {
      EXPECT_NE(got.substr(kept), std::string(data.size() - kept, 'B'));
    }
    EXPECT_NE(fs.DescribeLastCrash().find("torn: #"), std::string::npos)
        << fs.DescribeLastCrash();
  }
}

// A random workload of every call that changes state.
void RandomOps(SimFs& fs, Rng& rng, int n) {
  const char* kPaths[] = {"/a", "/b", "/d/c", "/d/e", "/d"};
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    const std::string path = kPaths[rng.Uniform(5)];
    const std::string other = kPaths[rng.Uniform(5)];
    int fd;
    switch (rng.Uniform(9)) {
      case 0:
        if (fs.Open(path, O_RDWR | O_CREAT, &fd) == 0) fds.push_back(fd);
        break;
      case 1:
      case 2:
        if (!fds.empty()) {
          fs.Pwrite(fds[rng.Uniform(fds.size())], rng.Uniform(6000),
                    std::string(1 + rng.Uniform(5000), 'a' + i % 26));
        }
        break;
      case 3:
        if (!fds.empty()) fs.Fsync(fds[rng.Uniform(fds.size())]);
        break;
      case 4:
        fs.SyncDir(rng.Chance(1, 2) ? "/" : "/d");
        break;
      case 5:
        fs.Rename(path, other);
        break;
      case 6:
        if (fs.Unlink(path) != 0) fs.Rmdir(path);
        break;
      case 7:
        fs.Mkdir(path);
        break;
      case 8:
        fs.Truncate(path, rng.Uniform(3000));
        break;
    }
  }
}

SpaceConfig EveryModel() {
  SpaceConfig all;
  all.models = {Model::kPrefix, Model::kDropUnsynced, Model::kReorder,
                Model::kTorn};
  return all;
}

// The point of the design: a crash of SimFs is exactly core's ImageBuilder
// on the same trace and state, and the next trace's base entries describe
// the recovered image.
TEST(SimFsTest, CrashImagesEqualCoreImageBuilder) {
  const SpaceConfig all = EveryModel();
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SimFs fs;
    Rng rng(seed);
    for (int round = 0; round < 3; ++round) {
      RandomOps(fs, rng, 30);
      const Trace trace = fs.trace();
      const FsImage base = fs.base();
      RngChoices choices(seed * 7 + round);
      const size_t at = trace.first_op +
                        rng.Uniform(trace.records.size() - trace.first_op + 1);
      const CrashState state = fs.CrashAt(at, choices, all);
      ImageBuilder builder(trace, base);
      EXPECT_EQ(builder.Build(state).ContentHash(), fs.image().ContentHash())
          << "seed " << seed << " round " << round << " " << state.Id();
      EXPECT_EQ(fs.trace().records.size(), fs.trace().first_op);
    }
  }
}

// A kept run crashed again and again gives each time what CrashAt gives on
// the SimFs that ran it: the same state, image, report, and the same ids
// and descriptors for what recovery makes next.
TEST(SimFsTest, AKeptRunCrashesAsCrashAtDoes) {
  const SpaceConfig all = EveryModel();
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SimFs kept;
    Rng rng(seed);
    RandomOps(kept, rng, 30);
    const size_t first = kept.trace().first_op;
    const size_t end = kept.position();
    const SimFs::Run run = kept.TakeRun();
    for (uint64_t draw = 0; draw < 4; ++draw) {
      SimFs ran;  // the same run again, crashed in place
      Rng again(seed);
      RandomOps(ran, again, 30);
      ASSERT_EQ(ran.position(), end);
      const size_t at = first + (seed + draw * 7) % (end - first + 1);
      RngChoices a(seed * 31 + draw), b(seed * 31 + draw);
      const CrashState want = ran.CrashAt(at, a, all);
      SimFs crashed(run, DrawState(*run.trace, at, all, b));
      ASSERT_TRUE(crashed.last_crash().has_value());
      EXPECT_EQ(*crashed.last_crash(), want) << seed << " " << draw;
      EXPECT_EQ(crashed.image().ContentHash(), ran.image().ContentHash());
      EXPECT_EQ(crashed.DescribeLastCrash(), ran.DescribeLastCrash());
      EXPECT_EQ(crashed.trace().records.size(), ran.trace().records.size());
      int fd_a = -1, fd_b = -1;
      ASSERT_EQ(ran.Open("/after", O_RDWR | O_CREAT, &fd_a), 0);
      ASSERT_EQ(crashed.Open("/after", O_RDWR | O_CREAT, &fd_b), 0);
      EXPECT_EQ(fd_a, fd_b);
      SimFs::Stat sa, sb;
      ASSERT_EQ(ran.Fstat(fd_a, &sa), 0);
      ASSERT_EQ(crashed.Fstat(fd_b, &sb), 0);
      EXPECT_EQ(sa.id, sb.id);
    }
    EXPECT_EQ(run.trace->records.size(), end) << "the kept run is unchanged";
  }
}

TEST(SimFsTest, BaseEntriesOfTheNextTraceRebuildTheRecoveredImage) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SimFs fs;
    Rng rng(seed);
    RandomOps(fs, rng, 40);
    RngChoices choices(seed);
    fs.Crash(choices, SpaceConfig{});
    TempDir dir;
    ASSERT_TRUE(MakeDirs(dir.Sub("base")).ok());
    ASSERT_TRUE(fs.base().Materialize(dir.Sub("base")).ok());
    auto rebuilt = FsImage::FromBase(fs.trace(), dir.Sub("base"));
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
    EXPECT_EQ(rebuilt->ContentHash(), fs.image().ContentHash()) << seed;
  }
}

TEST(SimFsTest, SettleAllMakesEverythingDurable) {
  SimFs fs;
  int fd;
  ASSERT_EQ(fs.Open("/f", O_RDWR | O_CREAT, &fd), 0);
  ASSERT_EQ(fs.Pwrite(fd, 0, "kept"), 0);
  fs.SettleAll();
  EXPECT_EQ(fs.trace().records.size(), fs.trace().first_op);
  RngChoices choices(3);
  fs.Crash(choices, OnlyDropUnsynced());
  EXPECT_EQ(Read(fs, "/f"), "kept");
  // A SimFs built on an image continues its ids past every inode in it.
  SimFs again(fs.image());
  ASSERT_EQ(again.Open("/g", O_RDWR | O_CREAT, &fd), 0);
  SimFs::Stat st;
  ASSERT_EQ(again.Fstat(fd, &st), 0);
  EXPECT_GT(st.id, fs.image().MaxId());
}

}  // namespace
}  // namespace crashlab
