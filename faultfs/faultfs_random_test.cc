// Randomized end-to-end check: a seeded stream of file operations (many of
// which fail, on purpose) through a real mount; the image rebuilt from the
// trace must equal BACKING afterwards. Every failure names its seed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "core/fs_image.h"
#include "core/rng.h"
#include "core/trace.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::MountedFaultfs;

// Issues random operations under `root` (a directory in the mount).
class RandomOps {
 public:
  RandomOps(std::string root, uint64_t seed)
      : root_(std::move(root)), rng_(seed) {}
  ~RandomOps() {
    for (int fd : open_) ::close(fd);
  }

  void Run(int count) {
    for (int i = 0; i < count; ++i) Step();
  }

 private:
  std::string Pick(const std::vector<std::string>& v) {
    return root_ + "/" + v[rng_.Uniform(v.size())];
  }
  std::string AnyFile() {
    static const std::vector<std::string> kFiles = {
        "f0", "f1", "f2", "d0/f3", "d0/f4", "d1/f5", "d0/s/f6"};
    return Pick(kFiles);
  }
  std::string AnyDir() { return Pick({"d0", "d1", "d0/s"}); }
  std::string Bytes() {
    std::string s(1 + rng_.Uniform(3000), '\0');
    for (char& c : s) c = static_cast<char>('a' + rng_.Uniform(26));
    return s;
  }
  off_t Offset() { return static_cast<off_t>(rng_.Uniform(9000)); }

  void Step() {
    switch (rng_.Uniform(12)) {
      case 0:
      case 1: {
        const int flags = O_CREAT | O_WRONLY | O_CLOEXEC |
                          (rng_.Chance(1, 4) ? O_TRUNC : 0) |
                          (rng_.Chance(1, 4) ? O_APPEND : 0);
        int fd = ::open(AnyFile().c_str(), flags, 0644);
        if (fd < 0) return;
        const std::string data = Bytes();
        (void)!::pwrite(fd, data.data(), data.size(), Offset());
        if (rng_.Chance(1, 3)) (void)::fsync(fd);
        ::close(fd);
        return;
      }
      case 2:
        (void)::truncate(AnyFile().c_str(), Offset());
        return;
      case 3: {
        int fd = ::open(AnyFile().c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return;
        static const int kModes[] = {
            0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE};
        (void)::fallocate(fd, kModes[rng_.Uniform(3)], Offset(),
                          1 + rng_.Uniform(6000));
        ::close(fd);
        return;
      }
      case 4: {
        static const unsigned kFlags[] = {0, 0, RENAME_NOREPLACE,
                                          RENAME_EXCHANGE};
        (void)::renameat2(AT_FDCWD, AnyFile().c_str(), AT_FDCWD,
                          AnyFile().c_str(), kFlags[rng_.Uniform(4)]);
        return;
      }
      case 5:
        (void)::link(AnyFile().c_str(), AnyFile().c_str());
        return;
      case 6:
        (void)::unlink(AnyFile().c_str());
        return;
      case 7:
        if (rng_.Chance(2, 3)) {
          (void)::mkdir(AnyDir().c_str(), 0755);
        } else {
          (void)::rmdir(AnyDir().c_str());
        }
        return;
      case 8:
        (void)::symlink("f0", AnyFile().c_str());
        return;
      case 9: {
        int fd = ::open(AnyDir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return;
        (void)::fsync(fd);
        ::close(fd);
        return;
      }
      case 10: {  // keep a file open; it may be renamed or unlinked later
        if (open_.size() >= 4) {
          ::close(open_.front());
          open_.erase(open_.begin());
        }
        int fd = ::open(AnyFile().c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0) open_.push_back(fd);
        return;
      }
      case 11: {
        if (open_.empty()) return;
        const std::string data = Bytes();
        int fd = open_[rng_.Uniform(open_.size())];
        (void)!::pwrite(fd, data.data(), data.size(), Offset());
        if (rng_.Chance(1, 2)) (void)::fdatasync(fd);
        return;
      }
    }
  }

  std::string root_;
  Rng rng_;
  std::vector<int> open_;
};

class IntegrationFaultfsRandomTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    if (testing::FuseDeviceMissing()) {
      GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
    }
    backing_ = dir_.Sub("backing");
    ASSERT_TRUE(MakeDirs(backing_ + "/d0").ok());
    ASSERT_TRUE(WriteStringToFile(backing_ + "/f0", "base zero").ok());
    ASSERT_TRUE(WriteStringToFile(backing_ + "/d0/f3", "base three").ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
  }

  // Mounts, runs `work` with the mount's path, unmounts, and checks that
  // base + trace == BACKING.
  template <typename Fn>
  void RunAndCheck(Fn&& work) {
    ASSERT_TRUE(CopyTree(backing_, dir_.Sub("base")).ok());
    {
      auto fs = MountedFaultfs::Start(backing_, dir_.Sub("mnt"),
                                      dir_.Sub("trace.bin"));
      ASSERT_TRUE(fs.ok()) << fs.status().ToString();
      work((*fs)->mount());
      Status stopped = (*fs)->Stop();
      ASSERT_TRUE(stopped.ok()) << stopped.ToString();
    }
    auto trace = ReadTrace(dir_.Sub("trace.bin"));
    ASSERT_TRUE(trace.ok()) << trace.status().ToString();
    ASSERT_TRUE(trace->tail.clean);
    auto image = FsImage::FromBase(*trace, dir_.Sub("base"));
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    size_t inexact = 0;
    for (size_t i = trace->first_op; i < trace->records.size(); ++i) {
      if (!image->Apply(trace->records[i])) ++inexact;
    }
    EXPECT_EQ(inexact, 0u);
    EXPECT_EQ(testing::DiffTrees(image->Files(), testing::TreeFiles(backing_)),
              "");
    const std::string rebuilt = dir_.Sub("rebuilt");
    ASSERT_TRUE(MakeDirs(rebuilt).ok());
    ASSERT_TRUE(image->Materialize(rebuilt).ok());
    EXPECT_EQ(testing::DiffTrees(testing::TreeShape(rebuilt),
                                 testing::TreeShape(backing_)),
              "");
    EXPECT_GT(trace->records.size() - trace->first_op, 50u);
  }

  TempDir dir_;
  std::string backing_;
};

TEST_P(IntegrationFaultfsRandomTest, TraceRebuildsBacking) {
  const uint64_t seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed));
  RunAndCheck(
      [&](const std::string& mount) { RandomOps(mount, seed).Run(400); });
}

TEST_P(IntegrationFaultfsRandomTest, ConcurrentTraceRebuildsBacking) {
  const uint64_t seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed));
  RunAndCheck([&](const std::string& mount) {
    // Four clients, two of them sharing a directory tree, so their
    // operations race on the same names.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      const std::string root = t < 2 ? mount : mount + "/d0";
      threads.emplace_back([root, seed, t] {
        RandomOps(root, seed * 131 + static_cast<uint64_t>(t)).Run(150);
      });
    }
    for (auto& t : threads) t.join();
  });
}

INSTANTIATE_TEST_SUITE_P(IntegrationSeeds, IntegrationFaultfsRandomTest,
                         ::testing::Values(1u, 2u, 3u, 20240601u));

}  // namespace
}  // namespace crashlab::faultfs
