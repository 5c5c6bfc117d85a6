// Auth invariants: what an authentication service must never show, however
// it crashed. Engine-neutral, like the other oracles; specific to the auth
// workload's tables (workloads/auth.h), and silent on any other schema.
//
// On every recovered state (the rows read back):
//   lockout   a user with kAuthLockoutThreshold or more failed logins is
//             locked, and a locked user has that many;
//   sessions  users[u].sessions equals the number of u's sessions rows, and
//             every session belongs to an existing user;
//   tokens    no reset token requested before the user's current password
//             was set by a reset is still there (it would reset it again).
// A user is left unchecked when an operation on it whose outcome the client
// never learned (in flight) was followed by another operation on it: the
// workload then decided the later one from a model that may be wrong (it
// counts failed logins client-side), so a broken invariant may be the
// workload's doing, not the engine's.
//
// On the live history (what clients were told, across all crashes):
//   lockout   no login is acknowledged after kAuthLockoutThreshold
//             acknowledged failed logins of its user (a crash that loses
//             failed logins must not reopen the account);
//   tokens    no password reset is acknowledged when every reset token of
//             the user was consumed by an earlier acknowledged reset and no
//             new one was requested (or may have been: in flight).
// Violations are `invariant` findings naming the operations involved.
#ifndef CRASHLAB_CHECKERS_AUTH_INVARIANTS_H_
#define CRASHLAB_CHECKERS_AUTH_INVARIANTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "core/history.h"

namespace crashlab {

// The workload locks an account at this many failed logins
// (workloads/auth.cc asserts it uses the same number).
constexpr int kAuthLockoutThreshold = 5;

// True when `schema` has the auth workload's tables and columns.
bool IsAuthSchema(const Schema& schema);

// State invariants of one recovered state (CheckState runs this).
void CheckAuthState(const CheckInput& in, std::vector<Finding>* out);

// What the state invariants find in the rows alone, before the operations'
// statuses decide which users to leave unchecked and whom to name: made
// once per observation, reused by every crash state that recovered it
// (StateChecker). CheckAuthState(in, AuthFactsOf(in), out) is
// CheckAuthState(in, out).
struct AuthRowFacts {
  bool applies = false;  // the auth schema and a clean recovery
  struct Orphan {        // a session whose user does not exist
    std::string session, user;
  };
  struct UserIssue {  // in user order, each user's in the order checked
    enum class Kind : uint8_t { kNotLocked, kLockedEarly, kSessions };
    std::string user;
    Kind kind;
    nlohmann::json value;  // the stored locked, failed or sessions
    int64_t n = 0;         // failed logins; kSessions: the sessions found
  };
  struct Token {  // a reset token of an existing user
    std::string token, user;
    nlohmann::json pwhash;  // the user's stored password hash
  };
  std::vector<Orphan> orphans;
  std::vector<UserIssue> users;
  std::vector<Token> tokens;
};
AuthRowFacts AuthFactsOf(const Schema& schema, const Observation& seen);
void CheckAuthState(const CheckInput& in, const AuthRowFacts& facts,
                    std::vector<Finding>* out);

// History invariants of a whole run.
std::vector<Finding> CheckAuthHistory(const History& history);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_AUTH_INVARIANTS_H_
