#include "harness/timeline.h"

namespace crashlab {

std::string InvokeMark(uint64_t op_id) {
  return "invoke:" + std::to_string(op_id);
}

std::string CompletionMark(const char* outcome, uint64_t op_id) {
  return std::string(outcome) + ":" + std::to_string(op_id);
}

Timeline::Timeline(const Trace& trace, const std::vector<LogicalOp>& ops)
    : ops_(ops.size()) {
  std::unordered_map<uint64_t, size_t> index;
  for (size_t i = 0; i < ops.size(); ++i) index[ops[i].id] = i;
  for (size_t p = trace.first_op; p < trace.records.size(); ++p) {
    const Record& r = trace.records[p];
    if (r.op != Op::kMark) continue;
    const auto colon = r.data.find(':');
    if (colon == std::string::npos) continue;
    const std::string what = r.data.substr(0, colon);
    uint64_t id = 0;
    try {
      id = std::stoull(r.data.substr(colon + 1));
    } catch (...) {
      continue;  // a mark of someone else's: not ours to interpret
    }
    auto it = index.find(id);
    if (it == index.end()) continue;
    Marks& m = ops_[it->second];
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

std::vector<OpStatus> Timeline::StatusesAt(size_t position) const {
  std::vector<OpStatus> out(ops_.size(), OpStatus::kNotInvoked);
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Marks& m = ops_[i];
    if (m.done != kNever && m.done < position) {
      out[i] = m.outcome;
    } else if (m.invoke != kNever && m.invoke < position) {
      out[i] = OpStatus::kInFlight;
    }
  }
  return out;
}

}  // namespace crashlab
