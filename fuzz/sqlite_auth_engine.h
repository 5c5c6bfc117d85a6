// SqliteAuthEngine: the auth schema in the system's libsqlite3, running on
// SimFs through SqliteVfs, for crash cycles (fuzz/auth_cycle.h).
//
// The SQL is a compact equivalent of engines/sqlite/sqlite_driver.cc (the
// driver process crashlab runs against real disks): each table a rowid
// table with a TEXT PRIMARY KEY, int and bool columns INTEGER (bools 0/1);
// one LogicalOp = BEGIN IMMEDIATE, one statement per mutation, COMMIT; a
// failure before COMMIT is rolled back (definite), a failed COMMIT is
// unknown. Open ends with a read of sqlite_master, where hot-journal
// rollback and WAL recovery happen; Dump reads every table and PRAGMA
// quick_check in one read transaction.
//
// WAL runs in `PRAGMA locking_mode=EXCLUSIVE` (the VFS has no shared
// memory; see sqlite_vfs.h); the rollback modes keep the normal locking
// mode, because exclusive mode changes how SQLite ends a transaction
// (DELETE mode would zero the journal header instead of deleting it).
//
// SQLite's PRNG (journal nonces, WAL salts) is process-wide and seeded
// only from the default VFS; Open reseeds it with `prng_seed` through
// SQLITE_TESTCTRL_PRNG_SEED, so a cycle is reproducible. Give each engine
// instance (each simulated process) a different seed: real salts differ
// between processes, and equal ones would make stale WAL frames look new.
//
// Ownership: owns its connection and VFS; the SimFs passed to Open is
// borrowed until Close. Thread-safety: none.
#ifndef CRASHLAB_FUZZ_SQLITE_AUTH_ENGINE_H_
#define CRASHLAB_FUZZ_SQLITE_AUTH_ENGINE_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/data_model.h"
#include "fuzz/auth_cycle.h"
#include "fuzz/simfs/sqlite_vfs.h"

namespace crashlab {

struct SqliteSettings {
  std::string journal_mode = "wal";  // delete | truncate | persist | wal
  std::string synchronous = "full";  // off | normal | full | extra
  std::string ToString() const {
    return "journal_mode=" + journal_mode + " synchronous=" + synchronous;
  }
};
const std::vector<std::string>& SqliteJournalModes();
const std::vector<std::string>& SqliteSyncModes();
// InvalidArgument naming the allowed values when a setting is unknown.
Status ValidateSqliteSettings(const SqliteSettings& s);

class SqliteAuthEngine final : public AuthEngine {
 public:
  SqliteAuthEngine(SqliteSettings settings,
                    std::shared_ptr<const Schema> schema, uint64_t prng_seed,
                   SqliteVfs::Options vfs = {});
  ~SqliteAuthEngine() override;

  Status Open(SimFs& fs, bool create) override;
  ApplyResult Apply(const LogicalOp& op) override;
  Status Dump(Rows* rows, std::string* check) override;
  void Close() override;

  const SqliteVfs* vfs() const { return vfs_.get(); }

 private:
  // The engine's words for `rc`, with what we were doing.
  std::string Error(int rc, const std::string& context) const;
  int Exec(const std::string& sql, std::string* error);
  // The connection's statement for `sql`, prepared on first use. `sql`
  // must outlive the connection's statements: a literal, or text from the
  // per-thread shape cache (sqlite_auth_engine.cc).
  sqlite3_stmt* Prepared(std::string_view sql, std::string* error);
  // Runs `sql` (no result rows wanted) as a prepared statement kept for
  // the connection's life: transaction control runs once or twice per op,
  // and sqlite3_exec would parse it each time. SQLITE_OK or the error.
  int Step(std::string_view sql, std::string* error);
  // The prepared statement of m's shape (MutationSql): its text comes
  // from the per-thread shape cache, so no SQL is built per mutation (nor
  // per connection). nullptr (and *error) when it does not prepare.
  sqlite3_stmt* MutationStmt(const TableSchema& t, const Mutation& m,
                             std::string* error);
  int Run(const Mutation& m, std::string* error);
  int ReadTable(const TableSchema& t, Rows* rows, std::string* error);
  Status Configure(bool create);

  SqliteSettings settings_;
  std::shared_ptr<const Schema> schema_;
  uint64_t prng_seed_;
  SqliteVfs::Options vfs_options_;
  std::unique_ptr<SqliteVfs> vfs_;
  sqlite3* db_ = nullptr;
  // Owns every statement, by its SQL text (see Prepared).
  std::vector<std::pair<std::string_view, sqlite3_stmt*>> stmts_;
};

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SQLITE_AUTH_ENGINE_H_
