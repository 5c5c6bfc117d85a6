// The `auth` workload: what an authentication service does to its store.
//
// Tables: users(username; pwhash, sessions, failed, locked),
// sessions(id; username), attempts(id; username), reset_tokens(token;
// username). Operations, each one transaction:
//   signup          insert a user
//   login           insert a session, users.sessions += 1
//   logout          delete a session, users.sessions -= 1
//   failed_login    insert an attempt, users.failed += 1, and at the 5th
//                   failure users.locked = true (lockout)
//   request_reset   insert a reset token
//   reset_password  set a new pwhash, delete every reset token of the user
// Every written value is unique (user names, ids, hashes, tokens) so a
// checker can tell which operation wrote what it reads back; counters are
// the exception, and checkers treat them as ambiguous.
//
// The generator is deterministic for a seed. It keeps the sequential model
// of the data (Rows) and only issues operations that make sense in it (no
// login to a locked account, no logout of a closed session); each op's
// effects are computed against that model. Complete() moves the model on.
// Not thread-safe.
#ifndef CRASHLAB_WORKLOADS_AUTH_H_
#define CRASHLAB_WORKLOADS_AUTH_H_

#include <cstdint>
#include <string>

#include "core/data_model.h"
#include "core/rng.h"
#include "workloads/workload.h"

namespace crashlab {

constexpr int kLockoutThreshold = 5;

class AuthWorkload : public Workload {
 public:
  explicit AuthWorkload(uint64_t seed);

  static Schema MakeSchema();
  std::string name() const override { return "auth"; }
  const Schema& schema() const override { return schema_; }

  // The next operation, with its mutations and expected effects.
  LogicalOp Next(uint64_t process = 0) override;
  // Tells the model whether `op` took effect (ok) or not (fail).
  void Complete(const LogicalOp& op, bool applied) override;
  // Replaces the model with what an engine actually holds (after a crash).
  void Rebase(const Rows& rows) override { model_ = rows; }
  const Rows& model() const { return model_; }

 private:
  LogicalOp Make(const std::string& f, nlohmann::json args,
                 std::vector<Mutation> mutations, uint64_t process);
  std::string Hex(int digits);
  // Keys of `table` rows whose `column` equals `value`.
  std::vector<std::string> KeysWhere(const std::string& table,
                                     const std::string& column,
                                     const nlohmann::json& value) const;
  std::vector<std::string> UnlockedUsers() const;

  Schema schema_;
  Rng rng_;
  Rows model_;
  uint64_t next_id_ = 1;
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_AUTH_H_
