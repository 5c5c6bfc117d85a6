// DepGraph: the transaction dependency graph, as flat arrays.
//
// Nodes are transaction ids (0..n-1). Edges are staged as one 64-bit word
// each, then Build() sorts them into compressed sparse rows: per node an
// offset, per edge one 32-bit word holding the target (29 bits) and the
// EdgeKind (3 bits). No per-edge heap objects; ~12 bytes per edge while
// building, 4 after.
//
// On top of it: Tarjan's strongly connected components over the edges of a
// kind mask, restricted to a set of active nodes (iterative: no recursion,
// whatever the graph), and a breadth-first search for a shortest path inside
// one component, which is how a cycle through a given edge is found.
//
// A DepGraph owns its arrays; build it on one thread, then read it from any.
// CycleSearch holds scratch space for one thread.
#ifndef CRASHLAB_CHECKERS_ISOLATION_DEP_GRAPH_H_
#define CRASHLAB_CHECKERS_ISOLATION_DEP_GRAPH_H_

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "checkers/isolation/anomaly.h"

namespace crashlab {

class DepGraph {
 public:
  static constexpr uint32_t kMaxNodes = uint32_t{1} << 29;
  explicit DepGraph(uint32_t nodes);

  void AddEdge(uint32_t from, uint32_t to, EdgeKind kind) {
    staged_.push_back(uint64_t{from} << 32 | Pack(to, kind));
    ++counts_[static_cast<int>(kind)];
  }
  // Sorts the staged edges into rows; AddEdge may not be called afterwards.
  void Build();

  uint32_t nodes() const { return nodes_; }
  uint32_t begin(uint32_t n) const { return offsets_[n]; }
  uint32_t end(uint32_t n) const { return offsets_[n + 1]; }
  uint32_t target(uint32_t e) const { return edges_[e] >> 3; }
  EdgeKind kind(uint32_t e) const { return static_cast<EdgeKind>(edges_[e] & 7); }
  uint64_t edge_count() const { return edges_.size(); }
  const std::array<uint64_t, kEdgeKindCount>& counts() const { return counts_; }
  size_t MemoryBytes() const;

 private:
  static uint32_t Pack(uint32_t to, EdgeKind k) {
    return to << 3 | static_cast<uint32_t>(k);
  }
  uint32_t nodes_;
  std::vector<uint64_t> staged_;
  std::vector<uint32_t> offsets_;
  std::vector<uint32_t> edges_;
  std::array<uint64_t, kEdgeKindCount> counts_{};
};

constexpr uint32_t kNoComponent = UINT32_MAX;

// Components of the subgraph of `mask` edges between nodes n with
// active(n) (all nodes when `active` is empty). comp[n] is the component's
// id for nodes in components of two or more nodes, kNoComponent otherwise.
// Returns the number of such components; members[c] lists their nodes.
uint32_t StronglyConnected(const DepGraph& g, uint8_t mask,
                           const std::vector<uint8_t>& active,
                           std::vector<uint32_t>* comp,
                           std::vector<std::vector<uint32_t>>* members);

// A cycle: nodes[i] -> nodes[i+1 mod n] by an edge of kinds[i].
struct Cycle {
  std::vector<uint32_t> nodes;
  std::vector<EdgeKind> kinds;
};

class CycleSearch {
 public:
  static constexpr uint32_t kNoNode = UINT32_MAX;
  explicit CycleSearch(const DepGraph& g);

  // Shortest path from any of `sources` to a node satisfying `is_target`,
  // over `mask` edges, staying in nodes n with comp[n] == c and n !=
  // `exclude`. A source that is itself a target is a path of one node.
  // Visits at most *budget edges (decremented). Fills path with the nodes
  // from its source to the target and kinds with the edges between them.
  bool ShortestPath(std::span<const uint32_t> sources,
                    const std::function<bool(uint32_t)>& is_target,
                    uint8_t mask, const std::vector<uint32_t>& comp, uint32_t c,
                    uint32_t exclude, uint64_t* budget,
                    std::vector<uint32_t>* path, std::vector<EdgeKind>* kinds);

  // A shortest cycle through the edge u -> v (of kind k): the edge plus a
  // shortest path v -> u as above (v itself is never a target).
  bool CycleThrough(uint32_t u, uint32_t v, EdgeKind k, uint8_t mask,
                    const std::vector<uint32_t>& comp, uint32_t c,
                    uint64_t* budget, Cycle* out);

  // A shortest closed walk that starts with one of the rw edges u -> v (v in
  // `rw_targets`), uses `mask` edges inside component c, holds at least two
  // rw edges and never two in a row, cyclically (the G-nonadjacent shape).
  // Its nodes may repeat; the caller decides what to make of that.
  bool NonadjacentWalk(uint32_t u, std::span<const uint32_t> rw_targets,
                       uint8_t mask, const std::vector<uint32_t>& comp,
                       uint32_t c, uint64_t* budget, Cycle* out);

 private:
  void NextGeneration(std::vector<uint32_t>* stamps);

  const DepGraph& g_;
  std::vector<uint32_t> stamp_, parent_;
  std::vector<uint8_t> parent_kind_;
  std::vector<uint32_t> queue_;
  uint32_t generation_ = 0;
  // NonadjacentWalk: per (node, last edge was rw, rw count capped at 2).
  std::vector<uint32_t> state_stamp_, state_parent_;
  std::vector<uint8_t> state_kind_;
  uint32_t state_generation_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_DEP_GRAPH_H_
