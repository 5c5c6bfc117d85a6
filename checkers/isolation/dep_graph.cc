#include "checkers/isolation/dep_graph.h"

#include <algorithm>
#include <cassert>

namespace crashlab {

DepGraph::DepGraph(uint32_t nodes) : nodes_(nodes) {
  assert(nodes < kMaxNodes);
}

void DepGraph::Build() {
  // Counting sort by source node: offsets_[n + 1] ends up as n's start.
  offsets_.assign(size_t{nodes_} + 2, 0);
  for (uint64_t s : staged_) ++offsets_[(s >> 32) + 2];
  for (size_t i = 2; i < offsets_.size(); ++i) offsets_[i] += offsets_[i - 1];
  edges_.resize(staged_.size());
  for (uint64_t s : staged_) {
    edges_[offsets_[(s >> 32) + 1]++] = static_cast<uint32_t>(s);
  }
  offsets_.pop_back();
  std::vector<uint64_t>().swap(staged_);
}

size_t DepGraph::MemoryBytes() const {
  return staged_.capacity() * sizeof(uint64_t) +
         offsets_.capacity() * sizeof(uint32_t) +
         edges_.capacity() * sizeof(uint32_t);
}

uint32_t StronglyConnected(const DepGraph& g, uint8_t mask,
                           const std::vector<uint8_t>& active,
                           std::vector<uint32_t>* comp,
                           std::vector<std::vector<uint32_t>>* members) {
  const uint32_t n = g.nodes();
  comp->assign(n, kNoComponent);
  members->clear();
  auto is_active = [&](uint32_t x) { return active.empty() || active[x]; };
  std::vector<uint32_t> index(n, 0), low(n, 0);
  std::vector<uint8_t> on_stack(n, 0);
  std::vector<uint32_t> stack;
  struct Frame {
    uint32_t node, edge;
  };
  std::vector<Frame> frames;
  uint32_t counter = 1;
  uint32_t components = 0;

  auto visit = [&](uint32_t x) {
    index[x] = low[x] = counter++;
    stack.push_back(x);
    on_stack[x] = 1;
    frames.push_back({x, g.begin(x)});
  };

  for (uint32_t root = 0; root < n; ++root) {
    if (index[root] != 0 || !is_active(root)) continue;
    visit(root);
    while (!frames.empty()) {
      const uint32_t x = frames.back().node;
      uint32_t e = frames.back().edge;
      bool descended = false;
      const uint32_t end = g.end(x);
      while (e < end) {
        const uint32_t t = g.target(e);
        const EdgeKind k = g.kind(e);
        ++e;
        if (!(mask & EdgeBit(k)) || !is_active(t)) continue;
        if (index[t] == 0) {
          frames.back().edge = e;
          visit(t);
          descended = true;
          break;
        }
        if (on_stack[t]) low[x] = std::min(low[x], index[t]);
      }
      if (descended) continue;
      frames.pop_back();
      if (!frames.empty()) {
        const uint32_t p = frames.back().node;
        low[p] = std::min(low[p], low[x]);
      }
      if (low[x] != index[x]) continue;
      // x is the root of a component: pop it.
      if (stack.back() == x) {  // a single node: trivial
        stack.pop_back();
        on_stack[x] = 0;
        continue;
      }
      std::vector<uint32_t> group;
      uint32_t y;
      do {
        y = stack.back();
        stack.pop_back();
        on_stack[y] = 0;
        (*comp)[y] = components;
        group.push_back(y);
      } while (y != x);
      std::sort(group.begin(), group.end());
      members->push_back(std::move(group));
      ++components;
    }
  }
  return components;
}

CycleSearch::CycleSearch(const DepGraph& g)
    : g_(g),
      stamp_(g.nodes(), 0),
      parent_(g.nodes(), 0),
      parent_kind_(g.nodes(), 0) {}

bool CycleSearch::ShortestPath(uint32_t from,
                               const std::function<bool(uint32_t)>& is_target,
                               uint8_t mask, const std::vector<uint32_t>& comp,
                               uint32_t c, uint64_t* budget,
                               std::vector<uint32_t>* path,
                               std::vector<EdgeKind>* kinds) {
  if (++generation_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  queue_.clear();
  queue_.push_back(from);
  stamp_[from] = generation_;
  for (size_t head = 0; head < queue_.size(); ++head) {
    const uint32_t x = queue_[head];
    for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
      if (*budget == 0) return false;
      --*budget;
      const EdgeKind k = g_.kind(e);
      if (!(mask & EdgeBit(k))) continue;
      const uint32_t t = g_.target(e);
      if (comp[t] != c || stamp_[t] == generation_) continue;
      stamp_[t] = generation_;
      parent_[t] = x;
      parent_kind_[t] = static_cast<uint8_t>(k);
      if (!is_target(t)) {
        queue_.push_back(t);
        continue;
      }
      path->clear();
      kinds->clear();
      for (uint32_t y = t; y != from; y = parent_[y]) {
        path->push_back(y);
        kinds->push_back(static_cast<EdgeKind>(parent_kind_[y]));
      }
      path->push_back(from);
      std::reverse(path->begin(), path->end());
      std::reverse(kinds->begin(), kinds->end());
      return true;
    }
  }
  return false;
}

bool CycleSearch::CycleThrough(uint32_t u, uint32_t v, EdgeKind k,
                               uint8_t mask, const std::vector<uint32_t>& comp,
                               uint32_t c, uint64_t* budget, Cycle* out) {
  std::vector<uint32_t> path;
  std::vector<EdgeKind> kinds;
  if (!ShortestPath(v, [u](uint32_t x) { return x == u; }, mask, comp, c,
                    budget, &path, &kinds)) {
    return false;
  }
  out->nodes.assign(1, u);
  out->nodes.insert(out->nodes.end(), path.begin(), path.end() - 1);
  out->kinds.assign(1, k);
  out->kinds.insert(out->kinds.end(), kinds.begin(), kinds.end());
  return true;
}

}  // namespace crashlab
