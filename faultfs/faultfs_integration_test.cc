// End-to-end tests of crashlab-faultfs: real syscalls through a real mount,
// then the trace read back and checked record by record, and the final
// image rebuilt from the trace compared with what BACKING really holds.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fs_image.h"
#include "core/trace.h"
#include "faultfs/client/faultfs_mount.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::MountedFaultfs;

// Fixture: BACKING with a few files, a copy of it as the trace's base, an
// empty mount point, and a running daemon.
class IntegrationFaultfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FuseDeviceMissing()) {
      GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
    }
    old_umask_ = ::umask(022);
    backing_ = dir_.Sub("backing");
    ASSERT_TRUE(MakeDirs(backing_ + "/dir1").ok());
    ASSERT_TRUE(MakeDirs(dir_.Sub("mnt")).ok());
    ASSERT_TRUE(WriteStringToFile(backing_ + "/dir1/inner.txt", "abc").ok());
    ASSERT_TRUE(
        WriteStringToFile(backing_ + "/existing.txt", "hello world").ok());
    ASSERT_TRUE(WriteStringToFile(backing_ + "/victim.txt", "replace me").ok());
    ASSERT_TRUE(CopyTree(backing_, dir_.Sub("base")).ok());
    auto m = MountedFaultfs::Start(backing_, dir_.Sub("mnt"), TracePath());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    fs_ = std::move(*m);
  }

  void TearDown() override {
    fs_.reset();
    ::umask(old_umask_);
  }

  std::string TracePath() const { return dir_.Sub("trace.bin"); }
  std::string M(const std::string& rel) const {
    return fs_->mount() + "/" + rel;
  }

  // Stops the daemon and reads the whole trace.
  Trace StopAndRead() {
    Status stopped = fs_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.ToString();
    auto trace = ReadTrace(TracePath());
    EXPECT_TRUE(trace.ok()) << trace.status().ToString();
    if (!trace.ok()) return Trace();
    EXPECT_TRUE(trace->tail.clean) << trace->tail.problem;
    EXPECT_EQ(trace->base_dir, "base");
    return std::move(*trace);
  }

  // The strong check: base + every record == what BACKING holds now.
  void ExpectTraceRebuildsBacking(const Trace& trace) {
    auto image = FsImage::FromBase(trace, dir_.Sub(trace.base_dir));
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
      EXPECT_TRUE(image->Apply(trace.records[i]))
          << "record " << RecordToJson(trace.records[i], i);
    }
    EXPECT_EQ(testing::DiffTrees(image->Files(), testing::TreeFiles(backing_)),
              "");
    const std::string rebuilt = dir_.Sub("rebuilt");
    ASSERT_TRUE(MakeDirs(rebuilt).ok());
    ASSERT_TRUE(image->Materialize(rebuilt).ok());
    EXPECT_EQ(testing::DiffTrees(testing::TreeShape(rebuilt),
                                 testing::TreeShape(backing_)),
              "");
  }

  TempDir dir_;
  std::string backing_;
  std::unique_ptr<MountedFaultfs> fs_;
  mode_t old_umask_ = 022;
};

// Expected-record builders. Comparisons ignore time, pid and file modes.
Record Rec(Op op, FileId file) {
  Record r;
  r.op = op;
  r.file = file;
  return r;
}
Record Named(Op op, FileId parent, const std::string& name, FileId file) {
  Record r = Rec(op, file);
  r.parent = parent;
  r.name = name;
  return r;
}
Record Write(FileId file, uint64_t offset, const std::string& data) {
  Record r = Rec(Op::kWrite, file);
  r.offset = offset;
  r.data = data;
  return r;
}
Record Truncate(FileId file, uint64_t size) {
  Record r = Rec(Op::kTruncate, file);
  r.offset = size;
  return r;
}
Record Fallocate(FileId file, uint32_t mode, uint64_t offset, uint64_t length) {
  Record r = Rec(Op::kFallocate, file);
  r.mode = mode;
  r.offset = offset;
  r.length = length;
  return r;
}
Record Symlink(FileId parent, const std::string& name, FileId file,
               const std::string& target) {
  Record r = Named(Op::kSymlink, parent, name, file);
  r.data = target;
  return r;
}
Record Rename(FileId parent, const std::string& name, FileId new_parent,
              const std::string& new_name, FileId file, FileId other,
              uint32_t flags) {
  Record r = Named(Op::kRename, parent, name, file);
  r.new_parent = new_parent;
  r.new_name = new_name;
  r.other = other;
  r.flags = flags;
  return r;
}
Record Mark(const std::string& label) {
  Record r = Rec(Op::kMark, 0);
  r.data = label;
  return r;
}

std::vector<std::string> Describe(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (size_t i = 0; i < records.size(); ++i) {
    Record r = records[i];
    r.time_ns = 0;
    r.pid = 0;
    if (r.op != Op::kFallocate) r.mode = 0;  // checked apart: umask-dependent
    out.push_back(RecordToJson(r, i));
  }
  return out;
}

void PwriteAll(int fd, const std::string& data, off_t off) {
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), off),
            static_cast<ssize_t>(data.size()))
      << std::strerror(errno);
}

TEST_F(IntegrationFaultfsTest, RecordsEveryOperationInOrder) {
  // Base ids, sorted pre-order: dir1 2, dir1/inner.txt 3, existing.txt 4,
  // victim.txt 5. New files get 6, 7, ...
  ASSERT_TRUE(fs_->Mark("start").ok());
  int fd =
      ::open(M("a").c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  PwriteAll(fd, "hello", 0);
  PwriteAll(fd, "XY", 10);
  ASSERT_EQ(::ftruncate(fd, 8), 0);
  ASSERT_EQ(::fallocate(fd, 0, 0, 4096), 0) << std::strerror(errno);
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::fdatasync(fd), 0);
  ::close(fd);
  ASSERT_TRUE(fs_->Mark("m1").ok());
  ASSERT_EQ(::mkdir(M("d").c_str(), 0755), 0);
  for (const char* dir : {"d", "."}) {
    int dfd = ::open(M(dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dfd, 0);
    ASSERT_EQ(::fsync(dfd), 0);
    ::close(dfd);
  }
  ASSERT_EQ(::rename(M("a").c_str(), M("d/b").c_str()), 0);
  fd = ::open(M("d/b").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  PwriteAll(fd, "Z", 0);  // the renamed file keeps its id
  ::close(fd);
  ASSERT_EQ(::rename(M("existing.txt").c_str(), M("victim.txt").c_str()), 0);
  ASSERT_EQ(::renameat2(AT_FDCWD, M("d/b").c_str(), AT_FDCWD,
                        M("victim.txt").c_str(), RENAME_NOREPLACE),
            -1);
  ASSERT_EQ(errno, EEXIST);  // failed: not recorded
  ASSERT_EQ(::renameat2(AT_FDCWD, M("d/b").c_str(), AT_FDCWD, M("d/c").c_str(),
                        RENAME_NOREPLACE),
            0);
  ASSERT_EQ(::renameat2(AT_FDCWD, M("d/c").c_str(), AT_FDCWD,
                        M("victim.txt").c_str(), RENAME_EXCHANGE),
            0);
  fd = ::open(M("victim.txt").c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC,
              0644);
  ASSERT_GE(fd, 0);
  PwriteAll(fd, "fresh", 0);
  ::close(fd);
  ASSERT_EQ(::link(M("d/c").c_str(), M("hard").c_str()), 0);
  ASSERT_EQ(::symlink("d/c", M("sym").c_str()), 0);
  ASSERT_EQ(::unlink(M("hard").c_str()), 0);
  ASSERT_EQ(::mkdir(M("e").c_str(), 0700), 0);
  ASSERT_EQ(::rmdir(M("e").c_str()), 0);
  fd = ::open(M("dir1/inner.txt").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  PwriteAll(fd, "new", 0);
  ::close(fd);
  fd = ::open(M("tmp").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(M("tmp").c_str()), 0);
  PwriteAll(fd, "ghost", 0);
  ::close(fd);
  ASSERT_TRUE(fs_->Mark("end").ok());

  Trace trace = StopAndRead();
  const std::vector<Record> ops(trace.records.begin() + trace.first_op,
                                trace.records.end());
  const std::vector<Record> want = {
      Mark("start"),
      Named(Op::kCreate, kRootId, "a", 6),
      Write(6, 0, "hello"),
      Write(6, 10, "XY"),
      Truncate(6, 8),
      Fallocate(6, 0, 0, 4096),
      Rec(Op::kFsync, 6),
      Rec(Op::kFdatasync, 6),
      Mark("m1"),
      Named(Op::kMkdir, kRootId, "d", 7),
      Rec(Op::kFsyncDir, 7),
      Rec(Op::kFsyncDir, kRootId),
      Rename(kRootId, "a", 7, "b", 6, 0, 0),
      Write(6, 0, "Z"),
      Rename(kRootId, "existing.txt", kRootId, "victim.txt", 4, 5, 0),
      Rename(7, "b", 7, "c", 6, 0, RENAME_NOREPLACE),
      Rename(7, "c", kRootId, "victim.txt", 6, 4, RENAME_EXCHANGE),
      Truncate(6, 0),
      Write(6, 0, "fresh"),
      Named(Op::kLink, kRootId, "hard", 4),
      Symlink(kRootId, "sym", 8, "d/c"),
      Named(Op::kUnlink, kRootId, "hard", 4),
      Named(Op::kMkdir, kRootId, "e", 9),
      Named(Op::kRmdir, kRootId, "e", 9),
      Truncate(3, 0),
      Write(3, 0, "new"),
      Named(Op::kCreate, kRootId, "tmp", 10),
      Named(Op::kUnlink, kRootId, "tmp", 10),
      Write(10, 0, "ghost"),
      Mark("end"),
  };
  EXPECT_EQ(Describe(ops), Describe(want));

  uint64_t last_ns = 0;
  for (const Record& r : ops) {
    EXPECT_EQ(r.pid, static_cast<uint32_t>(::getpid())) << OpName(r.op);
    EXPECT_GE(r.time_ns, last_ns);
    last_ns = r.time_ns;
  }
  ASSERT_EQ(ops.size(), want.size());
  EXPECT_EQ(ops[1].mode, S_IFREG | 0644u);
  EXPECT_EQ(ops[9].mode, S_IFDIR | 0755u);
  ExpectTraceRebuildsBacking(trace);
}

TEST_F(IntegrationFaultfsTest, AppendWritesRecordTheOffsetTheyLandedAt) {
  int fd = ::open(M("existing.txt").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "++", 2), 2);
  ASSERT_EQ(::write(fd, "--", 2), 2);
  ::close(fd);
  Trace trace = StopAndRead();
  const std::vector<Record> ops(trace.records.begin() + trace.first_op,
                                trace.records.end());
  EXPECT_EQ(Describe(ops), Describe({Write(4, 11, "++"), Write(4, 13, "--")}));
  EXPECT_EQ(*ReadFileToString(backing_ + "/existing.txt"), "hello world++--");
  ExpectTraceRebuildsBacking(trace);
}

TEST_F(IntegrationFaultfsTest, ControlFileIsHiddenProtectedAndStrict) {
  struct stat st;
  ASSERT_EQ(::stat(M(".crashlab-ctl").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 0);

  DIR* dir = ::opendir(fs_->mount().c_str());
  ASSERT_NE(dir, nullptr);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) names.push_back(e->d_name);
  ::closedir(dir);
  EXPECT_EQ(std::count(names.begin(), names.end(), ".crashlab-ctl"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "existing.txt"), 1);

  EXPECT_EQ(::unlink(M(".crashlab-ctl").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::rename(M(".crashlab-ctl").c_str(), M("x").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::rename(M("existing.txt").c_str(), M(".crashlab-ctl").c_str()),
            -1);
  EXPECT_EQ(errno, EPERM);

  int fd = ::open(M(".crashlab-ctl").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, "bogus\n", 6), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(::write(fd, "mark ok\n", 8), 8);
  EXPECT_EQ(::write(fd, "flush\n", 6), 6);
  char buf[128] = {};
  ASSERT_GT(::pread(fd, buf, sizeof(buf) - 1, 0), 0);
  EXPECT_EQ(std::string(buf).rfind("{\"records\":", 0), 0u) << buf;
  ::close(fd);

  Trace trace = StopAndRead();
  ASSERT_EQ(trace.records.size(), trace.first_op + 1);
  EXPECT_EQ(trace.records.back().data, "ok");
  EXPECT_FALSE(PathExists(backing_ + "/.crashlab-ctl"));
}

TEST_F(IntegrationFaultfsTest, SharedMmapWritesBecomeWriteRecords) {
  int fd = ::open(M("mm").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 8192), 0);
  void* p = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED) << std::strerror(errno);
  const std::string bytes = "mapped-bytes";
  std::memcpy(static_cast<char*>(p) + 4196, bytes.data(), bytes.size());
  ASSERT_EQ(::msync(p, 8192, MS_SYNC), 0) << std::strerror(errno);
  ASSERT_EQ(::munmap(p, 8192), 0);
  ::close(fd);
  std::string want(8192, '\0');
  want.replace(4196, bytes.size(), bytes);
  EXPECT_EQ(*ReadFileToString(M("mm")), want);

  Trace trace = StopAndRead();
  bool covered = false;
  for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
    const Record& r = trace.records[i];
    if (r.op == Op::kWrite && r.file == 6 && r.offset <= 4196 &&
        r.offset + r.data.size() >= 4196 + bytes.size()) {
      covered = r.data.substr(4196 - r.offset, bytes.size()) == bytes;
    }
  }
  EXPECT_TRUE(covered) << "no kWrite record carries the mapped bytes";
  EXPECT_EQ(*ReadFileToString(backing_ + "/mm"), want);
  ExpectTraceRebuildsBacking(trace);
}

TEST_F(IntegrationFaultfsTest, KilledDaemonLeavesNoMountBehind) {
  const std::string mount = fs_->mount();
  ASSERT_TRUE(testing::IsMounted(mount));
  ASSERT_TRUE(WriteStringToFile(M("written-before-kill"), "x").ok());
  ::kill(fs_->process().pid(), SIGKILL);  // the daemon alone, not its group
  auto st = fs_->process().Wait(5000);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFSIGNALED(*st));
  // auto_unmount's fusermount3 helper usually removes the mount, but not
  // always: a daemon killed before the helper is set up leaves the mount
  // behind (faultfs/client/faultfs_mount.cc; seen once in a loaded CI run
  // of this test). crashlab then removes it itself (ForceUnmount, as
  // FaultfsMount does after a dead daemon): what must hold is that the two
  // together leave nothing mounted, and that the data reached the backing.
  if (!testing::WaitUnmounted(mount, 5000)) ForceUnmount(mount);
  EXPECT_TRUE(testing::WaitUnmounted(mount, 5000))
      << "neither auto_unmount nor ForceUnmount removed " << mount;
  struct stat s;
  EXPECT_EQ(::stat(mount.c_str(), &s), 0) << std::strerror(errno);
  EXPECT_TRUE(IsEmptyDir(mount));
  EXPECT_EQ(*ReadFileToString(backing_ + "/written-before-kill"), "x");
}

// Regression: the harness signalled both the daemon and its process group,
// so a second SIGTERM could land after the session loop ended and kill the
// daemon before it flushed its trace ("killed by signal 15").
TEST_F(IntegrationFaultfsTest, RepeatedSigtermStillStopsCleanly) {
  const std::string mount = fs_->mount();
  ASSERT_TRUE(WriteStringToFile(M("f"), "data").ok());
  // Keep signalling until the daemon is gone, so signals also land while
  // it unmounts and flushes.
  const pid_t pid = fs_->process().pid();
  const int64_t deadline = MonotonicMs() + 5000;
  while (fs_->process().running() && MonotonicMs() < deadline) {
    ::kill(pid, SIGTERM);
    ::usleep(50);
  }
  auto st = fs_->process().Wait(30000);  // the trace fsync, under load
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0)
      << Subprocess::DescribeWaitStatus(*st);
  EXPECT_TRUE(testing::WaitUnmounted(mount, 5000));
  auto trace = ReadTrace(TracePath());
  ASSERT_TRUE(trace.ok());
  EXPECT_TRUE(trace->tail.clean);
}

}  // namespace
}  // namespace crashlab::faultfs
