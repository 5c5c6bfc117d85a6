// How crashlab's rows live in Redis, and how a LogicalOp becomes commands.
//
// Encoding: one hash per row, key "auth:<table>:<key>" (table names hold no
// ':'; the row key may hold anything, it is everything after the second
// ':'). The hash holds the key column itself (so a row is never an empty
// hash, which Redis would delete) and every non-null column: text as is,
// ints in decimal (what HINCRBY works on), bools "0"/"1". A null column is
// an absent field. Decoding reads what is stored by the schema's column
// types; a value that does not parse as its type is reported as the string
// it is (a dump never cleans up corruption).
//
// Planning: Redis has no rollback and no conditional writes inside
// MULTI/EXEC, so the SQL semantics of engines/PROTOCOL.md are decided
// before EXEC from which row keys exist (the caller WATCHes them, so EXEC
// applies nothing if any changed meanwhile): an insert of an existing row
// makes the whole op a conflict (nothing queued); an update, increment or
// delete of a missing row queues nothing for that mutation.
//
// Pure functions; thread-safe.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_CODEC_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_CODEC_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/data_model.h"
#include "core/status.h"

namespace crashlab {

constexpr char kRedisKeyPrefix[] = "auth:";
constexpr char kRedisKeyPattern[] = "auth:*";

using RedisCommand = std::vector<std::string>;
using RedisFields = std::vector<std::pair<std::string, std::string>>;

// "auth:<table>:<key>".
std::string RedisRowKey(const std::string& table, const std::string& key);
// Splits a Redis key made by RedisRowKey; false for any other key.
bool ParseRedisRowKey(const std::string& redis_key, std::string* table,
                      std::string* key);

// The stored form of a non-null value of a column of type `t`.
std::string EncodeRedisValue(const nlohmann::json& v, ColumnType t);

// A row (every column of `table`, the key included) from the fields of its
// hash. `table` may be null (a table the schema does not know): every
// field is then text.
nlohmann::json DecodeRedisRow(const TableSchema* table, const std::string& key,
                              const RedisFields& fields);

struct RedisPlan {
  std::vector<RedisCommand> commands;  // to run between MULTI and EXEC
  std::string conflict;                // set: the op must not apply at all
};

// Row keys (Redis keys) the mutations touch, each once, in first-use order.
std::vector<std::string> RedisKeysOf(const std::vector<Mutation>& mutations);

// Plans checked mutations (core/data_model.h CheckMutations)
// given which of their Redis keys exist now.
RedisPlan PlanRedisOp(const Schema& schema,
                      const std::vector<Mutation>& mutations,
                      const std::set<std::string>& existing);

// "" when every table name can be encoded (no ':'), else why not.
std::string CheckRedisSchema(const Schema& schema);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_CODEC_H_
