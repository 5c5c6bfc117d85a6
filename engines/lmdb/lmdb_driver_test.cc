// Integration tests of the LMDB engine: the real crashlab-driver-lmdb over
// the system liblmdb, through DriverEngine, raw protocol lines, and a real
// faultfs mount (MDB_WRITEMAP writes reach the file through the mapping).
#include <gtest/gtest.h>

#include <tuple>

#include "core/trace.h"
#include "engines/kv_test_util.h"
#include "faultfs/faultfs_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT
using nlohmann::json;

#define SKIP_WITHOUT_LMDB_DRIVER()                       \
  if (!PathExists(DriverPath("lmdb"))) {                 \
    GTEST_SKIP() << "crashlab-driver-lmdb not built at " \
                 << DriverPath("lmdb");                  \
  }

const char* Bool(bool b) { return b ? "true" : "false"; }

std::unique_ptr<Engine> MakeLmdb(bool nosync, bool nometasync, bool writemap) {
  return MakeKvEngine("lmdb", {{"nosync", Bool(nosync)},
                               {"nometasync", Bool(nometasync)},
                               {"writemap", Bool(writemap)}});
}

class LmdbFlags
    : public ::testing::TestWithParam<std::tuple<bool, bool, bool>> {};

TEST_P(LmdbFlags, ApplyDumpCloseRecover) {
  SKIP_WITHOUT_LMDB_DRIVER();
  const auto& [nosync, nometasync, writemap] = GetParam();
  auto engine = MakeLmdb(nosync, nometasync, writemap);
  ASSERT_TRUE(engine);
  TempDir sample, auth;
  ASSERT_TRUE(engine->Init(sample.path(), AuthSchema()).ok());
  EXPECT_TRUE(PathExists(sample.Sub("data.mdb")));
  auto session = engine->Open(sample.path(), AuthSchema());
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (const auto& op : SampleOps()) {
    const ApplyResult r = (*session)->Apply(op);
    EXPECT_EQ(r.outcome, ApplyResult::Outcome::kOk) << op.id << ": " << r.error;
  }
  auto dumped = (*session)->Dump();
  ASSERT_TRUE(dumped.ok()) << dumped.status().message();
  EXPECT_EQ(*dumped, SampleRows());
  ASSERT_TRUE((*session)->Close().ok());
  Recovery rec = engine->Recover(sample.path(), AuthSchema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.engine_check, "ok");
  EXPECT_EQ(rec.rows, SampleRows());

  AuthWorkload workload(/*seed=*/3);
  ASSERT_TRUE(engine->Init(auth.path(), workload.schema()).ok());
  auto s2 = engine->Open(auth.path(), workload.schema());
  ASSERT_TRUE(s2.ok());
  const Rows want =
      ApplyAuthOps(**s2, workload, 120, EmptyRows(workload.schema()));
  ASSERT_TRUE((*s2)->Close().ok());
  rec = engine->Recover(auth.path(), workload.schema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.rows, want);
}

INSTANTIATE_TEST_SUITE_P(
    IntegrationEnginesLmdb, LmdbFlags,
    ::testing::Combine(::testing::Bool(), ::testing::Bool(), ::testing::Bool()),
    [](const auto& info) {
      return std::string("nosync_") + Bool(std::get<0>(info.param)) +
             "_nometasync_" + Bool(std::get<1>(info.param)) + "_writemap_" +
             Bool(std::get<2>(info.param));
    });

TEST(IntegrationEnginesLmdb, FailedOpIsAllOrNothing) {
  SKIP_WITHOUT_LMDB_DRIVER();
  auto engine = MakeLmdb(false, false, false);
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
  ASSERT_TRUE(session.ok());
  auto& s = **session;
  ASSERT_EQ(s.Apply(SampleOps()[0]).outcome, ApplyResult::Outcome::kOk);
  const ApplyResult r = s.Apply(testing_engines::Op(
      2, "login",
      {Insert("sessions", "s2", {{"user", "alice"}, {"count", 1}}),
       Update("users", "alice", {{"failures", 9}}),
       Insert("users", "alice",
              {{"password", "x"}, {"failures", 0}, {"locked", false}})}));
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kFail) << r.error;
  EXPECT_NE(r.error.find("constraint"), std::string::npos) << r.error;
  // A key LMDB refuses (longer than its 511-byte limit), after a valid
  // mutation: the transaction is aborted, nothing of it stays.
  const ApplyResult big = s.Apply(testing_engines::Op(
      3, "register",
      {Insert("sessions", "s3", {{"user", "alice"}, {"count", 1}}),
       Insert("users", std::string(600, 'k'),
              {{"password", "x"}, {"failures", 0}, {"locked", false}})}));
  EXPECT_EQ(big.outcome, ApplyResult::Outcome::kFail) << big.error;
  EXPECT_NE(big.error.find("MDB_BAD_VALSIZE"), std::string::npos) << big.error;
  Rows expected;
  expected["users"]["alice"] = User("alice", "a1", 0, false);
  expected["sessions"];
  auto rows = s.Dump();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, expected);
  EXPECT_EQ(s.Apply(SampleOps()[1]).outcome, ApplyResult::Outcome::kOk);
  s.Kill();
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
  EXPECT_EQ(rec.rows.at("users").size(), 2u);
  EXPECT_TRUE(rec.rows.at("sessions").empty());
}

TEST(IntegrationEnginesLmdb, SigkillMidRunKeepsEveryAcknowledgedOp) {
  SKIP_WITHOUT_LMDB_DRIVER();
  for (bool writemap : {false, true}) {
    auto engine = MakeLmdb(false, false, writemap);
    ASSERT_TRUE(engine);
    TempDir dir;
    ASSERT_TRUE(engine->Init(dir.path(), AuthWorkload::MakeSchema()).ok());
    Rows acked, with_inflight;
    RunUntilKilled(*engine, dir.path(), 300, &acked, &with_inflight);
    const Recovery rec =
        engine->Recover(dir.path(), AuthWorkload::MakeSchema());
    ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
    EXPECT_EQ(rec.engine_check, "ok");
    EXPECT_TRUE(rec.rows == acked || rec.rows == with_inflight)
        << "writemap=" << writemap;
  }
}

TEST(IntegrationEnginesLmdb, CorruptMetaPagesAreRefusedWithLmdbsWords) {
  SKIP_WITHOUT_LMDB_DRIVER();
  auto engine = MakeLmdb(false, false, false);
  ASSERT_TRUE(engine);
  TempDir dir;
  ASSERT_TRUE(engine->Init(dir.path(), AuthSchema()).ok());
  auto session = engine->Open(dir.path(), AuthSchema());
  ASSERT_TRUE(session.ok());
  for (const auto& op : SampleOps()) (void)(*session)->Apply(op);
  ASSERT_TRUE((*session)->Close().ok());
  FlipBytes(dir.Sub("data.mdb"), 16, 4);  // meta page 0: mm_magic
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed) << rec.message;
  EXPECT_NE(rec.message.find("MDB_INVALID"), std::string::npos) << rec.message;
  EXPECT_NE(rec.message.find("not an LMDB file"), std::string::npos)
      << rec.message;
}

TEST(IntegrationEnginesLmdb, MissingDataFileIsAnOpenFailure) {
  SKIP_WITHOUT_LMDB_DRIVER();
  auto engine = MakeLmdb(false, false, false);
  ASSERT_TRUE(engine);
  TempDir dir;
  const Recovery rec = engine->Recover(dir.path(), AuthSchema());
  EXPECT_EQ(rec.stage, Recovery::Stage::kOpenFailed) << rec.message;
  EXPECT_NE(rec.message.find("data.mdb"), std::string::npos) << rec.message;
  EXPECT_FALSE(PathExists(dir.Sub("data.mdb"))) << "recovery must not create";
}

TEST(IntegrationEnginesLmdb, ClaimsQuoteLmdbH) {
  SKIP_WITHOUT_LMDB_DRIVER();
  using Kind = DurabilityClaim::Kind;
  EXPECT_EQ(MakeLmdb(false, false, false)->Claim().kind, Kind::kEveryAck);
  EXPECT_EQ(MakeLmdb(false, false, true)->Claim().kind, Kind::kEveryAck);
  const DurabilityClaim nosync = MakeLmdb(true, false, false)->Claim();
  EXPECT_EQ(nosync.kind, Kind::kNone);
  EXPECT_NE(nosync.basis.find("a system crash can corrupt the database or "
                              "lose the last transactions"),
            std::string::npos);
  const DurabilityClaim meta = MakeLmdb(false, true, false)->Claim();
  // Only the last commit may be undone: a window of one operation.
  EXPECT_EQ(meta.kind, Kind::kWindow);
  EXPECT_EQ(meta.order.window_ops, 1u);
  EXPECT_EQ(meta.order.prefix, PrefixScope::kGlobal);
  EXPECT_FALSE(nosync.order.any());  // no order promised without a sync
  EXPECT_NE(meta.basis.find("a system crash may undo the last committed "
                            "transaction"),
            std::string::npos);
  auto engine = MakeLmdb(false, false, false);
  auto v = engine->Version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->rfind("0.9.", 0), 0u) << *v;
  EXPECT_TRUE(engine->writes_whole_rows());  // a row is one LMDB value
}

TEST(IntegrationEnginesLmdb, RecoverRate) {
  SKIP_WITHOUT_LMDB_DRIVER();
  for (bool writemap : {false, true}) {
    ScratchDir scratch;  // where the explorer recovers
    auto engine = MakeKvEngine("lmdb", {{"writemap", Bool(writemap)}},
                               scratch.path() + "/logs");
    ASSERT_TRUE(engine);
    const std::string db = scratch.path() + "/db";
    ASSERT_TRUE(MakeDirs(db).ok());
    AuthWorkload workload(/*seed=*/9);
    ASSERT_TRUE(engine->Init(db, workload.schema()).ok());
    auto session = engine->Open(db, workload.schema());
    ASSERT_TRUE(session.ok());
    const Rows rows =
        ApplyAuthOps(**session, workload, 100, EmptyRows(workload.schema()));
    (*session)->Kill();
    const int rate =
        MeasureRecoverRate(*engine, db, rows.at("users").size(), 100);
    std::cout << "[ measure  ] " << rate
              << " Recover calls/s, lmdb writemap=" << Bool(writemap)
              << ", 100 auth ops, a fresh copy each\n";
    RecordProperty(std::string("recover_per_second_writemap_") + Bool(writemap),
                   rate);
  }
}

TEST(IntegrationEnginesLmdb, ProtocolErrorsKeepTheDriverGoing) {
  SKIP_WITHOUT_LMDB_DRIVER();
  RawDriver d(DriverPath("lmdb"));
  ASSERT_TRUE(d.started());
  json r = d.Send("[1,2]");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  r = d.Send(R"({"id":2,"cmd":"dump"})");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  r = d.Send(R"({"id":3,"cmd":"hello"})");
  EXPECT_EQ(r["engine"], "lmdb");
  TempDir dir;
  r = d.Open(4, dir.path(), {{"nosync", "yes"}}, true);
  EXPECT_EQ(r["error"]["kind"], "settings");
  r = d.Open(5, dir.path(), {{"mapasync", "true"}}, true);
  EXPECT_EQ(r["error"]["kind"], "settings");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("nometasync"),
            std::string::npos);
  r = d.Open(6, dir.path(), {{"writemap", "true"}}, true);
  ASSERT_EQ(r["ok"], true) << r.dump();
  r = d.Send(
      R"({"id":7,"cmd":"apply","op":{"id":1,"mutations":[{"kind":"increment","table":"users","key":"u","values":{"locked":1}}]}})");
  EXPECT_EQ(r["error"]["kind"], "protocol");
  EXPECT_EQ(r["error"]["definite"], true);
  r = d.Send(
      R"({"id":8,"cmd":"apply","op":{"id":2,"mutations":[{"kind":"insert","table":"users","key":"u","values":{"password":"p","failures":1,"locked":true}}]}})");
  EXPECT_EQ(r["ok"], true) << r.dump();
  r = d.Send(R"({"id":9,"cmd":"dump"})");
  EXPECT_EQ(r["check"], "ok");
  EXPECT_EQ(r["tables"]["users"], json::array({User("u", "p", 1, true)}));
  EXPECT_EQ(d.Quit(10), "exit code 0");
}

// MDB_WRITEMAP on a real faultfs mount: commits reach faultfs through the
// shared mapping (msync), a SIGKILL leaves the next process the committed
// state, and with MDB_NOSYNC a clean close leaves dirty pages that the
// kernel writes back through faultfs by the unmount.
TEST(IntegrationEnginesLmdbFaultfs, WritemapReachesFaultfsThroughTheMapping) {
  SKIP_WITHOUT_LMDB_DRIVER();
  if (faultfs::testing::FuseDeviceMissing()) {
    GTEST_SKIP() << "/dev/fuse is missing: run with --device /dev/fuse";
  }
  for (bool nosync : {false, true}) {
    TempDir tmp;
    ASSERT_TRUE(MakeDirs(tmp.Sub("backing")).ok());
    ASSERT_TRUE(MakeDirs(tmp.Sub("mnt")).ok());
    auto fs = faultfs::testing::MountedFaultfs::Start(
        tmp.Sub("backing"), tmp.Sub("mnt"), tmp.Sub("trace.bin"));
    ASSERT_TRUE(fs.ok()) << fs.status().message();
    const std::string mnt = (*fs)->mount();
    auto engine = MakeLmdb(nosync, false, /*writemap=*/true);
    ASSERT_TRUE(engine);
    AuthWorkload workload(/*seed=*/21);
    const Schema& schema = workload.schema();
    ASSERT_TRUE(engine->Init(mnt, schema).ok());
    auto killed = engine->Open(mnt, schema);
    ASSERT_TRUE(killed.ok()) << killed.status().message();
    Rows want = ApplyAuthOps(**killed, workload, 40, EmptyRows(schema));
    (*killed)->Kill();
    Recovery rec = engine->Recover(mnt, schema);
    ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
    EXPECT_EQ(rec.rows, want) << "nosync=" << nosync;

    auto closed = engine->Open(mnt, schema);
    ASSERT_TRUE(closed.ok());
    want = ApplyAuthOps(**closed, workload, 20, want);
    ASSERT_TRUE((*closed)->Close().ok());
    engine.reset();  // ends the recovery driver: nothing holds the mount
    ASSERT_TRUE((*fs)->Stop().ok()) << (*fs)->StderrText();

    auto plain = MakeLmdb(nosync, false, true);
    rec = plain->Recover(tmp.Sub("backing"), schema);
    ASSERT_EQ(rec.stage, Recovery::Stage::kOk) << rec.message;
    EXPECT_EQ(rec.rows, want) << "nosync=" << nosync;
    auto trace = ReadTrace(tmp.Sub("trace.bin"));
    ASSERT_TRUE(trace.ok()) << trace.status().message();
    size_t page_writes = 0, syncs = 0;
    for (const Record& r : trace->records) {
      // Kernel writeback may batch the meta pages with data pages.
      if (r.op == Op::kWrite && r.offset + r.data.size() > 2 * 4096) {
        ++page_writes;
      }
      if (r.op == Op::kFsync || r.op == Op::kFdatasync) ++syncs;
    }
    EXPECT_GT(page_writes, 0u)
        << "no data page reached faultfs; " << trace->records.size()
        << " records, tail: " << trace->tail.problem;
    if (!nosync) {
      EXPECT_GE(syncs, 60u) << "a msync per commit";
    }
  }
}

}  // namespace
}  // namespace crashlab
