#include "engines/postgres/pg_ops.h"

#include <map>
#include <optional>

#include "engines/postgres/pg_sql.h"
#include "engines/sql_ddl.h"
#include "engines/server/server_util.h"

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;

ApplyResult Unknown(const std::string& why) { return {Outcome::kInfo, why}; }
ApplyResult Failed(const std::string& why) { return {Outcome::kFail, why}; }

bool SqlstateClass(const std::string& state, const char* cls) {
  return state.size() == 5 && state.compare(0, 2, cls) == 0;
}

// A statement before COMMIT failed: nothing of the op can be committed.
ApplyResult RollBack(PgConnection& conn, const Status& why) {
  if (conn.broken()) return Unknown(why.message());
  auto rolled = conn.Exec("ROLLBACK");
  if (!rolled.ok())
    return Unknown(why.message() + "; ROLLBACK: " + rolled.status().message());
  return Failed(why.message());
}

// Namespaces, tables, columns and roles made by anyone but PostgreSQL
// itself (initdb's public schema, pg_* roles, the superuser we connect as).
Result<std::map<std::string, nlohmann::json>> ReadPgCatalog(PgConnection& conn) {
  std::map<std::string, nlohmann::json> objects;
  auto text = [](const std::optional<std::string>& v) { return v ? *v : ""; };
  CRASHLAB_ASSIGN_OR_RETURN(
      PgRows spaces,
      conn.Exec("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' "
                "AND nspname NOT IN ('information_schema', 'public')"));
  for (const auto& r : spaces.rows) {
    const std::string key = CatalogNamespace(text(r[0]));
    objects[key] = CatalogRow(key);
  }
  CRASHLAB_ASSIGN_OR_RETURN(
      PgRows columns,
      conn.Exec("SELECT c.table_schema, c.table_name, c.column_name, "
                "c.data_type FROM information_schema.columns c JOIN "
                "information_schema.tables t USING (table_schema, table_name) "
                "WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN "
                "('pg_catalog', 'information_schema')"));
  for (const auto& r : columns.rows) {
    const std::string ns = text(r[0]), table = text(r[1]);
    objects[CatalogTable(ns, table)] = CatalogRow(CatalogTable(ns, table));
    const std::string key = CatalogColumn(ns, table, text(r[2]));
    objects[key] = CatalogRow(key, CatalogTypeOf(text(r[3]), kPostgresDialect));
  }
  CRASHLAB_ASSIGN_OR_RETURN(
      PgRows roles, conn.Exec("SELECT rolname FROM pg_roles WHERE rolname !~ "
                              "'^pg_' AND rolname <> current_user"));
  for (const auto& r : roles.rows) {
    const std::string key = CatalogUser(text(r[0]));
    objects[key] = CatalogRow(key);
  }
  return objects;
}

}  // namespace

ApplyResult ApplyPgOp(PgConnection& conn, const Schema& schema,
                      const LogicalOp& op) {
  if (conn.broken())
    return Unknown("the PostgreSQL connection was lost earlier");
  const std::string bad = CheckMutations(schema, op.mutations);
  if (!bad.empty()) return Failed(bad);
  std::vector<std::string> ddl;  // PostgreSQL's DDL is transactional
  for (const SchemaChange& c : op.schema_changes) {
    auto sql = SchemaChangeSql(c, kPostgresDialect);
    if (!sql.ok()) return Failed(sql.status().message());
    ddl.insert(ddl.end(), sql->begin(), sql->end());
  }
  auto begun = conn.Exec("BEGIN");
  if (!begun.ok()) {
    return conn.broken() ? Unknown(begun.status().message())
                         : Failed(begun.status().message());
  }
  for (const std::string& sql : ddl) {
    auto done = conn.Exec(sql);
    if (!done.ok()) return RollBack(conn, done.status());
  }
  for (const Mutation& m : op.mutations) {
    const PgStatement st = PgMutationSql(*schema.Find(m.table), m);
    if (st.sql.empty()) continue;
    auto done = conn.Exec(st.sql, st.params);
    if (!done.ok()) return RollBack(conn, done.status());
  }
  auto committed = conn.Exec("COMMIT");
  if (committed.ok()) {
    if (committed->command_status == "COMMIT") return {};
    return Failed("COMMIT answered " + committed->command_status);
  }
  const std::string why = "COMMIT: " + committed.status().message();
  if (conn.broken()) return Unknown(why);
  const std::string& state = conn.sqlstate();
  if (SqlstateClass(state, "40") || SqlstateClass(state, "23")) {
    return Failed(why);
  }
  return Unknown(why);
}

Status CreatePgSchema(PgConnection& conn, const Schema& schema) {
  CRASHLAB_RETURN_IF_ERROR(conn.Exec("BEGIN").status());
  for (const TableSchema& t : schema.tables) {
    if (t.name == kCatalogTable) continue;
    auto created = conn.Exec(PgCreateTableSql(t));
    if (!created.ok()) {
      (void)conn.Exec("ROLLBACK");
      return created.status().Annotate("creating table " + t.name);
    }
  }
  auto committed = conn.Exec("COMMIT");
  if (!committed.ok()) return committed.status();
  if (committed->command_status != "COMMIT") {
    return Status::Engine("creating the schema: COMMIT answered " +
                          committed->command_status);
  }
  return Status::Ok();
}

Result<Rows> DumpPgRows(PgConnection& conn, const Schema& schema) {
  CRASHLAB_RETURN_IF_ERROR(
      conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());
  Rows rows;
  for (const TableSchema& t : schema.tables) {
    if (t.name == kCatalogTable) {
      auto catalog = ReadPgCatalog(conn);
      if (!catalog.ok()) {
        if (!conn.broken()) (void)conn.Exec("ROLLBACK");
        return catalog.status().Annotate("reading the catalog");
      }
      rows[t.name] = std::move(*catalog);
      continue;
    }
    auto read = conn.Exec(PgSelectAllSql(t));
    if (!read.ok()) {
      if (!conn.broken()) (void)conn.Exec("ROLLBACK");
      return read.status().Annotate("reading table " + t.name);
    }
    auto& table = rows[t.name];
    for (const auto& r : read->rows) {
      if (r.size() != t.columns.size() + 1 || !r[0]) {
        return Status::Engine("reading table " + t.name +
                              ": a row without its key");
      }
      nlohmann::json row = nlohmann::json::object();
      const std::string key = ValidUtf8(*r[0]);
      row[t.key] = key;
      for (size_t c = 0; c < t.columns.size(); ++c) {
        row[t.columns[c].name] = PgDecodeValue(
            r[c + 1] ? r[c + 1]->c_str() : nullptr, t.columns[c].type);
      }
      table[key] = std::move(row);
    }
  }
  CRASHLAB_RETURN_IF_ERROR(conn.Exec("COMMIT").status());
  return rows;
}

}  // namespace crashlab
