// Applying a LogicalOp to PostgreSQL, creating the schema, reading every
// row back, over a PgConnection (statements: pg_sql.h).
//
// Apply: BEGIN (at default_transaction_isolation), one statement per
// mutation, COMMIT. Outcomes:
//   COMMIT answered "COMMIT"                          kOk
//   a statement failed (unique_violation,            kFail: ROLLBACK; COMMIT
//   serialization_failure, deadlock, ...)            was never sent
//   COMMIT answered "ROLLBACK", or failed with       kFail: the server
//   class 40 (serialization, deadlock) or 23          rolled back
//   (a deferred constraint)
//   COMMIT failed otherwise, the connection was       kInfo: it may have
//   lost or timed out (anywhere: the runner must      committed
//   stop on a dead server)
// Dump: one REPEATABLE READ READ ONLY transaction, every table in key
// byte order; every schema table is present in the result.
//
// Thread-safety: as the PgConnection given.
#ifndef CRASHLAB_ENGINES_POSTGRES_PG_OPS_H_
#define CRASHLAB_ENGINES_POSTGRES_PG_OPS_H_

#include "core/data_model.h"
#include "engines/engine.h"
#include "engines/postgres/pg_client.h"

namespace crashlab {

ApplyResult ApplyPgOp(PgConnection& conn, const Schema& schema,
                      const LogicalOp& op);

// CREATE TABLE for every table, in one transaction.
Status CreatePgSchema(PgConnection& conn, const Schema& schema);

Result<Rows> DumpPgRows(PgConnection& conn, const Schema& schema);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_PG_OPS_H_
