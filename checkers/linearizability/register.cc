#include "checkers/linearizability/register.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace crashlab::linearizability {

namespace {

// Times inside the check: history positions as signed numbers, with the
// initial value's virtual write at minus infinity and an indeterminate
// completion at plus infinity.
using Time = int64_t;
constexpr Time kMinusInf = std::numeric_limits<Time>::min();
constexpr Time kPlusInf = std::numeric_limits<Time>::max();

Time ToTime(uint64_t t) {
  return t >= static_cast<uint64_t>(kPlusInf) ? kPlusInf
                                              : static_cast<Time>(t);
}

constexpr size_t kNoOp = static_cast<size_t>(-1);  // the virtual write

struct Cluster {
  std::optional<int64_t> value;  // nullopt: the initial value
  size_t write = kNoOp;          // index into ops
  std::vector<size_t> reads;
  // Zone ends and the operations that set them.
  Time first_complete = kPlusInf, last_invoke = kMinusInf;
  size_t first_complete_op = kNoOp, last_invoke_op = kNoOp;
  bool forward() const { return first_complete < last_invoke; }
};

std::string ValueText(const std::optional<int64_t>& v) {
  return v ? std::to_string(*v) : "the initial value";
}

class Checker {
 public:
  explicit Checker(const std::vector<RegisterOp>& ops) : ops_(ops) {}

  RegisterResult Run() {
    BuildClusters();
    for (Cluster& c : clusters_) ComputeZone(&c);
    CheckOverlaps();
    result_.clusters = clusters_.size();
    return std::move(result_);
  }

 private:
  uint64_t Id(size_t op) const { return op == kNoOp ? 0 : ops_[op].id; }

  void BuildClusters() {
    std::map<std::optional<int64_t>, size_t> by_value;
    clusters_.push_back({});  // the initial value
    by_value[std::nullopt] = 0;
    std::vector<size_t> reads;
    for (size_t i = 0; i < ops_.size(); ++i) {
      const RegisterOp& op = ops_[i];
      if (op.kind == RegisterOp::Kind::kRead) {
        if (!op.indeterminate) reads.push_back(i);
        continue;
      }
      auto [it, fresh] = by_value.try_emplace(op.value, clusters_.size());
      if (!fresh) {
        Add(Violation::Kind::kGarbageRead, {op.id, Id(clusters_[it->second].write)},
            fmt::format("value {} was written twice: values must be unique per "
                        "register for reads to name their write",
                        ValueText(op.value)));
        continue;
      }
      Cluster c;
      c.value = op.value;
      c.write = i;
      clusters_.push_back(std::move(c));
    }
    for (size_t r : reads) {
      auto it = by_value.find(ops_[r].value);
      if (it == by_value.end()) {
        Add(Violation::Kind::kGarbageRead, {ops_[r].id},
            fmt::format("op {} read {}, which no operation wrote", ops_[r].id,
                        ValueText(ops_[r].value)));
        continue;
      }
      Cluster& c = clusters_[it->second];
      if (c.write != kNoOp &&
          ToTime(ops_[r].complete) < ToTime(ops_[c.write].invoke)) {
        Add(Violation::Kind::kFutureRead, {ops_[r].id, ops_[c.write].id},
            fmt::format("op {} read {} and completed before op {} began to "
                        "write it",
                        ops_[r].id, ValueText(c.value), ops_[c.write].id));
        continue;
      }
      c.reads.push_back(r);
    }
    // An indeterminate write nobody read may never have happened.
    std::erase_if(clusters_, [&](const Cluster& c) {
      return c.write != kNoOp && ops_[c.write].indeterminate && c.reads.empty();
    });
    result_.ops = reads.size();
    for (const Cluster& c : clusters_) result_.ops += c.write != kNoOp;
  }

  void Consider(Cluster* c, size_t op, Time invoke, Time complete) {
    if (complete < c->first_complete) {
      c->first_complete = complete;
      c->first_complete_op = op;
    }
    if (invoke > c->last_invoke) {
      c->last_invoke = invoke;
      c->last_invoke_op = op;
    }
  }

  void ComputeZone(Cluster* c) {
    if (c->write == kNoOp) {
      Consider(c, kNoOp, kMinusInf, kMinusInf);
    } else {
      const RegisterOp& w = ops_[c->write];
      Consider(c, c->write, ToTime(w.invoke),
               w.indeterminate ? kPlusInf : ToTime(w.complete));
    }
    for (size_t r : c->reads) {
      Consider(c, r, ToTime(ops_[r].invoke), ToTime(ops_[r].complete));
    }
  }

  std::string OpText(size_t op) const {
    if (op == kNoOp) return "the initial value";
    const RegisterOp& o = ops_[op];
    return fmt::format("op {} ({} {})", o.id,
                       o.kind == RegisterOp::Kind::kWrite ? "write" : "read",
                       ValueText(o.value));
  }

  void CheckOverlaps() {
    std::vector<const Cluster*> forward, backward;
    for (const Cluster& c : clusters_) {
      (c.forward() ? forward : backward).push_back(&c);
    }
    std::sort(forward.begin(), forward.end(), [](auto* a, auto* b) {
      return a->first_complete < b->first_complete;
    });
    // (3): sweep by start, against the zone reaching furthest so far.
    const Cluster* reach = nullptr;
    for (const Cluster* c : forward) {
      if (reach && c->first_complete < reach->last_invoke) {
        Add(Violation::Kind::kConflictingOrder,
            {Id(reach->first_complete_op), Id(reach->last_invoke_op),
             Id(c->first_complete_op), Id(c->last_invoke_op)},
            fmt::format(
                "{} completed before {} began, and {} completed before {} "
                "began: {} and {} each had to be the register's value after "
                "the other was written; no order of the two writes explains "
                "these reads",
                OpText(reach->first_complete_op), OpText(c->last_invoke_op),
                OpText(c->first_complete_op), OpText(reach->last_invoke_op),
                ValueText(reach->value), ValueText(c->value)));
      }
      if (!reach || c->last_invoke > reach->last_invoke) reach = c;
    }
    // (4): among the forward zones starting before a backward zone, the
    // one reaching furthest (prefix maxima over the sorted zones).
    std::vector<const Cluster*> furthest(forward.size());
    for (size_t i = 0; i < forward.size(); ++i) {
      furthest[i] = i == 0 || forward[i]->last_invoke > furthest[i - 1]->last_invoke
                        ? forward[i]
                        : furthest[i - 1];
    }
    for (const Cluster* b : backward) {
      auto it = std::upper_bound(
          forward.begin(), forward.end(), b->last_invoke,
          [](Time t, const Cluster* f) { return t <= f->first_complete; });
      if (it == forward.begin()) continue;
      const Cluster* f = furthest[static_cast<size_t>(it - forward.begin()) - 1];
      if (b->first_complete >= f->last_invoke) continue;
      std::vector<uint64_t> ids = {Id(f->first_complete_op),
                                   Id(f->last_invoke_op)};
      if (b->write != kNoOp) ids.push_back(Id(b->write));
      for (size_t r : b->reads) ids.push_back(Id(r));
      Add(Violation::Kind::kStaleRead, ids,
          fmt::format(
              "{} had to stay the register's value from {} completing until "
              "{} began, yet {} was written{} entirely inside that stretch: "
              "{} saw a stale value",
              ValueText(f->value), OpText(f->first_complete_op),
              OpText(f->last_invoke_op), ValueText(b->value),
              b->reads.empty() ? "" : " and read", OpText(f->last_invoke_op)));
    }
  }

  void Add(Violation::Kind kind, std::vector<uint64_t> ops, std::string why) {
    result_.violations.push_back({kind, std::move(ops), std::move(why)});
  }

  const std::vector<RegisterOp>& ops_;
  std::vector<Cluster> clusters_;
  RegisterResult result_;
};

}  // namespace

const char* ViolationKindName(Violation::Kind k) {
  switch (k) {
    case Violation::Kind::kGarbageRead:
      return "garbage-read";
    case Violation::Kind::kFutureRead:
      return "future-read";
    case Violation::Kind::kConflictingOrder:
      return "conflicting-order";
    case Violation::Kind::kStaleRead:
      return "stale-read";
  }
  return "?";
}

RegisterResult CheckRegister(const std::vector<RegisterOp>& ops) {
  return Checker(ops).Run();
}

}  // namespace crashlab::linearizability
