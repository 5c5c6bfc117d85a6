#include "harness/record/ack_order.h"

#include <algorithm>
#include <map>
#include <utility>

namespace crashlab {

namespace {

// (thread, file or directory): what a thread changed, and where last.
using Key = std::pair<uint32_t, FileId>;

bool ChangesDirectory(Op op) {
  return op == Op::kCreate || op == Op::kMkdir || op == Op::kSymlink ||
         op == Op::kLink || op == Op::kUnlink || op == Op::kRmdir ||
         op == Op::kRename;
}

}  // namespace

AckOrder MakeAckOrder(const Trace& trace, const std::vector<LogicalOp>& ops,
                      const Timeline& timeline) {
  AckOrder order;
  const size_t n = ops.size();
  order.rank.assign(n, AckOrder::kNever);
  order.synced.assign(n, 0);
  order.ack_ns.assign(n, 0);
  // Marks by position: (position, op, is_invoke).
  std::vector<std::tuple<size_t, uint32_t, bool>> marks;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t ack = timeline.AckPosition(i);
    if (ack == Timeline::kNever) continue;
    order.by_ack.push_back(i);
    if (ack < trace.records.size())
      order.ack_ns[i] = trace.records[ack].time_ns;
    const size_t invoke = timeline.InvokePosition(i);
    if (invoke != Timeline::kNever) marks.emplace_back(invoke, i, true);
    marks.emplace_back(ack, i, false);
  }
  std::sort(order.by_ack.begin(), order.by_ack.end(),
            [&](uint32_t a, uint32_t b) {
              return timeline.AckPosition(a) < timeline.AckPosition(b);
            });
  for (uint32_t r = 0; r < order.by_ack.size(); ++r)
    order.rank[order.by_ack[r]] = r;
  std::sort(marks.begin(), marks.end());

  std::map<Key, size_t> last_change;  // where each thread last changed it
  std::vector<std::pair<uint32_t, size_t>> in_flight;  // (op, invoke position)
  size_t next_mark = 0;
  for (size_t p = trace.first_op; p < trace.records.size(); ++p) {
    for (; next_mark < marks.size() && std::get<0>(marks[next_mark]) <= p;
         ++next_mark) {
      const auto& [at, op, invoke] = marks[next_mark];
      if (invoke) {
        in_flight.emplace_back(op, at);
      } else {
        std::erase_if(in_flight, [op = op](auto& f) { return f.first == op; });
      }
    }
    const Record& r = trace.records[p];
    if (r.tags & kTagInjected) continue;
    if (IsDataOp(r.op)) {
      last_change[{r.pid, r.file}] = p;
    } else if (ChangesDirectory(r.op)) {
      last_change[{r.pid, r.parent}] = p;
      if (r.op == Op::kRename) last_change[{r.pid, r.new_parent}] = p;
    } else if (IsSyncOp(r.op) && !(r.tags & kTagNoBarrier)) {
      auto it = last_change.find({r.pid, r.file});
      if (it == last_change.end()) continue;
      for (const auto& [op, invoke] : in_flight) {
        if (invoke < it->second) order.synced[op] = 1;
      }
    }
  }
  return order;
}

uint64_t CrashTimeNs(const Trace& trace, size_t position) {
  if (position == 0 || trace.records.empty()) return 0;
  return trace.records[std::min(position, trace.records.size()) - 1].time_ns;
}

}  // namespace crashlab
