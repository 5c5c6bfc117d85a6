// Hand-made register histories, each drawn as a timeline in its comment
// (time runs right; [ ] is one operation from invocation to completion).
#include "checkers/linearizability/register.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace crashlab::linearizability {
namespace {

RegisterOp W(uint64_t id, uint64_t invoke, uint64_t complete, int64_t v) {
  return {RegisterOp::Kind::kWrite, id, invoke, complete, false, v};
}
RegisterOp R(uint64_t id, uint64_t invoke, uint64_t complete,
             std::optional<int64_t> v) {
  return {RegisterOp::Kind::kRead, id, invoke, complete, false, v};
}
RegisterOp WInfo(uint64_t id, uint64_t invoke, int64_t v) {
  return {RegisterOp::Kind::kWrite, id, invoke, kNever, true, v};
}

std::vector<std::string> Kinds(const RegisterResult& r) {
  std::vector<std::string> out;
  for (const Violation& v : r.violations) out.push_back(ViolationKindName(v.kind));
  return out;
}

TEST(RegisterLinearizability, SequentialHistoryIsLinearizable) {
  // r(nil) w1 r1 w2 r2
  const auto r = CheckRegister({R(1, 0, 1, std::nullopt), W(2, 2, 3, 1),
                                R(3, 4, 5, 1), W(4, 6, 7, 2), R(5, 8, 9, 2)});
  EXPECT_TRUE(r.linearizable()) << Kinds(r)[0];
  EXPECT_EQ(r.ops, 5u);
  EXPECT_EQ(r.clusters, 3u);
}

TEST(RegisterLinearizability, ConcurrentReadMaySeeEitherValue) {
  // w1 [0 ...... 10]
  // r      [2 3] reads nil, r' [4 5] reads 1, r'' [6 7] reads 1
  const auto r = CheckRegister({W(1, 0, 10, 1), R(2, 2, 3, std::nullopt),
                                R(3, 4, 5, 1), R(4, 6, 7, 1)});
  EXPECT_TRUE(r.linearizable());
}

TEST(RegisterLinearizability, ReadOfAnOverwrittenValueIsStale) {
  // w1 [0 1]  w2 [2 3]  r [4 5] reads 1
  const auto r = CheckRegister({W(1, 0, 1, 1), W(2, 2, 3, 2), R(3, 4, 5, 1)});
  ASSERT_EQ(Kinds(r), std::vector<std::string>{"stale-read"});
  EXPECT_NE(r.violations[0].explanation.find("op 3 (read 1)"),
            std::string::npos)
      << r.violations[0].explanation;
}

TEST(RegisterLinearizability, ReadingTheInitialValueAfterAWriteIsStale) {
  // w1 [0 1]  r [2 3] reads nil
  const auto r = CheckRegister({W(1, 0, 1, 1), R(2, 2, 3, std::nullopt)});
  EXPECT_EQ(Kinds(r), std::vector<std::string>{"stale-read"});
}

TEST(RegisterLinearizability, ReadersSeeingTwoValuesInTurnIsStale) {
  // w1 [0 ..... 10]    w2 [0 ..... 10]   (concurrent writes)
  //   ra [1 2] reads 2, rb [3 4] reads 1, rc [5 6] reads 2
  // 2 then 1 (ra, rb) puts 1 last, yet rc reads 2 again.
  const auto r = CheckRegister({W(1, 0, 10, 1), W(2, 0, 10, 2), R(3, 1, 2, 2),
                                R(4, 3, 4, 1), R(5, 5, 6, 2)});
  EXPECT_EQ(Kinds(r), std::vector<std::string>{"stale-read"});
}

TEST(RegisterLinearizability, OverlappingForwardZonesConflict) {
  // w1 [0 1]  w2 [2 3]  r [4 5] reads 1   r' [6 7] reads 2
  // 1 is read after 2 was written, and 2 after 1 was read back.
  const auto r = CheckRegister({W(1, 0, 1, 1), W(2, 2, 3, 2), R(3, 4, 5, 1),
                                R(4, 6, 7, 2)});
  ASSERT_EQ(Kinds(r), std::vector<std::string>{"conflicting-order"});
  EXPECT_EQ(r.violations[0].ops.size(), 4u);
}

TEST(RegisterLinearizability, ConcurrentWritesReadInOneOrderAreFine) {
  // The same writes, read 2 then 1 only.
  const auto r = CheckRegister({W(1, 0, 10, 1), W(2, 0, 10, 2), R(3, 1, 2, 2),
                                R(4, 3, 4, 1), R(5, 5, 6, 1)});
  EXPECT_TRUE(r.linearizable());
}

TEST(RegisterLinearizability, ReadCompletingBeforeItsWriteBeganIsAFutureRead) {
  const auto r = CheckRegister({R(1, 0, 1, 7), W(2, 2, 3, 7)});
  EXPECT_EQ(Kinds(r), std::vector<std::string>{"future-read"});
}

TEST(RegisterLinearizability, ValueNobodyWroteIsGarbage) {
  const auto r = CheckRegister({W(1, 0, 1, 1), R(2, 2, 3, 99)});
  EXPECT_EQ(Kinds(r), std::vector<std::string>{"garbage-read"});
}

TEST(RegisterLinearizability, IndeterminateWriteMayHaveHappenedLate) {
  // w1 [0 1]  w2 [2 ... never (info)  r [5 6] reads 2, r' [7 8] reads 2
  const auto r = CheckRegister({W(1, 0, 1, 1), WInfo(2, 2, 2), R(3, 5, 6, 2),
                                R(4, 7, 8, 2)});
  EXPECT_TRUE(r.linearizable());
}

TEST(RegisterLinearizability, UnreadIndeterminateWriteIsDropped) {
  // w1 [0 1]  w2 info  r [5 6] reads 1: fine, w2 may never have happened.
  const auto r = CheckRegister({W(1, 0, 1, 1), WInfo(2, 2, 2), R(3, 5, 6, 1)});
  EXPECT_TRUE(r.linearizable());
  EXPECT_EQ(r.ops, 2u);
}

TEST(RegisterLinearizability, IndeterminateWriteSeenThenLostIsStale) {
  // w2 info was read at [3 4]; a later read [5 6] of the older 1 is stale.
  const auto r = CheckRegister({W(1, 0, 1, 1), WInfo(2, 2, 2), R(3, 3, 4, 2),
                                R(4, 5, 6, 1)});
  EXPECT_FALSE(r.linearizable());
}

TEST(RegisterLinearizability, TiesNeverMakeAViolation) {
  // A read invoked at the very position the write completed.
  const auto r = CheckRegister({W(1, 0, 2, 1), R(2, 2, 3, 1),
                                R(3, 1, 2, std::nullopt)});
  EXPECT_TRUE(r.linearizable());
}

}  // namespace
}  // namespace crashlab::linearizability

namespace crashlab::linearizability {
namespace {

// Exhaustive search: some order of the operations that respects real time
// (a before b when a completes before b is invoked) in which every read
// returns the latest write. Indeterminate writes may be left out.
bool BruteForceLinearizable(std::vector<RegisterOp> ops) {
  std::vector<RegisterOp> determinate;
  std::vector<RegisterOp> maybe;
  for (const RegisterOp& op : ops) {
    if (op.kind == RegisterOp::Kind::kRead && op.indeterminate) continue;
    (op.indeterminate ? maybe : determinate).push_back(op);
  }
  for (uint32_t mask = 0; mask < (1u << maybe.size()); ++mask) {
    std::vector<RegisterOp> chosen = determinate;
    for (size_t i = 0; i < maybe.size(); ++i) {
      if (mask & (1u << i)) chosen.push_back(maybe[i]);
    }
    std::vector<size_t> order(chosen.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    do {
      bool ok = true;
      for (size_t a = 0; a < order.size() && ok; ++a) {
        for (size_t b = a + 1; b < order.size() && ok; ++b) {
          ok = !(chosen[order[b]].complete < chosen[order[a]].invoke);
        }
      }
      std::optional<int64_t> value;
      for (size_t i = 0; i < order.size() && ok; ++i) {
        const RegisterOp& op = chosen[order[i]];
        if (op.kind == RegisterOp::Kind::kWrite) value = op.value;
        else ok = op.value == value;
      }
      if (ok) return true;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return false;
}

// The zone algorithm agrees with exhaustive search on 3,000 random small
// histories (seeded: the same histories every run).
TEST(RegisterLinearizability, AgreesWithExhaustiveSearch) {
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  int violations = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<RegisterOp> ops;
    const size_t writes = 1 + next(3), reads = 1 + next(4);
    for (size_t i = 0; i < writes + reads; ++i) {
      RegisterOp op;
      op.id = i + 1;
      op.invoke = next(12);
      op.complete = op.invoke + 1 + next(6);
      if (i < writes) {
        op.kind = RegisterOp::Kind::kWrite;
        op.value = static_cast<int64_t>(i + 1);
        if (next(5) == 0) {
          op.indeterminate = true;
          op.complete = kNever;
        }
      } else {
        op.kind = RegisterOp::Kind::kRead;
        const uint64_t v = next(writes + 1);
        if (v > 0) op.value = static_cast<int64_t>(v);
      }
      ops.push_back(op);
    }
    const bool expected = BruteForceLinearizable(ops);
    const RegisterResult got = CheckRegister(ops);
    violations += !expected;
    ASSERT_EQ(got.linearizable(), expected)
        << "trial " << trial << ": "
        << (got.violations.empty() ? "" : got.violations[0].explanation);
  }
  EXPECT_GT(violations, 300) << "the random histories must include many "
                                "non-linearizable ones to mean anything";
}

}  // namespace
}  // namespace crashlab::linearizability
