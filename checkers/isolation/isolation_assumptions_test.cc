// Elle's history assumptions, --sequential-keys and --linearizable-keys:
// each exposes, as a cycle of data edges, an anomaly the history hides
// without it.
#include <gtest/gtest.h>

#include "checkers/isolation/isolation_test_util.h"

namespace crashlab {
namespace {

using Set = std::set<std::string>;

IsolationResult CheckWith(const TxnHistory& h, bool sequential,
                          bool linearizable, bool realtime = false) {
  IsolationOptions o;
  o.sequential_keys = sequential;
  o.linearizable_keys = linearizable;
  o.realtime = realtime;
  auto r = CheckIsolation(h, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : IsolationResult();
}

// x = 1, then x = 2, then a read of x = 1, one after another. Registers
// alone do not order the two writes, so nothing is wrong; if each key's
// versions follow the order the transactions ran in, 2 overwrote 1 and the
// read saw a lost or stale write.
HistoryBuilder StaleRegister(bool one_process) {
  HistoryBuilder b;
  b.Txn(0, "[[:w :x 1]]");
  b.Txn(one_process ? 0 : 1, "[[:w :x 2]]");
  b.Txn(one_process ? 0 : 2, "[[:r :x 1]]");
  return b;
}

TEST(IsolationAssumptions, SequentialKeysExposeAStaleRegisterOnOneProcess) {
  const TxnHistory h = StaleRegister(true).Build();
  EXPECT_EQ(Types(Check(h, true, true)), Set{}) << "no order edge helps";
  // 1 precedes 2 (ww, and the read of 1 rw-precedes 2), 2 precedes the
  // read 1 (ww back): a write cycle and read skew, in data edges alone.
  const IsolationResult r = CheckWith(h, true, false);
  EXPECT_EQ(Types(r), (Set{"G0", "G-single"})) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kG0);
  ASSERT_NE(a, nullptr);
  bool explained = false;
  for (const AnomalyStep& s : a->steps) {
    explained |= s.explanation.find("--sequential-keys") != std::string::npos;
    EXPECT_EQ(s.explanation.find("->"), std::string::npos) << s.explanation;
  }
  EXPECT_TRUE(explained) << a->explanation;
  EXPECT_TRUE(r.ToJson()["options"]["sequential_keys"]);
}

TEST(IsolationAssumptions,
     LinearizableKeysExposeAStaleRegisterAcrossProcesses) {
  const TxnHistory h = StaleRegister(false).Build();
  EXPECT_EQ(Types(Check(h, true, true)), Set{});
  EXPECT_EQ(Types(CheckWith(h, true, false)), Set{})
      << "three processes: process order says nothing";
  const IsolationResult r = CheckWith(h, false, true);
  EXPECT_EQ(Types(r), (Set{"G0", "G-single"})) << r.Summary();
  EXPECT_NE(r.Summary().find("--linearizable-keys"), std::string::npos);
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadUncommitted});
}

TEST(IsolationAssumptions, ConcurrentWritesStayUnordered) {
  // The same three transactions, all overlapping: no order to assume.
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1), t3 = b.Begin(2);
  b.End(t1, "[[:w :x 1]]");
  b.End(t2, "[[:w :x 2]]");
  b.End(t3, "[[:r :x 1]]");
  EXPECT_EQ(Types(CheckWith(b.Build(), true, true)), Set{});
}

// A committed append (2) that no later read shows, as after a crash that
// lost it: T3 reads x = [1] after T2 completed, and 3 lands after 1.
HistoryBuilder LostAppend() {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]");
  b.Txn(1, "[[:append :x 2]]");
  b.Txn(2, "[[:r :x [1]]]");
  b.Txn(3, "[[:append :x 3]]");
  b.Txn(4, "[[:r :x [1 3]]]");
  return b;
}

TEST(IsolationAssumptions, LinearizableKeysTurnALostAppendIntoAWriteCycle) {
  const TxnHistory h = LostAppend().Build();
  EXPECT_EQ(Types(Check(h)), Set{}) << "without time, 2 may come last";
  EXPECT_TRUE(Types(Check(h, true)).count("G0-realtime"));
  // T1 -ww-> T0 (assumed: 2 before the version [1]), T0 -ww-> T3 -ww-> T1.
  const IsolationResult r = CheckWith(h, false, true);
  EXPECT_TRUE(Types(r).count("G0")) << r.Summary();
  for (const std::string& t : Types(r)) {
    EXPECT_EQ(t.find("realtime"), std::string::npos) << t;
  }
  EXPECT_NE(r.Summary().find("though no read ever showed 2"), std::string::npos)
      << r.Summary();
}

TEST(IsolationAssumptions, SerialHistoriesStayValid) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]");
  b.Txn(1, "[[:r :x [1]] [:append :x 2]]").Txn(0, "[[:r :x [1 2]]]");
  EXPECT_EQ(Types(CheckWith(b.Build(), true, true, true)), Set{});
  HistoryBuilder r;
  r.Txn(0, "[[:w :x 1]]").Txn(1, "[[:r :x 1] [:w :x 2]]").Txn(0, "[[:r :x 2]]");
  EXPECT_EQ(Types(CheckWith(r.Build(), true, true, true)), Set{});
}

}  // namespace
}  // namespace crashlab
