// The ddl workload's schema changes (core/schema_change.h) as SQL, for the
// SQL engines (SQLite, PostgreSQL), and their catalog read back as rows of
// the catalog pseudo-table.
//
// Types: text, int, bool map to the dialect's type names; SQLite declares
// bool as BOOLEAN (stored as an integer, but the declared name survives in
// the schema, so a column's type reads back as what it was created with).
// Added columns are nullable. Namespaces (CREATE SCHEMA) and users
// (CREATE ROLE ... LOGIN PASSWORD) exist in the PostgreSQL dialect only.
//
// Pure functions; thread-safe.
#ifndef CRASHLAB_ENGINES_SQL_DDL_H_
#define CRASHLAB_ENGINES_SQL_DDL_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema_change.h"
#include "core/status.h"

namespace crashlab {

struct SqlDialect {
  const char* text_type;
  const char* int_type;
  const char* bool_type;
  bool namespaces;  // CREATE SCHEMA; tables named "ns"."t"
  bool users;       // CREATE ROLE / DROP ROLE
};
inline constexpr SqlDialect kSqliteDialect{"TEXT", "INTEGER", "BOOLEAN", false,
                                           false};
inline constexpr SqlDialect kPostgresDialect{"text", "bigint", "boolean", true,
                                             true};

// The schema changes `dialect` can run (Engine::SchemaChanges()).
std::vector<SchemaChangeKind> SqlSchemaChanges(const SqlDialect& dialect);

// The statements of one change, in order; InvalidArgument for a change the
// dialect cannot run or a type that is not text, int or bool.
Result<std::vector<std::string>> SchemaChangeSql(const SchemaChange& change,
                                                 const SqlDialect& dialect);

// "text", "int", "bool" for a declared SQL type name (case-insensitive);
// the name itself, lowercased, for anything else.
std::string CatalogTypeOf(const std::string& declared,
                          const SqlDialect& dialect);

// One row of the catalog pseudo-table: {"object": key, "type": type|null}.
nlohmann::json CatalogRow(const std::string& key, nlohmann::json type = nullptr);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SQL_DDL_H_
