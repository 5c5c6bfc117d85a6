#include "workloads/txn_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

namespace crashlab {
namespace {

TEST(TxnGeneratorTest, SameSeedSameTransactions) {
  TxnGenerator a(TxnWorkload::kListAppend, 7), b(TxnWorkload::kListAppend, 7);
  for (int i = 0; i < 200; ++i) {
    const TxnRequest x = a.Next(), y = b.Next();
    ASSERT_EQ(x.mops.size(), y.mops.size());
    for (size_t j = 0; j < x.mops.size(); ++j) {
      EXPECT_EQ(x.mops[j].fn, y.mops[j].fn);
      EXPECT_EQ(x.mops[j].key, y.mops[j].key);
      EXPECT_EQ(x.mops[j].value, y.mops[j].value);
    }
  }
}

TEST(TxnGeneratorTest, ListAppendValuesAreUniquePerKeyAndKeysRotate) {
  TxnGenOptions o;
  o.active_keys = 3;
  o.max_writes_per_key = 5;
  TxnGenerator g(TxnWorkload::kListAppend, 1, o);
  std::set<std::pair<int64_t, int64_t>> written;
  std::map<int64_t, int> writes;
  size_t reads = 0, mops = 0;
  for (int i = 0; i < 500; ++i) {
    const TxnRequest t = g.Next();
    EXPECT_EQ(t.workload, TxnWorkload::kListAppend);
    EXPECT_GE(t.mops.size(), 1u);
    EXPECT_LE(t.mops.size(), 4u);
    for (const TxnMop& m : t.mops) {
      ++mops;
      if (m.fn == TxnMop::Fn::kRead) {
        ++reads;
        continue;
      }
      EXPECT_EQ(m.fn, TxnMop::Fn::kAppend);
      EXPECT_TRUE(written.insert({m.key, m.value}).second);
      EXPECT_LE(++writes[m.key], 5);
    }
  }
  EXPECT_GT(writes.size(), 20u);  // retired keys were replaced
  EXPECT_GT(reads, mops / 3);
  EXPECT_LT(reads, mops * 2 / 3);
}

TEST(TxnGeneratorTest, RwRegisterWritesAndParsesNames) {
  TxnGenerator g(TxnWorkload::kRwRegister, 3);
  bool wrote = false;
  for (int i = 0; i < 50; ++i) {
    for (const TxnMop& m : g.Next().mops) {
      EXPECT_NE(m.fn, TxnMop::Fn::kAppend);
      wrote |= m.fn == TxnMop::Fn::kWrite;
    }
  }
  EXPECT_TRUE(wrote);
  EXPECT_EQ(*ParseTxnWorkload("list-append"), TxnWorkload::kListAppend);
  EXPECT_EQ(*ParseTxnWorkload("rw-register"), TxnWorkload::kRwRegister);
  EXPECT_FALSE(ParseTxnWorkload("auth").ok());
}

}  // namespace
}  // namespace crashlab
