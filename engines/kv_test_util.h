// Helpers for the LevelDB and LMDB driver tests: engines built from the
// registry, a seeded auth workload with its expected rows (core's
// ApplyMutation), a SIGKILL in the middle of a run, a raw protocol
// connection to a driver binary, and byte flipping for corruption tests.
#ifndef CRASHLAB_ENGINES_KV_TEST_UTIL_H_
#define CRASHLAB_ENGINES_KV_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "core/subprocess.h"
#include "engines/driver_engine.h"
#include "engines/engine_test_util.h"
#include "workloads/auth.h"

namespace crashlab {
namespace testing_engines {

// `log_dir`: where driver stderr goes ("" = the test's stderr).
inline std::unique_ptr<Engine> MakeKvEngine(const std::string& name,
                                            const Settings& settings,
                                            const std::string& log_dir = "") {
  EngineEnv env = TestEnv();
  env.log_dir = log_dir;
  auto e = MakeEngine(name, settings, env);
  EXPECT_TRUE(e.ok()) << e.status().message();
  return e.ok() ? std::move(*e) : nullptr;
}

inline std::string DriverPath(const std::string& engine) {
  return BinDir() + "/crashlab-driver-" + engine;
}

// Rows with every table of `schema`, empty.
inline Rows EmptyRows(const Schema& schema) {
  Rows rows;
  for (const auto& t : schema.tables) rows[t.name];
  return rows;
}

// Applies `n` seeded auth ops through `session`; every one must be
// acknowledged. Returns the rows core's model says they leave.
inline Rows ApplyAuthOps(Session& session, AuthWorkload& workload, int n,
                         Rows rows) {
  for (int i = 0; i < n; ++i) {
    const LogicalOp op = workload.Next();
    const ApplyResult r = session.Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk) << op.f << ": " << r.error;
    for (const auto& m : op.mutations) {
      ApplyMutation(workload.schema(), m, &rows);
    }
    workload.Complete(op, true);
  }
  return rows;
}

// Runs auth ops on a fresh session of `dir` until the driver is SIGKILLed
// by another thread `kill_after_ms` in; the op in flight is indeterminate.
// Sets *acked to the rows of every acknowledged op and *with_inflight to
// those plus the op in flight.
inline void RunUntilKilled(Engine& engine, const std::string& dir,
                           int kill_after_ms, Rows* acked,
                           Rows* with_inflight) {
  AuthWorkload workload(/*seed=*/5);
  const Schema& schema = workload.schema();
  auto session = engine.Open(dir, schema);
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto* driver = dynamic_cast<DriverSession*>(session->get());
  ASSERT_NE(driver, nullptr);
  const pid_t pid = driver->pid();
  std::thread killer([pid, kill_after_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    ::kill(pid, SIGKILL);
  });
  Rows rows = EmptyRows(schema);
  int acknowledged = 0;
  for (int i = 0; i < 1000000; ++i) {
    const LogicalOp op = workload.Next();
    Rows after = rows;
    for (const auto& m : op.mutations) ApplyMutation(schema, m, &after);
    const ApplyResult r = (*session)->Apply(op);
    if (r.outcome != ApplyResult::Outcome::kOk) {
      EXPECT_EQ(r.outcome, ApplyResult::Outcome::kInfo) << r.error;
      *acked = rows;
      *with_inflight = after;
      break;
    }
    ++acknowledged;
    rows = std::move(after);
    workload.Complete(op, true);
  }
  killer.join();
  EXPECT_GT(acknowledged, 10) << "killed too early to mean anything";
}

// XORs `n` bytes of `path` from `offset` with 0x5a.
inline void FlipBytes(const std::string& path, uint64_t offset, int n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  for (int i = 0; i < n; ++i) {
    f.seekg(static_cast<std::streamoff>(offset + i));
    const int c = f.get();
    ASSERT_NE(c, EOF) << path << " is shorter than " << offset + i;
    f.seekp(static_cast<std::streamoff>(offset + i));
    f.put(static_cast<char>(c ^ 0x5a));
  }
}

// A fresh directory where the explorer builds crash images by default
// (/dev/shm when usable, else $TMPDIR or /tmp), removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl =
        std::string(::access("/dev/shm", W_OK) == 0
                        ? "/dev/shm"
                        : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp")) +
        "/crashlab-test-XXXXXX";
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~ScratchDir() { (void)RemoveTree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Measures (does not assert) Recover calls per second, each on a fresh
// copy of `image` (as the explorer recovers each crash image once; the
// copy is timed too, as the explorer's materialisation is).
inline int MeasureRecoverRate(Engine& engine, const std::string& image,
                              size_t users, int calls) {
  const std::string copy = image + ".copy";
  const int64_t start = MonotonicMs();
  for (int i = 0; i < calls; ++i) {
    EXPECT_TRUE(RemoveTree(copy).ok());
    EXPECT_TRUE(CopyTree(image, copy).ok());
    const Recovery r = engine.Recover(copy, AuthWorkload::MakeSchema());
    EXPECT_EQ(r.stage, Recovery::Stage::kOk) << r.message;
    EXPECT_EQ(r.rows.at("users").size(), users);
    if (r.stage != Recovery::Stage::kOk) return 0;
  }
  const double seconds = std::max<int64_t>(1, MonotonicMs() - start) / 1000.0;
  (void)RemoveTree(copy);
  return static_cast<int>(calls / seconds);
}

// One driver binary spoken to line by line.
class RawDriver {
 public:
  explicit RawDriver(const std::string& binary) {
    auto p = Subprocess::Spawn(
        {.argv = {binary}, .pipe_stdin = true, .pipe_stdout = true});
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (p.ok()) process_ = std::move(*p);
  }
  json Send(const std::string& line) {
    EXPECT_TRUE(process_->WriteLine(line).ok());
    auto reply = process_->ReadLine(10000);
    EXPECT_TRUE(reply.ok()) << reply.status().message();
    return reply.ok() ? json::parse(*reply, nullptr, false) : json();
  }
  json Open(int id, const std::string& dir, const Settings& settings,
            bool create) {
    json req = {{"id", id},
                {"cmd", "open"},
                {"dir", dir},
                {"settings", settings},
                {"schema", AuthSchema().ToJson()},
                {"create", create}};
    return Send(req.dump());
  }
  // Sends quit and returns how the driver ended.
  std::string Quit(int id) {
    const json r = Send(json{{"id", id}, {"cmd", "quit"}}.dump());
    EXPECT_EQ(r["ok"], true) << r.dump();
    auto st = process_->Wait(10000);
    return st.ok() ? Subprocess::DescribeWaitStatus(*st) : "still running";
  }
  bool started() const { return process_ != nullptr; }

 private:
  std::unique_ptr<Subprocess> process_;
};

}  // namespace testing_engines
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_KV_TEST_UTIL_H_
