// Rows of a crashlab Schema in an ordered key-value store: the part the
// LevelDB and LMDB drivers share (engines/leveldb/, engines/lmdb/).
//
// Encoding. A row is one key-value pair. The value is the row's non-key
// columns as a compact JSON object ({"failures":2,"locked":false,...}),
// each value as the workload wrote it (string, 64-bit integer, bool, null);
// the key column is not repeated in the value (it is the key). How a store
// names the table (a key prefix, a named sub-database) is the driver's.
//
// Planning. An op's mutations are turned into the final value of every row
// they touch (KvPlan) before anything is written, reading current rows
// through a KvGet callback and then from the plan itself, so an insert
// followed by an increment of the same row in one op sees the insert. The
// driver then writes the whole plan as one engine transaction (a LevelDB
// WriteBatch, an LMDB write transaction): read-modify-write is safe because
// a driver serves one request at a time and is its store's only writer.
// Semantics are core/data_model.h's ApplyMutation: an update, increment or
// delete of a missing row does nothing; an increment of a non-integer
// counts from 0. An insert of an existing key is a `constraint` error.
//
// Thread-safety: plain functions and values.
#ifndef CRASHLAB_ENGINES_KV_ROWS_H_
#define CRASHLAB_ENGINES_KV_ROWS_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/data_model.h"
#include "engines/driver_main.h"

namespace crashlab {

// The stored value of a row: its non-key columns as compact JSON.
std::string EncodeKvRow(const TableSchema& table, const nlohmann::json& row);

// For a store with one key space (LevelDB): table T, key K is "T\0K"; the
// first NUL ends the table name, so K may hold anything.
std::string PrefixedKvKey(const std::string& table, const std::string& key);
// The table of `raw` in `schema` (nullptr when it names none) and its key.
const TableSchema* SplitPrefixedKvKey(const Schema& schema,
                                      const std::string& raw,
                                      std::string* key);

// The row a stored value holds, with the key column added; values as
// stored. An error message when the value is not a JSON object.
Result<nlohmann::json> DecodeKvRow(const TableSchema& table,
                                   const std::string& key,
                                   const std::string& value);

// Reads the stored value of table[key]: sets *value (nullopt when absent)
// and returns Ok, or an apply error reply (kind and the engine's message).
using KvGet =
    std::function<DriverReply(const std::string& table, const std::string& key,
                              std::optional<std::string>* value)>;

// One row an op changes: the stored value to write, or nullopt to delete.
struct KvWrite {
  std::optional<std::string> value;
  bool existed = false;  // the row was stored before the op
};
// (table, key) -> write, in key order.
using KvPlan = std::map<std::pair<std::string, std::string>, KvWrite>;

// Plans `mutations` as one transaction. Ok with *plan filled, or an apply
// error reply, always definite (nothing has been written yet).
DriverReply PlanKvOp(const Schema& schema,
                     const std::vector<Mutation>& mutations, const KvGet& get,
                     KvPlan* plan);

// "true" / "false" -> bool; nullopt for anything else.
std::optional<bool> ParseBoolSetting(const std::string& value);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_KV_ROWS_H_
