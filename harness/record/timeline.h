// Timeline: where each logical operation sits in the trace.
//
// The harness writes a MARK through faultfs before sending an operation
// ("invoke:ID") and after its answer ("ok:ID", "fail:ID", "info:ID"). A
// crash at trace position p (records [0, p) happened) therefore finds each
// operation acknowledged, failed, in flight or not yet invoked; that status
// is what the checkers need.
#ifndef CRASHLAB_HARNESS_RECORD_TIMELINE_H_
#define CRASHLAB_HARNESS_RECORD_TIMELINE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/check.h"
#include "core/data_model.h"
#include "core/trace.h"

namespace crashlab {

// Mark labels.
std::string InvokeMark(uint64_t op_id);
std::string CompletionMark(const char* outcome, uint64_t op_id);
// Splits a mark label, "ok:7" into "ok" and 7. False for a label that is
// not WHAT:ID (a mark of someone else's: not ours to interpret).
bool ParseMark(const std::string& label, std::string* what, uint64_t* op_id);

class Timeline {
 public:
  static constexpr size_t kNever = std::numeric_limits<size_t>::max();

  Timeline(const Trace& trace, const std::vector<LogicalOp>& ops);

  // Status of every operation (parallel to ops) at crash position p.
  std::vector<OpStatus> StatusesAt(size_t position) const;
  // Turns `status`, the statuses at `from`, into those at `to`: O(marks
  // between the two) going forward, StatusesAt(to) going back.
  void MoveStatuses(size_t from, size_t to,
                    std::vector<OpStatus>* status) const;
  // Trace position of an operation's acknowledgement, or kNever.
  size_t AckPosition(size_t op_index) const {
    return ops_[op_index].done != kNever &&
                   ops_[op_index].outcome == OpStatus::kAcked
               ? ops_[op_index].done
               : kNever;
  }
  // Trace position of an operation's invoke mark, or kNever.
  size_t InvokePosition(size_t op_index) const { return ops_[op_index].invoke; }
  // Where its answer came (ok, fail or info), or kNever.
  size_t DonePosition(size_t op_index) const { return ops_[op_index].done; }

 private:
  struct Marks {
    size_t invoke = kNever;
    size_t done = kNever;
    OpStatus outcome = OpStatus::kInFlight;  // once done
  };
  OpStatus StatusOf(size_t op, size_t position) const;
  std::vector<Marks> ops_;
  std::vector<std::pair<size_t, size_t>> marks_;  // (position, op), sorted
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_TIMELINE_H_
