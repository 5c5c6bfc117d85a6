// The order oracles on crafted crash states: four signups acknowledged in
// order (the third one synced), and rows with some of them missing.
#include <gtest/gtest.h>

#include "checkers/check.h"
#include "core/order_promise.h"

namespace crashlab {
namespace {

class OrderScenario : public ::testing::Test {
 protected:
  OrderScenario() : schema_{{{"users", "name", {{"n", ColumnType::kInt}}}}} {
    const char* names[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; ++i) {
      LogicalOp op;
      op.id = i + 1;
      op.f = "signup";
      op.process = i % 2;  // clients 0 and 1 alternate
      op.mutations = {{MutationKind::kInsert, "users", names[i], {{"n", 0}}}};
      op.effects = EffectsOf(schema_, model_, op.mutations);
      ApplyMutation(schema_, op.mutations[0], &model_);
      ops_.push_back(op);
      order_.by_ack.push_back(i);
      order_.rank.push_back(i);
      order_.synced.push_back(i == 2);
      order_.ack_ns.push_back((i + 1) * 1000000000ull);
    }
  }
  // Checks the state holding every user but `lost`.
  std::vector<Finding> Check(std::vector<std::string> lost,
                             const OrderPromise& promise,
                             LossStats* stats = nullptr) {
    Rows rows = model_;
    for (const std::string& u : lost) rows["users"].erase(u);
    Observation o;
    o.rows = rows;
    const Rows base;
    const std::vector<OpStatus> status(4, OpStatus::kAcked);
    CheckInput in{schema_, ops_, status, base, o};
    in.order = &order_;
    in.promise = promise;
    in.crash_ns = 5000000000ull;
    return CheckState(in, stats);
  }
  static size_t Count(const std::vector<Finding>& fs, FindingKind k) {
    size_t n = 0;
    for (const Finding& f : fs) n += f.kind == k;
    return n;
  }

  Schema schema_;
  Rows model_;
  std::vector<LogicalOp> ops_;
  AckOrder order_;
};

OrderPromise Promise(const std::string& words) {
  auto p = ParseOrderPromise(words);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : OrderPromise{};
}

TEST_F(OrderScenario, LosingASuffixKeepsEveryOrderPromise) {
  LossStats stats;
  const auto found = Check({"c", "d"}, Promise("prefix,sync-barrier"), &stats);
  EXPECT_EQ(Count(found, FindingKind::kOrderViolation), 0u);
  EXPECT_EQ(Count(found, FindingKind::kBarrierViolation), 0u);
  EXPECT_EQ(Count(found, FindingKind::kLostCommit), 2u);
  EXPECT_EQ(stats.acked, 4u);
  EXPECT_EQ(stats.lost, 2u);
  EXPECT_EQ(stats.holes, 0u);
  EXPECT_EQ(stats.span_ops, 2u);
  EXPECT_DOUBLE_EQ(stats.oldest_lost_s, 2.0);  // c acknowledged at 3 s
}

TEST_F(OrderScenario, AHoleBeforeASurvivorIsAnOrderViolation) {
  LossStats stats;
  const auto found = Check({"b"}, Promise("prefix"), &stats);
  ASSERT_EQ(Count(found, FindingKind::kOrderViolation), 1u);
  for (const Finding& f : found) {
    if (f.kind != FindingKind::kOrderViolation) continue;
    EXPECT_EQ(f.ops, (std::vector<uint64_t>{2, 3}));  // lost, nearest survivor
    EXPECT_EQ(f.Key(), "order_violation:2");
    EXPECT_NE(f.summary.find("signup #3"), std::string::npos) << f.summary;
    EXPECT_FALSE(f.cells.empty());
  }
  EXPECT_EQ(stats.holes, 1u);
  EXPECT_EQ(Count(found, FindingKind::kBarrierViolation), 0u);  // not promised
}

TEST_F(OrderScenario, PerClientOrderOnlyComparesTheSameClient) {
  // b and d (client 1) lost, c (client 0) survived: a hole in the global
  // order, none in client 1's...
  EXPECT_EQ(
      Count(Check({"b", "d"}, Promise("prefix")), FindingKind::kOrderViolation),
      1u);
  EXPECT_EQ(Count(Check({"b", "d"}, Promise("prefix-per-client")),
                  FindingKind::kOrderViolation),
            0u);
  // ...but a (client 0) lost while c (client 0) survived is one.
  EXPECT_EQ(Count(Check({"a"}, Promise("prefix-per-client")),
                  FindingKind::kOrderViolation),
            1u);
}

TEST_F(OrderScenario, ABarrierNeedsASyncedSurvivor) {
  // b lost, c (synced) survived: the barrier is broken.
  const auto broken = Check({"b"}, Promise("sync-barrier"));
  ASSERT_EQ(Count(broken, FindingKind::kBarrierViolation), 1u);
  EXPECT_EQ(Count(broken, FindingKind::kOrderViolation), 0u);
  // c lost too: only d, never synced, survived after b: no barrier broken.
  EXPECT_EQ(Count(Check({"b", "c"}, Promise("sync-barrier")),
                  FindingKind::kBarrierViolation),
            0u);
}

TEST_F(OrderScenario, AWindowInOperationsCountsLaterAcknowledgements) {
  // Only the last one may go: losing c and d exceeds it, d alone does not.
  EXPECT_EQ(Count(Check({"d"}, Promise("window-ops:1")),
                  FindingKind::kLossWindowExceeded),
            0u);
  EXPECT_EQ(Count(Check({"c", "d"}, Promise("window-ops:1")),
                  FindingKind::kLossWindowExceeded),
            1u);
}

TEST(OrderPromiseTest, ParsesWordsAndRefusesOthers) {
  const OrderPromise p = Promise("prefix-per-client,sync-barrier,window-ops:3");
  EXPECT_EQ(p.prefix, PrefixScope::kPerClient);
  EXPECT_TRUE(p.sync_barrier);
  EXPECT_EQ(p.window_ops, 3u);
  EXPECT_EQ(p.ToString(), "prefix (per client) + sync-barrier + last 3 ops");
  EXPECT_EQ(OrderPromise{}.ToString(), "none");
  for (const char* bad : {"prefixx", "window-ops:0", "window-ops:", "sync"}) {
    auto r = ParseOrderPromise(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("allowed: prefix"), std::string::npos);
  }
}

}  // namespace
}  // namespace crashlab
