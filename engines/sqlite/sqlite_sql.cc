#include "engines/sqlite/sqlite_sql.h"

#include <algorithm>
#include <map>

#include "engines/sql_ddl.h"
#include "engines/sql_ident.h"

namespace crashlab {

using nlohmann::json;

namespace {

SqlCell ReadCell(sqlite3_stmt* s, int i, ColumnType type) {
  using Kind = SqlCell::Kind;
  SqlCell c;
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL:
      return c;
    case SQLITE_INTEGER:
      c.i = sqlite3_column_int64(s, i);
      c.kind = type == ColumnType::kBool && (c.i == 0 || c.i == 1) ? Kind::kBool
                                                                    : Kind::kInt;
      return c;
    case SQLITE_FLOAT:
      c.kind = Kind::kFloat;
      c.f = sqlite3_column_double(s, i);
      return c;
    case SQLITE_TEXT:
      c.kind = Kind::kText;
      c.text.assign(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                    static_cast<size_t>(sqlite3_column_bytes(s, i)));
      return c;
    default: {  // BLOB: never written by crashlab, shown as x'..'
      const auto* p =
          static_cast<const unsigned char*>(sqlite3_column_blob(s, i));
      const int n = sqlite3_column_bytes(s, i);
      static const char kHex[] = "0123456789abcdef";
      c.kind = Kind::kText;
      c.text = "x'";
      for (int k = 0; k < n; ++k) {
        c.text += kHex[p[k] >> 4];
        c.text += kHex[p[k] & 15];
      }
      c.text += "'";
      return c;
    }
  }
}

json CellJson(SqlCell&& c) {
  switch (c.kind) {
    case SqlCell::Kind::kNull:
      return nullptr;
    case SqlCell::Kind::kBool:
      return c.i == 1;
    case SqlCell::Kind::kInt:
      return c.i;
    case SqlCell::Kind::kFloat:
      return c.f;
    case SqlCell::Kind::kText:
      return std::move(c.text);
  }
  return nullptr;
}

ColumnType TypeAt(const TableSchema& t, size_t i) {
  return i == 0 ? ColumnType::kText : t.columns[i - 1].type;
}

const std::string& NameAt(const TableSchema& t, size_t i) {
  return i == 0 ? t.key : t.columns[i - 1].name;
}

}  // namespace

std::vector<std::string> CreateTableStatements(const Schema& schema) {
  std::vector<std::string> out;
  for (const TableSchema& t : schema.tables) {
    if (t.name == kCatalogTable) continue;
    std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteSqlIdent(t.name) + "(" +
                      QuoteSqlIdent(t.key) + " TEXT PRIMARY KEY NOT NULL";
    for (const Column& c : t.columns) {
      sql += ", " + QuoteSqlIdent(c.name) +
             (c.type == ColumnType::kText ? " TEXT" : " INTEGER");
    }
    out.push_back(sql + ")");
  }
  return out;
}

std::string MutationSql(const TableSchema& t, const Mutation& m) {
  const std::string table = QuoteSqlIdent(t.name), key = QuoteSqlIdent(t.key);
  switch (m.kind) {
    case MutationKind::kInsert: {
      std::string cols = key, marks = "?";
      for (const Column& c : t.columns) {
        cols += ", " + QuoteSqlIdent(c.name);
        marks += ", ?";
      }
      return "INSERT INTO " + table + "(" + cols + ") VALUES(" + marks + ")";
    }
    case MutationKind::kUpdate:
    case MutationKind::kIncrement: {
      if (m.values.empty()) return "";
      const bool inc = m.kind == MutationKind::kIncrement;
      std::string sets;
      for (const auto& [name, v] : m.values.items()) {
        const std::string col = QuoteSqlIdent(name);
        sets += (sets.empty() ? "" : ", ") + col + " = " +
                (inc ? "coalesce(" + col + ", 0) + ?" : "?");
      }
      return "UPDATE " + table + " SET " + sets + " WHERE " + key + " = ?";
    }
    case MutationKind::kDelete:
      return "DELETE FROM " + table + " WHERE " + key + " = ?";
  }
  return "";
}

void BindMutation(sqlite3_stmt* stmt, const TableSchema& t, const Mutation& m) {
  const auto text = [stmt](int idx, const std::string& s) {
    sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()),
                      SQLITE_TRANSIENT);
  };
  const auto value = [stmt, &text](int idx, const json& v) {
    if (v.is_null()) {
      sqlite3_bind_null(stmt, idx);
    } else if (v.is_boolean()) {
      sqlite3_bind_int(stmt, idx, v.get<bool>());
    } else if (v.is_number_integer()) {
      sqlite3_bind_int64(stmt, idx, v.get<int64_t>());
    } else if (v.is_string()) {
      text(idx, v.get_ref<const std::string&>());
    } else {
      text(idx, v.dump());
    }
  };
  int idx = 1;
  switch (m.kind) {
    case MutationKind::kInsert:
      text(idx++, m.key);
      for (const Column& c : t.columns) {
        const auto it = m.values.find(c.name);
        if (it == m.values.end()) {
          sqlite3_bind_null(stmt, idx++);
        } else {
          value(idx++, *it);
        }
      }
      return;
    case MutationKind::kUpdate:
    case MutationKind::kIncrement:
      for (const auto& [name, v] : m.values.items()) value(idx++, v);
      text(idx, m.key);
      return;
    case MutationKind::kDelete:
      text(idx, m.key);
      return;
  }
}

std::string SelectAllSql(const TableSchema& t) {
  std::string sql = "SELECT " + QuoteSqlIdent(t.key);
  for (const Column& c : t.columns) sql += ", " + QuoteSqlIdent(c.name);
  return sql + " FROM " + QuoteSqlIdent(t.name) + " ORDER BY " + QuoteSqlIdent(t.key);
}

void ReadSqlCells(sqlite3_stmt* stmt, const TableSchema& t,
                  std::vector<SqlCell>* row) {
  row->resize(t.columns.size() + 1);
  for (size_t i = 0; i < row->size(); ++i) {
    (*row)[i] = ReadCell(stmt, static_cast<int>(i), TypeAt(t, i));
  }
}

json SqlCellsJson(std::vector<SqlCell>&& row, const TableSchema& t) {
  json out = json::object();  // not {{...}}: no array per field first
  for (size_t i = 0; i < row.size(); ++i) {
    out[NameAt(t, i)] = CellJson(std::move(row[i]));
  }
  return out;
}

json ReadSqlRow(sqlite3_stmt* stmt, const TableSchema& t) {
  std::vector<SqlCell> row;
  ReadSqlCells(stmt, t, &row);
  return SqlCellsJson(std::move(row), t);
}

std::vector<size_t> SqlFieldOrder(const TableSchema& t) {
  std::vector<size_t> order(t.columns.size() + 1);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return NameAt(t, a) < NameAt(t, b);
  });
  return order;
}

void AddSqlCells(const std::vector<SqlCell>& row, const TableSchema& t,
                 const std::vector<size_t>& order, RowsDigest* digest) {
  digest->BeginRow(t.name, row.size());
  for (size_t i : order) {
    digest->Field(NameAt(t, i));
    const SqlCell& c = row[i];
    switch (c.kind) {
      case SqlCell::Kind::kNull:
        digest->Null();
        break;
      case SqlCell::Kind::kBool:
        digest->Bool(c.i == 1);
        break;
      case SqlCell::Kind::kInt:
        digest->Int(c.i);
        break;
      case SqlCell::Kind::kFloat:
        digest->Float(c.f);
        break;
      case SqlCell::Kind::kText:
        digest->Text(c.text);
        break;
    }
  }
  digest->EndRow();
}

std::string SqliteQuickCheck(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, nullptr);
  std::string out;
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) break;
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out += (out.empty() ? "" : "\n") +
           std::string(text ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc != SQLITE_DONE) {
    out += (out.empty() ? "" : "\n") +
           ("quick_check failed: " + std::string(sqlite3_errmsg(db)) +
            " (code " + std::to_string(rc) + ", during PRAGMA quick_check)");
  }
  sqlite3_finalize(stmt);
  return out;
}

int ReadSqliteCatalog(sqlite3* db, json* rows, std::string* error) {
  // table name -> declared type per column; one query over both.
  const char* sql =
      "SELECT m.name, p.name, p.type FROM sqlite_master AS m, "
      "pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name NOT "
      "LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid";
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  std::map<std::string, json> objects;
  while (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) break;
    rc = SQLITE_OK;
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_column_text(stmt, i);
      return std::string(t ? reinterpret_cast<const char*>(t) : "");
    };
    const std::string table = text(0), column = text(1), type = text(2);
    objects[CatalogTable("", table)] = CatalogRow(CatalogTable("", table));
    const std::string key = CatalogColumn("", table, column);
    objects[key] = CatalogRow(key, CatalogTypeOf(type, kSqliteDialect));
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc != SQLITE_OK) {
    *error = std::string(sqlite3_errmsg(db)) + " (code " + std::to_string(rc) +
             ", during reading the catalog)";
  }
  sqlite3_finalize(stmt);
  *rows = json::array();
  for (auto& [key, row] : objects) rows->push_back(std::move(row));
  return rc;
}

}  // namespace crashlab
