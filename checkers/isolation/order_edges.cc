// Process-order and real-time-order edges.
#include <algorithm>
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

// Per key, the transactions that touch it (ok: any mop of the key; info:
// a write of it, which may have happened; never fail or pending), and
// which of them directly precede which in process or real-time order once
// the transactions not touching the key are collapsed out (Elle's
// transaction-graph->version-graphs). Process order is a chain per process;
// real-time order uses AddOrderEdges' frontier, one per key.
std::vector<KeyOrderPair> KeyOrderPairs(const TxnHistory& h, bool realtime) {
  const auto& txns = h.txns();
  std::vector<uint32_t> begin(txns.size() + 1, 0), keys;
  for (uint32_t t = 0; t < txns.size(); ++t) {
    const size_t first = keys.size();
    if (InGraph(txns[t].type)) {
      for (const Mop& m : h.MopsOf(txns[t])) {
        if (txns[t].type == TxnType::kOk || m.fn != MopFn::kRead) {
          keys.push_back(m.key);
        }
      }
    }
    std::sort(keys.begin() + first, keys.end());
    keys.erase(std::unique(keys.begin() + first, keys.end()), keys.end());
    begin[t + 1] = static_cast<uint32_t>(keys.size());
  }
  std::vector<KeyOrderPair> out;
  if (!realtime) {
    struct Hash {
      size_t operator()(const std::pair<uint64_t, uint32_t>& p) const {
        return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ULL ^ p.second);
      }
    };
    std::unordered_map<std::pair<uint64_t, uint32_t>, uint32_t, Hash> last;
    for (uint32_t ev : h.events()) {
      const uint32_t t = ev >> 1;
      const uint64_t p = txns[t].process;
      for (uint32_t i = begin[t]; i < begin[t + 1]; ++i) {
        if ((ev & 1) == 0) {
          auto it = last.find({p, keys[i]});
          if (it != last.end()) out.push_back({keys[i], it->second, t});
        } else if (txns[t].type == TxnType::kOk) {
          last[{p, keys[i]}] = t;
        }
      }
    }
    return out;
  }
  struct Entry {
    uint32_t txn, seq;
  };
  struct Frontier {
    std::vector<Entry> entries;
    size_t head = 0;
    uint32_t seq = 0;
  };
  std::vector<Frontier> frontier(h.key_count());
  std::vector<uint32_t> invoked_at(keys.size(), 0);  // parallel to keys
  for (uint32_t ev : h.events()) {
    const uint32_t t = ev >> 1;
    for (uint32_t i = begin[t]; i < begin[t + 1]; ++i) {
      Frontier& f = frontier[keys[i]];
      if ((ev & 1) == 0) {
        invoked_at[i] = f.seq;
        for (size_t j = f.head; j < f.entries.size(); ++j) {
          out.push_back({keys[i], f.entries[j].txn, t});
        }
        continue;
      }
      if (txns[t].type != TxnType::kOk) continue;
      while (f.head < f.entries.size() &&
             f.entries[f.head].seq < invoked_at[i]) {
        ++f.head;
      }
      f.entries.push_back({t, f.seq++});
      if (f.head > 64 && f.head * 2 > f.entries.size()) {
        f.entries.erase(f.entries.begin(), f.entries.begin() + f.head);
        f.head = 0;
      }
    }
  }
  return out;
}

std::string KeyOrderReason(const TxnHistory& h, const KeyOrderPair& p,
                           bool realtime, const std::string& what1,
                           const std::string& what2) {
  const Txn& a = h.txns()[p.t1];
  const Txn& b = h.txns()[p.t2];
  const std::string key = KeyText(h, p.key);
  if (realtime) {
    return fmt::format(
        "the transaction at history index {} (which {}) completed before the "
        "one at index {} (which {}) was invoked, and --linearizable-keys "
        "assumes {}'s versions follow real time",
        a.invoke_index, what1, b.invoke_index, what2, key);
  }
  return fmt::format(
      "the transaction at history index {} (which {}) ran before the one at "
      "index {} (which {}) on process {}, and --sequential-keys assumes each "
      "process sees {}'s versions in order",
      a.invoke_index, what1, b.invoke_index, what2, a.process, key);
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
