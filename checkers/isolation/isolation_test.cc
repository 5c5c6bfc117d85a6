// Non-cyclic anomalies, one hand-made history per class, classified exactly;
// and valid histories that must give nothing.
#include "checkers/isolation/isolation.h"

#include <gtest/gtest.h>

#include "checkers/isolation/isolation_test_util.h"
#include "checkers/isolation/synthetic.h"

namespace crashlab {
namespace {

using Set = std::set<std::string>;

TEST(IsolationAppend, SerialHistoryIsValid) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:r :x [1]]]")
      .Txn(1, "[[:r :x [1]] [:append :y 1] [:append :x 2]]")
      .Txn(0, "[[:r :x [1 2]] [:r :y [1]]]")
      .Txn(1, "[[:r :z nil] [:append :z 7] [:r :z [7]]]");
  const TxnHistory h = b.Build();
  for (bool rt : {false, true}) {
    const IsolationResult r = Check(h, rt, rt);
    EXPECT_EQ(Types(r), Set{}) << r.Summary();
    EXPECT_EQ(r.Verdict(), "valid");
    EXPECT_EQ(r.workload, "list-append");
    EXPECT_EQ(r.models.violated, 0u);
  }
}

TEST(IsolationAppend, AbortedReadIsG1a) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]", "fail").Txn(1, "[[:r :x [1]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G1a"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kG1a);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->txns.size(), 2u);
  EXPECT_EQ(a->txns[1].type, TxnType::kFail);
  EXPECT_NE(a->explanation.find("failed"), std::string::npos) << a->explanation;
  EXPECT_EQ(ModelsIn(a->violates), std::vector<IsolationModel>{IsolationModel::kReadCommitted});
}

TEST(IsolationAppend, IntermediateReadIsG1b) {
  // The writer ended info, and its final append was never seen: nothing but
  // the intermediate read can be inferred.
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:append :x 2]]", "info").Txn(1, "[[:r :x [1]]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{"G1b"});
}

TEST(IsolationAppend, IntermediateReadOfCommittedWriterAlsoClosesGSingle) {
  // T2 saw T1's first append but not its second: wr one way, rw the other.
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:append :x 2]]").Txn(1, "[[:r :x [1]]]");
  b.Txn(2, "[[:r :x [1 2]]]");
  EXPECT_EQ(Types(Check(b.Build())), (Set{"G1b", "G-single"}));
}

TEST(IsolationAppend, OwnAppendMissingIsInternal) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:r :x []]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"internal"}) << r.Summary();
  EXPECT_NE(Find(r, AnomalyType::kInternal)->explanation.find("own appends"),
            std::string::npos);
}

TEST(IsolationAppend, ReadsDisagreeingWithinTxnIsInternal) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(0, "[[:append :x 2]]");
  b.Txn(1, "[[:r :x [1]] [:append :x 3] [:r :x [1 2 3]]]");
  b.Txn(2, "[[:r :x [1 2 3]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(r.anomaly_counts[static_cast<int>(AnomalyType::kInternal)], 1u);
}

// Regression (issue 17): a read of a value the transaction appends only
// later was filed as `internal`, and the history called consistent with
// repeatable read and every weaker model. Nobody had written the value when
// it was read: Elle's future-read, which rules out read committed.
TEST(IsolationAppend, FutureReadRulesOutReadCommitted) {
  HistoryBuilder b;
  b.Txn(0, "[[:r :x [1]] [:append :x 1]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"future-read"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kFutureRead);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->explanation.find("only later"), std::string::npos);
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadCommitted});
  EXPECT_FALSE(r.models.consistent & ModelBit(IsolationModel::kRepeatableRead));
  EXPECT_TRUE(r.models.consistent & ModelBit(IsolationModel::kReadUncommitted));
}

TEST(IsolationAppend, FutureReadAfterOtherWritesAndInternalAreBothReported) {
  // T3 reads x = [1 5] (5 is its own later append: a future read) and then
  // x = [1], which contradicts its own first read (internal).
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]");
  b.Txn(1, "[[:r :x [1 5]] [:r :x [1]] [:append :x 5]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_TRUE(Types(r).count("future-read")) << r.Summary();
  EXPECT_TRUE(Types(r).count("internal")) << r.Summary();
}

TEST(IsolationRegister, FutureReadRulesOutReadCommitted) {
  HistoryBuilder b;
  b.Txn(0, "[[:r :x 7] [:w :x 7]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"future-read"}) << r.Summary();
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadCommitted});
}

TEST(IsolationAppend, CommittedAppendAfterAbortedOneIsDirtyUpdate) {
  // T1 failed, yet x's version order shows T2's committed append right
  // after T1's aborted one. T3's read of it is an aborted read as well.
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]", "fail");
  b.Txn(1, "[[:append :x 2]]");
  b.Txn(2, "[[:r :x [1 2]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), (Set{"dirty-update", "G1a"})) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kDirtyUpdate);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->txns.size(), 2u);
  EXPECT_EQ(a->txns[0].type, TxnType::kFail);
  EXPECT_EQ(a->txns[1].type, TxnType::kOk);
  EXPECT_NE(a->explanation.find("T1 appended 1 to :x and failed"),
            std::string::npos) << a->explanation;
  EXPECT_NE(a->explanation.find("aborted"), std::string::npos);
  EXPECT_EQ(ModelsIn(a->violates),
            std::vector<IsolationModel>{IsolationModel::kReadCommitted});
}

TEST(IsolationAppend, DirtyUpdateLooksThroughInfoAppends) {
  // fail, info, ok: the info append may or may not have happened, so the
  // committed 3 still follows aborted state. After 3 the state is committed
  // again: 4 is no dirty update.
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]", "fail");
  b.Txn(1, "[[:append :x 2]]", "info");
  b.Txn(2, "[[:append :x 3]]");
  b.Txn(3, "[[:append :x 4]]");
  b.Txn(4, "[[:r :x [1 2 3 4]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(r.anomaly_counts[static_cast<int>(AnomalyType::kDirtyUpdate)], 1u)
      << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kDirtyUpdate);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->explanation.find("[1 2 3]"), std::string::npos)
      << a->explanation;
}

TEST(IsolationAppend, AbortedAppendLastInOrderIsOnlyG1a) {
  HistoryBuilder b;
  b.Txn(1, "[[:append :x 2]]");
  b.Txn(0, "[[:append :x 1]]", "fail");
  b.Txn(2, "[[:r :x [2 1]]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{"G1a"});
}

TEST(IsolationAppend, ValueNobodyWroteIsGarbage) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:r :x [9]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"garbage-read"}) << r.Summary();
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadUncommitted});
}

TEST(IsolationAppend, ElementSeenTwiceIsDuplicateElements) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:r :x [1 1]]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{"duplicate-elements"});
}

TEST(IsolationAppend, SameValueAppendedTwiceIsDuplicateWriteAndUnknown) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:append :x 1]]");
  b.Txn(2, "[[:r :x [1]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"duplicate-write"});
  EXPECT_EQ(r.Verdict(), "unknown");
  EXPECT_EQ(r.models.violated, 0u);
  EXPECT_EQ(r.ToJson()["valid"], "unknown");
}

TEST(IsolationAppend, ReadsNotPrefixesAreIncompatibleOrder) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:append :x 2]]");
  b.Txn(2, "[[:r :x [1 2]]]").Txn(3, "[[:r :x [2]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"incompatible-order"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kIncompatibleOrder);
  EXPECT_EQ(a->key, ":x");
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadCommitted});
}

TEST(IsolationAppend, TwoReadThenAppendOfOneVersionIsLostUpdate) {
  // Both read x = [] and appended; a later read orders the appends, which
  // closes a G-single through the lost one.
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:r :x []] [:append :x 1]]");
  b.End(t2, "[[:r :x []] [:append :x 2]]");
  b.Txn(2, "[[:r :x [1 2]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), (Set{"lost-update", "G-single"})) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kLostUpdate);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->txns.size(), 2u);
}

TEST(IsolationAppend, LostUpdateWithoutLaterReadsIsWriteSkewShaped) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:r :x []] [:append :x 1]]");
  b.End(t2, "[[:r :x []] [:append :x 2]]");
  EXPECT_EQ(Types(Check(b.Build())), (Set{"lost-update", "G2-item"}));
}

TEST(IsolationAppend, UnseenAppendOfInfoTxnCreatesNoEdges) {
  // T1 crashed (info); nobody saw its append, so it may never have happened.
  HistoryBuilder b;
  b.Txn(0, "[[:r :x []] [:append :x 1]]", "info");
  b.Txn(1, "[[:r :x []] [:append :x 2]]").Txn(1, "[[:r :x [2]]]");
  const IsolationResult r = Check(b.Build(), true, true);
  EXPECT_EQ(Types(r), Set{}) << r.Summary();
}

TEST(IsolationAppend, GeneratedSerializableHistoriesAreValid) {
  for (uint64_t seed : {1, 2, 3}) {
    SyntheticOptions o;
    o.txns = 3000;
    o.seed = seed;
    o.fail_per_mille = 30;
    o.info_per_mille = 30;
    const IsolationResult r = Check(GenerateAppendHistory(o), true, true);
    EXPECT_EQ(Types(r), Set{}) << "seed " << seed << "\n" << r.Summary();
    EXPECT_GT(r.counts.edges[static_cast<int>(EdgeKind::kRW)], 0u);
  }
}

TEST(IsolationAppend, GeneratedStaleReadsAreFound) {
  SyntheticOptions o;
  o.txns = 3000;
  o.seed = 5;
  o.stale_per_mille = 100;
  o.leaked_fail_per_mille = 500;
  o.fail_per_mille = 20;
  const IsolationResult r = Check(GenerateAppendHistory(o), true);
  EXPECT_EQ(r.Verdict(), "invalid");
  EXPECT_GT(r.anomaly_counts[static_cast<int>(AnomalyType::kG1a)], 0u);
  // Stale reads show up as dependency cycles. (Lost updates need two
  // committed txns reading the same version and appending; generated
  // histories rarely hold one, the hand-written history in this file covers it.)
  EXPECT_GT(r.counts.components, 0u);
}

// --- rw-register

TEST(IsolationRegister, SerialHistoryIsValid) {
  HistoryBuilder b;
  b.Txn(0, "[[:r :x nil] [:w :x 1]]").Txn(1, "[[:r :x 1] [:w :x 2] [:r :x 2]]");
  b.Txn(0, "[[:r :x 2] [:r :y nil]]");
  const IsolationResult r = Check(b.Build(), true, true);
  EXPECT_EQ(r.workload, "rw-register");
  EXPECT_EQ(Types(r), Set{}) << r.Summary();
}

TEST(IsolationRegister, NonCyclicClasses) {
  {
    HistoryBuilder b;
    b.Txn(0, "[[:w :x 1]]", "fail").Txn(1, "[[:r :x 1]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{"G1a"});
  }
  {
    HistoryBuilder b;
    b.Txn(0, "[[:w :x 1] [:w :x 2]]", "info").Txn(1, "[[:r :x 1]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{"G1b"});
  }
  {
    HistoryBuilder b;
    b.Txn(0, "[[:w :x 1] [:r :x 2]]").Txn(1, "[[:w :x 2]]");
    EXPECT_TRUE(Types(Check(b.Build())).count("internal"));
  }
  {
    HistoryBuilder b;
    b.Txn(0, "[[:r :x 5]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{"garbage-read"});
  }
  {
    HistoryBuilder b;
    b.Txn(0, "[[:w :x 1]]").Txn(1, "[[:w :x 1]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{"duplicate-write"});
  }
}

TEST(IsolationRegister, LostUpdate) {
  HistoryBuilder b;
  b.Txn(0, "[[:w :x 0]]");
  int t1 = b.Begin(1), t2 = b.Begin(2);
  b.End(t1, "[[:r :x 0] [:w :x 1]]");
  b.End(t2, "[[:r :x 0] [:w :x 2]]");
  EXPECT_EQ(Types(Check(b.Build())), (Set{"lost-update", "G2-item"}));
}

TEST(IsolationCheck, MixedWorkloadsAreRejected) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:w :y 2]]");
  auto r = CheckIsolation(b.Build(), IsolationOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kBadInput);
}

}  // namespace
}  // namespace crashlab
