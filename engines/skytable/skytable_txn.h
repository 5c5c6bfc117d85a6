// Transactions with reads on Skytable 0.8, for the isolation workloads
// (workloads/txn_runner.h): what an application without transactions gets
// when it runs a multi-statement operation on skyd.
//
// Storage (created on first use, in space `txn`):
//   txn.registers(k: uint64, null v1: sint64, null v2: sint64, null v3: sint64)
//   txn.lists(k: uint64, l: list { type: sint64 })
// A register write sets all three columns to the value in ONE statement
// (`update ... set v1 = ?, v2 = ?, v3 = ?`; `insert` when the row is new);
// a read selects all three. Skytable's row lock should make that read
// all-new or all-old; a read whose three columns differ is a torn read: the
// transaction ends `info` with an error starting kTornReadError
// (core/history.h), which the run's register check counts.
// An append is `update txn.lists set l += ? where k = ?` (with an `insert`
// of an empty list first when the row is new); a list read selects `l`.
//
// Skytable has no multi-statement transactions: a TxnRequest's mops run as
// separate statements, each applied and acknowledged on its own. Outcome:
// kOk when every statement was; kFail when the first mop's first statement
// was refused (nothing applied); kInfo otherwise (what ran before the
// failure stays applied).
//
// Thread-safety: one TxnClient per thread (one connection each).
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TXN_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TXN_H_

#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/skytable/skytable_engine.h"

namespace crashlab {

// `create space if not exists txn` and both models, idempotent.
Status CreateSkytableTxnStorage(const StatementSender& send);

// A client over `send` (normally one live connection).
std::unique_ptr<TxnClient> MakeSkytableTxnClient(StatementSender send);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TXN_H_
