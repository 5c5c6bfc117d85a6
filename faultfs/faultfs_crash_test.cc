// Live crashes through a real mount: torn writes, LazyFS torn-seq and
// torn-op, kill-at, crash before/after, with a `sleep` as the engine whose
// process group is killed. The trace must tell the persistence models
// exactly what survived.
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "faultfs/fault_test_fixture.h"

namespace crashlab::faultfs {
namespace {

using nlohmann::json;
using testing::Open;
using testing::Pwrite;

class IntegrationCrashTest : public testing::FaultFixture {};

TEST_F(IntegrationCrashTest, TornWriteKeepsThePrefixAndKillsTheEngine) {
  const std::string old(8192, 'o');
  // One page: the kernel sends an unaligned write that spans pages as
  // several requests.
  Start({{"t.bin", old}},
        R"({"seed": 3, "rules": [{"id": "tear", "op": "write", "path": "t.bin",
             "nth": 1, "action": {"torn": {"granularity": "sector",
                                           "keep_fraction": 0.3}}}]})");
  StartEngine();
  int fd = Open(M("t.bin"), O_WRONLY);
  const std::string data(3000, 'N');
  EXPECT_EQ(Pwrite(fd, data, 4196), -1);
  EXPECT_EQ(errno, EIO);
  ::close(fd);
  EXPECT_TRUE(EngineKilled());
  // 30% of 3000 is 900; the last sector boundary (file offset) at or
  // below 4196 + 900 is 4608: 412 bytes reach the backing file.
  std::string want = old;
  want.replace(4196, 412, 412, 'N');
  EXPECT_TRUE(Backing("t.bin") == want);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  const size_t write = faults[0]["_index"].get<size_t>() - 1;
  EXPECT_EQ(t.records[write].op, Op::kWrite);
  EXPECT_TRUE(t.records[write].data == data)
      << "the record keeps the whole write";
  EXPECT_EQ(faults[0]["action"], "torn");
  EXPECT_EQ(faults[0]["keep"], json::array({json::array({write, 0, 412})}));
  EXPECT_EQ(faults[0]["pgid"], engine_->pid());
  EXPECT_EQ(faults[0]["_errno"], EIO);
  EXPECT_TRUE(DropUnsynced(t).at("t.bin") == want)
      << "the drop-unsynced state has the write torn as recorded";
}

TEST_F(IntegrationCrashTest, TornSeqPersistsOnlyTheNamedWritesOfTheGroup) {
  Start({{"s.bin", std::string(16, '.')}},
        R"(
[[injection]]
type = "torn-seq"
op = "write"
file = "/home/gsd/lazyfs.mnt/s.bin"
persist = [1, 3]
occurrence = 2
)",
        "config.toml");
  StartEngine();
  int fd = Open(M("s.bin"), O_WRONLY);
  ASSERT_EQ(Pwrite(fd, "1111", 0), 4);  // group 1
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(Pwrite(fd, "AAAA", 0), 4);   // group 2: 1
  ASSERT_EQ(Pwrite(fd, "BBBB", 4), 4);   //          2
  EXPECT_EQ(Pwrite(fd, "CCCC", 8), -1);  //         3: fires
  ::close(fd);
  EXPECT_TRUE(EngineKilled());
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["action"], "torn-seq");
  EXPECT_EQ(faults[0]["rule"], "injection-1");
  ASSERT_EQ(faults[0]["persist"].size(), 2u);
  EXPECT_EQ(t.records[faults[0]["persist"][0].get<size_t>()].data, "AAAA");
  EXPECT_EQ(t.records[faults[0]["persist"][1].get<size_t>()].data, "CCCC");
  EXPECT_EQ(DropUnsynced(t).at("s.bin"), "AAAA....CCCC....");
}

// LazyFS torn-op through the socket's FIFO syntax: parts 1 and 3 of the
// second write reach the backing file; the kFault names both ranges.
TEST_F(IntegrationCrashTest, TornOpPersistsTheNamedParts) {
  Start({{"f.bin", std::string(12, '.')}}, "");
  StartEngine();
  json r = testing::ControlCall(
      Socket(), json({{"cmd", "inject"},
                      {"lazyfs",
                       "lazyfs::torn-op::file=/mnt/lfs/f.bin::persist=1,3::"
                       "parts=3::occurrence=2"}}));
  ASSERT_EQ(r["ok"], true) << r.dump();
  int fd = Open(M("f.bin"), O_WRONLY);
  ASSERT_EQ(Pwrite(fd, "x", 0), 1);
  EXPECT_EQ(Pwrite(fd, "aaaabbbbcccc", 0), -1);
  ::close(fd);
  EXPECT_TRUE(EngineKilled());
  EXPECT_EQ(Backing("f.bin"), "aaaa....cccc");
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["lazyfs"], "torn-op");
  const size_t w = faults[0]["_index"].get<size_t>() - 1;
  EXPECT_EQ(faults[0]["keep"],
            json::parse("[[" + std::to_string(w) + ",0,4],[" +
                        std::to_string(w) + ",8,4]]"));
}

// Adjacent parts make one kept range, which the persistence models apply.
TEST_F(IntegrationCrashTest, TornOpWithAdjacentPartsInTheModel) {
  Start({{"f.bin", std::string(12, '.')}},
        "[[injection]]\ntype = \"split_write\"\nfile = \"f.bin\"\n"
        "parts_bytes = [2, 4, 6]\npersist = [2, 3]\n",
        "config.toml");
  int fd = Open(M("f.bin"), O_WRONLY);
  EXPECT_EQ(Pwrite(fd, "aabbbbcccccc", 0), -1);
  ::close(fd);
  EXPECT_EQ(Backing("f.bin"), "..bbbbcccccc");
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["no_target"], true);
  EXPECT_EQ(DropUnsynced(t).at("f.bin"), "..bbbbcccccc");
}

// Regression: SyncTracker kept only the first of several "keep" ranges of
// one record.
TEST_F(IntegrationCrashTest, TornOpWithSeparatePartsInTheModel) {
  Start({{"f.bin", std::string(12, '.')}},
        "[[injection]]\ntype = \"torn-op\"\nfile = \"f.bin\"\n"
        "parts = 3\npersist = [1, 3]\n",
        "config.toml");
  int fd = Open(M("f.bin"), O_WRONLY);
  EXPECT_EQ(Pwrite(fd, "aaaabbbbcccc", 0), -1);
  ::close(fd);
  Trace t = StopAndRead();
  EXPECT_EQ(DropUnsynced(t).at("f.bin"), "aaaa....cccc");
}

TEST_F(IntegrationCrashTest, KillAtKillsAtExactlyTheKthOperation) {
  Start({{"k.txt", ""}});
  StartEngine();
  ASSERT_EQ(Call({{"cmd", "kill-at"}, {"after_ops", 3}})["ok"], true);
  int fd = Open(M("new.txt"), O_CREAT | O_WRONLY);  // 1: create
  ASSERT_GE(fd, 0);
  ASSERT_EQ(Pwrite(fd, "one", 0), 3);  // 2: write
  EXPECT_TRUE(ProcessAlive(engine_->pid()));
  EXPECT_EQ(Pwrite(fd, "two", 3), -1);  // 3: killed first
  EXPECT_EQ(errno, EIO);
  EXPECT_TRUE(EngineKilled());
  EXPECT_EQ(Pwrite(fd, "three", 3), 5) << "kill-at fires once";
  ::close(fd);
  EXPECT_EQ(Call({{"cmd", "status"}})["killed"], true);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["action"], "kill");
  EXPECT_EQ(faults[0]["op"], "write");
  const size_t k = faults[0]["_index"];
  EXPECT_EQ(t.records[k - 2].op, Op::kCreate);
  EXPECT_EQ(t.records[k - 1].data, "one");
  EXPECT_EQ(t.records[k + 1].data, "three");
}

TEST_F(IntegrationCrashTest, CrashBeforeAndAfter) {
  Start({{"a", ""}, {"b", ""}},
        R"({"rules": [
          {"id": "before", "op": "unlink", "path": "a",
           "action": {"crash": {"timing": "before"}}},
          {"id": "after", "op": "rename", "path": "b",
           "action": {"crash": {"timing": "after"}}}]})");
  StartEngine();
  EXPECT_EQ(::unlink(M("a").c_str()), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_TRUE(EngineKilled());
  EXPECT_TRUE(PathExists(backing_ + "/a")) << "not performed";
  StartEngine();
  EXPECT_EQ(::rename(M("b").c_str(), M("c").c_str()), 0)
      << std::strerror(errno);
  EXPECT_TRUE(EngineKilled());
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]["action"], "crash");
  EXPECT_EQ(faults[0]["rule"], "before");
  EXPECT_EQ(faults[1]["rule"], "after");
  EXPECT_EQ(t.records[faults[1]["_index"].get<size_t>() - 1].op, Op::kRename);
}

// An engine in several process groups (SQLite's client drivers): groups
// added to the target die with it, on kill-at as on crash.
TEST_F(IntegrationCrashTest, AddedTargetGroupsDieWithTheTarget) {
  Start({{"a", ""}});
  EXPECT_EQ(Call({{"cmd", "target"}, {"pgid", 12345}, {"add", true}})["ok"],
            false)
      << "nothing to add to yet";
  StartEngine();
  SpawnOptions o;
  o.argv = {"/bin/sleep", "30"};
  auto other = Subprocess::Spawn(o);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto gone = Subprocess::Spawn(o);  // added, then exits before the kill
  ASSERT_TRUE(gone.ok());
  for (pid_t g : {(*other)->pid(), (*gone)->pid()}) {
    ASSERT_EQ(Call({{"cmd", "target"}, {"pgid", g}, {"add", true}})["ok"],
              true);
  }
  EXPECT_EQ(Call({{"cmd", "status"}})["also"].size(), 2u);
  (*gone)->Kill(SIGTERM);
  ASSERT_TRUE((*gone)->Wait(5000).ok());
  ASSERT_EQ(Call({{"cmd", "kill-at"}, {"after_ops", 1}})["ok"], true);
  int fd = Open(M("a"), O_WRONLY);
  EXPECT_EQ(Pwrite(fd, "x", 0), -1);
  ::close(fd);
  EXPECT_TRUE(EngineKilled());
  auto st = (*other)->Wait(1000);
  ASSERT_TRUE(st.ok()) << "the added group was not killed";
  EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGKILL);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["also"].size(), 2u);
  EXPECT_FALSE(faults[0].contains("kill_error"))
      << "a group already gone is no error";
}

// SIGKILL reaches an engine's processes one after another (PostgreSQL's
// backends die only after their postmaster): one still running after the
// crash point must not change what the crash left, or it could fsync a
// commit, acknowledge it, and have the crash state lose it. Here the
// leftover is a child in a session of its own, which the group kill never
// reaches: its write, fsync and rename fail with EIO, are not performed
// and are not recorded, while the test's own process goes on writing.
TEST_F(IntegrationCrashTest, AKilledEnginesLeftoverProcessesAreFencedOff) {
  Start({{"a", "old"}});
  const std::string script = fmt::format(
      "echo $$; while [ ! -e {go} ]; do sleep 0.01; done; "
      "echo new | dd of={a} oflag=append conv=notrunc 2>/dev/null; "
      "echo write $? > {res}; "
      "dd if=/dev/null of={a} conv=notrunc,fsync 2>/dev/null; "
      "echo fsync $? >> {res}; "
      "mv {a} {c} 2>/dev/null; echo rename $? >> {res}; "
      "echo done >> {res}; exec sleep 30",
      fmt::arg("go", P("go")), fmt::arg("a", M("a")), fmt::arg("c", M("c")),
      fmt::arg("res", P("res")));
  StartEngine({"/bin/sh", "-c", "setsid /bin/sh -c '" + script + "' & wait"},
              /*pipe_stdout=*/true);
  auto line = engine_->ReadLine(5000);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  const pid_t leftover = std::stoi(*line);
  ASSERT_EQ(Call({{"cmd", "crash"}})["killed"], true);
  EXPECT_TRUE(EngineKilled());
  ASSERT_TRUE(ProcessAlive(leftover)) << "the group kill missed it";
  ASSERT_TRUE(WriteStringToFile(P("go"), "").ok());
  std::string res;
  for (int i = 0; i < 500 && res.find("done") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto got = ReadFileToString(P("res"));
    if (got.ok()) res = *got;
  }
  ::kill(leftover, SIGKILL);
  EXPECT_EQ(res, "write 1\nfsync 1\nrename 1\ndone\n");
  EXPECT_EQ(Call({{"cmd", "status"}})["fenced"], 3);
  EXPECT_EQ(Backing("a"), "old");
  EXPECT_FALSE(PathExists(backing_ + "/c"));
  // Not the engine's: the test's own writes go on.
  int fd = Open(M("a"), O_WRONLY);
  EXPECT_EQ(Pwrite(fd, "mine", 3), 4);
  ::close(fd);
  EXPECT_EQ(Backing("a"), "oldmine");
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 1u);
  for (size_t i = faults[0]["_index"]; i < t.records.size(); ++i) {
    EXPECT_NE(t.records[i].pid, static_cast<uint32_t>(leftover))
        << RecordToJson(t.records[i], i);
  }
}

TEST_F(IntegrationCrashTest, CrashWithoutTargetIsRecordedAsSuch) {
  Start({{"a", ""}},
        R"({"rules": [{"op": "fsync", "action": {"crash": true}}]})");
  int fd = Open(M("a"), O_WRONLY);
  EXPECT_EQ(::fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  ::close(fd);
  EXPECT_EQ(Call({{"cmd", "crash"}})["killed"], false);
  Trace t = StopAndRead();
  const auto faults = Faults(t);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]["no_target"], true);
  EXPECT_EQ(faults[1]["rule"], "control");
  EXPECT_EQ(faults[1]["no_target"], true);
}

TEST_F(IntegrationCrashTest, ProbabilityFiresTheSameWayForTheSameSeed) {
  int runs = 0;
  auto run = [&](const std::string& seed) {
    std::vector<int> failed;
    fs_.reset();
    NewRun("seed-" + seed + "-" + std::to_string(runs++) + "-");
    Start({{"p", ""}},
          R"({"rules": [{"id": "coin", "op": "write", "probability": 0.5,
                         "action": {"errno": "EIO"}}]})",
          "plan.json", {"--seed", seed});
    int fd = Open(M("p"), O_WRONLY);
    for (int i = 0; i < 40; ++i) {
      if (Pwrite(fd, "x", i) < 0) failed.push_back(i);
    }
    ::close(fd);
    EXPECT_TRUE(fs_->Stop().ok());
    return failed;
  };
  const auto a = run("11"), b = run("11"), c = run("12");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_FALSE(a.empty());
}

}  // namespace
}  // namespace crashlab::faultfs
