// Synthetic list-append histories for tests and the benchmark.
//
// A seeded simulation of `processes` clients running transactions against an
// in-memory database, in Jepsen's append workload shape: each transaction
// has 1..max_txn_len mops, each a read or an append of a fresh value to one
// of `active_keys` keys; a key is retired (replaced by a new one) after
// `max_writes_per_key` appends, so lists stay short. Committed transactions
// take effect atomically at their completion, so the history is strict
// serializable by construction. Some transactions fail (no effect) or end
// info (effect or not, reads unknown), as in real runs.
//
// Anomalies on demand: `stale_per_mille` transactions read from the snapshot
// taken at their invocation but append at completion (snapshot-isolation-
// like behaviour without first-committer-wins), which yields lost updates,
// G-single and G2 cycles; `leaked_fail_per_mille` failed transactions take
// effect anyway, so whoever reads their appends reads aborted state (G1a).
//
// All randomness comes from one Rng seeded with `seed`; the same options
// give the same history. Pure function; thread-safe.
#ifndef CRASHLAB_CHECKERS_ISOLATION_SYNTHETIC_H_
#define CRASHLAB_CHECKERS_ISOLATION_SYNTHETIC_H_

#include <cstdint>

#include "checkers/isolation/txn_history.h"

namespace crashlab {

struct SyntheticOptions {
  uint64_t txns = 10000;
  uint64_t seed = 1;
  uint32_t processes = 5;
  uint32_t active_keys = 8;
  uint32_t max_writes_per_key = 32;
  uint32_t max_txn_len = 4;
  uint32_t fail_per_mille = 5;
  uint32_t info_per_mille = 5;
  uint32_t stale_per_mille = 0;
  uint32_t leaked_fail_per_mille = 0;
};

TxnHistory GenerateAppendHistory(const SyntheticOptions& o);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_SYNTHETIC_H_
