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
//
// Cost: Next() and Complete() cost O(rows touched), never a scan or a copy
// of the model, and compare no key along a tree: the model's rows are in
// hash tables, the candidates an operation picks from (unlocked users,
// sessions, users holding reset tokens) are kept in OrderedKeys (a count
// per id, ordered_keys.h) that Complete() updates row by row, and effects
// are computed on the touched rows only. The k-th candidate is the k-th in
// key order, as a scan of the model would list it, so a seed gives the same
// operations as it always did. Rebase() rebuilds the indexes (O(rows), once
// per crash). Not thread-safe.
#ifndef CRASHLAB_WORKLOADS_AUTH_H_
#define CRASHLAB_WORKLOADS_AUTH_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include <absl/container/flat_hash_map.h>

#include "core/data_model.h"
#include "core/rng.h"
#include "workloads/ordered_keys.h"
#include "workloads/workload.h"

namespace crashlab {

constexpr int kLockoutThreshold = 5;

class AuthWorkload : public Workload {
 public:
  explicit AuthWorkload(uint64_t seed);

  static Schema MakeSchema();
  // The same schema, shared: no copy (engines built per crash cycle hold it).
  static std::shared_ptr<const Schema> SharedSchema();
  std::string name() const override { return "auth"; }
  const Schema& schema() const override { return *schema_; }

  // The next operation, with its mutations and expected effects.
  LogicalOp Next(uint64_t process = 0) override;
  // Tells the model whether `op` took effect (ok) or not (fail).
  void Complete(const LogicalOp& op, bool applied) override;
  // Replaces the model with what an engine actually holds (after a crash).
  void Rebase(const Rows& rows) override;
  // The model as Rows, built from the workload's own tables when they
  // changed since the last call (O(rows log rows)): valid until the next
  // Complete() or Rebase().
  const Rows& model() const;

 private:
  LogicalOp Make(const std::string& f, nlohmann::json args,
                 std::vector<Mutation> mutations, uint64_t process);
  std::string Hex(int digits);
  // A uniformly drawn key of `keys` (not empty).
  std::string PickOf(const OrderedKeys& keys);
  // Adds (add = true) or removes the index entries of row `key` of `table`
  // as the model holds it now (nothing if it holds no such row).
  void Index(const std::string& table, const std::string& key, bool add);

  // key -> row: the model, looked up by hash (it is never walked in order:
  // absl's hash is seeded per process). An open-addressing table, one probe
  // into one array per lookup instead of a chain of nodes: at 10^6 ops the
  // model is hundreds of MB and each node a cache miss.
  using Table = absl::flat_hash_map<std::string, nlohmann::json>;
  Table& TableOf(const std::string& table) { return tables_[table]; }
  // The row `key` of `table`, or null.
  const nlohmann::json* Row(const std::string& table,
                            const std::string& key) const;

  std::shared_ptr<const Schema> schema_;
  Rng rng_;
  std::unordered_map<std::string, Table> tables_;  // the model
  mutable Rows model_;  // tables_ as Rows, when model() last built it
  mutable bool model_stale_ = true;
  uint64_t next_id_ = 1;
  OrderedKeys users_{"user-"};        // every user
  OrderedKeys unlocked_{"user-"};     // users whose `locked` is false
  OrderedKeys sessions_{"s-"};        // every session id
  OrderedKeys token_users_{"user-"};  // users with at least one reset token
  // user -> its tokens, in order
  absl::flat_hash_map<std::string, std::set<std::string>> tokens_;
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_AUTH_H_
