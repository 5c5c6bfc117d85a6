// PgConnection: one libpq connection with a deadline on every call.
//
// libpq's blocking calls can wait forever on a hung server, so connecting
// and every statement use the asynchronous API and poll(2) with a timeout.
// Parameters travel in text format, separately from the SQL (no quoting).
//
// Failures: a server error keeps the connection usable and leaves its
// SQLSTATE in sqlstate() (e.g. "23505" unique_violation, "40001"
// serialization_failure). A lost connection or a timeout breaks it for
// good (broken()); sqlstate() is then "" unless the server said why before
// closing (e.g. "57P01" admin_shutdown). Messages are the server's own.
//
// Ownership: owns the PGconn. Not thread-safe.
#ifndef CRASHLAB_ENGINES_POSTGRES_PG_CLIENT_H_
#define CRASHLAB_ENGINES_POSTGRES_PG_CLIENT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engines/postgres/pg_sql.h"

struct pg_conn;

namespace crashlab {

// Connection keywords (host, port, user, password, dbname, ...): kept in
// memory only, never in a command line or the environment.
using PgConnParams = std::map<std::string, std::string>;

struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string command_status;  // "COMMIT", "ROLLBACK", "UPDATE 1", ...
};

class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> Connect(
      const PgConnParams& params, int timeout_ms);
  // True when the server accepts connections now (PQping).
  static bool Ping(const PgConnParams& params);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement; the rows of its result.
  Result<PgRows> Exec(const std::string& sql,
                      const std::vector<PgParam>& params = {});

  bool broken() const { return broken_; }
  const std::string& sqlstate() const { return sqlstate_; }
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  PgConnection(pg_conn* conn, int timeout_ms)
      : conn_(conn), timeout_ms_(timeout_ms) {}
  // Waits until libpq has the whole result or the deadline passes.
  Status AwaitResult(int64_t deadline_ms);
  Status Lost(const std::string& doing);

  pg_conn* conn_;
  int timeout_ms_;
  bool broken_ = false;
  std::string sqlstate_;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_PG_CLIENT_H_
