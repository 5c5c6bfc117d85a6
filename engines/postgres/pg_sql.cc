#include "engines/postgres/pg_sql.h"

#include "engines/server/server_util.h"
#include "engines/sql_ident.h"

namespace crashlab {

using nlohmann::json;

namespace {

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt:
      return "bigint";
    case ColumnType::kBool:
      return "boolean";
    case ColumnType::kText:
      return "text";
  }
  return "text";
}

PgParam Param(const json& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (v.is_string()) return v.get<std::string>();
  return std::to_string(v.get<int64_t>());
}

std::string Placeholder(size_t n) { return "$" + std::to_string(n); }

}  // namespace

std::string PgCreateTableSql(const TableSchema& t) {
  std::string sql = "CREATE TABLE " + QuoteSqlIdent(t.name) + " (" +
                    QuoteSqlIdent(t.key) + " text PRIMARY KEY";
  for (const Column& c : t.columns) {
    sql += ", " + QuoteSqlIdent(c.name) + " " + SqlType(c.type);
  }
  return sql + ")";
}

PgStatement PgMutationSql(const TableSchema& t, const Mutation& m) {
  PgStatement st;
  const std::string table = QuoteSqlIdent(t.name);
  const std::string key = QuoteSqlIdent(t.key);
  switch (m.kind) {
    case MutationKind::kInsert: {
      std::string cols = key, marks = Placeholder(1);
      st.params.push_back(m.key);
      for (const Column& c : t.columns) {
        st.params.push_back(Param(m.values[c.name]));
        cols += ", " + QuoteSqlIdent(c.name);
        marks += ", " + Placeholder(st.params.size());
      }
      st.sql =
          "INSERT INTO " + table + " (" + cols + ") VALUES (" + marks + ")";
      break;
    }
    case MutationKind::kUpdate:
    case MutationKind::kIncrement: {
      if (m.values.empty()) return st;
      const bool inc = m.kind == MutationKind::kIncrement;
      std::string sets;
      for (const auto& [name, v] : m.values.items()) {
        st.params.push_back(Param(v));
        const std::string col = QuoteSqlIdent(name);
        sets += (sets.empty() ? "" : ", ") + col + " = " +
                (inc ? "COALESCE(" + col + ", 0) + " : std::string()) +
                Placeholder(st.params.size()) + (inc ? "::bigint" : "");
      }
      st.params.push_back(m.key);
      st.sql = "UPDATE " + table + " SET " + sets + " WHERE " + key + " = " +
               Placeholder(st.params.size());
      break;
    }
    case MutationKind::kDelete:
      st.params.push_back(m.key);
      st.sql = "DELETE FROM " + table + " WHERE " + key + " = $1";
      break;
  }
  return st;
}

std::string PgSelectAllSql(const TableSchema& t) {
  std::string cols = QuoteSqlIdent(t.key);
  for (const Column& c : t.columns) cols += ", " + QuoteSqlIdent(c.name);
  return "SELECT " + cols + " FROM " + QuoteSqlIdent(t.name) + " ORDER BY " +
         QuoteSqlIdent(t.key) + " COLLATE \"C\"";
}

json PgDecodeValue(const char* text, ColumnType type) {
  if (text == nullptr) return nullptr;
  const std::string s = text;
  switch (type) {
    case ColumnType::kInt: {
      int64_t v = 0;
      if (ParseInt64(s, &v)) return v;
      break;
    }
    case ColumnType::kBool:
      if (s == "t") return true;
      if (s == "f") return false;
      break;
    case ColumnType::kText:
      break;
  }
  return ValidUtf8(s);
}

}  // namespace crashlab
