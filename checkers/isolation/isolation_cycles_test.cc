// Dependency cycles, classified exactly: G0, G1c, G-single, G-nonadjacent,
// G2-item, and the -process / -realtime variants that exist only when those
// edges are built.
#include <gtest/gtest.h>

#include "checkers/isolation/isolation_test_util.h"

namespace crashlab {
namespace {

using Set = std::set<std::string>;

TEST(IsolationCycles, WriteCycleIsG0) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1] [:append :y 1]]");
  b.Txn(1, "[[:append :x 2] [:append :y 2]]");
  b.Txn(2, "[[:r :x [1 2]] [:r :y [2 1]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G0"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kG0);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->txns.size(), 2u);
  ASSERT_EQ(a->steps.size(), 2u);
  for (const AnomalyStep& s : a->steps) {
    EXPECT_EQ(s.kind, EdgeKind::kWW);
    EXPECT_NE(s.explanation.find("appended"), std::string::npos);
  }
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadUncommitted});
  EXPECT_EQ(r.counts.components, 1u);
}

TEST(IsolationCycles, CircularInformationFlowIsG1c) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:append :x 1] [:r :y [1]]]");
  b.End(t2, "[[:append :y 1] [:r :x [1]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G1c"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kG1c);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->steps[0].kind, EdgeKind::kWR);
  EXPECT_NE(a->steps[0].explanation.find("(wr)"), std::string::npos);
}

TEST(IsolationCycles, ReadSkewIsGSingle) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t2, "[[:append :x 1] [:append :y 1]]");
  b.End(t1, "[[:r :x []] [:r :y [1]]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G-single"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kGSingle);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->steps.size(), 2u);
  // The rw step names the missed value; the wr step the value seen.
  const std::string& rw = a->steps[0].kind == EdgeKind::kRW
                              ? a->steps[0].explanation
                              : a->steps[1].explanation;
  EXPECT_NE(rw.find("without 1"), std::string::npos) << rw;
  EXPECT_NE(rw.find("(rw)"), std::string::npos) << rw;
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            (std::vector<IsolationModel>{IsolationModel::kRepeatableRead,
                                IsolationModel::kSnapshotIsolation}));
}

TEST(IsolationCycles, WriteSkewIsG2Item) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:r :x []] [:r :y []] [:append :x 1]]");
  b.End(t2, "[[:r :x []] [:r :y []] [:append :y 2]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G2-item"}) << r.Summary();
  // Write skew is allowed by snapshot isolation.
  EXPECT_TRUE(r.models.consistent & ModelBit(IsolationModel::kSnapshotIsolation));
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kRepeatableRead});
}

TEST(IsolationCycles, SeparatedAntiDependenciesAreGNonadjacent) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1), t3 = b.Begin(2), t4 = b.Begin(3);
  b.End(t1, "[[:r :a []] [:r :d [1]]]");
  b.End(t2, "[[:append :a 1] [:append :b 1]]");
  b.End(t3, "[[:r :b [1]] [:r :c []]]");
  b.End(t4, "[[:append :c 1] [:append :d 1]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G-nonadjacent"}) << r.Summary();
  EXPECT_EQ(Find(r, AnomalyType::kGNonadjacent)->txns.size(), 4u);
  EXPECT_FALSE(r.models.consistent & ModelBit(IsolationModel::kSnapshotIsolation));
}

// T2 starts after T1 completed, yet reads x without T1's append.
HistoryBuilder StaleRead(bool same_process) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]");
  b.Txn(same_process ? 0 : 1, "[[:r :x []]]");
  b.Txn(2, "[[:r :x [1]]]");
  return b;
}

TEST(IsolationCycles, StaleReadNeedsRealtimeEdges) {
  const TxnHistory h = StaleRead(false).Build();
  EXPECT_EQ(Types(Check(h)), Set{}) << "serializable without real time";
  EXPECT_EQ(Types(Check(h, false, true)), Set{}) << "other process";
  const IsolationResult r = Check(h, true);
  EXPECT_EQ(Types(r), Set{"G-single-realtime"}) << r.Summary();
  const Anomaly* a = Find(r, AnomalyType::kGSingleRealtime);
  ASSERT_NE(a, nullptr);
  bool realtime_step = false;
  for (const AnomalyStep& s : a->steps) {
    if (s.kind != EdgeKind::kRealtime) continue;
    realtime_step = true;
    EXPECT_NE(s.explanation.find("completed"), std::string::npos);
  }
  EXPECT_TRUE(realtime_step);
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kStrongSnapshotIsolation});
  EXPECT_TRUE(r.models.consistent & ModelBit(IsolationModel::kSerializable));
}

TEST(IsolationCycles, StaleReadOnOneProcessIsGSingleProcess) {
  const TxnHistory h = StaleRead(true).Build();
  EXPECT_EQ(Types(Check(h)), Set{});
  EXPECT_EQ(Types(Check(h, false, true)), Set{"G-single-process"});
  // With both, the weaker edges name it.
  EXPECT_EQ(Types(Check(h, true, true)), Set{"G-single-process"});
}

TEST(IsolationCycles, RealtimeVariantsOfG0AndG1c) {
  {
    HistoryBuilder b;  // T2 began after T1 ended, yet x orders 2 before 1
    b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:append :x 2]]");
    b.Txn(2, "[[:r :x [2 1]]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{});
    EXPECT_EQ(Types(Check(b.Build(), true)), Set{"G0-realtime"});
  }
  {
    HistoryBuilder b;  // T1 saw an append T2 made only after T1 ended
    int t1 = b.Begin(0);
    b.End(t1, "[[:r :x [1]]]");
    b.Txn(1, "[[:append :x 1]]");
    EXPECT_EQ(Types(Check(b.Build())), Set{});
    EXPECT_EQ(Types(Check(b.Build(), true)), Set{"G1c-realtime"});
  }
}

TEST(IsolationCycles, TwoAntiDependenciesAndRealtimeIsG2ItemRealtime) {
  // T2 and T3 overlap; T1 starts after T3 ended. T1 misses T2's append to x,
  // T2 misses T3's append to y, and T3 precedes T1 in real time.
  HistoryBuilder b;
  int t2 = b.Begin(1), t3 = b.Begin(2);
  b.End(t3, "[[:append :y 1]]");
  int t1 = b.Begin(0);
  b.End(t1, "[[:r :x []]]");
  b.End(t2, "[[:r :y []] [:append :x 1]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{});
  const IsolationResult r = Check(b.Build(), true);
  EXPECT_EQ(Types(r), Set{"G2-item-realtime"}) << r.Summary();
  EXPECT_EQ(Find(r, AnomalyType::kG2ItemRealtime)->txns.size(), 3u);
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kStrictSerializable});
}

TEST(IsolationCycles, RegisterReadSkewIsGSingle) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t2, "[[:w :x 1] [:w :y 1]]");
  b.End(t1, "[[:r :x nil] [:r :y 1]]");
  const IsolationResult r = Check(b.Build());
  EXPECT_EQ(Types(r), Set{"G-single"}) << r.Summary();
  for (const AnomalyStep& s : Find(r, AnomalyType::kGSingle)->steps) {
    EXPECT_EQ(s.explanation.find("->"), std::string::npos) << s.explanation;
  }
}

TEST(IsolationCycles, RegisterWriteSkewIsG2Item) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:r :x nil] [:r :y nil] [:w :x 1]]");
  b.End(t2, "[[:r :x nil] [:r :y nil] [:w :y 2]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{"G2-item"});
}

TEST(IsolationCycles, RegisterCircularReadsAreG1c) {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t1, "[[:w :y 1] [:r :z 2]]");
  b.End(t2, "[[:w :z 2] [:r :y 1]]");
  EXPECT_EQ(Types(Check(b.Build())), Set{"G1c"});
}

// One component holding four classes of cycle (T3 only reads, outside it):
//   G0            T1 -ww-> T2 -ww-> T1 (x orders 1 2, y orders 2 1)
//   G-single      T4 -rw-> T1 -wr-> T4 (T4 saw T1's x but not its z)
//   G2-item       T2 -rw-> T5 -rw-> T1 -ww-> T2
//   G-nonadjacent T4 -rw-> T1 -ww-> T2 -rw-> T5 -wr-> T4
// and no G1c. Regression (issue 17): once G0 explained the component, the
// other searches were skipped and only G0 was reported.
HistoryBuilder FourClassesInOneComponent() {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1), t4 = b.Begin(3), t5 = b.Begin(4);
  b.End(t1, "[[:append :x 1] [:append :y 1] [:append :z 1]]");
  b.End(t2, "[[:r :v []] [:append :x 2] [:append :y 2]]");
  b.End(t4, "[[:r :x [1]] [:r :z []] [:r :v [1]]]");
  b.End(t5, "[[:append :v 1] [:r :z []]]");
  b.Txn(2, "[[:r :x [1 2]] [:r :y [2 1]]]");
  return b;
}

TEST(IsolationCycles, EveryClassInAComponentIsReported) {
  const IsolationResult r = Check(FourClassesInOneComponent().Build());
  EXPECT_EQ(Types(r), (Set{"G0", "G-single", "G2-item", "G-nonadjacent"}))
      << r.Summary();
  EXPECT_EQ(r.counts.components, 1u);
  EXPECT_FALSE(r.truncated);
  // Each example is a cycle of its own class.
  for (const Anomaly& a : r.examples) {
    std::vector<EdgeKind> kinds;
    for (const AnomalyStep& s : a.steps) kinds.push_back(s.kind);
    EXPECT_EQ(ClassifyCycle(kinds), a.type) << a.explanation;
  }
  // The weakest model ruled out is still read uncommitted (G0); the others
  // add nothing weaker, but the list says what is there.
  EXPECT_EQ(ModelsIn(r.models.weakest_violated),
            std::vector<IsolationModel>{IsolationModel::kReadUncommitted});
}

TEST(IsolationCycles, ExhaustedSearchIsReportedAsTruncated) {
  IsolationOptions o;
  o.search_budget = 1;
  auto r = CheckIsolation(FourClassesInOneComponent().Build(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->truncated_components, 1u);
  EXPECT_NE(r->truncated_classes, 0u);
  EXPECT_TRUE(Types(*r).count("G0")) << "linear searches are not cut";
  const nlohmann::json j = r->ToJson();
  EXPECT_EQ(j["truncated"], true);
  EXPECT_EQ(j["truncation"]["budget"], 1);
  ASSERT_FALSE(j["truncation"]["classes"].empty());
  for (const auto& cut : j["truncation"]["classes"]) {
    // One component: a class whose search was cut there went unreported,
    // and the report says which.
    EXPECT_EQ(Types(*r).count(cut.get<std::string>()), 0u) << cut;
    EXPECT_NE(r->Summary().find(cut.get<std::string>()), std::string::npos)
        << r->Summary();
  }
  // With the default budget nothing is cut.
  EXPECT_EQ(Check(FourClassesInOneComponent().Build()).ToJson().count(
                "truncation"),
            0u);
}

TEST(IsolationCycles, ExamplesAreCappedButCountsAreNot) {
  HistoryBuilder b;
  for (int i = 0; i < 12; ++i) {  // 12 independent read skews
    int t1 = b.Begin(0), t2 = b.Begin(1);
    b.End(t2, fmt::format("[[:append :x{} 1] [:append :y{} 1]]", i, i));
    b.End(t1, fmt::format("[[:r :x{} []] [:r :y{} [1]]]", i, i));
  }
  IsolationOptions o;
  o.max_examples = 3;
  auto r = CheckIsolation(b.Build(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->anomaly_counts[static_cast<int>(AnomalyType::kGSingle)], 12u);
  EXPECT_EQ(r->examples.size(), 3u);
  EXPECT_EQ(r->ToJson()["examples_omitted"]["G-single"], 9);
}

}  // namespace
}  // namespace crashlab
