// Cycle search and classification over the dependency graph.
//
// Method: strongly connected components of the whole graph first; a history
// with none (the common, valid case) costs one linear pass. Otherwise the
// components are examined in tiers of edges: data edges alone (ww, wr, rw),
// then data + process order, then data + process + real-time order. A tier
// only looks at components that contain no component of a lower tier, so a
// cycle is named after the weakest edges that close it. Within a tier:
//   G0        each component of the ww (+ order) subgraph: a shortest cycle
//             through one of its ww edges;
//   G1c       each component of the ww+wr (+ order) subgraph holding a wr
//             edge: a shortest cycle through it;
//   G-single  for components with neither, a rw edge u -> v closed by a
//             shortest ww+wr path v -> u (one breadth-first search per
//             distinct v, bounded by the search budget);
//   G2        otherwise a shortest cycle through a rw edge, named G2-item or
//             G-nonadjacent by where its rw edges fall.
#include <algorithm>

#include <fmt/format.h>

#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {
namespace {

constexpr uint8_t kWW = EdgeBit(EdgeKind::kWW);
constexpr uint8_t kWR = EdgeBit(EdgeKind::kWR);
constexpr uint8_t kRW = EdgeBit(EdgeKind::kRW);

class Classifier {
 public:
  Classifier(const DepGraph& g, const IsolationOptions& o,
             const ExplainFn& explain, AnomalySink* sink, CycleStats* stats)
      : g_(g), o_(o), explain_(explain), sink_(sink), stats_(stats),
        search_(g) {}

  // Classifies the components of the data + `extra` subgraph over `active`
  // nodes that contain no `covered` node; marks their nodes covered.
  void Tier(uint8_t extra, const std::vector<uint8_t>& active,
            std::vector<uint8_t>* covered);

 private:
  // First edge of a kind in `kinds` from a member of comp c to another.
  bool FirstEdge(const std::vector<uint32_t>& members,
                 const std::vector<uint32_t>& comp, uint32_t c, uint8_t kinds,
                 uint32_t* u, uint32_t* v, EdgeKind* k) const;
  bool FindGSingle(const std::vector<uint32_t>& members,
                   const std::vector<uint32_t>& comp, uint32_t c,
                   uint8_t extra, Cycle* out);
  void Report(const Cycle& c);

  const DepGraph& g_;
  const IsolationOptions& o_;
  const ExplainFn& explain_;
  AnomalySink* sink_;
  CycleStats* stats_;
  CycleSearch search_;
};

bool Classifier::FirstEdge(const std::vector<uint32_t>& members,
                           const std::vector<uint32_t>& comp, uint32_t c,
                           uint8_t kinds, uint32_t* u, uint32_t* v,
                           EdgeKind* k) const {
  for (uint32_t x : members) {
    for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
      if ((kinds & EdgeBit(g_.kind(e))) && comp[g_.target(e)] == c) {
        *u = x;
        *v = g_.target(e);
        *k = g_.kind(e);
        return true;
      }
    }
  }
  return false;
}

void Classifier::Report(const Cycle& c) {
  const AnomalyType type = ClassifyCycle(c.kinds);
  if (!sink_->Count(type)) return;
  std::vector<std::string> steps;
  const size_t n = c.nodes.size();
  for (size_t i = 0; i < n; ++i) {
    steps.push_back(explain_(c.nodes[i], c.nodes[(i + 1) % n], c.kinds[i],
                             fmt::format("T{}", i + 1),
                             fmt::format("T{}", (i + 1) % n + 1)));
  }
  sink_->AddCycle(type, c, std::move(steps));
}

// A rw edge u -> v plus a ww/wr(/order) path v -> u. Searches once per
// distinct v, looking for any u with such an edge into v.
bool Classifier::FindGSingle(const std::vector<uint32_t>& members,
                             const std::vector<uint32_t>& comp, uint32_t c,
                             uint8_t extra, Cycle* out) {
  std::vector<std::pair<uint32_t, uint32_t>> rw;  // (v, u)
  for (uint32_t x : members) {
    for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
      if (g_.kind(e) == EdgeKind::kRW && comp[g_.target(e)] == c) {
        rw.emplace_back(g_.target(e), x);
      }
    }
  }
  std::sort(rw.begin(), rw.end());
  rw.erase(std::unique(rw.begin(), rw.end()), rw.end());
  uint64_t budget = o_.search_budget;
  std::vector<uint32_t> path;
  std::vector<EdgeKind> kinds;
  for (size_t i = 0; i < rw.size();) {
    const uint32_t v = rw[i].first;
    size_t j = i;
    while (j < rw.size() && rw[j].first == v) ++j;
    auto is_source = [&](uint32_t x) {
      auto lo = rw.begin() + i, hi = rw.begin() + j;
      return std::binary_search(lo, hi, std::make_pair(v, x));
    };
    if (search_.ShortestPath(v, is_source, kWW | kWR | extra, comp, c, &budget,
                             &path, &kinds)) {
      out->nodes.assign(1, path.back());
      out->nodes.insert(out->nodes.end(), path.begin(), path.end() - 1);
      out->kinds.assign(1, EdgeKind::kRW);
      out->kinds.insert(out->kinds.end(), kinds.begin(), kinds.end());
      return true;
    }
    if (budget == 0) {
      stats_->truncated = true;
      return false;
    }
    i = j;
  }
  return false;
}

void Classifier::Tier(uint8_t extra, const std::vector<uint8_t>& active,
                      std::vector<uint8_t>* covered) {
  std::vector<uint32_t> comp;
  std::vector<std::vector<uint32_t>> members;
  StronglyConnected(g_, kDataEdges | extra, active, &comp, &members);
  // Components already explained by a lower tier are left alone.
  std::vector<uint8_t> mine(g_.nodes(), 0);
  std::vector<uint32_t> fresh;
  for (uint32_t c = 0; c < members.size(); ++c) {
    bool old = false;
    for (uint32_t x : members[c]) old |= (*covered)[x] != 0;
    if (old) continue;
    fresh.push_back(c);
    for (uint32_t x : members[c]) mine[x] = 1;
  }
  if (fresh.empty()) return;
  std::vector<uint8_t> explained(members.size(), 0);
  uint64_t unlimited = UINT64_MAX;
  Cycle cycle;
  // G0 and G1c families, in their own subgraphs.
  for (const auto& [mask, need] : {std::pair<uint8_t, uint8_t>{kWW, kWW},
                                   std::pair<uint8_t, uint8_t>{kWW | kWR, kWR}}) {
    std::vector<uint32_t> sub;
    std::vector<std::vector<uint32_t>> sub_members;
    StronglyConnected(g_, mask | extra, mine, &sub, &sub_members);
    for (uint32_t s = 0; s < sub_members.size(); ++s) {
      uint32_t u, v;
      EdgeKind k;
      if (!FirstEdge(sub_members[s], sub, s, need, &u, &v, &k)) continue;
      if (search_.CycleThrough(u, v, k, mask | extra, sub, s, &unlimited,
                               &cycle)) {
        Report(cycle);
        explained[comp[u]] = 1;
      }
    }
  }
  for (uint32_t c : fresh) {
    if (!explained[c]) {
      if (FindGSingle(members[c], comp, c, extra, &cycle)) {
        Report(cycle);
      } else {
        uint32_t u, v;
        EdgeKind k;
        if (FirstEdge(members[c], comp, c, kRW, &u, &v, &k) &&
            search_.CycleThrough(u, v, k, kDataEdges | extra, comp, c,
                                 &unlimited, &cycle)) {
          Report(cycle);
        }
      }
    }
    for (uint32_t x : members[c]) (*covered)[x] = 1;
  }
}

}  // namespace

CycleStats FindCycles(const DepGraph& g, const IsolationOptions& o,
                      const ExplainFn& explain, AnomalySink* sink) {
  CycleStats stats;
  const uint8_t process = o.process ? EdgeBit(EdgeKind::kProcess) : 0;
  const uint8_t realtime = o.realtime ? EdgeBit(EdgeKind::kRealtime) : 0;
  std::vector<uint32_t> comp;
  std::vector<std::vector<uint32_t>> members;
  stats.components = StronglyConnected(g, kDataEdges | process | realtime, {},
                                       &comp, &members);
  if (stats.components == 0) return stats;
  std::vector<uint8_t> active(g.nodes(), 0), covered(g.nodes(), 0);
  for (const auto& m : members) {
    for (uint32_t x : m) active[x] = 1;
  }
  Classifier classifier(g, o, explain, sink, &stats);
  classifier.Tier(0, active, &covered);
  if (process) classifier.Tier(process, active, &covered);
  if (realtime) classifier.Tier(process | realtime, active, &covered);
  return stats;
}

}  // namespace isolation_internal
}  // namespace crashlab
