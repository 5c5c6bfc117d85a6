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
//                     (formats/torn_header.h).
#ifndef CRASHLAB_CHECKERS_CHECK_H_
#define CRASHLAB_CHECKERS_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data_model.h"

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
};
constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::kLostCommit,         FindingKind::kAtomicity,
    FindingKind::kCorruption,         FindingKind::kRecoveryFailure,
    FindingKind::kLossWindowExceeded, FindingKind::kInvariant,
    FindingKind::kTornHeader};
const char* FindingKindName(FindingKind k);

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
  // finding seen again.
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
};

// Runs every oracle on one crash state: O(cells the operations write + rows
// recovered) given an index (building one costs O(effects log effects)).
std::vector<Finding> CheckState(const CheckInput& in);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_CHECK_H_
