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

bool CycleSearch::ShortestPath(std::span<const uint32_t> sources,
                               const std::function<bool(uint32_t)>& is_target,
                               uint8_t mask, const std::vector<uint32_t>& comp,
                               uint32_t c, uint32_t exclude, uint64_t* budget,
                               std::vector<uint32_t>* path,
                               std::vector<EdgeKind>* kinds) {
  if (++generation_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  auto found = [&](uint32_t t) {
    path->clear();
    kinds->clear();
    uint32_t y = t;
    for (; parent_[y] != kNoNode; y = parent_[y]) {
      path->push_back(y);
      kinds->push_back(static_cast<EdgeKind>(parent_kind_[y]));
    }
    path->push_back(y);
    std::reverse(path->begin(), path->end());
    std::reverse(kinds->begin(), kinds->end());
    return true;
  };
  queue_.clear();
  for (uint32_t s : sources) {
    if (stamp_[s] == generation_ || s == exclude) continue;
    stamp_[s] = generation_;
    parent_[s] = kNoNode;
    if (is_target(s)) return found(s);
    queue_.push_back(s);
  }
  for (size_t head = 0; head < queue_.size(); ++head) {
    const uint32_t x = queue_[head];
    for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
      if (*budget == 0) return false;
      --*budget;
      const EdgeKind k = g_.kind(e);
      if (!(mask & EdgeBit(k))) continue;
      const uint32_t t = g_.target(e);
      if (comp[t] != c || t == exclude || stamp_[t] == generation_) continue;
      stamp_[t] = generation_;
      parent_[t] = x;
      parent_kind_[t] = static_cast<uint8_t>(k);
      if (is_target(t)) return found(t);
      queue_.push_back(t);
    }
  }
  return false;
}

bool CycleSearch::CycleThrough(uint32_t u, uint32_t v, EdgeKind k,
                               uint8_t mask, const std::vector<uint32_t>& comp,
                               uint32_t c, uint64_t* budget, Cycle* out) {
  std::vector<uint32_t> path;
  std::vector<EdgeKind> kinds;
  if (v == u) return false;
  const uint32_t from[] = {v};
  if (!ShortestPath(from, [u](uint32_t x) { return x == u; }, mask, comp, c,
                    kNoNode, budget, &path, &kinds)) {
    return false;
  }
  out->nodes.assign(1, u);
  out->nodes.insert(out->nodes.end(), path.begin(), path.end() - 1);
  out->kinds.assign(1, k);
  out->kinds.insert(out->kinds.end(), kinds.begin(), kinds.end());
  return true;
}

// Breadth-first over states (node, last edge rw, rw edges so far: 1 or 2+);
// the walk starts after its first rw edge u -> v, so it ends at u through a
// non-rw edge with two or more rw edges behind it.
bool CycleSearch::NonadjacentWalk(uint32_t u,
                                  std::span<const uint32_t> rw_targets,
                                  uint8_t mask,
                                  const std::vector<uint32_t>& comp,
                                  uint32_t c, uint64_t* budget, Cycle* out) {
  const size_t states = size_t{g_.nodes()} * 4;
  if (state_stamp_.size() != states) {
    state_stamp_.assign(states, 0);
    state_parent_.assign(states, 0);
    state_kind_.assign(states, 0);
  }
  if (++state_generation_ == 0) {
    std::fill(state_stamp_.begin(), state_stamp_.end(), 0);
    state_generation_ = 1;
  }
  auto id = [](uint32_t node, bool rw_last, bool two) {
    return uint32_t{node} * 4 + (rw_last ? 2 : 0) + (two ? 1 : 0);
  };
  queue_.clear();
  for (uint32_t v : rw_targets) {
    const uint32_t s = id(v, true, false);
    if (state_stamp_[s] == state_generation_) continue;
    state_stamp_[s] = state_generation_;
    state_parent_[s] = kNoNode;
    queue_.push_back(s);
  }
  const uint32_t goal = id(u, false, true);
  for (size_t head = 0; head < queue_.size(); ++head) {
    const uint32_t s = queue_[head];
    const uint32_t x = s / 4;
    const bool rw_last = s & 2, two = s & 1;
    for (uint32_t e = g_.begin(x); e < g_.end(x); ++e) {
      if (*budget == 0) return false;
      --*budget;
      const EdgeKind k = g_.kind(e);
      if (!(mask & EdgeBit(k))) continue;
      const uint32_t y = g_.target(e);
      if (comp[y] != c) continue;
      const bool rw = k == EdgeKind::kRW;
      if (rw && rw_last) continue;
      const uint32_t t = id(y, rw, two || rw);
      if (state_stamp_[t] == state_generation_) continue;
      state_stamp_[t] = state_generation_;
      state_parent_[t] = s;
      state_kind_[t] = static_cast<uint8_t>(k);
      if (t != goal) {
        queue_.push_back(t);
        continue;
      }
      // u -rw-> first ... -> u: walk the parents back to a start state.
      std::vector<uint32_t> nodes;
      std::vector<EdgeKind> kinds;
      uint32_t z = t;
      for (; state_parent_[z] != kNoNode; z = state_parent_[z]) {
        nodes.push_back(z / 4);
        kinds.push_back(static_cast<EdgeKind>(state_kind_[z]));
      }
      nodes.push_back(z / 4);
      kinds.push_back(EdgeKind::kRW);  // u -> the start state's node
      std::reverse(nodes.begin(), nodes.end());
      std::reverse(kinds.begin(), kinds.end());
      // nodes: v ... u; kinds: u -> v first, then the walk's edges.
      out->nodes.assign(1, u);
      out->nodes.insert(out->nodes.end(), nodes.begin(), nodes.end() - 1);
      out->kinds = std::move(kinds);
      return true;
    }
  }
  return false;
}

}  // namespace crashlab
