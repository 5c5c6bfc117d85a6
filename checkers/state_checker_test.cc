#include "checkers/state_checker.h"

#include <set>

#include <gtest/gtest.h>

#include "checkers/check_test_util.h"
#include "core/hash.h"
#include "core/rng.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using testing_checkers::Describe;

// A run of auth ops and the model after each.
struct AuthRun {
  explicit AuthRun(uint64_t seed, int n) : w(seed), base(w.model()) {
    for (int i = 0; i < n; ++i) {
      ops.push_back(w.Next());
      w.Complete(ops.back(), true);
      after.push_back(w.model());
    }
  }
  AuthWorkload w;
  Rows base;
  std::vector<LogicalOp> ops;
  std::vector<Rows> after;
};

// A perturbed observation of the state after k ops: lost tail, ghost
// rows, vanished rows, changed values, refused recoveries.
std::shared_ptr<const Observation> Perturbed(const AuthRun& run, size_t k,
                                             Rng& rng) {
  auto seen = std::make_shared<Observation>();
  seen->rows = k == 0 ? run.base : run.after[k - 1];
  switch (rng.Uniform(8)) {
    case 0:
      if (k > 4) seen->rows = run.after[k - 4];  // lost the last three
      break;
    case 1:
      seen->rows["users"]["ghost"] = {{"username", "ghost"}, {"failed", 9}};
      break;
    case 2:
      if (!seen->rows["sessions"].empty()) {
        seen->rows["sessions"].erase(seen->rows["sessions"].begin());
      }
      break;
    case 3:
      for (auto& [u, row] : seen->rows["users"]) {
        row["failed"] = 7;  // every counter wrong, locks inconsistent
        break;
      }
      break;
    case 4:
      seen->outcome = Observation::Outcome::kRefused;
      seen->message = "database disk image is malformed";
      break;
    default:
      break;
  }
  return seen;
}

// Checks a sequence of states with one StateChecker and with CheckState,
// and returns a digest of the findings (asserting they are equal).
// With `order`, every state also runs the order oracles (a global prefix,
// a barrier at every fifth operation, a window of three operations) and
// the loss shapes must agree too.
std::string CheckBoth(const AuthRun& run, uint64_t seed, int states,
                      uint64_t* incremental, bool order = false,
                      bool whole_rows = false) {
  AckOrder ack;
  for (uint32_t i = 0; i < run.ops.size(); ++i) {
    ack.by_ack.push_back(i);
    ack.rank.push_back(i);
    ack.synced.push_back(i % 5 == 4);
    ack.ack_ns.push_back(1000 * (i + 1));
  }
  OrderPromise promise;
  promise.prefix = PrefixScope::kGlobal;
  promise.sync_barrier = true;
  promise.window_ops = 3;
  const CheckIndex index(run.w.schema(), run.ops, whole_rows);
  StateChecker checker(run.w.schema(), run.ops, run.base, index);
  Rng rng(seed);
  Hasher h;
  size_t k = 0;
  std::shared_ptr<const Observation> seen = Perturbed(run, 0, rng);
  std::vector<OpStatus> status(run.ops.size(), OpStatus::kNotInvoked);
  for (int s = 0; s < states; ++s) {
    // Mostly forward by a mark, sometimes the same image again, sometimes
    // a jump anywhere (another model's states, a shard).
    const uint64_t move = rng.Uniform(10);
    if (move < 5) {
      k = std::min(k + 1, run.ops.size());
      seen = Perturbed(run, k, rng);
    } else if (move < 8) {
      // Same observation, statuses moved.
    } else {
      k = rng.Uniform(run.ops.size() + 1);
      seen = Perturbed(run, k, rng);
    }
    for (size_t i = 0; i < run.ops.size(); ++i) {
      if (i >= k) {
        status[i] = OpStatus::kNotInvoked;
      } else if (rng.Uniform(30) == 0) {
        status[i] = rng.Uniform(2) ? OpStatus::kInFlight : OpStatus::kFailed;
      } else if (status[i] == OpStatus::kNotInvoked) {
        status[i] = OpStatus::kAcked;
      }
    }
    if (k < run.ops.size()) status[k] = OpStatus::kInFlight;
    CheckInput in{run.w.schema(), run.ops, status, run.base, *seen};
    in.index = &index;
    if (order) {
      in.order = &ack;
      in.promise = promise;
    }
    LossStats want_loss, got_loss;
    const std::string want = Describe(CheckState(in, &want_loss));
    const std::string got = Describe(checker.Check(in, seen, &got_loss));
    EXPECT_EQ(got_loss.lost, want_loss.lost) << "state " << s;
    EXPECT_EQ(got_loss.holes, want_loss.holes) << "state " << s;
    EXPECT_EQ(got_loss.span_ops, want_loss.span_ops) << "state " << s;
    EXPECT_EQ(got, want) << "state " << s << " at " << k;
    if (got != want) return "";
    h.Update(want);
  }
  *incremental = checker.incremental_states();
  return h.Digest().ToHex();
}

// The explorer's checker: findings identical to CheckState's on states
// that lose, add, change and half-apply rows, fail and refuse, visited
// forward, repeated and out of order.
TEST(StateCheckerTest, FindsExactlyWhatCheckStateFinds) {
  const AuthRun run(5, 160);
  uint64_t incremental = 0;
  const std::string digest = CheckBoth(run, 9, 3000, &incremental);
  ASSERT_FALSE(digest.empty());
  EXPECT_GT(incremental, 1500u) << "most states should be incremental";
}

// The order oracles read each operation's surviving cells (`present`),
// which the checker keeps up to date cell by cell as well.
TEST(StateCheckerTest, OrderOraclesAndLossShapeAsCheckState) {
  const AuthRun run(5, 160);
  uint64_t incremental = 0;
  const std::string with_order = CheckBoth(run, 9, 3000, &incremental, true);
  ASSERT_FALSE(with_order.empty());
  EXPECT_GT(incremental, 1500u);
  // The oracles did find something on these states.
  EXPECT_NE(with_order, CheckBoth(run, 9, 3000, &incremental, false));
}

// An index with carried writers (engines that write rows whole) is read
// the same way by both.
TEST(StateCheckerTest, WholeRowIndexAsCheckState) {
  const AuthRun run(5, 160);
  uint64_t incremental = 0;
  const std::string whole = CheckBoth(run, 9, 3000, &incremental, true, true);
  ASSERT_FALSE(whole.empty());
  EXPECT_GT(incremental, 1500u);
}

TEST(StateCheckerTest, OtherSeedsAndLongerRuns) {
  for (uint64_t seed : {1, 7, 11}) {
    const AuthRun run(seed, 400);
    uint64_t incremental = 0;
    ASSERT_FALSE(CheckBoth(run, seed * 3, 700, &incremental).empty())
        << "seed " << seed;
  }
}

// The states above do break things (an equality of two empty lists would
// prove nothing).
TEST(StateCheckerTest, PerturbedStatesHaveFindingsOfEveryOracle) {
  const AuthRun run(5, 160);
  const CheckIndex index(run.w.schema(), run.ops);
  StateChecker checker(run.w.schema(), run.ops, run.base, index);
  Rng rng(9);
  std::set<FindingKind> kinds;
  std::vector<OpStatus> status(run.ops.size(), OpStatus::kAcked);
  for (size_t k = 1; k <= run.ops.size(); ++k) {
    std::fill(status.begin() + k, status.end(), OpStatus::kNotInvoked);
    if (k % 7 == 0) status[k - 1] = OpStatus::kFailed;
    const auto seen = Perturbed(run, k, rng);
    CheckInput in{run.w.schema(), run.ops, status, run.base, *seen};
    for (const Finding& f : checker.Check(in, seen)) kinds.insert(f.kind);
    status[k - 1] = OpStatus::kAcked;
    std::fill(status.begin() + k, status.end(), OpStatus::kAcked);
  }
  for (FindingKind k :
       {FindingKind::kLostCommit, FindingKind::kCorruption,
        FindingKind::kRecoveryFailure, FindingKind::kInvariant}) {
    EXPECT_TRUE(kinds.count(k)) << FindingKindName(k);
  }
}

}  // namespace
}  // namespace crashlab
