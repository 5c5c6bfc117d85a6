#include "core/data_model.h"

#include <algorithm>
#include <tuple>

namespace crashlab {

using nlohmann::json;

const char* ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInt:
      return "int";
    case ColumnType::kBool:
      return "bool";
  }
  return "?";
}

const char* MutationKindName(MutationKind k) {
  switch (k) {
    case MutationKind::kInsert:
      return "insert";
    case MutationKind::kUpdate:
      return "update";
    case MutationKind::kIncrement:
      return "increment";
    case MutationKind::kDelete:
      return "delete";
  }
  return "?";
}

const TableSchema* Schema::Find(const std::string& table) const {
  for (const auto& t : tables) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

json Schema::ToJson() const {
  json tables_json = json::array();
  for (const auto& t : tables) {
    json cols = json::array();
    for (const auto& c : t.columns) {
      cols.push_back({{"name", c.name}, {"type", ColumnTypeName(c.type)}});
    }
    tables_json.push_back({{"name", t.name}, {"key", t.key}, {"columns", cols}});
  }
  return {{"tables", tables_json}};
}

Result<Schema> Schema::FromJson(const json& j) {
  Schema s;
  try {
    for (const auto& t : j.at("tables")) {
      TableSchema ts;
      ts.name = t.at("name").get<std::string>();
      ts.key = t.at("key").get<std::string>();
      for (const auto& c : t.at("columns")) {
        Column col;
        col.name = c.at("name").get<std::string>();
        const std::string type = c.at("type").get<std::string>();
        if (type == "text") col.type = ColumnType::kText;
        else if (type == "int") col.type = ColumnType::kInt;
        else if (type == "bool") col.type = ColumnType::kBool;
        else return Status::BadInput("unknown column type '" + type + "'");
        ts.columns.push_back(col);
      }
      s.tables.push_back(std::move(ts));
    }
  } catch (const json::exception& e) {
    return Status::BadInput(std::string("bad schema: ") + e.what());
  }
  return s;
}

json Mutation::ToJson() const {
  json j = {{"kind", MutationKindName(kind)}, {"table", table}, {"key", key}};
  if (kind != MutationKind::kDelete) j["values"] = values;
  return j;
}

Result<Mutation> Mutation::FromJson(const json& j) {
  Mutation m;
  try {
    const std::string kind = j.at("kind").get<std::string>();
    if (kind == "insert") m.kind = MutationKind::kInsert;
    else if (kind == "update") m.kind = MutationKind::kUpdate;
    else if (kind == "increment") m.kind = MutationKind::kIncrement;
    else if (kind == "delete") m.kind = MutationKind::kDelete;
    else return Status::BadInput("unknown mutation kind '" + kind + "'");
    m.table = j.at("table").get<std::string>();
    m.key = j.at("key").get<std::string>();
    m.values = j.value("values", json::object());
  } catch (const json::exception& e) {
    return Status::BadInput(std::string("bad mutation: ") + e.what());
  }
  return m;
}

std::string Cell::ToString() const {
  return table + "[" + key + "]" + (column.empty() ? "" : "." + column);
}

json LogicalOp::ToJson() const {
  json muts = json::array();
  for (const auto& m : mutations) muts.push_back(m.ToJson());
  json j = {{"id", id}, {"f", f}, {"args", args}, {"mutations", muts}};
  if (!schema_changes.empty()) {
    json changes = json::array();
    for (const SchemaChange& c : schema_changes) changes.push_back(c.ToJson());
    j["schema_changes"] = std::move(changes);
  }
  return j;
}

json CellValue(const Rows& rows, const Schema& schema, const Cell& cell) {
  (void)schema;
  const json* row = FindRow(rows, cell.table, cell.key);
  if (cell.column.empty()) return row != nullptr;
  if (!row || !row->contains(cell.column)) return nullptr;
  return (*row)[cell.column];
}

bool ApplyMutation(const Schema& schema, const Mutation& m, Rows* rows) {
  return ApplyMutationToTable(schema.Find(m.table), m, &(*rows)[m.table]);
}

namespace {

// One row some of an op's mutations name: as it stood before them and as
// they leave it, and the columns they touch ("" for the row's existence).
// The row after is `base` (the row before, or an insert's values) with the
// columns in `set` changed: no row is copied.
struct TouchedRow {
  const std::string* table;
  const std::string* key;
  const json* before = nullptr;  // null: no such row
  bool exists = false;           // after the mutations so far
  const json* base = nullptr;
  std::vector<std::pair<const std::string*, json>> set;
  std::vector<std::string> columns;

  // The value of `column` after the mutations so far (null if none).
  const json* After(const std::string& column) const {
    for (const auto& [c, v] : set) {
      if (*c == column) return &v;
    }
    if (!base) return nullptr;
    const auto it = base->find(column);
    return it == base->end() ? nullptr : &*it;
  }
  void Set(const std::string& column, json v) {
    for (auto& [c, old] : set) {
      if (*c == column) {
        old = std::move(v);
        return;
      }
    }
    if (set.empty()) set.reserve(4);  // one allocation for most rows
    set.emplace_back(&column, std::move(v));
  }
};

// ApplyMutation on one row.
void ApplyToRow(const TableSchema* ts, const Mutation& m, TouchedRow* row) {
  switch (m.kind) {
    case MutationKind::kInsert:
      if (row->exists) return;
      row->exists = true;
      row->base = &m.values;
      row->set.clear();
      if (ts) row->Set(ts->key, m.key);
      return;
    case MutationKind::kUpdate:
      if (!row->exists) return;
      for (const auto& [col, v] : m.values.items()) row->Set(col, v);
      return;
    case MutationKind::kIncrement:
      if (!row->exists) return;
      for (const auto& [col, delta] : m.values.items()) {
        const json* cur = row->After(col);
        const int64_t base =
            cur && cur->is_number_integer() ? cur->get<int64_t>() : 0;
        row->Set(col, base + delta.get<int64_t>());
      }
      return;
    case MutationKind::kDelete:
      row->exists = false;
      row->base = nullptr;
      row->set.clear();
      return;
  }
}

// Whether `now` is the CellValue of the row before (compared in place:
// this runs for every effect of every generated operation).
bool SameAsBefore(const TouchedRow& r, const std::string& column,
                  const json& now) {
  if (column.empty()) return now == (r.before != nullptr);
  if (!r.before) return now.is_null();
  const auto it = r.before->find(column);
  return it == r.before->end() ? now.is_null() : *it == now;
}

// CellValue of the row after.
json AfterValue(const TouchedRow& r, const std::string& column) {
  if (column.empty()) return r.exists;
  if (!r.exists) return nullptr;
  const json* v = r.After(column);
  return v ? *v : json();
}

}  // namespace

std::vector<Effect> EffectsOf(const Schema& schema, const Rows& before,
                              const std::vector<Mutation>& mutations) {
  return EffectsOf(
      schema,
      [&before](const std::string& table, const std::string& key) {
        return FindRow(before, table, key);
      },
      mutations);
}

std::vector<Effect> EffectsOf(const Schema& schema, const RowLookup& row_before,
                              const std::vector<Mutation>& mutations) {
  // Mutations only ever touch their own row, so each row they name, taken
  // from `before` and moved on row by row, stands for the whole database:
  // O(rows touched), not a copy of `before` (nor of the touched rows into
  // maps of their own: this runs for every generated operation).
  std::vector<TouchedRow> rows;
  rows.reserve(mutations.size());
  for (const Mutation& m : mutations) {
    auto row = std::find_if(rows.begin(), rows.end(), [&](const TouchedRow& r) {
      return *r.key == m.key && *r.table == m.table;
    });
    const TableSchema* ts = schema.Find(m.table);
    if (row == rows.end()) {
      TouchedRow r{&m.table, &m.key};
      r.before = row_before(m.table, m.key);
      r.exists = r.before != nullptr;
      r.base = r.before;
      // Existence and every column: what one mutation names at most.
      r.columns.reserve(1 + (ts ? ts->columns.size() : m.values.size()));
      rows.push_back(std::move(r));
      row = rows.end() - 1;
    }
    ApplyToRow(ts, m, &*row);
    row->columns.emplace_back();
    if (m.kind == MutationKind::kInsert || m.kind == MutationKind::kDelete) {
      if (ts) {
        for (const Column& c : ts->columns) row->columns.push_back(c.name);
      }
    } else {
      for (const auto& [col, v] : m.values.items()) row->columns.push_back(col);
    }
  }
  // Effects in cell order, each touched cell once.
  std::sort(rows.begin(), rows.end(),
            [](const TouchedRow& a, const TouchedRow& b) {
              return std::tie(*a.table, *a.key) < std::tie(*b.table, *b.key);
            });
  size_t cells = 0;
  for (TouchedRow& r : rows) {
    std::sort(r.columns.begin(), r.columns.end());
    r.columns.erase(std::unique(r.columns.begin(), r.columns.end()),
                    r.columns.end());
    cells += r.columns.size();
  }
  std::vector<Effect> effects;
  effects.reserve(cells);  // one allocation, no Effect moved
  for (TouchedRow& r : rows) {
    for (std::string& column : r.columns) {
      json now = AfterValue(r, column);
      // A cell the transaction did not change (update of a missing row) is
      // not an effect: nothing can be observed of it.
      if (SameAsBefore(r, column, now)) continue;
      effects.push_back(
          {{*r.table, *r.key, std::move(column)}, std::move(now)});
    }
  }
  return effects;
}

Result<Rows> RowsFromDump(const json& tables, const Schema& schema) {
  return RowsFromDump(json(tables), schema);
}

Result<Rows> RowsFromDump(json&& tables, const Schema& schema) {
  if (!tables.is_object()) {
    return Status::BadInput("dump: \"tables\" is not an object");
  }
  Rows rows;
  for (auto& [name, list] : tables.get_ref<json::object_t&>()) {
    const TableSchema* ts = schema.Find(name);
    const std::string key = ts ? ts->key : "key";
    auto& table = rows[name];
    if (!list.is_array()) {
      return Status::BadInput("dump: table " + name + " is not a list");
    }
    for (auto& row : list.get_ref<json::array_t&>()) {
      const auto k = row.is_object() ? row.find(key) : row.end();
      if (k == row.end() || !k->is_string()) {
        return Status::BadInput("dump: a row of " + name +
                                " has no text key column '" + key + "'");
      }
      std::string at = k->get<std::string>();
      table[std::move(at)] = std::move(row);
    }
  }
  return rows;
}

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

const Column* FindColumn(const TableSchema& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string CheckMutation(const Schema& schema, const Mutation& m) {
  // Named only when something is wrong: a valid mutation builds no text.
  const auto what = [&m] {
    return std::string(MutationKindName(m.kind)) + " " + m.table + "[" +
           m.key + "]";
  };
  const TableSchema* t = schema.Find(m.table);
  if (!t) return what() + ": no table " + m.table + " in the schema";
  if (m.kind == MutationKind::kDelete) return "";
  if (!m.values.is_object()) return what() + ": values must be an object";
  for (const auto& [name, v] : m.values.items()) {
    const Column* c = FindColumn(*t, name);
    if (!c) return what() + ": no column " + name + " (the key is not a value)";
    if (m.kind == MutationKind::kIncrement) {
      if (c->type != ColumnType::kInt)
        return what() + ": " + name + " is not int";
      if (v.is_null()) return what() + ": delta of " + name + " is null";
    }
    const std::string bad = CheckValue(
        v, m.kind == MutationKind::kIncrement ? ColumnType::kInt : c->type);
    if (!bad.empty()) return what() + ": " + name + " " + bad;
  }
  if (m.kind == MutationKind::kInsert) {
    for (const auto& c : t->columns) {
      if (!m.values.contains(c.name))
        return what() + ": missing column " + c.name;
    }
  }
  return "";
}

std::string CheckMutations(const Schema& schema,
                           const std::vector<Mutation>& mutations) {
  for (const Mutation& m : mutations) {
    std::string bad = CheckMutation(schema, m);
    if (!bad.empty()) return bad;
  }
  return "";
}

}  // namespace crashlab
