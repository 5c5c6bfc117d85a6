#include "engines/postgres/pg_txn.h"

#include <charconv>

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;

const char* TableOf(TxnWorkload w) {
  return w == TxnWorkload::kListAppend ? "lists" : "registers";
}

bool SqlstateClass(const std::string& state, const char* cls) {
  return state.size() == 5 && state.compare(0, 2, cls) == 0;
}

TxnResult Ended(Outcome outcome, std::string error) {
  TxnResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

}  // namespace

std::string PgIsolationLevel(const std::string& setting) {
  std::string s = setting;
  for (char& c : s) {
    if (c == '-') c = ' ';
  }
  return s;
}

Status CreatePgTxnTable(PgConnection& conn, TxnWorkload workload) {
  const std::string sql = std::string("CREATE TABLE IF NOT EXISTS ") +
                          TableOf(workload) +
                          (workload == TxnWorkload::kListAppend
                               ? " (k integer PRIMARY KEY, v text)"
                               : " (k integer PRIMARY KEY, v bigint)");
  return conn.Exec(sql).status().Annotate(std::string("creating table ") +
                                          TableOf(workload));
}

PgStatement PgTxnMopSql(TxnWorkload workload, const TxnMop& mop) {
  PgStatement st;
  st.params.push_back(std::to_string(mop.key));
  switch (mop.fn) {
    case TxnMop::Fn::kRead:
      st.sql =
          std::string("SELECT v FROM ") + TableOf(workload) + " WHERE k = $1";
      return st;
    case TxnMop::Fn::kAppend:
      st.sql =
          "INSERT INTO lists (k, v) VALUES ($1, $2) ON CONFLICT (k) "
          "DO UPDATE SET v = lists.v || ' ' || $2";
      break;
    case TxnMop::Fn::kWrite:
      st.sql =
          "INSERT INTO registers (k, v) VALUES ($1, $2) ON CONFLICT (k) "
          "DO UPDATE SET v = $2";
      break;
  }
  st.params.push_back(std::to_string(mop.value));
  return st;
}

std::optional<std::vector<int64_t>> ParsePgList(const std::string& text) {
  std::vector<int64_t> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    int64_t v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || (next < end && *next != ' ')) return std::nullopt;
    out.push_back(v);
    p = next;
  }
  return out;
}

TxnResult PgTxnClient::Transact(const TxnRequest& request) {
  PgConnection& conn = *conn_;
  if (conn.broken()) {
    return Ended(Outcome::kInfo, "the PostgreSQL connection was lost earlier");
  }
  // A statement before COMMIT failed: the server rolls the whole txn back.
  auto roll_back = [&conn](const Status& why) {
    if (conn.broken()) return Ended(Outcome::kInfo, why.message());
    auto rolled = conn.Exec("ROLLBACK");
    if (!rolled.ok()) {
      return Ended(Outcome::kInfo,
                   why.message() + "; ROLLBACK: " + rolled.status().message());
    }
    return Ended(Outcome::kFail, why.message());
  };
  auto begun = conn.Exec("BEGIN ISOLATION LEVEL " + isolation_);
  if (!begun.ok()) return roll_back(begun.status());
  TxnResult r;
  for (const TxnMop& mop : request.mops) {
    const PgStatement st = PgTxnMopSql(request.workload, mop);
    auto done = conn.Exec(st.sql, st.params);
    if (!done.ok()) return roll_back(done.status());
    if (mop.fn != TxnMop::Fn::kRead) {
      r.reads.emplace_back();
      continue;
    }
    if (done->rows.empty() || !done->rows[0][0].has_value()) {
      r.reads.emplace_back();
      continue;
    }
    auto list = ParsePgList(*done->rows[0][0]);
    if (!list ||
        (request.workload == TxnWorkload::kRwRegister && list->size() != 1)) {
      return roll_back(Status::Engine("key " + std::to_string(mop.key) +
                                      " holds a value that is not a " +
                                      TxnWorkloadName(request.workload) +
                                      " value: '" + *done->rows[0][0] + "'"));
    }
    r.reads.push_back(std::move(*list));
  }
  auto committed = conn.Exec("COMMIT");
  if (committed.ok()) {
    if (committed->command_status == "COMMIT") return r;
    return Ended(Outcome::kFail,
                 "COMMIT answered " + committed->command_status);
  }
  const std::string why = "COMMIT: " + committed.status().message();
  if (!conn.broken() && SqlstateClass(conn.sqlstate(), "40")) {
    return Ended(Outcome::kFail, why);
  }
  return Ended(Outcome::kInfo, why);
}

}  // namespace crashlab
