// Schema changes: what a migration does to an engine's catalog, in the
// engine-neutral terms of the `ddl` workload (workloads/ddl.h).
//
// The catalog is data too. An engine that runs DDL dumps its catalog as the
// rows of one pseudo-table, kCatalogTable, one row per object:
//   "namespace NS"           a namespace (Skytable space, PostgreSQL schema)
//   "table NS.T"             a table (Skytable model); NS "" = the default
//   "column NS.T.C"          a column, with its type ("text", "int", "bool")
//   "user U"                 a user or role
// so the checkers judge a schema change exactly as they judge a row write:
// an acknowledged CREATE TABLE whose table is gone is a lost_commit; a
// table that came back with only some of the columns it was created with
// is an atomicity finding. Objects the engine makes itself (system
// schemas, the superuser crashlab connects as) are not listed.
//
// Thread-safety: values.
#ifndef CRASHLAB_CORE_SCHEMA_CHANGE_H_
#define CRASHLAB_CORE_SCHEMA_CHANGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashlab {

inline constexpr char kCatalogTable[] = "@catalog";
inline constexpr char kCatalogKey[] = "object";
inline constexpr char kCatalogType[] = "type";

enum class SchemaChangeKind : uint8_t {
  kCreateNamespace,
  kDropNamespace,  // an empty namespace
  kCreateTable,    // with every column; the first column is the key (text)
  kDropTable,      // an empty table
  kAddColumns,     // one or more nullable columns to an existing table
  kDropColumn,     // a non-key column
  kCreateUser,
  kDropUser,
};
const char* SchemaChangeKindName(SchemaChangeKind k);  // "create_table", ...
bool SchemaChangeKindFromName(const std::string& name, SchemaChangeKind* k);

struct SchemaColumn {
  std::string name;
  std::string type;  // "text", "int", "bool" (core/data_model.h ColumnType)
};

struct SchemaChange {
  SchemaChangeKind kind = SchemaChangeKind::kCreateTable;
  std::string name_space;  // namespace ops: its name; table ops: the table's
  std::string table;       // table and column ops
  std::vector<SchemaColumn> columns;  // create table (key first), add columns
  std::string column;      // drop column
  std::string user;        // user ops
  std::string password;    // create user (16+ characters)

  nlohmann::json ToJson() const;
  static Result<SchemaChange> FromJson(const nlohmann::json& j);
};

// Catalog object names (the keys of kCatalogTable rows).
std::string CatalogNamespace(const std::string& ns);
std::string CatalogTable(const std::string& ns, const std::string& table);
std::string CatalogColumn(const std::string& ns, const std::string& table,
                          const std::string& column);
std::string CatalogUser(const std::string& user);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_SCHEMA_CHANGE_H_
