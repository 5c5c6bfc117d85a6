// crashlab's data model as SQL on SQLite, shared by the driver
// (sqlite_driver.cc) and the crash fuzzer's in-process engine
// (fuzz/sqlite_auth_engine.cc), so that both store and read rows alike.
//
// Each table is an ordinary rowid table with a TEXT PRIMARY KEY (what an
// application would write); int and bool columns are INTEGER, bools stored
// 0/1. An increment treats NULL as 0, as core's ApplyMutation does. Rows
// read back are what is stored, not what the schema says should be: a
// corrupt value of the wrong type comes back as it is.
//
// Pure functions over a caller's statements; thread-safe.
#ifndef CRASHLAB_ENGINES_SQLITE_SQLITE_SQL_H_
#define CRASHLAB_ENGINES_SQLITE_SQLITE_SQL_H_

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/rows_digest.h"

namespace crashlab {


// CREATE TABLE IF NOT EXISTS, one statement per table of `schema` (the
// catalog pseudo-table of the ddl workload is not a table: skipped).
std::vector<std::string> CreateTableStatements(const Schema& schema);

// The statement of one mutation of table `t` (checked: CheckMutation),
// with parameters ?1, ?2, ...; "" when there is nothing to do (an update
// of no columns). It depends only on the table, the kind and, for an
// update or increment, the names of m.values in order: mutations alike in
// these share one prepared statement.
std::string MutationSql(const TableSchema& t, const Mutation& m);
// Binds m's key and values (null, bool as 0/1, integer, else text) to a
// statement prepared from MutationSql(t, m), without copying them.
void BindMutation(sqlite3_stmt* stmt, const TableSchema& t, const Mutation& m);

// SELECT of every row of `t`, key first, in key order.
std::string SelectAllSql(const TableSchema& t);
// The current row of a SelectAllSql statement: {key column: ..., column:
// ...}, each value as stored (a BLOB, never written, as "x'..'").
nlohmann::json ReadSqlRow(sqlite3_stmt* stmt, const TableSchema& t);

// The same row without JSON, for a digest dump (core/rows_digest.h): each
// value read as ReadSqlRow reads it, in SelectAllSql's column order.
struct SqlCell {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kText };
  Kind kind = Kind::kNull;
  int64_t i = 0;  // kBool (0/1), kInt
  double f = 0;   // kFloat
  std::string text;
};
void ReadSqlCells(sqlite3_stmt* stmt, const TableSchema& t,
                  std::vector<SqlCell>* row);
// The row as ReadSqlRow gives it.
nlohmann::json SqlCellsJson(std::vector<SqlCell>&& row, const TableSchema& t);
// Adds the row to `digest` as RowsDigest::Add(t.name, its JSON) would.
// `order`: SqlFieldOrder(t).
void AddSqlCells(const std::vector<SqlCell>& row, const TableSchema& t,
                 const std::vector<size_t>& order, RowsDigest* digest);
// Indices of SelectAllSql's columns in the order of their names.
std::vector<size_t> SqlFieldOrder(const TableSchema& t);

// Every table and column of the database (sqlite_master, table_info) as
// rows of the catalog pseudo-table (core/schema_change.h), sorted by
// object; SQLite's own sqlite_* tables left out. SQLITE_OK, or the error
// code with `error` set.
int ReadSqliteCatalog(sqlite3* db, nlohmann::json* rows, std::string* error);

// PRAGMA quick_check's verdict: "ok", or every line it reported; when the
// check itself fails, its last line says so with SQLite's words.
std::string SqliteQuickCheck(sqlite3* db);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SQLITE_SQLITE_SQL_H_
