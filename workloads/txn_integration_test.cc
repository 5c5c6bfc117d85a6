// Isolation controls on real engines: concurrent list-append and
// rw-register histories from PostgreSQL at each isolation level and from
// SQLite, checked by checkers/isolation. Hermitage
// (github.com/ept/hermitage) is the reference for what each level allows:
//   PostgreSQL read committed   G-single (read skew) and G2-item (write
//                               skew) appear under contention;
//   repeatable read (snapshot   G2-item (write skew) appears; G-single and
//   isolation)                  lost update never (first updater wins:
//                               the loser gets serialization_failure);
//   serializable (SSI)          nothing; aborts are fine;
//   SQLite                      nothing (one writer at a time);
//   Redis MULTI/EXEC            nothing (one command loop).
// Every run uses a fixed seed for the generator; the interleaving is the
// servers'. Client and transaction counts were chosen so the anomalies
// appear on every seed tried (see the report in the commit) while each
// test stays well under 30 s. PostgreSQL is installed by
// ci/install-deps.sh: its absence is a failure, not a skip.
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"
#include "core/files.h"
#include "engines/engine.h"
#include "engines/postgres/postgres_engine.h"
#include "engines/server/server_test_util.h"
#include "tests/test_util.h"
#include "workloads/txn_runner.h"

namespace crashlab {
namespace {

using testing_servers::ScratchDir;

uint64_t Count(const IsolationResult& r, AnomalyType t) {
  return r.anomaly_counts[static_cast<int>(t)];
}

struct TxnRun {
  TxnRunStats stats;
  IsolationResult result;
};

// Opens `engine` on `dir`, runs the workload, closes, checks.
TxnRun RunTxns(Engine& engine, const std::string& dir, TxnWorkload w,
               int clients, uint64_t txns, uint64_t seed) {
  TxnRun out;
  auto session = engine.Open(dir, Schema());
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return out;
  TxnGenerator gen(w, seed);
  TxnRunOptions o;
  o.clients = clients;
  o.txns = txns;
  Session& s = **session;
  TxnRunner runner(
      gen, [&s, w] { return s.OpenTxnClient(w); }, nullptr, o);
  History h;
  auto stats = runner.Run(&h);
  EXPECT_TRUE((*session)->Close().ok());
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  if (!stats.ok()) return out;
  out.stats = *stats;
  EXPECT_EQ(stats->stopped_because, "");
  auto txn_history = TxnHistoryFromEvents(h);
  EXPECT_TRUE(txn_history.ok()) << txn_history.status().message();
  if (!txn_history.ok()) return out;
  IsolationOptions io;
  io.process = io.realtime = true;
  auto checked = CheckIsolation(*txn_history, io);
  EXPECT_TRUE(checked.ok()) << checked.status().message();
  if (checked.ok()) out.result = std::move(checked).value();
  std::fprintf(stderr,
               "[seed %llu] %llu ok %llu fail %llu info in %.2f s (%.0f txn/s)"
               "\n%s",
               static_cast<unsigned long long>(seed),
               static_cast<unsigned long long>(out.stats.ok),
               static_cast<unsigned long long>(out.stats.fail),
               static_cast<unsigned long long>(out.stats.info),
               out.stats.seconds, out.stats.TxnsPerSecond(),
               out.result.Summary().c_str());
  return out;
}

constexpr int kClients = 8;  // PostgreSQL: 10 connections, ours included
constexpr uint64_t kTxns = 1500;
constexpr uint64_t kSeeds[] = {1, 2, 3};

class IntegrationTxnPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { suite_dir_ = new ScratchDir(); }
  static void TearDownTestSuite() {
    delete suite_dir_;
    suite_dir_ = nullptr;
  }
  void SetUp() override {
    auto bin = FindPostgresBinDir();
    ASSERT_TRUE(bin.ok()) << bin.status().message()
                          << ": run ci/install-deps.sh";
    env_.bin_dir = BinDir();
    env_.log_dir = dir_.Sub("logs");
    base_ = suite_dir_->Sub("base");
    if (!PathExists(base_ + "/PG_VERSION")) {
      auto engine = MakeEngine("postgres", {}, env_);
      ASSERT_TRUE(engine.ok()) << engine.status().message();
      ASSERT_TRUE(MakeDirs(base_).ok());
      Status init = (*engine)->Init(base_, Schema());
      ASSERT_TRUE(init.ok()) << init.message();
    }
  }
  TxnRun Run(const std::string& isolation, TxnWorkload w, uint64_t seed) {
    auto engine = MakeEngine("postgres", {{"isolation", isolation}}, env_);
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    if (!engine.ok()) return {};
    const std::string dir = dir_.Sub("data-" + std::to_string(runs_++));
    EXPECT_TRUE(CopyTree(base_, dir).ok());
    return RunTxns(**engine, dir, w, kClients, kTxns, seed);
  }

  static ScratchDir* suite_dir_;
  ScratchDir dir_;
  EngineEnv env_;
  std::string base_;
  int runs_ = 0;
};

ScratchDir* IntegrationTxnPostgres::suite_dir_ = nullptr;

// Every seed shows G-single; G2-item (cycles with two or more rw edges)
// needs more contention, so a loaded machine may show it in only some
// seeds: the seeds together must show it.
TEST_F(IntegrationTxnPostgres, ReadCommittedShowsGSingleAndG2Item) {
  uint64_t g2_item = 0;
  for (uint64_t seed : kSeeds) {
    const TxnRun r = Run("read-committed", TxnWorkload::kListAppend, seed);
    EXPECT_EQ(r.result.Verdict(), "invalid") << "seed " << seed;
    EXPECT_GT(Count(r.result, AnomalyType::kGSingle), 0u) << "seed " << seed;
    g2_item += Count(r.result, AnomalyType::kG2Item);
    // Read committed still forbids dirty writes and reads.
    EXPECT_EQ(Count(r.result, AnomalyType::kG0), 0u);
    EXPECT_EQ(Count(r.result, AnomalyType::kG1a), 0u);
    EXPECT_EQ(Count(r.result, AnomalyType::kG1b), 0u);
    EXPECT_EQ(Count(r.result, AnomalyType::kG1c), 0u);
  }
  EXPECT_GT(g2_item, 0u);
}

TEST_F(IntegrationTxnPostgres, RepeatableReadShowsWriteSkewOnly) {
  for (uint64_t seed : kSeeds) {
    const TxnRun r = Run("repeatable-read", TxnWorkload::kListAppend, seed);
    EXPECT_GT(Count(r.result, AnomalyType::kG2Item), 0u) << "seed " << seed;
    EXPECT_EQ(Count(r.result, AnomalyType::kGSingle), 0u) << "seed " << seed;
    EXPECT_EQ(Count(r.result, AnomalyType::kLostUpdate), 0u) << "seed " << seed;
    EXPECT_EQ(Count(r.result, AnomalyType::kG1c), 0u);
    EXPECT_EQ(Count(r.result, AnomalyType::kG0), 0u);
    EXPECT_GT(r.stats.fail, 0u);  // first updater wins; the others abort
  }
}

// Serializable forbids every anomaly, and almost always shows none. Once
// in several hundred runs of these 1,500 transactions (a CI run of this
// test, PostgreSQL 15.20) it let one G2-item through: T1 -rw-> T2 -wr-> T3
// -rw-> T1, all three committed. That is the cycle of an open report
// against PostgreSQL 18.4 with the same INSERT ... ON CONFLICT appends
// ("Possible G2-item at SERIALIZABLE", pgsql-hackers). So: nothing but
// that class, and at most one per run, where repeatable read shows about
// thirty.
TEST_F(IntegrationTxnPostgres, SerializableShowsNoneButARareG2Item) {
  const std::set<AnomalyType> rare = {AnomalyType::kG2Item,
                                      AnomalyType::kG2ItemProcess,
                                      AnomalyType::kG2ItemRealtime};
  for (uint64_t seed : kSeeds) {
    const TxnRun r = Run("serializable", TxnWorkload::kListAppend, seed);
    uint64_t g2_item = 0;
    for (int t = 0; t < kAnomalyTypeCount; ++t) {
      const auto type = static_cast<AnomalyType>(t);
      const uint64_t n = Count(r.result, type);
      if (rare.count(type)) {
        g2_item += n;
      } else {
        EXPECT_EQ(n, 0u) << AnomalyTypeName(type) << ", seed " << seed;
      }
    }
    EXPECT_LE(g2_item, 1u) << "seed " << seed;
    if (g2_item > 0) {
      std::cout << "[ note     ] seed " << seed
                << ": PostgreSQL serializable let a G2-item through\n";
    }
    EXPECT_GT(r.stats.ok, kTxns / 4);
  }
}

TEST_F(IntegrationTxnPostgres, RwRegisterSerializableShowsNone) {
  const TxnRun r = Run("serializable", TxnWorkload::kRwRegister, 1);
  EXPECT_EQ(r.result.Verdict(), "valid");
}

TEST_F(IntegrationTxnPostgres, RwRegisterReadCommittedShowsAnomalies) {
  const TxnRun r = Run("read-committed", TxnWorkload::kRwRegister, 1);
  EXPECT_EQ(r.result.Verdict(), "invalid");
}

TEST(IntegrationTxnSqlite, ListAppendAndRwRegisterShowNone) {
  ScratchDir dir;
  EngineEnv env;
  env.bin_dir = BinDir();
  env.log_dir = dir.Sub("logs");
  for (const char* journal : {"delete", "wal"}) {
    for (TxnWorkload w : {TxnWorkload::kListAppend, TxnWorkload::kRwRegister}) {
      auto engine = MakeEngine("sqlite", {{"journal_mode", journal}}, env);
      ASSERT_TRUE(engine.ok()) << engine.status().message();
      const std::string data =
          dir.Sub(std::string(journal) + "-" + TxnWorkloadName(w));
      ASSERT_TRUE(MakeDirs(data).ok());
      ASSERT_TRUE((*engine)->Init(data, Schema()).ok());
      const TxnRun r = RunTxns(**engine, data, w, 6, 2000, 1);
      EXPECT_EQ(r.result.Verdict(), "valid") << journal;
      EXPECT_GT(r.stats.ok, 1000u) << journal;
    }
  }
}

// Redis runs each transaction in one MULTI/EXEC: nothing can interleave.
TEST(IntegrationTxnRedis, MultiExecShowsNone) {
  ScratchDir dir;
  EngineEnv env;
  env.bin_dir = BinDir();
  env.log_dir = dir.Sub("logs");
  for (TxnWorkload w : {TxnWorkload::kListAppend, TxnWorkload::kRwRegister}) {
    auto engine = MakeEngine("redis", {}, env);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    const std::string data = dir.Sub(TxnWorkloadName(w));
    ASSERT_TRUE(MakeDirs(data).ok());
    ASSERT_TRUE((*engine)->Init(data, Schema()).ok());
    const TxnRun r = RunTxns(**engine, data, w, 8, 2000, 1);
    EXPECT_EQ(r.result.Verdict(), "valid");
    EXPECT_EQ(r.stats.ok, 2000u);
  }
}

TEST(IntegrationTxnSqlite, EnginesWithoutTransactionsAreRefused) {
  ScratchDir dir;
  EngineEnv env;
  env.bin_dir = BinDir();
  env.log_dir = dir.Sub("logs");
  auto engine = MakeEngine("leveldb", {}, env);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  const std::string data = dir.Sub("db");
  ASSERT_TRUE(MakeDirs(data).ok());
  ASSERT_TRUE((*engine)->Init(data, Schema()).ok());
  auto session = (*engine)->Open(data, Schema());
  ASSERT_TRUE(session.ok());
  auto client = (*session)->OpenTxnClient(TxnWorkload::kListAppend);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Code::kInvalidArgument);
  EXPECT_NE(client.status().message().find("transactional"), std::string::npos)
      << client.status().message();
  EXPECT_TRUE((*session)->Close().ok());
}

}  // namespace
}  // namespace crashlab
