#include "engines/redis/redis_codec.h"

#include <map>

#include "engines/server/server_util.h"

namespace crashlab {

using nlohmann::json;

std::string RedisRowKey(const std::string& table, const std::string& key) {
  return kRedisKeyPrefix + table + ":" + key;
}

bool ParseRedisRowKey(const std::string& redis_key, std::string* table,
                      std::string* key) {
  const std::string prefix = kRedisKeyPrefix;
  if (redis_key.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t colon = redis_key.find(':', prefix.size());
  if (colon == std::string::npos || colon == prefix.size()) return false;
  *table = redis_key.substr(prefix.size(), colon - prefix.size());
  *key = redis_key.substr(colon + 1);
  return true;
}

std::string EncodeRedisValue(const json& v, ColumnType t) {
  if (t == ColumnType::kBool && v.is_boolean())
    return v.get<bool>() ? "1" : "0";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();  // not reached for checked mutations
}

namespace {

json DecodeValue(const std::string& stored, ColumnType t) {
  switch (t) {
    case ColumnType::kText:
      return ValidUtf8(stored);
    case ColumnType::kInt: {
      int64_t v = 0;
      if (ParseInt64(stored, &v)) return v;
      return ValidUtf8(stored);
    }
    case ColumnType::kBool:
      if (stored == "0") return false;
      if (stored == "1") return true;
      return ValidUtf8(stored);
  }
  return ValidUtf8(stored);
}

}  // namespace

json DecodeRedisRow(const TableSchema* table, const std::string& key,
                    const RedisFields& fields) {
  json row = json::object();
  std::map<std::string, ColumnType> types;
  if (table) {
    for (const Column& c : table->columns) {
      types[c.name] = c.type;
      row[c.name] = nullptr;  // absent field: SQL NULL
    }
  }
  const std::string key_column = table ? table->key : "key";
  for (const auto& [field, value] : fields) {
    if (field == key_column) continue;  // the Redis key is authoritative
    auto it = types.find(field);
    row[ValidUtf8(field)] =
        DecodeValue(value, it == types.end() ? ColumnType::kText : it->second);
  }
  row[key_column] = ValidUtf8(key);
  return row;
}

std::vector<std::string> RedisKeysOf(const std::vector<Mutation>& mutations) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const Mutation& m : mutations) {
    std::string k = RedisRowKey(m.table, m.key);
    if (seen.insert(k).second) keys.push_back(std::move(k));
  }
  return keys;
}

RedisPlan PlanRedisOp(const Schema& schema,
                      const std::vector<Mutation>& mutations,
                      const std::set<std::string>& existing) {
  RedisPlan plan;
  std::set<std::string> exists = existing;  // as the op goes on
  for (const Mutation& m : mutations) {
    const TableSchema& t = *schema.Find(m.table);
    const std::string key = RedisRowKey(m.table, m.key);
    const bool present = exists.count(key) > 0;
    switch (m.kind) {
      case MutationKind::kInsert: {
        if (present) {
          plan.commands.clear();
          plan.conflict =
              "duplicate key: " + m.table + "[" + m.key + "] already exists";
          return plan;
        }
        RedisCommand hset = {"HSET", key, t.key, m.key};
        for (const Column& c : t.columns) {
          const json& v = m.values[c.name];
          if (v.is_null()) continue;
          hset.push_back(c.name);
          hset.push_back(EncodeRedisValue(v, c.type));
        }
        plan.commands.push_back(std::move(hset));
        exists.insert(key);
        break;
      }
      case MutationKind::kUpdate: {
        if (!present) break;
        RedisCommand hset = {"HSET", key};
        RedisCommand hdel = {"HDEL", key};
        for (const Column& c : t.columns) {
          if (!m.values.contains(c.name)) continue;
          const json& v = m.values[c.name];
          if (v.is_null()) {
            hdel.push_back(c.name);
          } else {
            hset.push_back(c.name);
            hset.push_back(EncodeRedisValue(v, c.type));
          }
        }
        if (hset.size() > 2) plan.commands.push_back(std::move(hset));
        if (hdel.size() > 2) plan.commands.push_back(std::move(hdel));
        break;
      }
      case MutationKind::kIncrement:
        if (!present) break;
        for (const auto& [col, delta] : m.values.items()) {
          plan.commands.push_back(
              {"HINCRBY", key, col, std::to_string(delta.get<int64_t>())});
        }
        break;
      case MutationKind::kDelete:
        if (!present) break;
        plan.commands.push_back({"DEL", key});
        exists.erase(key);
        break;
    }
  }
  return plan;
}

std::string CheckRedisSchema(const Schema& schema) {
  for (const TableSchema& t : schema.tables) {
    if (t.name.empty() || t.name.find(':') != std::string::npos) {
      return "table name '" + t.name +
             "' cannot be a Redis key part (empty or holds ':')";
    }
  }
  return "";
}

}  // namespace crashlab
