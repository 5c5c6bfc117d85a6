// The engine-neutral data model shared by workloads, engines and checkers.
//
// A workload issues LogicalOps. Each carries:
//   - `mutations`: what to do, as row operations on tables of a Schema; an
//     engine applies all of one op's mutations as one transaction where it
//     can (or as separate statements where it cannot, e.g. Skytable);
//   - `effects`: what the data must look like right after the op, cell by
//     cell, in the sequential model the workload keeps. Checkers compare
//     recovered data with effects and know nothing of engines.
// A Cell is (table, key, column); column "" stands for the row's existence.
// Rows are what an engine's dump returns: table -> key -> row object.
#ifndef CRASHLAB_CORE_DATA_MODEL_H_
#define CRASHLAB_CORE_DATA_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema_change.h"
#include "core/status.h"

namespace crashlab {

enum class ColumnType : uint8_t { kText, kInt, kBool };
const char* ColumnTypeName(ColumnType t);

struct Column {
  std::string name;
  ColumnType type = ColumnType::kText;
};

struct TableSchema {
  std::string name;
  std::string key;               // primary key column (text)
  std::vector<Column> columns;   // every column other than the key
};

struct Schema {
  std::vector<TableSchema> tables;
  const TableSchema* Find(const std::string& table) const;
  nlohmann::json ToJson() const;
  static Result<Schema> FromJson(const nlohmann::json& j);
};

enum class MutationKind : uint8_t { kInsert, kUpdate, kIncrement, kDelete };
const char* MutationKindName(MutationKind k);

struct Mutation {
  MutationKind kind = MutationKind::kInsert;
  std::string table;
  std::string key;
  // insert: every non-key column; update: columns to set;
  // increment: column -> signed delta; delete: unused.
  nlohmann::json values = nlohmann::json::object();

  nlohmann::json ToJson() const;
  static Result<Mutation> FromJson(const nlohmann::json& j);
};

// The non-key column `name` of `t`, or nullptr.
const Column* FindColumn(const TableSchema& t, const std::string& name);
// "" when `v` may be stored in a column of type `t` (null always may),
// else why not.
std::string CheckValue(const nlohmann::json& v, ColumnType t);
// "" when `m` fits `schema` (known table, known columns of the right type,
// an insert sets every column, an increment has an integer delta), else
// why not, naming the mutation. What every engine refuses before touching
// its data.
std::string CheckMutation(const Schema& schema, const Mutation& m);
// CheckMutation over every mutation; "" or the first problem.
std::string CheckMutations(const Schema& schema,
                           const std::vector<Mutation>& mutations);

struct Cell {
  std::string table;
  std::string key;
  std::string column;  // "" = does the row exist
  auto operator<=>(const Cell&) const = default;
  std::string ToString() const;
};

struct Effect {
  Cell cell;
  nlohmann::json value;  // row existence: bool; column: value, null = no row
};

struct LogicalOp {
  uint64_t id = 0;
  uint64_t process = 0;
  std::string f;
  nlohmann::json args = nlohmann::json::object();
  std::vector<Mutation> mutations;
  // Schema changes (the ddl workload): applied like mutations, as one
  // transaction where the engine's DDL is transactional. An op has
  // mutations or schema changes, not both.
  std::vector<SchemaChange> schema_changes;
  std::vector<Effect> effects;

  // The op as the driver protocol sends it: {id, f, args, mutations} and
  // "schema_changes" when it has any.
  nlohmann::json ToJson() const;
};

// table -> key -> row (a JSON object holding every column, key included).
using Rows = std::map<std::string, std::map<std::string, nlohmann::json>>;

// Value of `cell` in `rows`: existence as bool, a column as its value or
// null when the row is absent.
nlohmann::json CellValue(const Rows& rows, const Schema& schema,
                         const Cell& cell);

// Applies one mutation to `rows` with SQL semantics: an update, increment
// or delete of a missing row changes nothing; an insert replaces nothing
// (an existing key is left as it was and false is returned).
bool ApplyMutation(const Schema& schema, const Mutation& m, Rows* rows);

// The row `key` of `table` in `tables` (Rows, or any map of table name to
// a map of key to row with find/end), or null when there is none.
template <typename Tables>
const nlohmann::json* FindRow(const Tables& tables, const std::string& table,
                              const std::string& key) {
  const auto t = tables.find(table);
  if (t == tables.end()) return nullptr;
  const auto r = t->second.find(key);
  return r == t->second.end() ? nullptr : &r->second;
}

// ApplyMutation on the one table `m` names, held in any map from key to
// row with std::map's try_emplace/find/erase (Rows' inner map, or a hash
// map where a workload keeps its model); `ts` is that table's schema, or
// null when the schema has no such table.
template <typename Table>
bool ApplyMutationToTable(const TableSchema* ts, const Mutation& m,
                          Table* table) {
  if (m.kind == MutationKind::kInsert) {
    const auto [it, inserted] = table->try_emplace(m.key);
    if (!inserted) return false;
    it->second = m.values;
    if (ts) it->second[ts->key] = m.key;
    return true;
  }
  const auto it = table->find(m.key);
  if (it == table->end()) return false;
  nlohmann::json& row = it->second;
  switch (m.kind) {
    case MutationKind::kInsert:
      break;
    case MutationKind::kUpdate:
      for (const auto& [col, v] : m.values.items()) row[col] = v;
      break;
    case MutationKind::kIncrement:
      for (const auto& [col, delta] : m.values.items()) {
        nlohmann::json& cur = row[col];
        const int64_t base = cur.is_number_integer() ? cur.get<int64_t>() : 0;
        cur = base + delta.template get<int64_t>();
      }
      break;
    case MutationKind::kDelete:
      table->erase(it);
      break;
  }
  return true;
}

// The effects of applying `mutations` (one transaction) to `before`: every
// cell the transaction touched with the value it holds afterwards.
std::vector<Effect> EffectsOf(const Schema& schema, const Rows& before,
                              const std::vector<Mutation>& mutations);
// The same, with the rows before read through `row_before(table, key)`
// (the row, or null when there is none): for a model not held as Rows.
using RowLookup = std::function<const nlohmann::json*(const std::string& table,
                                                      const std::string& key)>;
std::vector<Effect> EffectsOf(const Schema& schema, const RowLookup& row_before,
                              const std::vector<Mutation>& mutations);

// Parses a dump reply {"tables": {"users": [row, ...], ...}} into Rows,
// using each table's key column. Unknown tables are kept.
// The rvalue form moves every row out of `tables` instead of copying it.
Result<Rows> RowsFromDump(const nlohmann::json& tables, const Schema& schema);
Result<Rows> RowsFromDump(nlohmann::json&& tables, const Schema& schema);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_DATA_MODEL_H_
