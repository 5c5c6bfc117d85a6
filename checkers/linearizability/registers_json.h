// The `registers` part of a transactional run's isolation section: every
// key of an rw-register history checked as a linearizable register
// (txn_registers.h), plus reads the engine itself flagged as torn (a row
// read whose columns came from different writes: an `info` completion whose
// error starts with kTornReadError, core/history.h).
#ifndef CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTERS_JSON_H_
#define CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTERS_JSON_H_

#include <nlohmann/json.hpp>

#include "checkers/isolation/txn_history.h"
#include "core/history.h"

namespace crashlab::linearizability {

// {"linearizable": bool, "keys", "ops", "violations", "by_kind": {...},
//  "examples": [{"key", "kind", "ops", "explanation"}, ...] (at most
//  `max_examples`), "torn_reads": n, "torn_examples": [error, ...]}.
nlohmann::json RegistersSection(const TxnHistory& txns, const History& events,
                                size_t max_examples = 8);

}  // namespace crashlab::linearizability

#endif  // CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTERS_JSON_H_
