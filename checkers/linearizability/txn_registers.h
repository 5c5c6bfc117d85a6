// Every key of an rw-register history (checkers/isolation/txn_history.h)
// checked as a linearizable register (register.h).
//
// Each micro-operation of an ok or info transaction is one register
// operation spanning its transaction's history positions: a mop takes
// effect somewhere inside its transaction, so the wider interval is sound
// (it can hide a violation, never invent one). Meant for engines whose
// single statements are the unit of atomicity (Skytable): there, every
// statement on one row must be linearizable even though a transaction of
// several statements is not atomic. Failed transactions did not happen
// and are left out; an info transaction's reads are unknown.
//
// Pure function; thread-safe.
#ifndef CRASHLAB_CHECKERS_LINEARIZABILITY_TXN_REGISTERS_H_
#define CRASHLAB_CHECKERS_LINEARIZABILITY_TXN_REGISTERS_H_

#include <string>
#include <vector>

#include "checkers/isolation/txn_history.h"
#include "checkers/linearizability/register.h"

namespace crashlab::linearizability {

struct KeyViolation {
  std::string key;  // the key as text
  Violation violation;  // operation ids are transaction ids (invocation order)
};

struct RegistersResult {
  size_t keys = 0, ops = 0;
  std::vector<KeyViolation> violations;
  bool linearizable() const { return violations.empty(); }
};

// Checks every key of `history` (rw-register mops only; appends and list
// reads are ignored).
RegistersResult CheckRegisters(const TxnHistory& history);

}  // namespace crashlab::linearizability

#endif  // CRASHLAB_CHECKERS_LINEARIZABILITY_TXN_REGISTERS_H_
