#include "workloads/ordered_keys.h"

#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>

#include "core/rng.h"

namespace crashlab {
namespace {

// Every Kth of `keys` against the same keys in a std::set.
void ExpectSameOrder(const OrderedKeys& keys,
                     const std::set<std::string>& ref) {
  ASSERT_EQ(keys.size(), ref.size());
  uint64_t k = 0;
  for (const std::string& key : ref) {
    EXPECT_EQ(keys.Kth(k), key) << "k = " << k;
    EXPECT_TRUE(keys.Contains(key)) << key;
    ++k;
  }
}

// Inserts and erases seeded random keys made by `make`, checking the whole
// order every 50 steps.
template <typename Make>
void RandomRun(OrderedKeys* keys, uint64_t seed, Make make) {
  Rng rng(seed);
  std::set<std::string> ref;
  for (int step = 0; step < 3000; ++step) {
    const std::string key = make(rng);
    if (rng.Chance(2, 3)) {
      keys->Insert(key);
      ref.insert(key);
    } else if (!ref.empty() && rng.Chance(1, 2)) {
      // Erase a present key.
      auto it = ref.begin();
      std::advance(it, rng.Uniform(ref.size()));
      keys->Erase(*it);
      ref.erase(it);
    } else {
      keys->Erase(key);
      ref.erase(key);
    }
    if (step % 50 == 0) ExpectSameOrder(*keys, ref);
  }
  ExpectSameOrder(*keys, ref);
}

TEST(OrderedKeysTest, IdsSortAsTheirKeysStringsDo) {
  OrderedKeys keys("user-");
  for (int id : {2, 10, 1, 100, 19, 9, 11, 1000, 101}) {
    keys.Insert("user-" + std::to_string(id));
  }
  const char* want[] = {"user-1",    "user-10",  "user-100",
                        "user-1000", "user-101", "user-11",
                        "user-19",   "user-2",   "user-9"};
  ASSERT_EQ(keys.size(), 9u);
  for (uint64_t k = 0; k < 9; ++k) EXPECT_EQ(keys.Kth(k), want[k]);
  EXPECT_TRUE(keys.by_id());
}

TEST(OrderedKeysTest, WorkloadKeysStayByIdAndMatchAStdSet) {
  OrderedKeys keys("s-");
  RandomRun(&keys, 7, [](Rng& rng) {
    // "s-<id>-<hex>": one suffix per id, as the workload names sessions.
    const uint64_t id = 1 + rng.Uniform(5000);
    return "s-" + std::to_string(id) + "-" + std::to_string(id * 7919 % 4093);
  });
  EXPECT_TRUE(keys.by_id());
}

TEST(OrderedKeysTest, OtherKeysMoveToTheTreeAndStillMatchAStdSet) {
  // Keys an engine's dump could hold after a crash of someone else's data:
  // no prefix, leading zeros, one id with two suffixes, a separator above
  // '0', huge ids.
  const char* odd[] = {"alice",    "user-007", "user-5-a",
                       "user-5-b", "user-5~",  "user-99999999999999999999",
                       "user-",    "user"};
  for (const char* first : odd) {
    OrderedKeys keys("user-");
    std::set<std::string> ref;
    for (int id = 1; id < 30; id += 3) {
      keys.Insert("user-" + std::to_string(id));
      ref.insert("user-" + std::to_string(id));
    }
    keys.Insert(first);
    keys.Insert("user-5");
    ref.insert(first);
    ref.insert("user-5");
    ExpectSameOrder(keys, ref);
  }
  OrderedKeys keys("user-");
  RandomRun(&keys, 3, [](Rng& rng) {
    const uint64_t id = rng.Uniform(300);
    return (rng.Chance(1, 10) ? "user-0" : "user-") + std::to_string(id) +
           (rng.Chance(1, 4) ? "-x" : "");
  });
  EXPECT_FALSE(keys.by_id());
}

TEST(OrderedKeysTest, EraseOfAnAbsentOrDifferentlySuffixedKeyChangesNothing) {
  OrderedKeys keys("s-");
  keys.Insert("s-12-ab");
  keys.Erase("s-12-cd");
  keys.Erase("s-12");
  keys.Erase("s-13-ab");
  keys.Erase("s-123456789-ab");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.Kth(0), "s-12-ab");
  keys.Insert("s-12-ab");
  EXPECT_EQ(keys.size(), 1u);
  keys.Erase("s-12-ab");
  EXPECT_TRUE(keys.empty());
  EXPECT_FALSE(keys.Contains("s-12-ab"));
}

TEST(OrderedKeysTest, AnIdFarAboveTheKeysHeldGoesToTheTree) {
  OrderedKeys keys("user-");
  keys.Insert("user-3");
  keys.Insert("user-900000000");  // the array would need 900M counts
  EXPECT_FALSE(keys.by_id());
  EXPECT_EQ(keys.Kth(0), "user-3");
  EXPECT_EQ(keys.Kth(1), "user-900000000");
}

}  // namespace
}  // namespace crashlab
