// The order oracles and the loss shape of one crash state.
//
// Method: one walk over the acknowledged operations from the latest
// acknowledgement back to the first, keeping the nearest later operation
// that provably survived (of every client, of each client, and the nearest
// synced one) and how many acknowledged operations came later. An
// operation provably lost while such a survivor exists is a hole: an
// order_violation where the engine promises a prefix (per client: the
// survivor is the same client's), a barrier_violation where it promises a
// sync barrier and the survivor is synced, and a loss_window_exceeded when
// it promises to lose at most its last N acknowledged operations and N or
// more came after it. O(ops), plus the cells of each violation's evidence.
#include <fmt/format.h>

#include <unordered_map>

#include "checkers/cell_analysis.h"

namespace crashlab {

namespace {

constexpr size_t kNone = SIZE_MAX;

std::string LostPart(const CellReport& r) {
  if (r.cell.column.empty()) {
    return r.cell.ToString() +
           (r.expected == true ? " should exist" : " should be gone");
  }
  return r.cell.ToString() + " should be " + Show(r.expected);
}

Finding Violation(const CheckInput& in, const CellAnalysis& a, FindingKind kind,
                  size_t lost, size_t survivor, const char* how) {
  Finding f;
  f.kind = kind;
  f.ops = {in.ops[lost].id, in.ops[survivor].id};
  f.cells = a.ops[lost].before;
  const std::vector<CellReport> there = AfterEvidence(in, survivor);
  f.cells.insert(f.cells.end(), there.begin(), there.end());
  f.summary = fmt::format(
      "{} was acknowledged but is lost ({}), while {}, {} acknowledged after "
      "it, survived",
      OpLabel(in.ops[lost]), LostPart(a.ops[lost].before.front()),
      OpLabel(in.ops[survivor]), how);
  return f;
}

bool TimeWindowFlagged(const CheckInput& in, size_t i) {
  return in.loss_window_s >= 0 && in.ack_age_s &&
         (*in.ack_age_s)[i] > in.loss_window_s;
}

}  // namespace

void CheckOrder(const CheckInput& in, const CellAnalysis& a,
                std::vector<Finding>* out, LossStats* loss) {
  if (!in.order) return;
  const AckOrder& order = *in.order;
  const OrderPromise& promise = in.promise;
  LossStats stats;
  size_t later_any = kNone, later_synced = kNone;
  std::unordered_map<uint64_t, size_t> later_of_client;
  uint64_t later_acked = 0;  // acknowledged at this crash, after this one
  for (auto it = order.by_ack.rbegin(); it != order.by_ack.rend(); ++it) {
    const size_t i = *it;
    if (in.status[i] != OpStatus::kAcked) continue;  // acknowledged later
    const OpPresence& p = a.ops[i];
    ++stats.acked;
    if (!p.before.empty()) {
      ++stats.lost;
      stats.holes += later_any != kNone;
      stats.span_ops = later_acked + 1;
      if (in.crash_ns > 0 && order.ack_ns[i] > 0) {
        stats.oldest_lost_s =
            (in.crash_ns > order.ack_ns[i] ? in.crash_ns - order.ack_ns[i]
                                           : 0) /
            1e9;
      }
      const size_t same_client = [&] {
        auto c = later_of_client.find(in.ops[i].process);
        return c == later_of_client.end() ? kNone : c->second;
      }();
      if (promise.prefix == PrefixScope::kGlobal && later_any != kNone) {
        out->push_back(Violation(in, a, FindingKind::kOrderViolation, i,
                                 later_any, "an operation"));
      } else if (promise.prefix == PrefixScope::kPerClient &&
                 same_client != kNone) {
        out->push_back(Violation(in, a, FindingKind::kOrderViolation, i,
                                 same_client,
                                 "an operation of the same client"));
      }
      if (promise.sync_barrier && later_synced != kNone) {
        out->push_back(Violation(in, a, FindingKind::kBarrierViolation, i,
                                 later_synced, "a synced operation"));
      }
      if (promise.window_ops > 0 && later_acked >= promise.window_ops &&
          !TimeWindowFlagged(in, i)) {
        Finding f;
        f.kind = FindingKind::kLossWindowExceeded;
        f.ops = {in.ops[i].id};
        f.cells = p.before;
        f.summary = fmt::format(
            "{} was acknowledged and lost, and {} acknowledged operations came "
            "after it; the engine promises to lose at most its last {}",
            OpLabel(in.ops[i]), later_acked, promise.window_ops);
        out->push_back(std::move(f));
      }
    }
    ++later_acked;
    if (p.present > 0) {
      later_any = i;
      later_of_client[in.ops[i].process] = i;
      if (order.synced[i]) later_synced = i;
    }
  }
  if (loss) *loss = stats;
}

}  // namespace crashlab
