#include "engines/sql_ddl.h"

#include <cctype>

#include "engines/sql_ident.h"

namespace crashlab {

namespace {

Result<std::string> TypeName(const std::string& type, const SqlDialect& d) {
  if (type == "text") return std::string(d.text_type);
  if (type == "int") return std::string(d.int_type);
  if (type == "bool") return std::string(d.bool_type);
  return Status::InvalidArgument("column type '" + type +
                                 "' is not text, int or bool");
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string TableName(const SchemaChange& c) {
  return c.name_space.empty()
             ? QuoteSqlIdent(c.table)
             : QuoteSqlIdent(c.name_space) + "." + QuoteSqlIdent(c.table);
}

std::string QuoteLiteral(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += '\'';
    q += c;
  }
  return q + "'";
}

}  // namespace

std::vector<SchemaChangeKind> SqlSchemaChanges(const SqlDialect& d) {
  using K = SchemaChangeKind;
  std::vector<K> out = {K::kCreateTable, K::kDropTable, K::kAddColumns,
                        K::kDropColumn};
  if (d.namespaces) {
    out.push_back(K::kCreateNamespace);
    out.push_back(K::kDropNamespace);
  }
  if (d.users) {
    out.push_back(K::kCreateUser);
    out.push_back(K::kDropUser);
  }
  return out;
}

Result<std::vector<std::string>> SchemaChangeSql(const SchemaChange& c,
                                                 const SqlDialect& d) {
  using K = SchemaChangeKind;
  const bool ns_op = c.kind == K::kCreateNamespace || c.kind == K::kDropNamespace;
  const bool user_op = c.kind == K::kCreateUser || c.kind == K::kDropUser;
  if ((ns_op || !c.name_space.empty()) && !d.namespaces) {
    return Status::InvalidArgument("this engine has no namespaces");
  }
  if (user_op && !d.users) return Status::InvalidArgument("this engine has no users");
  std::vector<std::string> out;
  switch (c.kind) {
    case K::kCreateNamespace:
      out.push_back("CREATE SCHEMA " + QuoteSqlIdent(c.name_space));
      break;
    case K::kDropNamespace:
      out.push_back("DROP SCHEMA " + QuoteSqlIdent(c.name_space));
      break;
    case K::kCreateTable: {
      if (c.columns.empty()) return Status::InvalidArgument("a table needs a key");
      std::string sql = "CREATE TABLE " + TableName(c) + "(" +
                        QuoteSqlIdent(c.columns[0].name) + " " + d.text_type +
                        " PRIMARY KEY NOT NULL";
      for (size_t i = 1; i < c.columns.size(); ++i) {
        CRASHLAB_ASSIGN_OR_RETURN(std::string type, TypeName(c.columns[i].type, d));
        sql += ", " + QuoteSqlIdent(c.columns[i].name) + " " + type;
      }
      out.push_back(sql + ")");
      break;
    }
    case K::kDropTable:
      out.push_back("DROP TABLE " + TableName(c));
      break;
    case K::kAddColumns:
      // One ALTER per column: SQLite's ALTER TABLE adds one at a time.
      for (const SchemaColumn& col : c.columns) {
        CRASHLAB_ASSIGN_OR_RETURN(std::string type, TypeName(col.type, d));
        out.push_back("ALTER TABLE " + TableName(c) + " ADD COLUMN " +
                      QuoteSqlIdent(col.name) + " " + type);
      }
      break;
    case K::kDropColumn:
      out.push_back("ALTER TABLE " + TableName(c) + " DROP COLUMN " +
                    QuoteSqlIdent(c.column));
      break;
    case K::kCreateUser:
      out.push_back("CREATE ROLE " + QuoteSqlIdent(c.user) +
                    " LOGIN PASSWORD " + QuoteLiteral(c.password));
      break;
    case K::kDropUser:
      out.push_back("DROP ROLE " + QuoteSqlIdent(c.user));
      break;
  }
  return out;
}

std::string CatalogTypeOf(const std::string& declared, const SqlDialect& d) {
  const std::string t = Lower(declared);
  if (t == Lower(d.text_type)) return "text";
  if (t == Lower(d.int_type)) return "int";
  if (t == Lower(d.bool_type)) return "bool";
  return t;
}

nlohmann::json CatalogRow(const std::string& key, nlohmann::json type) {
  return {{kCatalogKey, key}, {kCatalogType, std::move(type)}};
}

}  // namespace crashlab
