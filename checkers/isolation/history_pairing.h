// Internal to history_io*.cc: pairs invokes with completions, whatever the
// text format, and turns each finished transaction into mops.
//
// V is the format's value type (nlohmann::json or EdnValue); AddMops adds
// one transaction's mops from such a value to the history. Not thread-safe;
// one pairer per parse.
#ifndef CRASHLAB_CHECKERS_ISOLATION_HISTORY_PAIRING_H_
#define CRASHLAB_CHECKERS_ISOLATION_HISTORY_PAIRING_H_

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/txn_history.h"
#include "core/status.h"

namespace crashlab {
namespace isolation_internal {

struct RawEvent {
  bool invoke = true;
  TxnType type = TxnType::kOk;  // completions only
  uint64_t process = 0;
  uint64_t time_ns = 0;
  uint64_t index = 0;
  uint64_t op = 0;  // crashlab's operation id; 0: pair by process
};

template <typename V>
class TxnPairer {
 public:
  using AddMopsFn = Status (*)(const V&, TxnHistory*);
  TxnPairer(TxnHistory* h, AddMopsFn add_mops, ImportStats* stats)
      : h_(h), add_mops_(add_mops), stats_(stats) {}

  Status Add(const RawEvent& e, V&& value) {
    max_index_ = std::max(max_index_, e.index);
    auto& pending = e.op != 0 ? by_op_ : by_process_;
    const uint64_t id = e.op != 0 ? e.op : e.process;
    auto it = pending.find(id);
    if (e.invoke) {
      if (it != pending.end()) {
        return Status::BadInput(fmt::format(
            "{} {} invoked again before its previous transaction completed",
            e.op != 0 ? "operation" : "process", id));
      }
      const uint32_t txn = h_->Invoke(e.process, e.time_ns, e.index);
      pending.emplace(id, Pending{txn, std::move(value)});
      return Status::Ok();
    }
    if (it == pending.end()) {
      return Status::BadInput(fmt::format(
          "a {} completion of {} {} that was never invoked",
          TxnTypeName(e.type), e.op != 0 ? "operation" : "process", id));
    }
    const bool use_invoke = IsNil(value);
    Status s = add_mops_(use_invoke ? it->second.value : value, h_);
    if (!s.ok()) {
      h_->DiscardStagedMops();
      return s;
    }
    h_->Complete(it->second.txn, e.type, e.time_ns, e.index);
    pending.erase(it);
    return Status::Ok();
  }

  // Invokes never completed are info: they may or may not have happened.
  Status Finish() {
    std::vector<std::pair<uint32_t, V*>> left;
    for (auto* m : {&by_op_, &by_process_}) {
      for (auto& [id, p] : *m) left.emplace_back(p.txn, &p.value);
    }
    std::sort(left.begin(), left.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    uint64_t index = max_index_;
    for (auto& [txn, value] : left) {
      Status s = add_mops_(*value, h_);
      if (!s.ok()) {
        h_->DiscardStagedMops();
        return s;
      }
      h_->Complete(txn, TxnType::kInfo, h_->txns()[txn].invoke_time_ns,
                   ++index);
      if (stats_) ++stats_->unfinished;
    }
    by_op_.clear();
    by_process_.clear();
    return Status::Ok();
  }

 private:
  struct Pending {
    uint32_t txn;
    V value;
  };
  static bool IsNil(const V& v);

  TxnHistory* h_;
  AddMopsFn add_mops_;
  ImportStats* stats_;
  uint64_t max_index_ = 0;
  std::unordered_map<uint64_t, Pending> by_op_, by_process_;
};

}  // namespace isolation_internal
}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_HISTORY_PAIRING_H_
