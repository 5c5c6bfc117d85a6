// How crashlab's schema and mutations map to PostgreSQL SQL.
//
// Tables: one per schema table; the key column `text PRIMARY KEY`, int
// columns `bigint`, bool columns `boolean`, text columns `text`; every
// identifier double-quoted. Mutations (one statement each, all of an op in
// one transaction; parameters in text format, NULL as a null pointer):
//   insert     INSERT INTO t (key, c1, ...) VALUES ($1, $2, ...)
//              (an existing key fails with unique_violation: the whole op
//              rolls back)
//   update     UPDATE t SET c1 = $1, ... WHERE key = $n
//   increment  UPDATE t SET c = COALESCE(c, 0) + $1, ... WHERE key = $n
//              (COALESCE: the data model counts a NULL as 0)
//   delete     DELETE FROM t WHERE key = $1
// An update, increment or delete that matches no row changes nothing, as
// engines/PROTOCOL.md says. Dump: SELECT key, c1, ... FROM t ORDER BY key
// COLLATE "C" (byte order), values decoded by the schema's types; a value
// of another shape than its type is reported as the text it is.
//
// Pure functions; thread-safe.
#ifndef CRASHLAB_ENGINES_POSTGRES_PG_SQL_H_
#define CRASHLAB_ENGINES_POSTGRES_PG_SQL_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/data_model.h"

namespace crashlab {

using PgParam = std::optional<std::string>;  // nullopt = SQL NULL

struct PgStatement {
  std::string sql;  // "" = nothing to run (an empty update)
  std::vector<PgParam> params;
};

std::string PgCreateTableSql(const TableSchema& t);

// The statement for one mutation already checked against the schema
// (core/data_model.h CheckMutation).
PgStatement PgMutationSql(const TableSchema& t, const Mutation& m);

// Every column, the key first, in byte order of the key.
std::string PgSelectAllSql(const TableSchema& t);

// A dumped value (text format; null pointer = SQL NULL) of type `type`.
nlohmann::json PgDecodeValue(const char* text, ColumnType type);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_PG_SQL_H_
