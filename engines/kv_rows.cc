#include "engines/kv_rows.h"

#include <cstdint>

namespace crashlab {

using nlohmann::json;

namespace {

std::string Describe(const Mutation& m) {
  return std::string(MutationKindName(m.kind)) + " " + m.table + "[" + m.key +
         "]";
}

}  // namespace

std::string PrefixedKvKey(const std::string& table, const std::string& key) {
  std::string out = table;
  out += '\0';
  return out + key;
}

const TableSchema* SplitPrefixedKvKey(const Schema& schema,
                                      const std::string& raw,
                                      std::string* key) {
  const size_t nul = raw.find('\0');
  if (nul == std::string::npos) return nullptr;
  *key = raw.substr(nul + 1);
  return schema.Find(raw.substr(0, nul));
}

std::string EncodeKvRow(const TableSchema& table, const json& row) {
  json columns = json::object();
  for (const auto& [name, v] : row.items()) {
    if (name != table.key) columns[name] = v;
  }
  return columns.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> DecodeKvRow(const TableSchema& table, const std::string& key,
                         const std::string& value) {
  json row = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (row.is_discarded() || !row.is_object()) {
    return Status::Engine(
        table.name + "[" + key +
        "]: stored value is not a JSON object: " + value.substr(0, 64));
  }
  row[table.key] = key;
  return row;
}

DriverReply PlanKvOp(const Schema& schema,
                     const std::vector<Mutation>& mutations, const KvGet& get,
                     KvPlan* plan) {
  // The row each touched key holds as the op goes on (nullopt: absent).
  std::map<std::pair<std::string, std::string>, std::optional<json>> rows;
  for (const Mutation& m : mutations) {
    const std::string bad = CheckMutation(schema, m);
    if (!bad.empty()) return DriverReply::ApplyError("protocol", bad, true);
  }
  for (const Mutation& m : mutations) {
    const TableSchema& t = *schema.Find(m.table);
    const auto id = std::make_pair(m.table, m.key);
    if (!rows.count(id)) {
      std::optional<std::string> stored;
      DriverReply read = get(m.table, m.key, &stored);
      if (!read.ok) {
        read.definite = true;
        return read;
      }
      std::optional<json> row;
      if (stored) {
        auto decoded = DecodeKvRow(t, m.key, *stored);
        if (!decoded.ok()) {
          return DriverReply::ApplyError("corrupt", decoded.status().message(),
                                         true);
        }
        row = std::move(*decoded);
      }
      (*plan)[id].existed = stored.has_value();
      rows[id] = std::move(row);
    }
    std::optional<json>& row = rows[id];
    switch (m.kind) {
      case MutationKind::kInsert:
        if (row) {
          return DriverReply::ApplyError(
              "constraint", Describe(m) + ": key already exists", true);
        }
        row = m.values;
        (*row)[t.key] = m.key;
        break;
      case MutationKind::kUpdate:
        if (!row) break;
        for (const auto& [col, v] : m.values.items()) (*row)[col] = v;
        break;
      case MutationKind::kIncrement:
        if (!row) break;
        for (const auto& [col, delta] : m.values.items()) {
          const json& cur = (*row)[col];
          const int64_t base = cur.is_number_integer() ? cur.get<int64_t>() : 0;
          (*row)[col] = base + delta.get<int64_t>();
        }
        break;
      case MutationKind::kDelete:
        row.reset();
        break;
    }
  }
  for (auto& [id, write] : *plan) {
    const std::optional<json>& row = rows[id];
    if (row) write.value = EncodeKvRow(*schema.Find(id.first), *row);
  }
  return DriverReply::Ok();
}

std::optional<bool> ParseBoolSetting(const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

}  // namespace crashlab
