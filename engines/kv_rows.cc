#include "engines/kv_rows.h"

#include <cstdint>

namespace crashlab {

using nlohmann::json;

namespace {

const Column* FindColumn(const TableSchema& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// "" when `v` may be stored in a column of type `t`, else why not.
std::string CheckValue(const json& v, ColumnType t) {
  if (v.is_null()) return "";
  switch (t) {
    case ColumnType::kText:
      return v.is_string() ? "" : "must be a string";
    case ColumnType::kBool:
      return v.is_boolean() ? "" : "must be true or false";
    case ColumnType::kInt:
      if (v.is_number_integer() &&
          (!v.is_number_unsigned() || v.get<uint64_t>() <= INT64_MAX)) {
        return "";
      }
      return "must be a 64-bit integer";
  }
  return "has an unknown type";
}

std::string Describe(const Mutation& m) {
  return std::string(MutationKindName(m.kind)) + " " + m.table + "[" + m.key +
         "]";
}

}  // namespace

std::string ValidateKvMutation(const Schema& schema, const Mutation& m) {
  const std::string what = Describe(m);
  const TableSchema* t = schema.Find(m.table);
  if (!t) return what + ": no table " + m.table + " in the schema";
  if (m.kind == MutationKind::kDelete) return "";
  if (!m.values.is_object()) return what + ": values must be an object";
  const bool inc = m.kind == MutationKind::kIncrement;
  for (const auto& [name, v] : m.values.items()) {
    const Column* c = FindColumn(*t, name);
    if (!c) return what + ": no column " + name + " (the key is not a value)";
    if (inc && c->type != ColumnType::kInt) {
      return what + ": " + name + " is not int";
    }
    if (inc && v.is_null()) return what + ": delta of " + name + " is null";
    const std::string bad = CheckValue(v, inc ? ColumnType::kInt : c->type);
    if (!bad.empty()) return what + ": " + name + " " + bad;
  }
  if (m.kind == MutationKind::kInsert) {
    for (const auto& c : t->columns) {
      if (!m.values.contains(c.name)) {
        return what + ": missing column " + c.name;
      }
    }
  }
  return "";
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
    const std::string bad = ValidateKvMutation(schema, m);
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
