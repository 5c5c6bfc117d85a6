#include "engines/postgres/pg_client.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include "core/subprocess.h"

namespace crashlab {

namespace {

struct Keywords {
  std::vector<const char*> keys;
  std::vector<const char*> values;
};

Keywords ToKeywords(const PgConnParams& params) {
  Keywords k;
  for (const auto& [key, value] : params) {
    k.keys.push_back(key.c_str());
    k.values.push_back(value.c_str());
  }
  k.keys.push_back(nullptr);
  k.values.push_back(nullptr);
  return k;
}

// Waits for `events` on `fd` until `deadline_ms`; false on timeout.
bool WaitFd(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return false;
    pollfd p = {fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // let libpq see the error
  }
}

std::string Trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

bool PgConnection::Ping(const PgConnParams& params) {
  const Keywords k = ToKeywords(params);
  return PQpingParams(k.keys.data(), k.values.data(), 0) == PQPING_OK;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const PgConnParams& params, int timeout_ms) {
  const Keywords k = ToKeywords(params);
  PGconn* conn = PQconnectStartParams(k.keys.data(), k.values.data(), 0);
  if (conn == nullptr) return Status::Engine("libpq: out of memory");
  const int64_t deadline = MonotonicMs() + timeout_ms;
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (PQstatus(conn) != CONNECTION_BAD && poll != PGRES_POLLING_OK &&
         poll != PGRES_POLLING_FAILED) {
    const short events = poll == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (PQsocket(conn) >= 0 && !WaitFd(PQsocket(conn), events, deadline)) {
      PQfinish(conn);
      return Status::Timeout(
          "PostgreSQL did not complete a connection within " +
          std::to_string(timeout_ms) + " ms");
    }
    poll = PQconnectPoll(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::Engine("cannot connect to PostgreSQL: " + why);
  }
  if (PQsetnonblocking(conn, 1) != 0) {
    PQfinish(conn);
    return Status::Engine("libpq: cannot make the connection non-blocking");
  }
  // libpq prints the server's NOTICEs on stderr by default ("relation
  // already exists, skipping" for every reconnect of a crash run): they are
  // not errors, and crashlab's output is its report.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, timeout_ms));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::Lost(const std::string& doing) {
  broken_ = true;
  return Status::Engine("PostgreSQL connection lost during " + doing + ": " +
                        Trimmed(PQerrorMessage(conn_)));
}

Status PgConnection::AwaitResult(int64_t deadline_ms) {
  const int fd = PQsocket(conn_);
  // Send what libpq buffered (non-blocking mode), then read the reply.
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed < 0) return Status::Engine("flush");
    if (flushed == 0) break;
    if (!WaitFd(fd, POLLOUT | POLLIN, deadline_ms)) return Status::Timeout("");
    if (PQconsumeInput(conn_) == 0) return Status::Engine("read");
  }
  while (PQisBusy(conn_)) {
    if (!WaitFd(fd, POLLIN, deadline_ms)) return Status::Timeout("");
    if (PQconsumeInput(conn_) == 0) return Status::Engine("read");
  }
  return Status::Ok();
}

Result<PgRows> PgConnection::Exec(const std::string& sql,
                                  const std::vector<PgParam>& params) {
  sqlstate_.clear();
  if (broken_) return Status::Engine("PostgreSQL connection is broken");
  std::vector<const char*> values;
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                        nullptr, values.data(), nullptr, nullptr, 0) == 0) {
    return Lost(sql);
  }
  PgRows out;
  std::string error;
  for (;;) {
    Status waited = AwaitResult(MonotonicMs() + timeout_ms_);
    if (waited.code() == Code::kTimeout) {
      broken_ = true;
      return Status::Timeout("PostgreSQL did not answer within " +
                             std::to_string(timeout_ms_) + " ms: " + sql);
    }
    if (!waited.ok()) return Lost(sql);
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) break;
    const ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK) {
      for (int r = 0; r < PQntuples(res); ++r) {
        std::vector<std::optional<std::string>> row;
        for (int c = 0; c < PQnfields(res); ++c) {
          if (PQgetisnull(res, r, c)) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(
                std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
          }
        }
        out.rows.push_back(std::move(row));
      }
    } else if (st != PGRES_COMMAND_OK) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      if (state) sqlstate_ = state;
      error = Trimmed(PQresultErrorMessage(res));
    }
    out.command_status = PQcmdStatus(res);
    PQclear(res);
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    broken_ = true;
    return Status::Engine(
        "PostgreSQL connection lost during " + sql + ": " +
        (error.empty() ? Trimmed(PQerrorMessage(conn_)) : error));
  }
  if (!error.empty()) {
    return Status::Engine(error + (sqlstate_.empty()
                                       ? std::string()
                                       : " (SQLSTATE " + sqlstate_ + ")"));
  }
  return out;
}

}  // namespace crashlab
