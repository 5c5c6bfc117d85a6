// Checkers: compare what survived a crash with what clients were told.
//
// Input: the operations of a run (with the effects the workload expected),
// each one's status at the crash point (acknowledged, in flight, failed, not
// yet invoked), the rows before the run, and what recovery observed.
// Output: findings. Checkers know nothing of engines, traces or FUSE; the
// same input always gives the same findings.
//
// Oracles (ARCHITECTURE.md, "Oracles"):
//   recovery_failure  the engine could not start on a reachable crash state;
//   lost_commit       an acknowledged operation's write is not there and no
//                     later operation overwrote it;
//   atomicity         part of an operation is there and part is not (in
//                     flight operations may go either way, atomically);
//   corruption        a value no operation wrote, a failed operation's write,
//                     an engine-reported consistency error, or an error
//                     reading the data back;
//   loss_window_exceeded  (bounded loss) where the engine promises to lose
//                     at most its last W seconds of acknowledged writes, a
//                     lost operation was acknowledged more than W seconds
//                     before the crash;
//   invariant         the workload's own rules broken (auth: lockout,
//                     session counters, reset tokens; auth_invariants.h);
//   torn_header       the engine started silently (data missing or changed)
//                     on a file whose header was torn or corrupt
//                     (formats/torn_header.h);
//   order_violation   (order, where the engine promises a prefix) an
//                     acknowledged operation is lost while one acknowledged
//                     after it (by the same client, for a per-client
//                     prefix) survived;
//   barrier_violation (sync-barrier) an acknowledged operation is lost while
//                     a synced operation acknowledged after it survived.
// The order oracles and the loss shape are in order_oracles.cc; they need
// the run's acknowledgement order (CheckInput::order).
#ifndef CRASHLAB_CHECKERS_CHECK_H_
#define CRASHLAB_CHECKERS_CHECK_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/order_promise.h"

namespace crashlab {

class CheckIndex;  // checkers/check_index.h

enum class FindingKind : uint8_t {
  kLostCommit,
  kAtomicity,
  kCorruption,
  kRecoveryFailure,
  kLossWindowExceeded,
  kInvariant,
  kTornHeader,
  kOrderViolation,
  kBarrierViolation,
};
constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::kLostCommit,         FindingKind::kAtomicity,
    FindingKind::kCorruption,         FindingKind::kRecoveryFailure,
    FindingKind::kLossWindowExceeded, FindingKind::kInvariant,
    FindingKind::kTornHeader,         FindingKind::kOrderViolation,
    FindingKind::kBarrierViolation};
const char* FindingKindName(FindingKind k);
// The kind FindingKindName names; false for any other name.
bool FindingKindFromName(const std::string& name, FindingKind* kind);

struct CellReport {
  Cell cell;
  nlohmann::json expected;  // what the operation wrote (or a later one)
  nlohmann::json observed;  // what recovery read back
};

struct Finding {
  FindingKind kind = FindingKind::kCorruption;
  std::string summary;            // one line for people
  std::vector<uint64_t> ops;      // ids of the operations involved
  std::vector<CellReport> cells;  // the evidence
  std::string message;            // the engine's own words, if any

  // Findings with equal keys in different crash states are the same
  // finding seen again. An order or barrier violation is keyed by the lost
  // operation alone (ops[0]): which later one survived varies by state.
  std::string Key() const;
};

// An operation's standing at the crash point.
enum class OpStatus : uint8_t {
  kAcked,       // acknowledged before the crash: must survive
  kInFlight,    // invoked, not answered (or answered "unknown"): either way
  kFailed,      // the engine said it did not happen: must not be visible
  kNotInvoked,  // issued after the crash point: cannot have written anything
};
const char* OpStatusName(OpStatus s);

// What recovery gave, in engine-neutral terms.
struct Observation {
  enum class Outcome : uint8_t { kOk, kRefused, kReadFailed, kHung, kCrashed };
  Outcome outcome = Outcome::kOk;
  std::string message;
  Rows rows;
  std::string engine_check = "ok";
};

// The order in which a run's operations were acknowledged, and which were
// synced: made once per run (or live round) from its trace
// (harness/record/ack_order.h). Indices are into CheckInput::ops.
//
// An operation is *synced* when the engine made its write durable before
// acknowledging it: between the operation's invoke and acknowledgement
// marks, one thread wrote to a file and then fsynced or fdatasynced that
// file (a real barrier, not a lying fsync), or changed a directory and
// fsynced it. LevelDB's WriteOptions.sync writes are synced, and so is
// every commit of SQLite with synchronous=full; Redis' everysec fsync,
// done by a background thread, makes no operation synced.
struct AckOrder {
  static constexpr uint32_t kNever = UINT32_MAX;
  std::vector<uint32_t> by_ack;  // acknowledged ops, in acknowledgement order
  std::vector<uint32_t> rank;    // parallel to ops: place in by_ack, or kNever
  std::vector<uint8_t> synced;   // parallel to ops: 1 = synced
  std::vector<uint64_t> ack_ns;  // parallel to ops: acknowledgement time on
                                 // the trace's clock (0: never)
};

// What one crash state lost, in acknowledgement order (CheckState's loss
// shape): `lost` of the `acked` operations are provably gone; `holes` of
// those were acknowledged before an operation that survived.
struct LossStats {
  uint64_t acked = 0;
  uint64_t lost = 0;
  uint64_t holes = 0;
  // Acknowledged operations from the oldest lost one to the crash, it
  // included (0: none lost), and seconds from its acknowledgement to the
  // crash (-1: none lost, or no clock).
  uint64_t span_ops = 0;
  double oldest_lost_s = -1;
};

struct CheckInput {
  const Schema& schema;
  const std::vector<LogicalOp>& ops;
  const std::vector<OpStatus>& status;  // parallel to ops
  const Rows& base;                     // rows before the first operation
  const Observation& observed;
  // Bounded loss: seconds between each operation's acknowledgement and the
  // crash (parallel to ops; ignored for unacknowledged ones), and the loss
  // window the engine promises (< 0: no window promised).
  const std::vector<double>* ack_age_s = nullptr;
  double loss_window_s = -1;
  // The index of `ops` (check_index.h), made once by a caller that checks
  // many states of one run; nullptr: CheckState makes one for this state.
  const CheckIndex* index = nullptr;
  // Order: the run's acknowledgement order (nullptr: no order oracles and
  // no loss shape), what the engine promises about it, and when the crash
  // came on the AckOrder's clock (0: unknown).
  const AckOrder* order = nullptr;
  OrderPromise promise;
  uint64_t crash_ns = 0;
  // The engine writes rows whole (Engine::writes_whole_rows): a write of
  // one column rewrites every column with what the row held, so a later
  // operation's write carries earlier operations' values (check_index.h).
  bool whole_rows = false;
};

// Runs every oracle on one crash state: O(cells the operations write + rows
// recovered + ops) given an index (building one costs O(effects log
// effects)). With `loss` and an AckOrder, also measures what it lost.
std::vector<Finding> CheckState(const CheckInput& in,
                                LossStats* loss = nullptr);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_CHECK_H_
