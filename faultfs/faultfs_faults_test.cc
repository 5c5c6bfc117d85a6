// Live fault injection through a real mount: injected errors, lying and
// dropping fsyncs, clear-cache, the unsynced report, delays, and real
// errors kept apart from injected ones. Crashes are in
// faultfs_crash_test.cc.
#include <sys/mount.h>
#include <sys/wait.h>

#include <chrono>

#include "faultfs/fault_test_fixture.h"

namespace crashlab::faultfs {
namespace {

using nlohmann::json;

class IntegrationFaultsTest : public testing::FaultFixture {};

using testing::Open;
using testing::Pread;
using testing::Pwrite;

TEST_F(IntegrationFaultsTest, EioOnFsyncOfMatchingFileOnly) {
  Start({{"auth.db-wal", ""}, {"other.txt", ""}},
        R"({"rules": [{"id": "wal-eio", "op": "fsync", "path": "*.db-wal",
                       "action": {"errno": "EIO"}}]})");
  int wal = Open(M("auth.db-wal"), O_WRONLY);
  int other = Open(M("other.txt"), O_WRONLY);
  ASSERT_GE(wal, 0);
  ASSERT_GE(other, 0);
  ASSERT_EQ(Pwrite(wal, "frame", 0), 5);
  ASSERT_EQ(Pwrite(other, "data", 0), 4);
  EXPECT_EQ(::fsync(wal), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(::fsync(other), 0) << std::strerror(errno);
  EXPECT_EQ(::fdatasync(wal), 0) << "the rule watches fsync only";
  ::close(wal);
  ::close(other);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["rule"], "wal-eio");
  EXPECT_EQ(faults[0]["action"], "errno");
  EXPECT_EQ(faults[0]["op"], "fsync");
  EXPECT_EQ(faults[0]["path"], "auth.db-wal");
  EXPECT_EQ(faults[0]["_errno"], EIO);
  int fsyncs = 0;
  for (const Record& r : t.records) fsyncs += r.op == Op::kFsync;
  EXPECT_EQ(fsyncs, 1) << "the failed fsync has no record of its own";
}

TEST_F(IntegrationFaultsTest, EnospcOnWriteOnceAndPersistent) {
  Start({{"a.txt", ""}, {"b.txt", ""}},
        R"({"rules": [
          {"id": "once", "op": "write", "path": "a.txt", "nth": 2,
           "action": {"errno": "ENOSPC"}},
          {"id": "always", "op": "write", "path": "b.txt", "nth": 2,
           "action": {"errno": "ENOSPC", "persistent": true}}]})");
  int a = Open(M("a.txt"), O_WRONLY);
  int b = Open(M("b.txt"), O_WRONLY);
  std::vector<int> a_errs, b_errs;
  for (int i = 0; i < 4; ++i) {
    a_errs.push_back(Pwrite(a, "x", i) == 1 ? 0 : errno);
    b_errs.push_back(Pwrite(b, "y", i) == 1 ? 0 : errno);
  }
  ::close(a);
  ::close(b);
  EXPECT_EQ(a_errs, (std::vector<int>{0, ENOSPC, 0, 0}));
  EXPECT_EQ(b_errs, (std::vector<int>{0, ENOSPC, ENOSPC, ENOSPC}));
  EXPECT_EQ(Backing("a.txt"), "x" + std::string(1, '\0') + "xx")
      << "the failed write was not performed (a hole reads as zero)";
  Trace t = StopAndRead();
  EXPECT_EQ(Faults(t).size(), 4u);
  EXPECT_EQ(Replayed(t), BackingFiles());
}

TEST_F(IntegrationFaultsTest, LyingFsyncIsNoBarrierAndLosesTheData) {
  Start(
      {{"auth.db", "durable"}},
      R"({"rules": [{"id": "liar", "path": "auth.db", "action": {"lie": true}}]})");
  int fd = Open(M("auth.db"), O_WRONLY);
  ASSERT_EQ(Pwrite(fd, "AFTER!!", 0), 7);
  EXPECT_EQ(::fsync(fd), 0) << "a lie reports success";
  ::close(fd);
  EXPECT_EQ(Backing("auth.db"), "AFTER!!") << "the engine's view is intact";
  Trace t = StopAndRead();
  size_t lie = 0, fsync = 0;
  for (size_t i = t.first_op; i < t.records.size(); ++i) {
    if (t.records[i].op == Op::kFault) lie = i;
    if (t.records[i].op == Op::kFsync) fsync = i;
  }
  ASSERT_GT(lie, 0u);
  EXPECT_EQ(fsync, lie + 1) << "the fsync record follows its kFault";
  EXPECT_EQ(t.records[fsync].tags, kTagNoBarrier | kTagInjected);
  EXPECT_EQ(DropUnsynced(t).at("auth.db"), "durable")
      << "a power cut loses what the lying fsync did not sync";
}

TEST_F(IntegrationFaultsTest, FsyncDropRestoresDurableBytesLive) {
  const std::string durable(10000, 'd');
  Start({{"auth.db", durable}},
        R"({"rules": [{"id": "gate", "op": "fsync", "path": "auth.db",
                       "action": {"fsync_drop": true}}]})");
  int fd = Open(M("auth.db"), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(Pwrite(fd, "XXXX", 100), 4);
  ASSERT_EQ(Pwrite(fd, std::string(5000, 'e'), 9000), 5000);  // extends
  ASSERT_EQ(::ftruncate(fd, 12000), 0);                       // cuts
  ASSERT_EQ(Pread(fd, 4, 100), "XXXX") << "new bytes, now in the page cache";
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  // Read-your-writes after the drop: the kernel's cache was invalidated.
  EXPECT_EQ(Pread(fd, 4, 100), "dddd");
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 10000);
  EXPECT_EQ(Pread(fd, 20000, 0), durable);
  // The next fsync is real and the file stays as it is.
  ASSERT_EQ(Pwrite(fd, "Z", 0), 1);
  ::close(fd);
  EXPECT_EQ(Backing("auth.db"), "Z" + durable.substr(1));
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["action"], "fsync_drop");
  EXPECT_EQ(faults[0]["_errno"], EIO);
  int restoring = 0;
  for (const Record& r : t.records) {
    restoring += (r.op == Op::kWrite || r.op == Op::kTruncate) &&
                 (r.tags & kTagInjected);
  }
  EXPECT_GT(restoring, 0);
  EXPECT_EQ(Replayed(t), BackingFiles()) << "the trace replays to the backing";
  auto crashed = DropUnsynced(t);
  EXPECT_EQ(crashed.at("auth.db"), durable)
      << "a power cut after the drop leaves the durable bytes";
}

TEST_F(IntegrationFaultsTest, ClearCacheAndUnsyncedViaControlSocket) {
  Start({{"a.txt", "aaaa"}, {"b.txt", "bbbb"}, {"c.txt", "cccc"}});
  int a = Open(M("a.txt"), O_RDWR);
  int b = Open(M("b.txt"), O_RDWR);
  ASSERT_EQ(Pwrite(a, std::string(100, 'A'), 0), 100);
  ASSERT_EQ(Pwrite(b, std::string(30, 'B'), 2), 30);
  ASSERT_EQ(Pwrite(b, std::string(20, 'C'), 0), 20);
  json u = Call({{"cmd", "unsynced"}});
  EXPECT_EQ(u, json({{"ok", true},
                     {"total", 150},
                     {"files", {{"a.txt", 100}, {"b.txt", 50}}}}));
  ASSERT_EQ(::fsync(a), 0);
  u = Call({{"cmd", "unsynced"}});
  EXPECT_EQ(u, json({{"ok", true}, {"total", 50}, {"files", {{"b.txt", 50}}}}));
  ASSERT_EQ(Pread(b, 4, 0), "CCCC");
  json r = Call({{"cmd", "clear-cache"}});
  EXPECT_EQ(r.value("ok", false), true) << r.dump();
  EXPECT_EQ(Pread(b, 100, 0), "bbbb") << "b lost its unsynced data, live";
  EXPECT_EQ(Pread(a, 100, 0), std::string(100, 'A')) << "a was synced";
  EXPECT_EQ(Call({{"cmd", "unsynced"}})["total"], 0);
  // LazyFS's FIFO syntax works on the socket too.
  ASSERT_EQ(Pwrite(b, "zz", 0), 2);
  EXPECT_EQ(
      testing::ControlCall(Socket(), std::string("lazyfs::clear-cache"))["ok"],
      true);
  EXPECT_EQ(Pread(b, 100, 0), "bbbb");
  ::close(a);
  ::close(b);
  Trace t = StopAndRead();
  EXPECT_EQ(Replayed(t), BackingFiles());
  EXPECT_EQ(DropUnsynced(t), BackingFiles());
}

// Regression: a clear-cache fired by a write must not invalidate the
// file's kernel cache before replying: on kernels whose writers hold the
// written pages locked until the reply, that deadlocks. The writes run in
// a child, so a hang fails the test instead of blocking it. (The
// invalidation follows the reply, so the cache shows the durable bytes a
// moment after the write returns.)
TEST_F(IntegrationFaultsTest, ClearCacheOnAWriteDoesNotDeadlock) {
  Start({{"a", "0123456789"}},
        R"({"rules": [{"op": "write", "path": "a", "nth": 2,
                       "action": {"clear_cache": {"timing": "after"}}}]})");
  const std::string path = M("a");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = ::open(path.c_str(), O_RDWR);
    char buf[16];
    const bool ok = fd >= 0 && ::pread(fd, buf, 10, 0) == 10 &&  // cache it
                    ::pwrite(fd, "AB", 2, 0) == 2 &&
                    ::pwrite(fd, "CD", 2, 4) == 2;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 300 && (done = ::waitpid(child, &status, WNOHANG)) == 0;
       ++i) {
    ::usleep(10000);
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    fs_.reset();  // aborts the connection, freeing the child
    ::waitpid(child, &status, 0);
    FAIL() << "the writer hung: faultfs deadlocked";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string seen;
  for (int i = 0; i < 100 && seen != "0123456789"; ++i) {
    seen = *ReadFileToString(path);
    if (seen != "0123456789") ::usleep(10000);
  }
  EXPECT_EQ(seen, "0123456789") << "the cleared cache shows the durable bytes";
  Trace t = StopAndRead();
  EXPECT_EQ(Replayed(t), BackingFiles());
}

TEST_F(IntegrationFaultsTest, CheckpointSettlesEverything) {
  Start({{"a.txt", "old"}});
  ASSERT_TRUE(WriteStringToFile(M("a.txt"), "new").ok());
  EXPECT_EQ(Call({{"cmd", "checkpoint"}})["ok"], true);
  EXPECT_EQ(Call({{"cmd", "clear-cache"}})["ok"], true);
  EXPECT_EQ(*ReadFileToString(M("a.txt")), "new") << "nothing left to drop";
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]["settle_all"], true);
  EXPECT_EQ(DropUnsynced(t).at("a.txt"), "new");
}

TEST_F(IntegrationFaultsTest, DelayDelays) {
  Start(
      {{"d.txt", ""}},
      R"({"rules": [{"op": "fsync", "path": "d.txt", "action": {"delay_ms": 200}}]})");
  int fd = Open(M("d.txt"), O_WRONLY);
  ASSERT_EQ(Pwrite(fd, "x", 0), 1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(::fsync(fd), 0);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_GE(ms, 200);
  ::close(fd);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["action"], "delay");
  EXPECT_EQ(faults[0]["delay_ms"], 200);
  EXPECT_EQ(t.records.back().op, Op::kFsync) << "the fsync still happened";
}

TEST_F(IntegrationFaultsTest, InjectThroughTheSocketAndStatus) {
  Start({{"a.txt", ""}});
  json r =
      Call({{"cmd", "inject"},
            {"rule", {{"op", "write"}, {"action", {{"errno", "EROFS"}}}}}});
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["rule"], "injected-1");
  EXPECT_FALSE(WriteStringToFile(M("a.txt"), "x").ok());
  r = Call({{"cmd", "inject"}, {"rule", {{"action", {{"errno", "EBOGUS"}}}}}});
  EXPECT_EQ(r["ok"], false);
  EXPECT_NE(r.value("error", "").find("errno"), std::string::npos) << r.dump();
  r = Call({{"cmd", "status"}});
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["fired"][0]["rule"], "injected-1");
  EXPECT_EQ(r["fired"][0]["count"], 1);
  EXPECT_EQ(r["killed"], false);
  EXPECT_EQ(Call({{"cmd", "frobnicate"}})["ok"], false);
  EXPECT_EQ(testing::ControlCall(Socket(), std::string("not json"))["ok"],
            false);
  EXPECT_EQ(Call({{"cmd", "target"}, {"pgid", fs_->process().pid()}})["ok"],
            false)
      << "faultfs refuses to target its own group";
  EXPECT_EQ(Call({{"cmd", "mark"}, {"label", "m1"}})["ok"], true);
  EXPECT_EQ(Call({{"cmd", "flush"}})["ok"], true);
  Trace t = StopAndRead();
  EXPECT_EQ(t.records.back().op, Op::kMark);
  EXPECT_EQ(t.records.back().data, "m1");
}

// A real ENOSPC from a full backing file system is replied as it is and
// never recorded as a fault.
TEST_F(IntegrationFaultsTest, RealErrorsAreNotFaults) {
  const std::string tiny = dir_.Sub("tiny");
  ASSERT_TRUE(MakeDirs(tiny).ok());
  if (::mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                 << "); needs CAP_SYS_ADMIN";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{tiny};
  backing_ = tiny;
  Start(
      {{"full.bin", ""}},
      R"({"rules": [{"op": "fsync", "path": "never", "action": {"errno": "EIO"}}]})");
  int fd = Open(M("full.bin"), O_WRONLY);
  ASSERT_GE(fd, 0);
  const std::string chunk(16384, 'x');
  int err = 0;
  for (int i = 0; i < 64 && err == 0; ++i) {
    if (Pwrite(fd, chunk, static_cast<off_t>(i) * chunk.size()) < 0)
      err = errno;
  }
  ::close(fd);
  EXPECT_EQ(err, ENOSPC);
  Trace t = StopAndRead();
  EXPECT_TRUE(Faults(t).empty());
}

}  // namespace
}  // namespace crashlab::faultfs
