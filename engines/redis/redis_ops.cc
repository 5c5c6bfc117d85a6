#include "engines/redis/redis_ops.h"

#include <set>

#include "engines/server/server_util.h"

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;

constexpr int kWatchAttempts = 10;
constexpr size_t kDumpBatch = 256;

ApplyResult Unknown(const std::string& why) { return {Outcome::kInfo, why}; }
ApplyResult Failed(const std::string& why) { return {Outcome::kFail, why}; }

// The first error among the replies to queued commands, for messages.
std::string QueueErrors(const std::vector<RedisReply>& replies) {
  for (size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error()) return replies[i].str;
  }
  return "";
}

// One attempt: true in *retry when EXEC found a watched key changed.
ApplyResult TryOnce(RedisClient& client, const Schema& schema,
                    const LogicalOp& op, const std::vector<std::string>& keys,
                    bool* retry) {
  *retry = false;
  std::vector<RedisCommand> look;
  RedisCommand watch = {"WATCH"};
  watch.insert(watch.end(), keys.begin(), keys.end());
  look.push_back(std::move(watch));
  for (const std::string& k : keys) look.push_back({"EXISTS", k});
  auto seen = client.Pipeline(look);
  if (!seen.ok()) return Unknown(seen.status().message());
  if ((*seen)[0].is_error()) {
    (void)client.Command({"UNWATCH"});
    return Failed("WATCH refused: " + (*seen)[0].str);
  }
  std::set<std::string> existing;
  for (size_t i = 0; i < keys.size(); ++i) {
    const RedisReply& r = (*seen)[i + 1];
    if (r.is_error()) {
      (void)client.Command({"UNWATCH"});
      return Failed("EXISTS " + keys[i] + " refused: " + r.str);
    }
    if (r.integer > 0) existing.insert(keys[i]);
  }
  RedisPlan plan = PlanRedisOp(schema, op.mutations, existing);
  if (!plan.conflict.empty() || plan.commands.empty()) {
    auto unwatched = client.Command({"UNWATCH"});
    if (!unwatched.ok()) return Unknown(unwatched.status().message());
    if (!plan.conflict.empty()) return Failed(plan.conflict);
    return {};  // nothing to change: SQL's "0 rows affected"
  }
  std::vector<RedisCommand> tx = {{"MULTI"}};
  tx.insert(tx.end(), plan.commands.begin(), plan.commands.end());
  tx.push_back({"EXEC"});
  auto replies = client.Pipeline(tx);
  // Lost after EXEC may have been sent: it may have run.
  if (!replies.ok()) return Unknown(replies.status().message());
  if ((*replies)[0].is_error()) {  // the commands ran outside a transaction
    return Unknown("MULTI refused: " + (*replies)[0].str);
  }
  const RedisReply& exec = replies->back();
  if (exec.type == RedisReply::Type::kNil) {
    *retry = true;
    return Failed("a watched key changed before EXEC");
  }
  if (exec.is_error()) {
    if (exec.str.rfind("EXECABORT", 0) == 0) {
      const std::string queued = QueueErrors(*replies);
      return Failed(exec.str + (queued.empty() ? "" : " (" + queued + ")"));
    }
    return Unknown("EXEC failed: " + exec.str);
  }
  for (size_t i = 0; i < exec.elements.size(); ++i) {
    if (exec.elements[i].is_error()) {
      return Unknown(
          "EXEC applied the transaction only in part (Redis does "
          "not roll back): " +
          plan.commands[i][0] + " " + plan.commands[i][1] + ": " +
          exec.elements[i].str);
    }
  }
  return {};
}

}  // namespace

ApplyResult ApplyRedisOp(RedisClient& client, const Schema& schema,
                         const LogicalOp& op) {
  if (client.broken()) return Unknown("the Redis connection was lost earlier");
  const std::string bad = CheckMutations(schema, op.mutations);
  if (!bad.empty()) return Failed(bad);
  if (op.mutations.empty()) return {};
  const std::vector<std::string> keys = RedisKeysOf(op.mutations);
  ApplyResult last;
  for (int attempt = 0; attempt < kWatchAttempts; ++attempt) {
    bool retry = false;
    last = TryOnce(client, schema, op, keys, &retry);
    if (!retry) return last;
  }
  last.error += " (" + std::to_string(kWatchAttempts) + " times; gave up)";
  return last;
}

Result<Rows> DumpRedisRows(RedisClient& client, const Schema& schema) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    CRASHLAB_ASSIGN_OR_RETURN(
        RedisReply r, client.Command({"SCAN", cursor, "MATCH", kRedisKeyPattern,
                                      "COUNT", "1000"}));
    if (r.is_error()) return Status::Engine("SCAN: " + r.str);
    if (r.type != RedisReply::Type::kArray || r.elements.size() != 2) {
      return Status::Engine("SCAN: unexpected reply " + r.ToString());
    }
    cursor = r.elements[0].str;
    for (const RedisReply& k : r.elements[1].elements) keys.push_back(k.str);
  } while (cursor != "0");

  Rows rows;
  for (const TableSchema& t : schema.tables) rows[t.name];
  std::set<std::string> seen;  // SCAN may return a key more than once
  for (size_t from = 0; from < keys.size(); from += kDumpBatch) {
    std::vector<RedisCommand> batch;
    std::vector<std::string> batch_keys;
    for (size_t i = from; i < keys.size() && i < from + kDumpBatch; ++i) {
      if (!seen.insert(keys[i]).second) continue;
      batch.push_back({"HGETALL", keys[i]});
      batch_keys.push_back(keys[i]);
    }
    CRASHLAB_ASSIGN_OR_RETURN(auto replies, client.Pipeline(batch));
    for (size_t i = 0; i < replies.size(); ++i) {
      const RedisReply& r = replies[i];
      if (r.is_error()) {
        return Status::Engine("HGETALL " + ValidUtf8(batch_keys[i]) + ": " +
                              r.str);
      }
      std::string table, key;
      if (!ParseRedisRowKey(batch_keys[i], &table, &key)) continue;
      if (r.elements.empty()) continue;  // deleted between SCAN and HGETALL
      RedisFields fields;
      for (size_t f = 0; f + 1 < r.elements.size(); f += 2) {
        fields.emplace_back(r.elements[f].str, r.elements[f + 1].str);
      }
      const std::string safe_table = ValidUtf8(table);
      rows[safe_table][ValidUtf8(key)] =
          DecodeRedisRow(schema.Find(table), key, fields);
    }
  }
  return rows;
}

}  // namespace crashlab
