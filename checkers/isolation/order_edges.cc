// Process-order and real-time-order edges.
#include <unordered_map>

#include <fmt/format.h>

#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {
namespace {

bool InGraph(TxnType t) { return t == TxnType::kOk || t == TxnType::kInfo; }

}  // namespace

// Process order: a process's last committed transaction precedes the next
// one it invokes. Real time: T1 -> T2 when T1 completed (ok) before T2 was
// invoked. Only the transitive reduction is built: a frontier holds the
// completed transactions not yet followed by a later completion that was
// invoked after them; an invocation gets an edge from each, and a completion
// retires the frontier entries that completed before its own invocation
// (always a prefix, since entries join in completion order). Edges: O(n *
// concurrency). Info transactions never complete, so never precede anything.
void AddOrderEdges(const TxnHistory& h, bool process, bool realtime,
                   DepGraph* g) {
  const auto& txns = h.txns();
  if (process) {
    std::unordered_map<uint64_t, uint32_t> last;
    for (uint32_t ev : h.events()) {
      const uint32_t t = ev >> 1;
      if (!InGraph(txns[t].type)) continue;
      if ((ev & 1) == 0) {
        auto it = last.find(txns[t].process);
        if (it != last.end()) g->AddEdge(it->second, t, EdgeKind::kProcess);
      } else if (txns[t].type == TxnType::kOk) {
        last[txns[t].process] = t;
      }
    }
  }
  if (!realtime) return;
  struct Entry {
    uint32_t txn, seq;
  };
  std::vector<Entry> frontier;
  size_t head = 0;
  uint32_t seq = 0;  // completions so far
  std::vector<uint32_t> invoked_at(txns.size(), 0);
  for (uint32_t ev : h.events()) {
    const uint32_t t = ev >> 1;
    if (!InGraph(txns[t].type)) continue;
    if ((ev & 1) == 0) {
      invoked_at[t] = seq;
      for (size_t i = head; i < frontier.size(); ++i) {
        g->AddEdge(frontier[i].txn, t, EdgeKind::kRealtime);
      }
      continue;
    }
    if (txns[t].type != TxnType::kOk) continue;
    while (head < frontier.size() && frontier[head].seq < invoked_at[t]) ++head;
    frontier.push_back({t, seq++});
    if (head > 64 && head * 2 > frontier.size()) {
      frontier.erase(frontier.begin(), frontier.begin() + head);
      head = 0;
    }
  }
}

std::string ExplainOrderEdge(const TxnHistory& h, uint32_t a, uint32_t b,
                             EdgeKind k, const std::string& na,
                             const std::string& nb) {
  const Txn& ta = h.txns()[a];
  const Txn& tb = h.txns()[b];
  if (k == EdgeKind::kProcess) {
    return fmt::format("{} and {} ran on process {}, and {} completed before "
                       "{} began (process)",
                       na, nb, ta.process, na, nb);
  }
  return fmt::format("{} completed (history index {}) before {} was invoked "
                     "(index {}) (realtime)",
                     na, ta.complete_index, nb, tb.invoke_index);
}

}  // namespace isolation_internal
}  // namespace crashlab
