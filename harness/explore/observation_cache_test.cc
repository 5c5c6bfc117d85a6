#include "harness/explore/observation_cache.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "harness/record/timeline.h"

namespace crashlab {
namespace {

Hash128 H(uint64_t i) { return {i, i * 7}; }

std::shared_ptr<const Observation> Seen(const std::string& message) {
  auto o = std::make_shared<Observation>();
  o->message = message;
  return o;
}

TEST(ObservationCacheTest, KeepsPinnedAndRecentEvictsTheLeastRecentlyUsed) {
  ObservationCache cache(2);
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(cache.Acquire(H(i))) << "first sight: recover it";
    EXPECT_FALSE(cache.Ready(H(i)));
    cache.Fill(H(i), Seen(std::to_string(i)));
    EXPECT_TRUE(cache.Ready(H(i)));
  }
  EXPECT_FALSE(cache.Acquire(H(1))) << "still at hand: no new recovery";
  EXPECT_EQ(cache.Use(H(1)).seen->message, "1");
  // Release 2 and 3 (pinned once each) and 1 (pinned twice): only
  // unpinned entries beyond the capacity go, least recently used first.
  cache.Release(H(2));
  cache.Release(H(3));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Acquire(H(2))) << "2 was evicted: recover it again";
  cache.Release(H(1));
  cache.Release(H(1));
  cache.Fill(H(2), Seen("2 again"));
  EXPECT_EQ(cache.Use(H(2)).seen->message, "2 again");
}

TEST(ObservationCacheTest, AnAwaitedImageIsNeverEvicted) {
  ObservationCache cache(1);
  ASSERT_TRUE(cache.Acquire(H(1)));  // submitted, not recovered yet
  for (uint64_t i = 2; i < 10; ++i) {
    ASSERT_TRUE(cache.Acquire(H(i)));
    cache.Fill(H(i), Seen("x"));
    cache.Release(H(i));
  }
  EXPECT_FALSE(cache.Acquire(H(1)));
  cache.Fill(H(1), Seen("late"));
  EXPECT_EQ(cache.Use(H(1)).seen->message, "late");
}

// Moving statuses mark by mark, forward or back, gives StatusesAt.
TEST(TimelineTest, MoveStatusesEqualsStatusesAt) {
  Trace t;
  t.records.push_back(Record{.op = Op::kBase});
  t.first_op = 1;
  std::vector<LogicalOp> ops(40);
  Rng rng(3);
  for (size_t i = 0; i < ops.size(); ++i) {
    ops[i].id = i + 1;
    t.records.push_back({.op = Op::kMark, .data = InvokeMark(ops[i].id)});
    for (uint64_t k = rng.Uniform(3); k > 0; --k) {
      t.records.push_back({.op = Op::kWrite, .file = 2, .data = "x"});
    }
    const char* outcome[] = {"ok", "ok", "fail", "info"};
    t.records.push_back(
        {.op = Op::kMark,
         .data = CompletionMark(outcome[rng.Uniform(4)], ops[i].id)});
  }
  const Timeline timeline(t, ops);
  std::vector<OpStatus> status = timeline.StatusesAt(0);
  size_t at = 0;
  for (int step = 0; step < 300; ++step) {
    const size_t to = step % 50 == 49
                          ? rng.Uniform(t.records.size() + 1)
                          : std::min(at + rng.Uniform(4), t.records.size());
    timeline.MoveStatuses(at, to, &status);
    at = to;
    ASSERT_EQ(status, timeline.StatusesAt(at)) << "position " << at;
  }
}

}  // namespace
}  // namespace crashlab
