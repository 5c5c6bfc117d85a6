#include "harness/record/timeline.h"

#include <algorithm>

namespace crashlab {

std::string InvokeMark(uint64_t op_id) {
  return "invoke:" + std::to_string(op_id);
}

std::string CompletionMark(const char* outcome, uint64_t op_id) {
  return std::string(outcome) + ":" + std::to_string(op_id);
}

bool ParseMark(const std::string& label, std::string* what, uint64_t* op_id) {
  const auto colon = label.find(':');
  if (colon == std::string::npos) return false;
  try {
    size_t used = 0;
    *op_id = std::stoull(label.substr(colon + 1), &used);
    if (used == 0) return false;
  } catch (...) {
    return false;
  }
  *what = label.substr(0, colon);
  return true;
}

Timeline::Timeline(const Trace& trace, const std::vector<LogicalOp>& ops)
    : ops_(ops.size()) {
  std::unordered_map<uint64_t, size_t> index;
  for (size_t i = 0; i < ops.size(); ++i) index[ops[i].id] = i;
  for (size_t p = trace.first_op; p < trace.records.size(); ++p) {
    const Record& r = trace.records[p];
    if (r.op != Op::kMark) continue;
    std::string what;
    uint64_t id = 0;
    if (!ParseMark(r.data, &what, &id)) continue;
    auto it = index.find(id);
    if (it == index.end()) continue;
    Marks& m = ops_[it->second];
    marks_.emplace_back(p, it->second);
    if (what == "invoke") {
      m.invoke = p;
    } else if (what == "ok" || what == "fail" || what == "info") {
      m.done = p;
      m.outcome = what == "ok"     ? OpStatus::kAcked
                  : what == "fail" ? OpStatus::kFailed
                                   : OpStatus::kInFlight;
    }
  }
}

OpStatus Timeline::StatusOf(size_t op, size_t position) const {
  const Marks& m = ops_[op];
  if (m.done != kNever && m.done < position) return m.outcome;
  if (m.invoke != kNever && m.invoke < position) return OpStatus::kInFlight;
  return OpStatus::kNotInvoked;
}

std::vector<OpStatus> Timeline::StatusesAt(size_t position) const {
  std::vector<OpStatus> out(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) out[i] = StatusOf(i, position);
  return out;
}

void Timeline::MoveStatuses(size_t from, size_t to,
                            std::vector<OpStatus>* status) const {
  if (to < from || status->size() != ops_.size()) {
    *status = StatusesAt(to);
    return;
  }
  // A status changes only where one of the op's marks lies in [from, to).
  auto it = std::lower_bound(marks_.begin(), marks_.end(),
                             std::make_pair(from, size_t{0}));
  for (; it != marks_.end() && it->first < to; ++it) {
    (*status)[it->second] = StatusOf(it->second, to);
  }
}

}  // namespace crashlab
