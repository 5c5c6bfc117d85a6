// crashlab-driver-sqlite: the SQLite driver of engines/PROTOCOL.md.
//
// One process owns at most one connection to DIR/auth.db, through the
// system's libsqlite3 (no private copy: we test the SQLite people run).
// Recovery is SQLite's own: opening the file and running the first read is
// what rolls back a hot journal or replays a WAL, so `open` ends with a read
// and reports its failure as the engine refusing to start.
//
// Tables, statements and the dump's values: sqlite_sql.h (shared with the
// crash fuzzer's in-process engine).
//
// Transactions: BEGIN IMMEDIATE, one statement per mutation, COMMIT. A
// failure before COMMIT is rolled back and reported definite. A failed
// COMMIT is definite only for SQLITE_BUSY (SQLite documents that the
// transaction stays active, so our ROLLBACK decides it); any other COMMIT
// error (I/O, full disk) may have reached the disk, so it is reported as
// unknown.
//
// `txn` (transactions with reads, for the isolation workloads) lives in
// sqlite_txn.h, on the same connection.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engines/driver_main.h"
#include "engines/sql_ddl.h"
#include "engines/sqlite/sqlite_sql.h"
#include "engines/sqlite/sqlite_txn.h"

namespace crashlab {
namespace {

using nlohmann::json;

constexpr char kDbFile[] = "auth.db";
constexpr int kBusyTimeoutMs = 2000;
const std::vector<std::string> kJournalModes = {"delete", "truncate", "persist",
                                                "wal"};
const std::vector<std::string> kSyncModes = {"off", "normal", "full", "extra"};

void Log(const std::string& msg) { DriverLog("crashlab-driver-sqlite", msg); }

// SQLite's error log (recovered WAL frames, I/O errors, ...) is evidence of
// what recovery did; keep it in the driver's log.
void SqliteLog(void*, int code, const char* msg) {
  Log("sqlite log (code " + std::to_string(code) + "): " + msg);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

// Protocol error kind of an SQLite result code.
const char* KindOf(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return "constraint";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "busy";
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return "io";
    case SQLITE_FULL:
      return "full";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "corrupt";
    default:
      return "other";
  }
}

class SqliteBackend final : public DriverBackend {
 public:
  ~SqliteBackend() override {
    if (db_) CloseDb();
  }
  json Hello() override {
    json ddl = json::array();
    for (SchemaChangeKind k : SqlSchemaChanges(kSqliteDialect)) {
      ddl.push_back(SchemaChangeKindName(k));
    }
    return {{"engine", "sqlite"}, {"version", sqlite3_libversion()},
            {"txn", true}, {"schema_changes", std::move(ddl)}};
  }
  DriverReply Open(const OpenRequest& req) override;
  DriverReply Apply(const ApplyRequest& req) override;
  DriverReply Dump() override;
  DigestDump DumpDigest() override;
  DriverReply Close() override;
  bool is_open() const override { return db_ != nullptr; }
  // Transactions with reads (sqlite_txn.h).
  DriverReply Txn(const TxnOpRequest& req) override {
    if (!txn_) {
      txn_ = std::make_unique<SqliteTxn>(SqliteConn{
          db_, [this](const std::string& sql) { return Exec(sql); },
          [this](const std::string& sql) { return Prepared(sql); },
          [this](int rc, const std::string& what) { return Fail(rc, what); },
          [this] { return error_; }, [this] { return RollBack(); }});
    }
    return txn_->Run(req);
  }

 private:
  // Records the engine's message for `rc`, with what we were doing; returns rc.
  int Fail(int rc, const std::string& context);
  int Exec(const std::string& sql);
  // A cached prepared statement for `sql`, or nullptr (error_ set).
  sqlite3_stmt* Prepared(const std::string& sql);
  int SetJournalMode(const std::string& journal);
  int CreateTables();
  // Closes the half-open database; the reply carries error_.
  DriverReply FailOpen();
  int Run(const Mutation& m);
  // The op's schema changes in one transaction (the ddl workload).
  DriverReply ApplySchemaChanges(const ApplyRequest& req);
  DriverReply InTransaction(const ApplyRequest& req, size_t n,
                            const std::function<int(size_t)>& step);
  bool RollBack();
  // Runs `row` on each row of SelectAllSql(t); SQLITE_OK or the error.
  int StepRows(const TableSchema& t,
               const std::function<void(sqlite3_stmt*)>& row);
  // One read transaction: table(i) for every schema table until one fails,
  // then PRAGMA quick_check into *check (Dump and DumpDigest).
  DriverReply ReadAll(const std::function<int(size_t)>& table,
                      std::string* check);
  int CloseDb();

  sqlite3* db_ = nullptr;
  Schema schema_;
  std::map<std::string, sqlite3_stmt*> stmts_;
  std::unique_ptr<SqliteTxn> txn_;  // `txn` on db_, through this backend
  std::string error_;  // message of the last failure
};

int SqliteBackend::Fail(int rc, const std::string& context) {
  error_ = std::string(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) +
           " (code " + std::to_string(rc) + ", during " + context + ")";
  return rc;
}

int SqliteBackend::Exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? rc : Fail(rc, sql);
}

sqlite3_stmt* SqliteBackend::Prepared(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1,
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    Fail(rc, "prepare " + sql);
    sqlite3_finalize(stmt);
    return nullptr;
  }
  stmts_[sql] = stmt;
  return stmt;
}

int SqliteBackend::CloseDb() {
  txn_.reset();
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  stmts_.clear();
  int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) {
    Fail(rc, "close");
    sqlite3_close_v2(db_);  // let go of it anyway; it closes when it can
  }
  db_ = nullptr;
  return rc;
}

DriverReply SqliteBackend::FailOpen() {
  const std::string msg = error_;
  CloseDb();
  Log("open failed: " + msg);
  return DriverReply::Error("open", msg);
}

int SqliteBackend::CreateTables() {
  int rc = Exec("BEGIN IMMEDIATE");
  for (const std::string& sql : CreateTableStatements(schema_)) {
    if (rc == SQLITE_OK) rc = Exec(sql);
  }
  if (rc != SQLITE_OK) {
    RollBack();
    return rc;
  }
  return Exec("COMMIT");
}

// Reads the driver's settings; an error reply names what is allowed.
// wal_autocheckpoint: pages, 0 (never) to 1000000.
bool IsCheckpointPages(const std::string& v) {
  return !v.empty() && v.size() <= 7 &&
         v.find_first_not_of("0123456789") == std::string::npos &&
         std::stoul(v) <= 1000000;
}

DriverReply ParseSettings(const std::map<std::string, std::string>& settings,
                          std::string* journal, std::string* sync,
                          std::string* checkpoint) {
  for (const auto& [k, v] : settings) {
    if (k == "wal_autocheckpoint") {
      if (!IsCheckpointPages(v)) {
        return DriverReply::Error("settings",
                                  "wal_autocheckpoint=" + v +
                                      " not allowed; allowed: pages, 0 to "
                                      "1000000 (0: never)");
      }
      *checkpoint = v;
      continue;
    }
    const bool is_journal = k == "journal_mode";
    if (!is_journal && k != "synchronous") {
      return DriverReply::Error("settings", "unknown setting '" + k +
                                                "'; settings: journal_mode, "
                                                "synchronous, "
                                                "wal_autocheckpoint");
    }
    const auto& allowed = is_journal ? kJournalModes : kSyncModes;
    if (!Contains(allowed, v)) {
      return DriverReply::Error(
          "settings", k + "=" + v + " not allowed; allowed: " + Join(allowed));
    }
    *(is_journal ? journal : sync) = v;
  }
  return DriverReply::Ok();
}

// Reading the journal mode reads the header: a hot journal is rolled back
// here, and a file that is no database is refused here.
int SqliteBackend::SetJournalMode(const std::string& journal) {
  const std::string pragma = "PRAGMA journal_mode=" + journal;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, pragma.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  std::string mode;
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    mode = text ? reinterpret_cast<const char*>(text) : "";
    rc = SQLITE_OK;
  } else {
    Fail(rc, pragma);
  }
  sqlite3_finalize(stmt);
  if (rc == SQLITE_OK && mode != journal) {
    error_ = pragma + " left the database in journal mode '" + mode + "'";
    rc = SQLITE_ERROR;
  }
  return rc;
}

DriverReply SqliteBackend::Open(const OpenRequest& req) {
  std::string journal = "delete", sync = "full", checkpoint = "1000";
  DriverReply settings =
      ParseSettings(req.settings, &journal, &sync, &checkpoint);
  if (!settings.ok) return settings;
  struct stat st;
  if (::stat(req.dir.c_str(), &st) != 0) {
    return DriverReply::Error("io", req.dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return DriverReply::Error("io", req.dir + ": not a directory");
  }
  schema_ = req.schema;
  const std::string path = req.dir + "/" + kDbFile;
  // NOMUTEX: this process's one thread is the connection's only user.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE |
                    SQLITE_OPEN_NOMUTEX | (req.create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Fail(rc, "open " + path);
    return FailOpen();
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (SetJournalMode(journal) != SQLITE_OK ||
      Exec("PRAGMA synchronous=" + sync) != SQLITE_OK ||
      Exec("PRAGMA wal_autocheckpoint=" + checkpoint) != SQLITE_OK ||
      (req.create && CreateTables() != SQLITE_OK) ||
      // The first real read: WAL recovery and schema parsing happen here.
      Exec("SELECT count(*) FROM sqlite_master") != SQLITE_OK) {
    return FailOpen();
  }
  Log("opened " + path + " (journal_mode=" + journal + ", synchronous=" + sync +
      (req.create ? ", created" : "") + ")");
  return DriverReply::Ok();
}

// Runs one checked mutation; returns SQLITE_DONE or an error (error_ set).
int SqliteBackend::Run(const Mutation& m) {
  const TableSchema& t = *schema_.Find(m.table);
  const std::string sql = MutationSql(t, m);
  if (sql.empty()) return SQLITE_DONE;
  sqlite3_stmt* stmt = Prepared(sql);
  if (!stmt) return SQLITE_ERROR;
  BindMutation(stmt, t, m);
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) Fail(rc, sql);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return rc;
}

// Ends the open transaction, if any; true when nothing of it is left.
bool SqliteBackend::RollBack() {
  if (sqlite3_get_autocommit(db_)) return true;  // SQLite already did
  const std::string saved = error_;
  const bool ok =
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) Log("ROLLBACK failed: " + std::string(sqlite3_errmsg(db_)));
  error_ = saved;
  return ok;
}

// One transaction: BEGIN IMMEDIATE, `step(i)` for i < n until one fails,
// COMMIT; the reply says whether a failure is definite (see the header).
DriverReply SqliteBackend::InTransaction(
    const ApplyRequest& req, size_t n, const std::function<int(size_t)>& step) {
  int rc = Exec("BEGIN IMMEDIATE");
  for (size_t i = 0; rc == SQLITE_OK && i < n; ++i) {
    rc = step(i);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) {
    const bool definite = RollBack();
    return DriverReply::ApplyError(KindOf(rc), error_, definite);
  }
  rc = Exec("COMMIT");
  if (rc != SQLITE_OK) {
    const bool busy = (rc & 0xff) == SQLITE_BUSY;
    const bool rolled_back = RollBack();
    Log("COMMIT of op " + req.id.dump() + " failed: " + error_);
    return DriverReply::ApplyError(KindOf(rc), error_, busy && rolled_back);
  }
  return DriverReply::Ok();
}

DriverReply SqliteBackend::ApplySchemaChanges(const ApplyRequest& req) {
  std::vector<std::string> statements;
  for (const SchemaChange& c : req.schema_changes) {
    auto sql = SchemaChangeSql(c, kSqliteDialect);
    if (!sql.ok()) {
      return DriverReply::ApplyError("protocol", sql.status().message(), true);
    }
    statements.insert(statements.end(), sql->begin(), sql->end());
  }
  // DDL invalidates cached statements; SQLite re-prepares them, but one
  // on a dropped table would fail: start the cache afresh.
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  stmts_.clear();
  return InTransaction(req, statements.size(),
                       [&](size_t i) { return Exec(statements[i]); });
}

DriverReply SqliteBackend::Apply(const ApplyRequest& req) {
  if (!req.schema_changes.empty()) return ApplySchemaChanges(req);
  for (const auto& m : req.mutations) {
    const std::string bad = CheckMutation(schema_, m);
    if (!bad.empty()) return DriverReply::ApplyError("protocol", bad, true);
  }
  return InTransaction(req, req.mutations.size(),
                       [&](size_t i) { return Run(req.mutations[i]); });
}

int SqliteBackend::StepRows(const TableSchema& t,
                            const std::function<void(sqlite3_stmt*)>& row) {
  const std::string sql = SelectAllSql(t);
  sqlite3_stmt* stmt = Prepared(sql);
  if (!stmt) return SQLITE_ERROR;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
  if (rc != SQLITE_DONE) Fail(rc, sql);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

DriverReply SqliteBackend::ReadAll(const std::function<int(size_t)>& table,
                                   std::string* check) {
  // One read transaction, so the rows and the check see the same state.
  int rc = Exec("BEGIN");
  for (size_t i = 0; rc == SQLITE_OK && i < schema_.tables.size(); ++i) {
    rc = table(i);
  }
  if (rc != SQLITE_OK) {
    RollBack();
    return DriverReply::Error(KindOf(rc), error_);
  }
  *check = SqliteQuickCheck(db_);
  if (!RollBack()) return DriverReply::Error("other", "cannot end the dump");
  return DriverReply::Ok();
}

DriverReply SqliteBackend::Dump() {
  json tables = json::object();
  std::string check;
  DriverReply read = ReadAll(
      [&](size_t i) {
        const TableSchema& t = schema_.tables[i];
        json& rows = tables[t.name] = json::array();
        if (t.name == kCatalogTable) {
          return ReadSqliteCatalog(db_, &rows, &error_);
        }
        return StepRows(t, [&](sqlite3_stmt* stmt) {
          rows.push_back(ReadSqlRow(stmt, t));
        });
      },
      &check);
  if (!read.ok) return read;
  return DriverReply::Ok({{"tables", std::move(tables)}, {"check", check}});
}

DigestDump SqliteBackend::DumpDigest() {
  for (const TableSchema& t : schema_.tables) {
    if (t.name == kCatalogTable) return DriverBackend::DumpDigest();
  }
  // Dump()'s read, hashed as it is read; the rows become JSON only if the
  // plain dump follows.
  using TableCells = std::vector<std::vector<SqlCell>>;
  auto cells = std::make_shared<std::vector<TableCells>>(schema_.tables.size());
  RowsDigest digest;
  std::string check;
  DriverReply read = ReadAll(
      [&](size_t i) {
        const TableSchema& t = schema_.tables[i];
        const std::vector<size_t> order = SqlFieldOrder(t);
        TableCells& rows = (*cells)[i];
        return StepRows(t, [&](sqlite3_stmt* stmt) {
          rows.emplace_back();
          ReadSqlCells(stmt, t, &rows.back());
          AddSqlCells(rows.back(), t, order, &digest);
        });
      },
      &check);
  if (!read.ok) return {std::move(read), nullptr};
  DigestDump out;
  out.reply = DriverReply::Ok(
      {{"digest", digest.Finish().ToHex()}, {"check", check}});
  // Called, if at all, before any other request: schema_ is unchanged.
  out.rows = [this, cells, check] {
    json tables = json::object();
    for (size_t i = 0; i < schema_.tables.size(); ++i) {
      json& rows = tables[schema_.tables[i].name] = json::array();
      for (auto& row : (*cells)[i]) {
        rows.push_back(SqlCellsJson(std::move(row), schema_.tables[i]));
      }
    }
    return DriverReply::Ok({{"tables", std::move(tables)}, {"check", check}});
  };
  return out;
}

DriverReply SqliteBackend::Close() {
  const int rc = CloseDb();
  if (rc != SQLITE_OK) return DriverReply::Error(KindOf(rc), error_);
  return DriverReply::Ok();
}

}  // namespace
}  // namespace crashlab

int main() {
  sqlite3_config(SQLITE_CONFIG_LOG, crashlab::SqliteLog, nullptr);
  std::ios::sync_with_stdio(false);
  crashlab::SqliteBackend backend;
  return crashlab::RunDriverLoop(backend, std::cin, std::cout);
}
