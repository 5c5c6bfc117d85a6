// Live Skytable: what crashlab itself makes skyd write. Runs the real skyd
// 0.8.0 ($SKYD) and the repair build ($SKYD_REPAIR) through a real faultfs
// mount; ci/test.sh points both at ../shared/engines/bin.
//
// The rule under test: the harness must not make the engine write what a
// real deployment would not. Every skyd start appends a Reopened and every
// clean stop a Closed driver event to each journal, the GNS included: any
// deployment writes those. A GNS *event* (a transaction: create, alter,
// drop, a changed root password) must only come from DDL.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "checkers/formats/inspect.h"
#include "core/files.h"
#include "core/trace.h"
#include "engines/engine.h"
#include "engines/engine_test_util.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

constexpr char kGns[] = "gns.db-tlog";

// What one restart wrote to the GNS, from the trace.
struct GnsWrites {
  int writes = 0;
  // Kinds of the GNS elements those writes touched ("event", "driver").
  std::vector<std::string> kinds;
};

class SkydRestart : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* skyd = std::getenv(GetParam());
    if (!skyd || !*skyd) {
      GTEST_SKIP() << "set " << GetParam()
                   << "=/path/to/skyd (ci/test.sh sets it from "
                      "../shared/engines/bin): this test starts a real skyd";
    }
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
    skyd_ = skyd;
  }
  void TearDown() override {
    if (IsMountPoint(dir_.Sub("mnt"))) ForceUnmount(dir_.Sub("mnt"));
  }

  std::unique_ptr<Engine> Make(const std::string& credential) {
    EngineEnv env = testing_engines::TestEnv(20000);
    env.log_dir = dir_.Sub("logs");
    env.credential = credential;
    auto e = MakeEngine("skytable", {{"skyd", skyd_}}, env);
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(*e) : nullptr;
  }

  // Init on a plain directory with `init`, then one start and clean stop
  // with `restart` through faultfs. Returns what the restart wrote to the
  // GNS.
  GnsWrites Restart(Engine& init, Engine& restart) {
    const Schema schema = AuthWorkload::MakeSchema();
    const std::string data = dir_.Sub("data"), mnt = dir_.Sub("mnt");
    EXPECT_TRUE(MakeDirs(data).ok() && MakeDirs(mnt).ok());
    Status made = init.Init(data, schema);
    EXPECT_TRUE(made.ok()) << made.message();
    EXPECT_TRUE(CopyTree(data, dir_.Sub("base")).ok());
    MountOptions mo;
    mo.faultfs_bin = BinDir() + "/crashlab-faultfs";
    mo.backing = data;
    mo.mount_point = mnt;
    mo.trace_path = dir_.Sub("trace.bin");
    mo.log_path = dir_.Sub("faultfs.log");
    auto mount = FaultfsMount::Start(mo);
    EXPECT_TRUE(mount.ok()) << mount.status().message();
    if (!mount.ok()) return {};
    auto session = restart.Open(mnt, schema);
    EXPECT_TRUE(session.ok()) << session.status().message();
    if (session.ok()) {
      Status closed = (*session)->Close();
      EXPECT_TRUE(closed.ok()) << closed.message();
    }
    EXPECT_TRUE((*mount)->Stop().ok());
    return GnsWritesOf(data);
  }

  GnsWrites GnsWritesOf(const std::string& data) {
    GnsWrites out;
    auto trace = ReadTrace(dir_.Sub("trace.bin"));
    EXPECT_TRUE(trace.ok() && trace->tail.clean);
    if (!trace.ok()) return out;
    FileId gns = 0;
    for (const Record& r : trace->records) {
      if (r.op == Op::kBaseEntry && r.parent == kRootId && r.name == kGns) {
        gns = r.file;
      }
    }
    EXPECT_NE(gns, 0u) << "the base image has no " << kGns;
    auto bytes = ReadFileToString(JoinPath(data, kGns));
    EXPECT_TRUE(bytes.ok());
    auto parsed = formats::Inspect(kGns, bytes.ok() ? *bytes : "",
                                   formats::Format::kAuto);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    if (!parsed.ok()) return out;
    EXPECT_EQ(parsed->verdict(), formats::Verdict::kIntact);
    for (const Record& r : trace->records) {
      if (r.op != Op::kWrite || r.file != gns) continue;
      ++out.writes;
      const uint64_t end = r.offset + r.data.size();
      for (const formats::Element& e : parsed->elements) {
        if (e.offset < end && r.offset < e.offset + e.length) {
          out.kinds.push_back(e.kind);
        }
      }
    }
    return out;
  }

  std::string skyd_;
  TempDir dir_;
};

// Done when of issue 13: a restart without DDL writes no GNS event, for
// 0.8.0 and the repair build; only the driver's own Reopened and Closed.
TEST_P(SkydRestart, RestartWithoutDdlWritesNoGnsEvent) {
  auto engine = Make("");  // one engine: one credential, as a run has
  ASSERT_TRUE(engine);
  const GnsWrites w = Restart(*engine, *engine);
  EXPECT_GE(w.writes, 2) << "skyd appends Reopened and Closed to the GNS";
  for (const std::string& kind : w.kinds) {
    EXPECT_EQ(kind, "driver") << "a restart without DDL wrote a GNS " << kind;
  }
}

// The control: the same restart with a new root password (what crashlab
// did before one credential per run) writes a GNS event. Without this the
// test above could pass on a trace that never saw the GNS.
TEST_P(SkydRestart, ANewRootPasswordAtRestartWritesAGnsEvent) {
  auto init = Make("crashlab-credential-one");
  auto restart = Make("crashlab-credential-two");
  ASSERT_TRUE(init && restart);
  const GnsWrites w = Restart(*init, *restart);
  EXPECT_NE(std::find(w.kinds.begin(), w.kinds.end(), "event"), w.kinds.end())
      << "skyd wrote no GNS event for a changed root password";
}

INSTANTIATE_TEST_SUITE_P(IntegrationSkytable, SkydRestart,
                         ::testing::Values("SKYD", "SKYD_REPAIR"),
                         [](const auto& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace crashlab
