// Test fixture for fault injection through a real faultfs mount: BACKING
// with a few files (and the trace's base copy of it), a plan file, a
// control socket, an optional "engine" (a `sleep` in its own process
// group) to be killed, and checks of the trace against the persistence
// models. Every fixture cleans up its mount and processes.
#ifndef CRASHLAB_FAULTFS_FAULT_TEST_FIXTURE_H_
#define CRASHLAB_FAULTFS_FAULT_TEST_FIXTURE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/fs_image.h"
#include "core/persistence.h"
#include "core/trace.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab::faultfs::testing {

class FaultFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FuseDeviceMissing()) {
      GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
    }
    NewRun("");
  }

  // Fresh directories for one mount: `prefix` keeps several runs of one
  // test apart.
  void NewRun(const std::string& prefix) {
    run_ = prefix;
    backing_ = P("backing");
    ASSERT_TRUE(MakeDirs(backing_).ok());
    ASSERT_TRUE(MakeDirs(P("mnt")).ok());
  }
  std::string P(const std::string& name) const { return dir_.Sub(run_ + name); }

  void TearDown() override {
    fs_.reset();
    engine_.reset();
  }

  // Puts `files` (path -> contents) in BACKING, copies it as the base and
  // mounts with `plan` (JSON or TOML text; none if empty) and a control
  // socket.
  void Start(const std::map<std::string, std::string>& files,
             const std::string& plan = "",
             const std::string& plan_name = "plan.json",
             std::vector<std::string> extra = {}) {
    for (const auto& [path, data] : files) {
      ASSERT_TRUE(WriteStringToFile(backing_ + "/" + path, data).ok());
    }
    ASSERT_TRUE(CopyTree(backing_, P("base")).ok());
    extra.insert(extra.end(), {"--control-socket", Socket()});
    if (!plan.empty()) {
      ASSERT_TRUE(WriteStringToFile(P(plan_name), plan).ok());
      extra.insert(extra.end(), {"--faults", P(plan_name)});
    }
    auto m = MountedFaultfs::Start(backing_, P("mnt"), TracePath(), extra);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    fs_ = std::move(*m);
  }

  // A `sleep` (or `argv`) in its own process group, set as the kill
  // target; `pipe_stdout`: engine_->ReadLine() reads what it prints.
  void StartEngine(std::vector<std::string> argv = {"/bin/sleep", "30"},
                   bool pipe_stdout = false) {
    SpawnOptions o;
    o.argv = std::move(argv);
    o.pipe_stdout = pipe_stdout;
    auto p = Subprocess::Spawn(o);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    engine_ = std::move(*p);
    nlohmann::json reply = Call({{"cmd", "target"}, {"pgid", engine_->pid()}});
    ASSERT_EQ(reply.value("ok", false), true) << reply.dump();
  }

  // True when the engine died of SIGKILL within a second.
  bool EngineKilled() {
    auto st = engine_->Wait(1000);
    return st.ok() && WIFSIGNALED(*st) && WTERMSIG(*st) == SIGKILL;
  }

  nlohmann::json Call(const nlohmann::json& request) {
    return ControlCall(Socket(), request);
  }

  std::string Socket() const { return P("ctl.sock"); }
  std::string TracePath() const { return P("trace.bin"); }
  std::string M(const std::string& rel) const {
    return fs_->mount() + "/" + rel;
  }
  std::string Backing(const std::string& rel) const {
    auto data = ReadFileToString(backing_ + "/" + rel);
    return data.ok() ? *data : "<unreadable>";
  }

  // Stops the daemon and reads the trace; every kFault must be tagged.
  Trace StopAndRead() {
    Status stopped = fs_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.ToString();
    auto trace = ReadTrace(TracePath());
    EXPECT_TRUE(trace.ok()) << trace.status().ToString();
    if (!trace.ok()) return Trace();
    EXPECT_TRUE(trace->tail.clean) << trace->tail.problem;
    for (size_t i = trace->first_op; i < trace->records.size(); ++i) {
      const Record& r = trace->records[i];
      if (r.op == Op::kFault) {
        EXPECT_TRUE(r.tags & kTagInjected) << RecordToJson(r, i);
      }
    }
    return std::move(*trace);
  }

  // The kFault records' JSON bodies, in order.
  static std::vector<nlohmann::json> Faults(const Trace& t) {
    std::vector<nlohmann::json> out;
    for (size_t i = t.first_op; i < t.records.size(); ++i) {
      if (t.records[i].op == Op::kFault) {
        out.push_back(nlohmann::json::parse(t.records[i].data));
        out.back()["_index"] = i;
        out.back()["_errno"] = t.records[i].flags;
      }
    }
    return out;
  }

  // Files of base + every record (what the live backing should hold).
  std::map<std::string, std::string> Replayed(const Trace& t) {
    auto image = FsImage::FromBase(t, P(t.base_dir));
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    if (!image.ok()) return {};
    for (size_t i = t.first_op; i < t.records.size(); ++i) {
      EXPECT_TRUE(image->Apply(t.records[i])) << RecordToJson(t.records[i], i);
    }
    return image->Files();
  }

  // Files of the drop-unsynced crash state at the end of the trace.
  std::map<std::string, std::string> DropUnsynced(const Trace& t) {
    auto base = FsImage::FromBase(t, P(t.base_dir));
    EXPECT_TRUE(base.ok()) << base.status().ToString();
    if (!base.ok()) return {};
    ImageBuilder builder(t, *base);
    return builder.Build(StateAt(t, Model::kDropUnsynced, t.records.size()))
        .Files();
  }

  std::map<std::string, std::string> BackingFiles() {
    return TreeFiles(backing_);
  }

  TempDir dir_;
  std::string run_;
  std::string backing_;
  std::unique_ptr<MountedFaultfs> fs_;
  std::unique_ptr<Subprocess> engine_;
};

// open(2) through the mount; -1 with errno on failure.
inline int Open(const std::string& path, int flags) {
  return ::open(path.c_str(), flags | O_CLOEXEC, 0644);
}

inline ssize_t Pwrite(int fd, const std::string& data, off_t off) {
  return ::pwrite(fd, data.data(), data.size(), off);
}

inline std::string Pread(int fd, size_t n, off_t off) {
  std::string out(n, '\0');
  const ssize_t got = ::pread(fd, out.data(), n, off);
  out.resize(got < 0 ? 0 : static_cast<size_t>(got));
  return out;
}

}  // namespace crashlab::faultfs::testing

#endif  // CRASHLAB_FAULTFS_FAULT_TEST_FIXTURE_H_
