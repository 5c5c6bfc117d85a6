// Transactions with reads in crashlab-driver-sqlite: the `txn` command of
// engines/PROTOCOL.md (Elle's list-append and rw-register).
//
// Tables, created on first use in the driver's database (auth.db):
//   lists(k INTEGER PRIMARY KEY, v TEXT)   elements in decimal, space-separated
//   registers(k INTEGER PRIMARY KEY, v INTEGER)
// Micro-operations, one statement each:
//   append k x  INSERT INTO lists (k, v) VALUES (?1, ?2)
//               ON CONFLICT (k) DO UPDATE SET v = v || ' ' || excluded.v
//   write k x   INSERT INTO registers (k, v) VALUES (?1, ?2)
//               ON CONFLICT (k) DO UPDATE SET v = excluded.v
//   read k      SELECT v FROM lists|registers WHERE k = ?1 (no row: null)
// A transaction that writes starts with BEGIN IMMEDIATE (the write lock up
// front, as SQLite advises for writers, so it never fails to upgrade a read
// lock half-way); a read-only one with BEGIN (DEFERRED), so readers run
// alongside the writer. SQLite transactions are serializable either way.
// Several driver processes, one per client, share the database file and
// its locks (busy timeout: the driver's). A failure before COMMIT is rolled
// back and definite; a failed COMMIT is definite only for SQLITE_BUSY after
// a successful ROLLBACK, as `apply`.
//
// The connection, its statement cache and its error message belong to the
// driver's backend (sqlite_driver.cc); SqliteTxn borrows them through
// SqliteConn. Thread-safety: one SqliteTxn per connection, one thread.
#ifndef CRASHLAB_ENGINES_SQLITE_SQLITE_TXN_H_
#define CRASHLAB_ENGINES_SQLITE_SQLITE_TXN_H_

#include <sqlite3.h>

#include <functional>
#include <string>

#include "engines/driver_main.h"

namespace crashlab {

// What SqliteTxn borrows from the backend.
struct SqliteConn {
  sqlite3* db = nullptr;
  // Runs SQL; SQLITE_OK or the code, with the message left for `error`.
  std::function<int(const std::string& sql)> exec;
  // A cached prepared statement, or nullptr (message left for `error`).
  std::function<sqlite3_stmt*(const std::string& sql)> prepared;
  // Records the engine's message for a failed step; returns the code.
  std::function<int(int rc, const std::string& context)> fail;
  std::function<std::string()> error;
  // Ends the open transaction, if any; true when nothing of it is left.
  std::function<bool()> roll_back;
};

class SqliteTxn {
 public:
  explicit SqliteTxn(SqliteConn conn) : c_(std::move(conn)) {}

  DriverReply Run(const TxnOpRequest& req);

 private:
  // Runs one mop; *read is its value (null: none).
  int Step(bool list_append, const TxnOpRequest::Mop& mop,
           nlohmann::json* read);

  SqliteConn c_;
  bool tables_ = false;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SQLITE_SQLITE_TXN_H_
