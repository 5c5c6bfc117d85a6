#include "checkers/auth_invariants.h"

#include <gtest/gtest.h>

#include "workloads/auth.h"

namespace crashlab {
namespace {

using nlohmann::json;

// A run of the real auth workload, every operation applied.
class AuthRun {
 public:
  explicit AuthRun(int ops, uint64_t seed = 3) : wl_(seed) {
    for (int i = 0; i < ops; ++i) {
      ops_.push_back(wl_.Next());
      wl_.Complete(ops_.back(), true);
      snapshots_.push_back(wl_.model());
    }
    status_.assign(ops_.size(), OpStatus::kAcked);
  }

  std::vector<Finding> Check(const Rows& rows, size_t invoked) {
    std::vector<OpStatus> status = status_;
    for (size_t i = invoked; i < status.size(); ++i) {
      status[i] = OpStatus::kNotInvoked;
    }
    Observation seen;
    seen.rows = rows;
    Rows base;
    CheckInput in{wl_.schema(), ops_, status, base, seen};
    std::vector<Finding> out;
    CheckAuthState(in, &out);
    return out;
  }
  // Rows after the first k operations.
  const Rows& After(size_t k) const { return snapshots_[k - 1]; }
  const Rows& Final() const { return snapshots_.back(); }
  // A user with at least `n` rows of `table` naming it.
  std::string UserWith(const char* table, size_t n = 1) const {
    std::map<std::string, size_t> count;
    for (const auto& [key, row] : Final().at(table)) {
      ++count[row["username"].get<std::string>()];
    }
    for (const auto& [u, c] : count) {
      if (c >= n) return u;
    }
    return "";
  }

  std::vector<LogicalOp> ops_;
  std::vector<OpStatus> status_;

 private:
  AuthWorkload wl_;
  std::vector<Rows> snapshots_;
};

TEST(AuthInvariants, EveryPrefixOfACleanRunHoldsThem) {
  AuthRun run(400);
  for (size_t k = 1; k <= 400; k += 7) {
    auto found = run.Check(run.After(k), k);
    EXPECT_TRUE(found.empty()) << "after " << k << ": " << found[0].summary;
  }
}

TEST(AuthInvariants, FailedLoginsWithoutTheLockAreALostLockout) {
  AuthRun run(400);
  Rows rows = run.Final();
  std::string locked;
  for (const auto& [u, row] : rows["users"]) {
    if (row["locked"] == true) locked = u;
  }
  ASSERT_FALSE(locked.empty()) << "the workload never locked an account";
  rows["users"][locked]["locked"] = false;
  auto found = run.Check(rows, 400);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, FindingKind::kInvariant);
  EXPECT_NE(found[0].summary.find("lockout was lost"), std::string::npos)
      << found[0].summary;
  EXPECT_GE(found[0].ops.size(), 5u) << "names the failed logins";
}

TEST(AuthInvariants, SessionCounterAndOrphanedSessions) {
  AuthRun run(400);
  Rows rows = run.Final();
  const std::string u = run.UserWith("sessions");
  ASSERT_FALSE(u.empty());
  rows["users"][u]["sessions"] = rows["users"][u]["sessions"].get<int>() + 1;
  rows["sessions"]["s-orphan"] = {{"username", "nobody"}};
  auto found = run.Check(rows, 400);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].summary.find("belongs to user nobody"), std::string::npos);
  EXPECT_NE(found[1].summary.find("users[" + u + "].sessions says"),
            std::string::npos)
      << found[1].summary;
  EXPECT_NE(found[0].Key(), found[1].Key());
}

TEST(AuthInvariants, ATokenOlderThanTheResetIsStillUsable) {
  AuthRun run(600);
  // Find a reset that consumed a token, and bring that token back.
  for (size_t i = 0; i < run.ops_.size(); ++i) {
    const LogicalOp& op = run.ops_[i];
    if (op.f != "reset_password") continue;
    for (const Mutation& m : op.mutations) {
      if (m.kind != MutationKind::kDelete) continue;
      Rows rows = run.Final();
      if (rows["users"][op.args["username"].get<std::string>()]["pwhash"] !=
          op.args["pwhash"]) {
        continue;  // a later reset overwrote this one
      }
      rows["reset_tokens"][m.key] = {{"username", op.args["username"]}};
      auto found = run.Check(rows, run.ops_.size());
      ASSERT_EQ(found.size(), 1u);
      EXPECT_NE(found[0].summary.find("can reset the password again"),
                std::string::npos);
      EXPECT_EQ(found[0].ops.back(), op.id);
      return;
    }
  }
  FAIL() << "the workload never reset a password with a token";
}

TEST(AuthInvariants, UsersTheModelMayHaveDriftedOnAreLeftAlone) {
  AuthRun run(400);
  Rows rows = run.Final();
  const std::string u = run.UserWith("sessions");
  rows["users"][u]["sessions"] = 99;
  // An op on u whose outcome the client never learned, then another op on u.
  size_t first = SIZE_MAX;
  for (size_t i = 0; i < run.ops_.size(); ++i) {
    if (run.ops_[i].args.value("username", "") != u) continue;
    if (first == SIZE_MAX) {
      first = i;
      run.status_[i] = OpStatus::kInFlight;
    }
  }
  EXPECT_TRUE(run.Check(rows, 400).empty());
}

History Events(const std::vector<std::tuple<const char*, EventType, uint64_t,
                                            const char*>>& events) {
  History h;
  for (const auto& [f, type, op, user] : events) {
    Event e;
    e.f = f;
    e.op = op;
    e.value = {{"username", user}};
    e.type = EventType::kInvoke;
    h.Add(e);
    e.type = type;
    h.Add(e);
  }
  return h;
}

TEST(AuthInvariants, HistoryLoginAfterFiveAcknowledgedFailures) {
  const auto ok = EventType::kOk;
  History h = Events({{"failed_login", ok, 1, "al"},
                      {"failed_login", ok, 2, "al"},
                      {"failed_login", ok, 3, "al"},
                      {"failed_login", ok, 4, "al"},
                      {"login", ok, 5, "al"},
                      {"failed_login", ok, 6, "al"},
                      {"login", EventType::kFail, 7, "al"},
                      {"login", ok, 8, "al"}});
  auto found = CheckAuthHistory(h);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ops, (std::vector<uint64_t>{1, 2, 3, 4, 6, 8}));
}

TEST(AuthInvariants, HistoryResetWithAConsumedToken) {
  const auto ok = EventType::kOk;
  EXPECT_TRUE(CheckAuthHistory(Events({{"request_reset", ok, 1, "al"},
                                       {"reset_password", ok, 2, "al"},
                                       {"request_reset", EventType::kInfo, 3, "al"},
                                       {"reset_password", ok, 4, "al"}}))
                  .empty());
  auto found = CheckAuthHistory(Events({{"request_reset", ok, 1, "al"},
                                        {"reset_password", ok, 2, "al"},
                                        {"reset_password", ok, 3, "al"}}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ops, (std::vector<uint64_t>{2, 3}));
}

}  // namespace
}  // namespace crashlab
