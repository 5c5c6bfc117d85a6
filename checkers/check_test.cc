#include "checkers/check.h"

#include <gtest/gtest.h>

namespace crashlab {
namespace {

using nlohmann::json;

// Builds a sequential history by hand and the rows after any prefix of it.
class Scenario {
 public:
  Scenario()
      : schema_{{{"users", "name", {{"n", ColumnType::kInt}}},
                 {"sessions", "id", {{"user", ColumnType::kText}}}}} {}
  explicit Scenario(Schema schema) : schema_(std::move(schema)) {}
  // The engine stores rows whole (CheckInput::whole_rows).
  bool whole_rows = false;

  // `applied` = false: the client never learned the outcome (or was told
  // it failed), so the workload's model moves on without it.
  void Add(const std::string& f, std::vector<Mutation> m, bool applied = true) {
    LogicalOp op;
    op.id = ops_.size() + 1;
    op.f = f;
    op.effects = EffectsOf(schema_, model_, m);
    if (applied) {
      for (const Mutation& x : m) ApplyMutation(schema_, x, &model_);
    }
    op.mutations = std::move(m);
    ops_.push_back(std::move(op));
    snapshots_.push_back(model_);
  }
  void Signup(const std::string& u) {
    Add("signup", {{MutationKind::kInsert, "users", u, {{"n", 0}}}});
  }
  void Login(const std::string& u, const std::string& s, bool applied = true) {
    Add("login",
        {{MutationKind::kInsert, "sessions", s, {{"user", u}}},
         {MutationKind::kIncrement, "users", u, {{"n", 1}}}},
        applied);
  }
  void Set(const std::string& u, int n, bool applied = true) {
    Add("set", {{MutationKind::kUpdate, "users", u, {{"n", n}}}}, applied);
  }
  void Logout(const std::string& u, const std::string& s) {
    Add("logout", {{MutationKind::kDelete, "sessions", s, json::object()},
                   {MutationKind::kIncrement, "users", u, {{"n", -1}}}});
  }
  // Rows after the first k operations.
  Rows After(size_t k) const { return k == 0 ? Rows{} : snapshots_[k - 1]; }

  std::vector<Finding> Check(const Rows& rows, std::vector<OpStatus> status,
                             Observation::Outcome outcome =
                                 Observation::Outcome::kOk,
                             const std::vector<double>* ages = nullptr,
                             double window_s = -1) {
    Observation o;
    o.outcome = outcome;
    o.rows = rows;
    o.message = "boom";
    Rows base;
    CheckInput in{schema_, ops_, status, base, o, ages, window_s};
    in.whole_rows = whole_rows;
    return CheckState(in);
  }
  std::vector<OpStatus> All(OpStatus s) const {
    return std::vector<OpStatus>(ops_.size(), s);
  }

 private:
  Schema schema_;
  Rows model_;
  std::vector<LogicalOp> ops_;
  std::vector<Rows> snapshots_;
};

std::vector<std::string> Kinds(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(FindingKindName(f.kind));
  return out;
}

TEST(CheckTest, EverythingThereIsClean) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  EXPECT_TRUE(s.Check(s.After(2), s.All(OpStatus::kAcked)).empty());
}

TEST(CheckTest, MissingAcknowledgedOperationIsALostCommit) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  auto fs = s.Check(s.After(1), s.All(OpStatus::kAcked));
  ASSERT_EQ(Kinds(fs), std::vector<std::string>{"lost_commit"});
  EXPECT_EQ(fs[0].ops, std::vector<uint64_t>{2});
  EXPECT_NE(fs[0].summary.find("login #2"), std::string::npos);
}

TEST(CheckTest, InFlightOperationMayGoEitherWay) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kInFlight;
  EXPECT_TRUE(s.Check(s.After(1), status).empty());
  EXPECT_TRUE(s.Check(s.After(2), status).empty());
}

TEST(CheckTest, HalfAnOperationIsAnAtomicityFinding) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  Rows half = s.After(2);
  half["users"]["al"]["n"] = 0;  // session row there, counter not bumped
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kInFlight;
  auto fs = s.Check(half, status);
  ASSERT_EQ(Kinds(fs), std::vector<std::string>{"atomicity"});
  EXPECT_EQ(fs[0].ops, std::vector<uint64_t>{2});
  // Acknowledged and half there: both lost and non-atomic.
  auto acked = s.Check(half, s.All(OpStatus::kAcked));
  EXPECT_EQ(Kinds(acked),
            (std::vector<std::string>{"lost_commit", "atomicity"}));
}

// A reset (new password, token deleted) is lost whole, but a later login
// of the same user survives; a store that writes rows whole (LevelDB's
// driver: read, modify, write) wrote the reset's password again with the
// login's row. Found in a LevelDB run across log rotation: the reset's log
// record was in the old log's lost tail, the login in the new log.
class CarriedRowTest : public ::testing::Test {
 protected:
  CarriedRowTest()
      : s_(Schema{{{"users",
                    "name",
                    {{"pw", ColumnType::kText}, {"n", ColumnType::kInt}}},
                   {"tokens", "id", {{"user", ColumnType::kText}}}}}) {}
  void Run(bool reset_applied) {
    s_.Add("signup",
           {{MutationKind::kInsert, "users", "al", {{"pw", "p0"}, {"n", 0}}}});
    s_.Add("request_reset",
           {{MutationKind::kInsert, "tokens", "t1", {{"user", "al"}}}});
    s_.Add("reset",
           {{MutationKind::kUpdate, "users", "al", {{"pw", "p1"}}},
            {MutationKind::kDelete, "tokens", "t1", json::object()}},
           reset_applied);
    s_.Add("login", {{MutationKind::kIncrement, "users", "al", {{"n", 1}}}});
  }
  Rows Seen(const std::string& pw) {
    Rows rows = s_.After(2);
    rows["users"]["al"] = {{"name", "al"}, {"pw", pw}, {"n", 1}};
    return rows;
  }
  Scenario s_;
};

TEST_F(CarriedRowTest, ValueCarriedByALaterWholeRowWriteIsNotHalfAnOp) {
  Run(/*reset_applied=*/true);
  const Rows seen = Seen("p1");  // the login's row, token t1 still there
  const auto status = s_.All(OpStatus::kAcked);
  // Cell by cell, the reset looks half-applied...
  EXPECT_EQ(Kinds(s_.Check(seen, status)),
            (std::vector<std::string>{"lost_commit", "atomicity"}));
  // ...but the login's whole-row write explains its password: the reset
  // is lost, not torn.
  s_.whole_rows = true;
  const auto fs = s_.Check(seen, status);
  ASSERT_EQ(Kinds(fs), std::vector<std::string>{"lost_commit"});
  EXPECT_EQ(fs[0].ops, std::vector<uint64_t>{3});
}

TEST_F(CarriedRowTest, CarriedValueIsNoEvidenceAgainstTheCarrier) {
  // The reset failed (never applied): the login carried the old password,
  // not the reset's, and is there in full.
  Run(/*reset_applied=*/false);
  auto status = s_.All(OpStatus::kAcked);
  status[2] = OpStatus::kFailed;
  s_.whole_rows = true;
  EXPECT_TRUE(s_.Check(Seen("p0"), status).empty());
  // The login's own cell still counts: without its increment it is lost.
  Rows without = Seen("p0");
  without["users"]["al"]["n"] = 0;
  EXPECT_EQ(Kinds(s_.Check(without, status)),
            std::vector<std::string>{"lost_commit"});
}

TEST(CheckTest, CountersThatRepeatValuesAreNotMistakenForLoss) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");   // n = 1
  s.Logout("al", "s1");  // n = 0
  s.Login("al", "s2");   // n = 1
  EXPECT_TRUE(s.Check(s.After(4), s.All(OpStatus::kAcked)).empty());
  // Crash image holds only the first two: the last two are lost, and the
  // repeated counter value must not make either look half-applied.
  auto fs = s.Check(s.After(2), s.All(OpStatus::kAcked));
  EXPECT_EQ(Kinds(fs),
            (std::vector<std::string>{"lost_commit", "lost_commit"}));
}

// Regression: an in-flight login that never took effect, followed by an
// acknowledged login of the same user, left the counter at the value both
// would write; the in-flight one was taken as half applied (found by an
// EIO-on-fsync run against SQLite).
TEST(CheckTest, InFlightOpWhoseCounterValueALaterOpAlsoWroteIsNotHalfApplied) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1", /*applied=*/false);  // n would be 1
  s.Login("al", "s2");                      // n = 1
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kInFlight;
  EXPECT_TRUE(s.Check(s.After(3), status).empty());
}

// Regression: a failed write overwritten by a later acknowledged one was
// reported as visible ("reported failed, but its write is visible").
TEST(CheckTest, FailedWriteOverwrittenLaterIsNotVisible) {
  Scenario s;
  s.Signup("al");
  s.Set("al", 5, /*applied=*/false);
  s.Set("al", 7);
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kFailed;
  EXPECT_TRUE(s.Check(s.After(3), status).empty());
}

TEST(CheckTest, ValuesNobodyWroteAreCorruption) {
  Scenario s;
  s.Signup("al");
  Rows bad = s.After(1);
  bad["users"]["al"]["n"] = 77;
  auto fs = s.Check(bad, s.All(OpStatus::kAcked));
  ASSERT_EQ(Kinds(fs), std::vector<std::string>{"corruption"});
  EXPECT_NE(fs[0].summary.find("77"), std::string::npos);

  Rows phantom = s.After(1);
  phantom["sessions"]["zz"] = {{"id", "zz"}, {"user", "al"}};
  EXPECT_EQ(Kinds(s.Check(phantom, s.All(OpStatus::kAcked))),
            (std::vector<std::string>{"corruption", "corruption"}));
}

TEST(CheckTest, OperationsNotYetInvokedCannotBeVisible) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kNotInvoked;
  EXPECT_FALSE(s.Check(s.After(2), status).empty());
}

TEST(CheckTest, FailedOperationThatTookEffectIsReported) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  auto status = s.All(OpStatus::kAcked);
  status[1] = OpStatus::kFailed;
  auto fs = s.Check(s.After(2), status);
  ASSERT_EQ(Kinds(fs), std::vector<std::string>{"corruption"});
  EXPECT_NE(fs[0].summary.find("reported failed"), std::string::npos);
  EXPECT_TRUE(s.Check(s.After(1), status).empty());
}

TEST(CheckTest, RecoveryOutcomesAreClassified) {
  Scenario s;
  s.Signup("al");
  auto acked = s.All(OpStatus::kAcked);
  EXPECT_EQ(Kinds(s.Check({}, acked, Observation::Outcome::kRefused)),
            std::vector<std::string>{"recovery_failure"});
  EXPECT_EQ(Kinds(s.Check({}, acked, Observation::Outcome::kHung)),
            std::vector<std::string>{"recovery_failure"});
  EXPECT_EQ(Kinds(s.Check({}, acked, Observation::Outcome::kReadFailed)),
            std::vector<std::string>{"corruption"});
}

TEST(CheckTest, BoundedLossFlagsOnlyLossesOlderThanTheWindow) {
  Scenario s;
  s.Signup("al");       // acknowledged 5 s before the crash
  s.Login("al", "s1");  // acknowledged 0.5 s before the crash
  std::vector<double> ages = {5.0, 0.5};
  auto acked = s.All(OpStatus::kAcked);
  // Both lost; the window of 1 s excuses only the recent one.
  auto fs = s.Check(s.After(0), acked, Observation::Outcome::kOk, &ages, 1.0);
  EXPECT_EQ(Kinds(fs), (std::vector<std::string>{"lost_commit",
                                                 "loss_window_exceeded",
                                                 "lost_commit"}));
  EXPECT_NE(fs[1].summary.find("5.00 s"), std::string::npos) << fs[1].summary;
  // No promised window: no bounded-loss findings at all.
  EXPECT_EQ(Kinds(s.Check(s.After(0), acked, Observation::Outcome::kOk, &ages)),
            (std::vector<std::string>{"lost_commit", "lost_commit"}));
}

TEST(CheckTest, FindingKeysIdentifyTheSameFindingAcrossStates) {
  Scenario s;
  s.Signup("al");
  s.Login("al", "s1");
  auto a = s.Check(s.After(1), s.All(OpStatus::kAcked));
  auto b = s.Check(s.After(0), s.All(OpStatus::kAcked));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0].Key(), b[1].Key());
  EXPECT_NE(b[0].Key(), b[1].Key());
}

}  // namespace
}  // namespace crashlab
