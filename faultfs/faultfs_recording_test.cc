// The recording path of crashlab-faultfs through a real mount: fsyncs are
// recorded but reach BACKING only with --backing-fsync, --stats counts the
// requests served, and the trace thread keeps a trace written under
// concurrent writers complete and in kernel order, marks included.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <thread>

#include "core/trace.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::MountedFaultfs;

// 1 when `path` has an extent still waiting for delayed allocation (dirty
// data never written back), 0 when none, -1 when FIEMAP cannot say.
int HasDelalloc(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  constexpr int kExtents = 32;
  alignas(fiemap) char buf[sizeof(fiemap) + kExtents * sizeof(fiemap_extent)];
  std::memset(buf, 0, sizeof(buf));
  auto* map = reinterpret_cast<fiemap*>(buf);
  map->fm_length = FIEMAP_MAX_OFFSET;
  map->fm_extent_count = kExtents;  // no FIEMAP_FLAG_SYNC: look, don't flush
  const int rc = ::ioctl(fd, FS_IOC_FIEMAP, map);
  ::close(fd);
  if (rc != 0) return -1;
  for (uint32_t i = 0; i < map->fm_mapped_extents; ++i) {
    if (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_DELALLOC) return 1;
  }
  return 0;
}

class RecordingFaultfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FuseDeviceMissing()) {
      GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
    }
    ASSERT_TRUE(MakeDirs(backing_).ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
  }

  void Mount(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--stats", stats_});
    fs_.reset();  // a stopped one's destructor must not unmount the next
    auto m = MountedFaultfs::Start(backing_, dir_.Sub("mnt"), trace_, extra);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    fs_ = std::move(*m);
  }

  // Writes 64 KiB to `name` through the mount and fsyncs it.
  void WriteAndFsync(const std::string& name) {
    const int fd = ::open((fs_->mount() + "/" + name).c_str(),
                          O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string data(64 * 1024, 'x');
    ASSERT_EQ(::write(fd, data.data(), data.size()),
              static_cast<ssize_t>(data.size()));
    ASSERT_EQ(::fsync(fd), 0) << std::strerror(errno);
    ::close(fd);
  }

  // Stops the daemon; returns its --stats.
  nlohmann::json StopAndStats() {
    Status stopped = fs_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.ToString();
    auto text = ReadFileToString(stats_);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return nlohmann::json::parse(text.ok() ? *text : "{}");
  }

  // Skips unless BACKING's file system delays allocation (ext4, xfs), which
  // is how a test can see whether dirty data was written back.
  void RequireDelalloc() {
    const std::string probe = backing_ + "/probe";
    ASSERT_TRUE(WriteStringToFile(probe, std::string(64 * 1024, 'p')).ok());
    const int seen = HasDelalloc(probe);
    ::unlink(probe.c_str());
    if (seen != 1) {
      GTEST_SKIP() << "BACKING (" << backing_
                   << ") shows no delayed allocation through FIEMAP, so "
                      "written-back data cannot be told from dirty data";
    }
  }

  TempDir dir_;
  const std::string backing_ = dir_.Sub("backing");
  const std::string trace_ = dir_.Sub("trace.bin");
  const std::string stats_ = dir_.Sub("stats.json");
  std::unique_ptr<MountedFaultfs> fs_;
};

TEST_F(RecordingFaultfsTest, BackingFsyncFlagReallyFsyncs) {
  RequireDelalloc();
  Mount({"--backing-fsync"});
  WriteAndFsync("synced");
  // The fsync allocated and wrote the data: nothing is left delayed.
  EXPECT_EQ(HasDelalloc(backing_ + "/synced"), 0);
  const nlohmann::json stats = StopAndStats();
  EXPECT_GE(stats["backing_fsyncs"].get<int>(), 1) << stats.dump();
  EXPECT_GE(stats["requests"]["fsync"].get<int>(), 1) << stats.dump();
}

TEST_F(RecordingFaultfsTest, FsyncIsRecordedButNotPassedOnByDefault) {
  RequireDelalloc();
  Mount({});
  // A global writeback (another process's sync, memory pressure) may write
  // a file back by itself: one file of three keeping its delayed data shows
  // faultfs did not fsync it.
  bool kept_dirty = false;
  for (int i = 0; i < 3 && !kept_dirty; ++i) {
    const std::string name = "unsynced" + std::to_string(i);
    WriteAndFsync(name);
    kept_dirty = HasDelalloc(backing_ + "/" + name) == 1;
  }
  EXPECT_TRUE(kept_dirty);
  const nlohmann::json stats = StopAndStats();
  EXPECT_EQ(stats["backing_fsyncs"].get<int>(), 0) << stats.dump();
  auto trace = ReadTrace(trace_);
  ASSERT_TRUE(trace.ok());
  int fsyncs = 0;
  for (const Record& r : trace->records) fsyncs += r.op == Op::kFsync;
  EXPECT_GE(fsyncs, 1);  // crash states still see the barrier
}

TEST_F(RecordingFaultfsTest, StatsCountTheRequestsServed) {
  Mount({});
  constexpr int kWrites = 20;
  const int fd = ::open((fs_->mount() + "/counted").c_str(),
                        O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < kWrites; ++i) ASSERT_EQ(::pwrite(fd, "z", 1, i), 1);
  ASSERT_EQ(::fdatasync(fd), 0);
  ::close(fd);
  const nlohmann::json stats = StopAndStats();
  const nlohmann::json& r = stats["requests"];
  EXPECT_EQ(r["create"].get<int>(), 1) << stats.dump();
  EXPECT_EQ(r["write"].get<int>(), kWrites) << stats.dump();
  EXPECT_EQ(r["fsync"].get<int>(), 1) << stats.dump();
  EXPECT_GE(r["total"].get<int>(), kWrites + 3);
  EXPECT_GE(stats["trace"]["records"].get<int>(), kWrites + 2);
}

TEST_F(RecordingFaultfsTest, XattrsAreOffUnlessAskedFor) {
  const std::string probe = backing_ + "/probe";
  ASSERT_TRUE(WriteStringToFile(probe, "p").ok());
  if (::setxattr(probe.c_str(), "user.k", "v", 1, 0) != 0) {
    GTEST_SKIP() << "BACKING has no user xattrs: " << std::strerror(errno);
  }
  Mount({});
  const std::string file = fs_->mount() + "/probe";
  char value[8] = {0};
  EXPECT_EQ(::getxattr(file.c_str(), "user.k", value, sizeof(value)), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  EXPECT_EQ(::setxattr(file.c_str(), "user.k", "w", 1, 0), -1);
  // Writes cost no security.capability lookups.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(::pwrite(fd, "q", 1, i), 1);
  ::close(fd);
  const nlohmann::json stats = StopAndStats();
  EXPECT_FALSE(stats["requests"].contains("getxattr")) << stats.dump();
  EXPECT_EQ(stats["requests"]["write"].get<int>(), 5) << stats.dump();

  ASSERT_TRUE(RemoveTree(trace_).ok());
  Mount({"--xattrs"});
  ASSERT_EQ(::getxattr(file.c_str(), "user.k", value, sizeof(value)), 1)
      << std::strerror(errno);
  EXPECT_EQ(value[0], 'v');
  EXPECT_EQ(::setxattr(file.c_str(), "user.k", "w", 1, 0), 0);
  ASSERT_TRUE(fs_->Stop().ok());
  ASSERT_EQ(::getxattr(probe.c_str(), "user.k", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'w');
}

// Threads write their own files through the mount, each marking every
// write after it returned; a SIGTERM right after the last one must leave
// the whole trace: every write, in each thread's order, each before its
// mark.
TEST_F(RecordingFaultfsTest, ConcurrentWritersLeaveACompleteOrderedTrace) {
  Mount({});
  constexpr int kThreads = 4, kWrites = 300;
  constexpr size_t kSize = 8192;
  std::vector<std::thread> threads;
  std::vector<Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string path = fs_->mount() + "/f" + std::to_string(t);
      const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return (void)(results[t] = Status::FromErrno(path, errno));
      const std::string data(kSize, static_cast<char>('a' + t));
      for (int k = 0; k < kWrites && results[t].ok(); ++k) {
        const off_t off = static_cast<off_t>(k * kSize);
        if (::pwrite(fd, data.data(), kSize, off) != ssize_t{kSize}) {
          results[t] = Status::FromErrno("pwrite", errno);
        } else {
          results[t] =
              fs_->Mark("t" + std::to_string(t) + "-" + std::to_string(k));
        }
      }
      ::close(fd);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(fs_->Stop().ok());  // SIGTERM: the daemon flushes on its way

  auto trace = ReadTrace(trace_);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_TRUE(trace->tail.clean) << trace->tail.problem;
  std::map<FileId, int> thread_of;  // file id -> thread, from the creates
  // A write may reach faultfs in more than one request: count bytes.
  std::vector<uint64_t> written(kThreads, 0);
  std::vector<int> marked(kThreads, 0);
  for (size_t i = trace->first_op; i < trace->records.size(); ++i) {
    const Record& r = trace->records[i];
    if (r.op == Op::kCreate) thread_of[r.file] = r.name[1] - '0';
    if (r.op == Op::kWrite) {
      ASSERT_TRUE(thread_of.count(r.file)) << "write before its create";
      const int t = thread_of[r.file];
      ASSERT_EQ(r.offset, written[t]) << "thread " << t;
      ASSERT_EQ(r.data, std::string(r.data.size(), static_cast<char>('a' + t)));
      written[t] += r.data.size();
    }
    if (r.op == Op::kMark) {
      const int t = r.data[1] - '0';
      ASSERT_EQ(r.data,
                "t" + std::to_string(t) + "-" + std::to_string(marked[t]));
      ++marked[t];
      // The write this mark follows is already in the trace.
      ASSERT_EQ(written[t], marked[t] * kSize) << r.data;
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(written[t], kWrites * kSize) << "thread " << t;
    EXPECT_EQ(marked[t], kWrites) << "thread " << t;
  }
}

}  // namespace
}  // namespace crashlab::faultfs
