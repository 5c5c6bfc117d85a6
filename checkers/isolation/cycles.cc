// Cycle search and classification over the dependency graph.
//
// Method: strongly connected components of the whole graph first; a history
// with none (the common, valid case) costs one linear pass. Otherwise the
// components are examined in tiers of edges: data edges alone (ww, wr, rw),
// then data + process order, then data + process + real-time order. A tier
// leaves out the transactions on a cycle of a lower tier, so a cycle is
// named after the weakest edges that close it, and a cycle that needs
// real-time edges is still found in a history that has, elsewhere, cycles
// of data edges (a crash run's lost commit next to a write skew). Within a tier every
// class is searched for in every component, so the list of anomaly types is
// the set present, not the first that explains the component:
//   G0            each component of the ww (+ order) subgraph: a shortest
//                 cycle through one of its ww edges;
//   G1c           each component of the ww+wr (+ order) subgraph holding a
//                 wr edge: a shortest cycle through it;
//   G-single      a rw edge u -> v closed by a shortest ww+wr path v -> u
//                 (one breadth-first search per distinct v);
//   G2-item       two rw edges in a row a -> b -> c closed by a shortest
//                 path c -> a avoiding b (one search per middle node b);
//   G-nonadjacent a closed walk through a rw edge out of u with two or more
//                 rw edges, never two in a row (one search per u over
//                 (node, last edge rw, rw count) states); reported only
//                 when the walk is a simple cycle.
// One example per class and component (counts are components showing the
// class). The three searches that are not linear share nothing but each
// gets `search_budget` edge visits per component; a search that runs out
// stops, and the result says which classes were cut where (Elle bounds its
// cycle search by time for the same reason). A component where no class
// search succeeded without running out still gets the shortest cycle
// through its first rw edge, named by its edges.
#include <fmt/format.h>

#include <algorithm>

#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {
namespace {

constexpr uint8_t kWW = EdgeBit(EdgeKind::kWW);
constexpr uint8_t kWR = EdgeBit(EdgeKind::kWR);
constexpr uint8_t kRW = EdgeBit(EdgeKind::kRW);

using Edge = std::pair<uint32_t, uint32_t>;  // (from, to)

class Classifier {
 public:
  Classifier(const DepGraph& g, const IsolationOptions& o,
             const ExplainFn& explain, AnomalySink* sink, CycleStats* stats)
      : g_(g),
        o_(o),
        explain_(explain),
        sink_(sink),
        stats_(stats),
        search_(g) {}

  // Classifies the components of the data + `extra` subgraph over `active`
  // nodes that are not `covered`; marks their nodes covered.
  void Tier(uint8_t extra, const std::vector<uint8_t>& active,
            std::vector<uint8_t>* covered);

 private:
  struct Component {
    const std::vector<uint32_t>& members;
    const std::vector<uint32_t>& comp;
    uint32_t id;
    uint8_t mask;          // data + extra
    std::vector<Edge> rw;  // rw edges inside, sorted by (from, to)
  };
  // First edge of a kind in `kinds` from a member of comp c to another.
  bool FirstEdge(const std::vector<uint32_t>& members,
                 const std::vector<uint32_t>& comp, uint32_t c, uint8_t kinds,
                 uint32_t* u, uint32_t* v, EdgeKind* k) const;
  // Each returns true when it reported; sets *cut when out of budget.
  bool FindGSingle(const Component& c, bool* cut);
  bool FindG2Item(const Component& c, bool* cut);
  bool FindGNonadjacent(const Component& c, bool* cut);
  void ClassifyComponent(const Component& c);
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
bool Classifier::FindGSingle(const Component& c, bool* cut) {
  std::vector<Edge> rw;  // (v, u)
  for (const auto& [u, v] : c.rw) rw.emplace_back(v, u);
  std::sort(rw.begin(), rw.end());
  uint64_t budget = o_.search_budget;
  std::vector<uint32_t> path;
  std::vector<EdgeKind> kinds;
  for (size_t i = 0; i < rw.size();) {
    const uint32_t v = rw[i].first;
    size_t j = i;
    while (j < rw.size() && rw[j].first == v) ++j;
    auto is_source = [&](uint32_t x) {
      return std::binary_search(rw.begin() + i, rw.begin() + j, Edge{v, x});
    };
    const uint32_t from[] = {v};
    if (search_.ShortestPath(from, is_source, c.mask & ~kRW, c.comp, c.id,
                             CycleSearch::kNoNode, &budget, &path, &kinds) &&
        path.size() > 1) {
      Cycle cycle;
      cycle.nodes.assign(1, path.back());
      cycle.nodes.insert(cycle.nodes.end(), path.begin(), path.end() - 1);
      cycle.kinds.assign(1, EdgeKind::kRW);
      cycle.kinds.insert(cycle.kinds.end(), kinds.begin(), kinds.end());
      Report(cycle);
      return true;
    }
    if (budget == 0) {
      *cut = true;
      return false;
    }
    i = j;
  }
  return false;
}

// a -rw-> b -rw-> c, then a shortest path c -> a that avoids b. Once per b.
bool Classifier::FindG2Item(const Component& c, bool* cut) {
  std::vector<Edge> in(c.rw.size());  // (to, from)
  for (size_t i = 0; i < c.rw.size(); ++i)
    in[i] = {c.rw[i].second, c.rw[i].first};
  std::sort(in.begin(), in.end());
  uint64_t budget = o_.search_budget;
  std::vector<uint32_t> sources, path;
  std::vector<EdgeKind> kinds;
  for (size_t i = 0; i < c.rw.size();) {
    const uint32_t b = c.rw[i].first;
    size_t j = i;
    sources.clear();
    for (; j < c.rw.size() && c.rw[j].first == b; ++j) {
      sources.push_back(c.rw[j].second);
    }
    i = j;
    auto lo = std::lower_bound(in.begin(), in.end(), Edge{b, 0});
    auto hi = std::lower_bound(in.begin(), in.end(), Edge{b + 1, 0});
    if (lo == hi) continue;  // nothing reads-before into b
    auto is_target = [&](uint32_t x) {
      return std::binary_search(lo, hi, Edge{b, x});
    };
    if (search_.ShortestPath(sources, is_target, c.mask, c.comp, c.id, b,
                             &budget, &path, &kinds)) {
      Cycle cycle;  // a, b, c, ..., with a = path.back(), c = path.front()
      cycle.nodes = {path.back(), b};
      cycle.nodes.insert(cycle.nodes.end(), path.begin(), path.end() - 1);
      cycle.kinds = {EdgeKind::kRW, EdgeKind::kRW};
      cycle.kinds.insert(cycle.kinds.end(), kinds.begin(), kinds.end());
      Report(cycle);
      return true;
    }
    if (budget == 0) {
      *cut = true;
      return false;
    }
  }
  return false;
}

bool Classifier::FindGNonadjacent(const Component& c, bool* cut) {
  uint64_t budget = o_.search_budget;
  std::vector<uint32_t> targets;
  Cycle cycle;
  for (size_t i = 0; i < c.rw.size();) {
    const uint32_t u = c.rw[i].first;
    targets.clear();
    for (; i < c.rw.size() && c.rw[i].first == u; ++i) {
      targets.push_back(c.rw[i].second);
    }
    if (search_.NonadjacentWalk(u, targets, c.mask, c.comp, c.id, &budget,
                                &cycle)) {
      std::vector<uint32_t> seen = cycle.nodes;
      std::sort(seen.begin(), seen.end());
      if (std::adjacent_find(seen.begin(), seen.end()) == seen.end()) {
        Report(cycle);
        return true;
      }
    }
    if (budget == 0) {
      *cut = true;
      return false;
    }
  }
  return false;
}

void Classifier::ClassifyComponent(const Component& c) {
  bool cut_single = false, cut_item = false, cut_nonadjacent = false;
  bool found = FindGSingle(c, &cut_single);
  found |= FindG2Item(c, &cut_item);
  found |= FindGNonadjacent(c, &cut_nonadjacent);
  const int block = (c.mask & EdgeBit(EdgeKind::kRealtime))  ? 10
                    : (c.mask & EdgeBit(EdgeKind::kProcess)) ? 5
                                                             : 0;
  auto cut = [&](AnomalyType t) {
    stats_->truncated = true;
    stats_->truncated_classes |= uint32_t{1} << (static_cast<int>(t) + block);
  };
  if (cut_single) cut(AnomalyType::kGSingle);
  if (cut_item) cut(AnomalyType::kG2Item);
  if (cut_nonadjacent) cut(AnomalyType::kGNonadjacent);
  if (cut_single || cut_item || cut_nonadjacent) ++stats_->truncated_components;
  if (found || c.rw.empty()) return;
  uint64_t unlimited = UINT64_MAX;
  Cycle cycle;
  if (search_.CycleThrough(c.rw[0].first, c.rw[0].second, EdgeKind::kRW, c.mask,
                           c.comp, c.id, &unlimited, &cycle)) {
    Report(cycle);
  }
}

void Classifier::Tier(uint8_t extra, const std::vector<uint8_t>& active,
                      std::vector<uint8_t>* covered) {
  // Transactions on a cycle of a lower tier are left out: every cycle among
  // the others needs an edge of this tier, so none is named twice.
  std::vector<uint8_t> mine(g_.nodes(), 0);
  for (uint32_t x = 0; x < g_.nodes(); ++x) {
    mine[x] = active[x] && !(*covered)[x];
  }
  std::vector<uint32_t> comp;
  std::vector<std::vector<uint32_t>> members;
  StronglyConnected(g_, kDataEdges | extra, mine, &comp, &members);
  std::vector<uint32_t> fresh(members.size());
  for (uint32_t c = 0; c < members.size(); ++c) fresh[c] = c;
  if (fresh.empty()) return;
  uint64_t unlimited = UINT64_MAX;
  Cycle cycle;
  // G0 and G1c families, in their own subgraphs.
  for (const auto& [mask, need] :
       {std::pair<uint8_t, uint8_t>{kWW, kWW},
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
      }
    }
  }
  for (uint32_t c : fresh) {
    Component component{
        members[c], comp, c, static_cast<uint8_t>(kDataEdges | extra), {}};
    for (uint32_t x : members[c]) {
      for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
        if (g_.kind(e) == EdgeKind::kRW && comp[g_.target(e)] == c) {
          component.rw.emplace_back(x, g_.target(e));
        }
      }
    }
    std::sort(component.rw.begin(), component.rw.end());
    component.rw.erase(std::unique(component.rw.begin(), component.rw.end()),
                       component.rw.end());
    ClassifyComponent(component);
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
