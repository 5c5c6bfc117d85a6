// Linearizability of read/write registers whose written values are unique.
//
// Method (Gibbons and Korach, "Testing shared memories", SIAM J. Comput.
// 1997; the zone form of Golab, Li and Shah, PODC 2011). With unique
// writes every read names the write it read from, so the operations of one
// register fall into clusters: a write and the reads that returned its
// value (the initial value is a write that finished before time began).
// A cluster's zone runs between the earliest completion and the latest
// invocation of its operations. When the earliest completion comes first
// the zone is *forward*: the write must take effect inside it and every
// read of the cluster after, so no other cluster can take effect there.
// Otherwise it is *backward*: the cluster fits in a point. The history is
// linearizable exactly when
//   (1) every read returns a value some write wrote (else: garbage read),
//   (2) no read completes before its write is invoked (future read),
//   (3) no two forward zones overlap (each value had to stay current past
//       the other's write: no order of the two writes explains the reads),
//   (4) no backward zone lies strictly inside a forward zone (a value was
//       written and read while another had to stay current: a stale read).
// O(n log n) per register. Times are any sound real-time order (history
// positions do): only strict order between a completion and an invocation
// counts, so ties never produce a violation.
//
// Indeterminate operations (history `info`): a write may or may not have
// happened; it is dropped unless a read saw its value, and then it
// completes at +infinity. A read whose result is unknown says nothing and
// is dropped.
//
// Pure functions; thread-safe.
#ifndef CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTER_H_
#define CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTER_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace crashlab::linearizability {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

struct RegisterOp {
  enum class Kind : uint8_t { kRead, kWrite };
  Kind kind = Kind::kRead;
  uint64_t id = 0;         // the caller's name for the operation
  uint64_t invoke = 0;     // real-time order: invocation
  uint64_t complete = 0;   // completion; kNever when indeterminate
  bool indeterminate = false;
  // Write: the value written. Read: the value seen; nullopt = the initial
  // value (no write yet). An indeterminate read's value is ignored.
  std::optional<int64_t> value;
};

struct Violation {
  enum class Kind : uint8_t {
    kGarbageRead,       // (1)
    kFutureRead,        // (2)
    kConflictingOrder,  // (3) two forward zones overlap
    kStaleRead,         // (4) a backward zone inside a forward zone
  };
  Kind kind = Kind::kStaleRead;
  std::vector<uint64_t> ops;  // ids of the operations that show it
  std::string explanation;    // in words, naming values and operations
};
const char* ViolationKindName(Violation::Kind k);  // "stale-read", ...

struct RegisterResult {
  size_t ops = 0;       // operations considered (after dropping unknowns)
  size_t clusters = 0;  // written values seen plus the initial value
  std::vector<Violation> violations;  // empty: linearizable
  bool linearizable() const { return violations.empty(); }
};

// Checks one register. `ops` in any order; duplicate written values are a
// caller error (values must be unique per register) and are reported as
// garbage reads of the ambiguous value.
RegisterResult CheckRegister(const std::vector<RegisterOp>& ops);

}  // namespace crashlab::linearizability

#endif  // CRASHLAB_CHECKERS_LINEARIZABILITY_REGISTER_H_
