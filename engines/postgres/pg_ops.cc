#include "engines/postgres/pg_ops.h"

#include "engines/postgres/pg_sql.h"
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

}  // namespace

ApplyResult ApplyPgOp(PgConnection& conn, const Schema& schema,
                      const LogicalOp& op) {
  if (conn.broken())
    return Unknown("the PostgreSQL connection was lost earlier");
  const std::string bad = CheckMutations(schema, op.mutations);
  if (!bad.empty()) return Failed(bad);
  auto begun = conn.Exec("BEGIN");
  if (!begun.ok()) {
    return conn.broken() ? Unknown(begun.status().message())
                         : Failed(begun.status().message());
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
