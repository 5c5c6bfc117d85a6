#include "fuzz/sqlite_auth_engine.h"

#include "engines/sqlite/sqlite_sql.h"

#include <algorithm>
#include <deque>
#include <utility>

namespace crashlab {
namespace {

using nlohmann::json;

constexpr char kDbPath[] = "/auth.db";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The SQL text of one statement shape, built once per thread: each cycle
// opens two connections, and each prepared its statements from text built
// afresh (with the statement map's keys, a tenth of the SQLite fuzzer's
// allocations). The text depends only on these fields.
struct ShapeSql {
  std::string table, key;
  int kind;                          // a MutationKind, or kSelectAll
  std::vector<std::string> columns;  // the table's, or what an update sets
  std::string sql;
};
constexpr int kSelectAll = -1;

bool SetsColumns(int kind) {
  return kind == static_cast<int>(MutationKind::kUpdate) ||
         kind == static_cast<int>(MutationKind::kIncrement);
}

// Calls fn(name) for each column name the shape's text depends on.
template <typename Fn>
void ForEachShapeColumn(const TableSchema& t, int kind, const Mutation* m,
                        Fn&& fn) {
  if (SetsColumns(kind)) {
    for (const auto& [name, v] : m->values.items()) fn(name);
  } else {
    for (const Column& c : t.columns) fn(c.name);
  }
}

// `m` is the mutation for mutation shapes, null for kSelectAll.
const std::string& CachedSql(const TableSchema& t, int kind,
                             const Mutation* m) {
  thread_local std::deque<ShapeSql> cache;  // references stay valid
  for (const ShapeSql& c : cache) {
    if (c.kind != kind || c.table != t.name || c.key != t.key) continue;
    size_t i = 0;
    bool same = true;
    ForEachShapeColumn(t, kind, m, [&](const std::string& name) {
      same = same && i < c.columns.size() && c.columns[i] == name;
      ++i;
    });
    if (same && i == c.columns.size()) return c.sql;
  }
  ShapeSql& c = cache.emplace_back();
  c.table = t.name;
  c.key = t.key;
  c.kind = kind;
  ForEachShapeColumn(
      t, kind, m, [&](const std::string& name) { c.columns.push_back(name); });
  c.sql = kind == kSelectAll ? SelectAllSql(t) : MutationSql(t, *m);
  return c.sql;
}

}  // namespace

const std::vector<std::string>& SqliteJournalModes() {
  static const auto* modes =
      new std::vector<std::string>{"delete", "truncate", "persist", "wal"};
  return *modes;
}

const std::vector<std::string>& SqliteSyncModes() {
  static const auto* modes =
      new std::vector<std::string>{"off", "normal", "full", "extra"};
  return *modes;
}

Status ValidateSqliteSettings(const SqliteSettings& s) {
  const auto& j = SqliteJournalModes();
  const auto& y = SqliteSyncModes();
  if (std::find(j.begin(), j.end(), s.journal_mode) == j.end()) {
    return Status::InvalidArgument("journal_mode=" + s.journal_mode +
                                   " not allowed; allowed: " + Join(j));
  }
  if (std::find(y.begin(), y.end(), s.synchronous) == y.end()) {
    return Status::InvalidArgument("synchronous=" + s.synchronous +
                                   " not allowed; allowed: " + Join(y));
  }
  return Status::Ok();
}

SqliteAuthEngine::SqliteAuthEngine(SqliteSettings settings,
                                     std::shared_ptr<const Schema> schema,
                                   uint64_t prng_seed, SqliteVfs::Options vfs)
    : settings_(std::move(settings)),
      schema_(std::move(schema)),
      prng_seed_(prng_seed),
      vfs_options_(vfs) {
  vfs_options_.seed = prng_seed;
}

SqliteAuthEngine::~SqliteAuthEngine() { Close(); }

std::string SqliteAuthEngine::Error(int rc, const std::string& context) const {
  return std::string(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) +
         " (code " + std::to_string(rc) + ", during " + context + ")";
}

int SqliteAuthEngine::Exec(const std::string& sql, std::string* error) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK && error) *error = Error(rc, sql);
  return rc;
}

sqlite3_stmt* SqliteAuthEngine::Prepared(std::string_view sql,
                                         std::string* error) {
  for (const auto& [text, stmt] : stmts_) {
    if (text.data() == sql.data() || text == sql) return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    if (error) *error = Error(rc, "prepare " + std::string(sql));
    sqlite3_finalize(stmt);
    return nullptr;
  }
  if (stmts_.empty()) stmts_.reserve(16);
  stmts_.emplace_back(sql, stmt);
  return stmt;
}

int SqliteAuthEngine::Step(std::string_view sql, std::string* error) {
  sqlite3_stmt* stmt = Prepared(sql, error);
  if (!stmt) return SQLITE_ERROR;
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return SQLITE_OK;
  if (error) *error = Error(rc, std::string(sql));
  return rc;
}

Status SqliteAuthEngine::Configure(bool create) {
  std::string error;
  const bool wal = settings_.journal_mode == "wal";
  if (wal && Exec("PRAGMA locking_mode=EXCLUSIVE", &error) != SQLITE_OK) {
    return Status::Engine(error);
  }
  // Reading the journal mode reads the header: a hot journal is rolled
  // back here, and a file that is no database is refused here.
  const std::string pragma = "PRAGMA journal_mode=" + settings_.journal_mode;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, pragma.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  std::string mode;
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    mode = text ? reinterpret_cast<const char*>(text) : "";
  } else {
    error = Error(rc, pragma);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return Status::Engine(error);
  if (mode != settings_.journal_mode) {
    return Status::Engine(pragma + " left the database in journal mode '" +
                          mode + "'");
  }
  if (Exec("PRAGMA synchronous=" + settings_.synchronous, &error) !=
      SQLITE_OK) {
    return Status::Engine(error);
  }
  if (create) {
    std::string sql = "BEGIN;";
    for (const std::string& t : CreateTableStatements(*schema_)) sql += t + ";";
    if (Exec(sql + "COMMIT", &error) != SQLITE_OK) return Status::Engine(error);
  }
  // The first real read: WAL recovery and schema parsing happen here.
  if (Exec("SELECT count(*) FROM sqlite_master", &error) != SQLITE_OK) {
    return Status::Engine(error);
  }
  return Status::Ok();
}

Status SqliteAuthEngine::Open(SimFs& fs, bool create) {
  Close();
  CRASHLAB_RETURN_IF_ERROR(ValidateSqliteSettings(settings_));
  CRASHLAB_ASSIGN_OR_RETURN(vfs_, SqliteVfs::Register(&fs, vfs_options_));
  sqlite3_test_control(SQLITE_TESTCTRL_PRNG_SEED,
                       static_cast<int>(prng_seed_ & 0x7fffffff), nullptr);
  // NOMUTEX: one thread uses the connection (SQLite's "multi-thread"
  // mode), so no API call takes the connection's mutex. Nothing on disk
  // depends on it.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE |
                    SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(kDbPath, &db_, flags, vfs_->name());
  Status s = rc == SQLITE_OK ? Configure(create)
                             : Status::Engine(Error(rc, "open auth.db"));
  if (!s.ok()) Close();
  return s;
}

sqlite3_stmt* SqliteAuthEngine::MutationStmt(const TableSchema& t,
                                             const Mutation& m,
                                             std::string* error) {
  return Prepared(CachedSql(t, static_cast<int>(m.kind), &m), error);
}

int SqliteAuthEngine::Run(const Mutation& m, std::string* error) {
  const TableSchema* t = schema_->Find(m.table);
  if (!t) {
    *error = "no table " + m.table;
    return SQLITE_ERROR;
  }
  if ((m.kind == MutationKind::kUpdate || m.kind == MutationKind::kIncrement) &&
      m.values.empty()) {
    return SQLITE_DONE;  // MutationSql: nothing to do
  }
  sqlite3_stmt* stmt = MutationStmt(*t, m, error);
  if (!stmt) return SQLITE_ERROR;
  BindMutation(stmt, *t, m);
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) *error = Error(rc, MutationSql(*t, m));
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return rc;
}

ApplyResult SqliteAuthEngine::Apply(const LogicalOp& op) {
  std::string error;
  int rc = Step("BEGIN IMMEDIATE", &error);
  for (size_t i = 0; rc == SQLITE_OK && i < op.mutations.size(); ++i) {
    rc = Run(op.mutations[i], &error);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc == SQLITE_OK) {
    rc = Step("COMMIT", &error);
    if (rc == SQLITE_OK) return ApplyResult::Ok();
    if (!sqlite3_get_autocommit(db_)) Step("ROLLBACK", nullptr);
    return {ApplyResult::Kind::kUnknown, error};
  }
  if (!sqlite3_get_autocommit(db_)) Step("ROLLBACK", nullptr);
  return {ApplyResult::Kind::kFailed, error};
}

int SqliteAuthEngine::ReadTable(const TableSchema& t, Rows* rows,
                                std::string* error) {
  const std::string& sql = CachedSql(t, kSelectAll, nullptr);
  sqlite3_stmt* stmt = Prepared(sql, error);
  if (!stmt) return SQLITE_ERROR;
  auto& table = (*rows)[t.name];
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    json row = ReadSqlRow(stmt, t);
    const json& key = row[t.key];
    table[key.is_string() ? key.get<std::string>() : key.dump()] =
        std::move(row);
  }
  if (rc != SQLITE_DONE) *error = Error(rc, sql);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

Status SqliteAuthEngine::Dump(Rows* rows, std::string* check) {
  std::string error;
  int rc = Step("BEGIN", &error);
  for (size_t i = 0; rc == SQLITE_OK && i < schema_->tables.size(); ++i) {
    rc = ReadTable(schema_->tables[i], rows, &error);
  }
  if (rc == SQLITE_OK) *check = SqliteQuickCheck(db_);
  if (!sqlite3_get_autocommit(db_)) Step("ROLLBACK", nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Status::Engine(error);
}

void SqliteAuthEngine::Close() {
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  stmts_.clear();
  if (db_) {
    // Every statement is finalized, so the connection closes now (a
    // checkpoint's I/O error does not keep it open).
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  vfs_.reset();
}

}  // namespace crashlab
