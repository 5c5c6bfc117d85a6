// Transactions with reads on PostgreSQL, for the isolation workloads
// (engines/engine.h TxnRequest): Elle's list-append and rw-register.
//
// Tables (created on first use, IF NOT EXISTS, outside any crash):
//   lists(k integer PRIMARY KEY, v text)       a list is its elements in
//                                              decimal, space-separated
//   registers(k integer PRIMARY KEY, v bigint)
// Micro-operations, each one statement inside
// BEGIN ISOLATION LEVEL <the `isolation` setting> ... COMMIT:
//   append k x  INSERT INTO lists (k, v) VALUES ($1, $2)
//               ON CONFLICT (k) DO UPDATE SET v = lists.v || ' ' || $2
//   write k x   INSERT INTO registers (k, v) VALUES ($1, $2)
//               ON CONFLICT (k) DO UPDATE SET v = $2
//   read k      SELECT v FROM lists|registers WHERE k = $1  (no row: nil)
// Outcomes follow ApplyPgOp (pg_ops.h): any statement error before COMMIT
// (serialization_failure 40001, deadlock 40P01, ...) is rolled back and
// definite (kFail); COMMIT failing with class 40 or answering ROLLBACK is
// kFail; a lost connection or any other COMMIT error is kInfo.
//
// Thread-safety: a PgTxnClient owns its connection and is used from one
// thread; clients on different connections run concurrently.
#ifndef CRASHLAB_ENGINES_POSTGRES_PG_TXN_H_
#define CRASHLAB_ENGINES_POSTGRES_PG_TXN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/postgres/pg_client.h"
#include "engines/postgres/pg_sql.h"

namespace crashlab {

// The SQL name of an `isolation` setting value: "read-committed" and
// "read committed" both give "read committed".
std::string PgIsolationLevel(const std::string& setting);

// CREATE TABLE IF NOT EXISTS for the table of `workload`.
Status CreatePgTxnTable(PgConnection& conn, TxnWorkload workload);

// The statement for one mop (pure; exposed for tests).
PgStatement PgTxnMopSql(TxnWorkload workload, const TxnMop& mop);

// A list as stored ("1 2 3") back to its elements; nullopt when it is not
// a space-separated list of integers.
std::optional<std::vector<int64_t>> ParsePgList(const std::string& text);

class PgTxnClient : public TxnClient {
 public:
  PgTxnClient(std::unique_ptr<PgConnection> conn, std::string isolation)
      : conn_(std::move(conn)), isolation_(PgIsolationLevel(isolation)) {}
  TxnResult Transact(const TxnRequest& request) override;

 private:
  std::unique_ptr<PgConnection> conn_;
  std::string isolation_;  // SQL name
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_PG_TXN_H_
