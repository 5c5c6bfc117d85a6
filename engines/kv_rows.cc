#include "engines/kv_rows.h"

#include <algorithm>
#include <cstdint>

namespace crashlab {

using nlohmann::json;

namespace {

std::string Describe(const Mutation& m) {
  return std::string(MutationKindName(m.kind)) + " " + m.table + "[" + m.key +
         "]";
}

// A row's non-key columns as stored: compact JSON, invalid UTF-8 replaced.
std::string DumpColumns(const json& columns) {
  return columns.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The non-key columns a stored value holds (a key column stored in it by
// someone else is dropped: the key is the store's key). An error naming
// the row when the value is not a JSON object.
Result<json> ParseColumns(const TableSchema& table, const std::string& key,
                          const std::string& value) {
  json row = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (row.is_discarded() || !row.is_object()) {
    return Status::Engine(
        table.name + "[" + key +
        "]: stored value is not a JSON object: " + value.substr(0, 64));
  }
  row.erase(table.key);
  return row;
}

}  // namespace

std::string PrefixedKvKey(const std::string& table, const std::string& key) {
  std::string out;
  out.reserve(table.size() + 1 + key.size());
  out.append(table).push_back('\0');
  out.append(key);
  return out;
}

const TableSchema* SplitPrefixedKvKey(const Schema& schema,
                                      const std::string& raw,
                                      std::string* key) {
  const size_t nul = raw.find('\0');
  if (nul == std::string::npos) return nullptr;
  key->assign(raw, nul + 1);
  return schema.Find(raw.substr(0, nul));
}

std::string EncodeKvRow(const TableSchema& table, const json& row) {
  if (!row.contains(table.key)) return DumpColumns(row);
  json columns = json::object();
  for (const auto& [name, v] : row.items()) {
    if (name != table.key) columns[name] = v;
  }
  return DumpColumns(columns);
}

Result<json> DecodeKvRow(const TableSchema& table, const std::string& key,
                         const std::string& value) {
  CRASHLAB_ASSIGN_OR_RETURN(json row, ParseColumns(table, key, value));
  row[table.key] = key;
  return row;
}

DriverReply PlanKvOp(const Schema& schema,
                     const std::vector<Mutation>& mutations, const KvGet& get,
                     KvPlan* plan) {
  for (const Mutation& m : mutations) {
    const std::string bad = CheckMutation(schema, m);
    if (!bad.empty()) return DriverReply::ApplyError("protocol", bad, true);
  }
  // The non-key columns each touched row holds as the op goes on (nullopt:
  // absent), beside its entry in the plan. An op touches a handful of rows,
  // so a vector searched in order; the rows never hold their key column
  // (no mutation may set it), so encoding them is one dump, no copy.
  struct Touched {
    const Mutation* first;  // names the row: table and key
    KvWrite* write;
    std::optional<json> columns;
  };
  std::vector<Touched> rows;
  rows.reserve(mutations.size());
  for (const Mutation& m : mutations) {
    const TableSchema& t = *schema.Find(m.table);
    auto row = std::find_if(rows.begin(), rows.end(), [&m](const Touched& r) {
      return r.first->key == m.key && r.first->table == m.table;
    });
    if (row == rows.end()) {
      std::optional<std::string> stored;
      DriverReply read = get(m.table, m.key, &stored);
      if (!read.ok) {
        read.definite = true;
        return read;
      }
      Touched touched{&m, &(*plan)[{m.table, m.key}], std::nullopt};
      if (stored) {
        auto parsed = ParseColumns(t, m.key, *stored);
        if (!parsed.ok()) {
          return DriverReply::ApplyError("corrupt", parsed.status().message(),
                                         true);
        }
        touched.columns = std::move(*parsed);
      }
      touched.write->existed = stored.has_value();
      rows.push_back(std::move(touched));
      row = rows.end() - 1;
    }
    std::optional<json>& columns = row->columns;
    switch (m.kind) {
      case MutationKind::kInsert:
        if (columns) {
          return DriverReply::ApplyError(
              "constraint", Describe(m) + ": key already exists", true);
        }
        columns = m.values;
        break;
      case MutationKind::kUpdate:
        if (!columns) break;
        for (const auto& [col, v] : m.values.items()) (*columns)[col] = v;
        break;
      case MutationKind::kIncrement:
        if (!columns) break;
        for (const auto& [col, delta] : m.values.items()) {
          json& cur = (*columns)[col];
          const int64_t base = cur.is_number_integer() ? cur.get<int64_t>() : 0;
          cur = base + delta.get<int64_t>();
        }
        break;
      case MutationKind::kDelete:
        columns.reset();
        break;
    }
  }
  for (Touched& r : rows) {
    if (r.columns) r.write->value = DumpColumns(*r.columns);
  }
  return DriverReply::Ok();
}

std::optional<bool> ParseBoolSetting(const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

}  // namespace crashlab
