// OrderPromise: what an engine promises about the order of what a crash
// loses, between "every acknowledged write survives" and "no promise".
//
//   prefix        the acknowledged operations that survive a crash are a
//                 prefix of the acknowledgement order: a crash loses only
//                 the most recent ones. The order is each client's own
//                 (per client) or every client's together (global).
//   sync-barrier  once a synced operation survives, every operation
//                 acknowledged before it was acknowledged survives too
//                 (LevelDB's "hybrid scheme"). Which operations are synced
//                 is read from the trace (harness/record/ack_order.h).
//   window_ops    lost operations lie within the last N acknowledged ones
//                 (LMDB MDB_NOMETASYNC: N = 1), alone or with a window in
//                 seconds (engines/engine.h, DurabilityClaim).
//
// Engines declare it in their DurabilityClaim; the order oracles
// (checkers/order_oracles.cc) check it. Plain values; thread-compatible.
#ifndef CRASHLAB_CORE_ORDER_PROMISE_H_
#define CRASHLAB_CORE_ORDER_PROMISE_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace crashlab {

enum class PrefixScope : uint8_t { kNone, kPerClient, kGlobal };
// "none", "per_client", "global".
const char* PrefixScopeName(PrefixScope s);
bool PrefixScopeFromName(const std::string& name, PrefixScope* s);

struct OrderPromise {
  PrefixScope prefix = PrefixScope::kNone;
  bool sync_barrier = false;
  uint64_t window_ops = 0;  // 0: no window counted in operations

  bool any() const {
    return prefix != PrefixScope::kNone || sync_barrier || window_ops > 0;
  }
  // "prefix (global) + sync-barrier + last 1 op", or "none".
  std::string ToString() const;
  bool operator==(const OrderPromise&) const = default;
};

// Parses a comma-separated list of promise words: "prefix" (global),
// "prefix-per-client", "sync-barrier", "window-ops:N". Every other word
// is an InvalidArgument naming what is allowed.
Result<OrderPromise> ParseOrderPromise(const std::string& list);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_ORDER_PROMISE_H_
