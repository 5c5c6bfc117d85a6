// Internal to the isolation checker: the pieces isolation.cc wires together.
//
//   AnomalySink     counts anomalies, keeps explained examples
//   Inference       per workload (list-append, rw-register): non-cyclic
//                   anomalies, data edges, and the sentence explaining an edge
//   AddOrderEdges   process and real-time order edges
//   FindCycles      components, shortest explaining cycles, classification
//   PairIndex       open-addressing (key, atom) -> id map: one flat array
//
// Everything works on one check's data, on the calling thread.
#ifndef CRASHLAB_CHECKERS_ISOLATION_INTERNAL_H_
#define CRASHLAB_CHECKERS_ISOLATION_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "checkers/isolation/dep_graph.h"
#include "checkers/isolation/isolation.h"
#include "checkers/isolation/txn_history.h"

namespace crashlab {
namespace isolation_internal {

class AnomalySink {
 public:
  AnomalySink(const TxnHistory& h, size_t max_examples)
      : h_(h), max_(max_examples) {}

  // Counts one anomaly; true when the caller should build and Add() it.
  bool Count(AnomalyType t) {
    return ++counts_[static_cast<int>(t)] <= max_;
  }
  // An example; its transactions are named T1, T2, ... in the order given,
  // which is how `explanation` must name them.
  void Add(AnomalyType t, const std::vector<uint32_t>& txns, std::string key,
           std::string explanation);
  void AddCycle(AnomalyType t, const Cycle& c,
                std::vector<std::string> step_explanations);

  const std::array<uint64_t, kAnomalyTypeCount>& counts() const {
    return counts_;
  }
  std::vector<Anomaly> TakeExamples();

 private:
  AnomalyTxn Describe(uint32_t txn, size_t n) const;

  const TxnHistory& h_;
  size_t max_;
  std::array<uint64_t, kAnomalyTypeCount> counts_{};
  std::vector<Anomaly> examples_;
};

class Inference {
 public:
  virtual ~Inference() = default;
  // Reports non-cyclic anomalies and adds ww, wr and rw edges.
  virtual void Run(DepGraph* g, AnomalySink* sink) = 0;
  // One sentence explaining the data edge a -> b, naming them na and nb.
  virtual std::string ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                                  const std::string& na,
                                  const std::string& nb) const = 0;
};
std::unique_ptr<Inference> NewAppendInference(const TxnHistory& h);
std::unique_ptr<Inference> NewRegisterInference(const TxnHistory& h);

void AddOrderEdges(const TxnHistory& h, bool process, bool realtime,
                   DepGraph* g);
std::string ExplainOrderEdge(const TxnHistory& h, uint32_t a, uint32_t b,
                             EdgeKind k, const std::string& na,
                             const std::string& nb);

using ExplainFn = std::function<std::string(
    uint32_t a, uint32_t b, EdgeKind k, const std::string& na,
    const std::string& nb)>;
struct CycleStats {
  uint64_t components = 0;
  bool truncated = false;
};
CycleStats FindCycles(const DepGraph& g, const IsolationOptions& o,
                      const ExplainFn& explain, AnomalySink* sink);

// (key id, atom) -> uint32 value, open addressing with linear probing.
class PairIndex {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;
  explicit PairIndex(size_t expected);
  // Inserts (key, atom) -> value unless present; returns the value stored.
  uint32_t Insert(uint32_t key, Atom atom, uint32_t value);
  uint32_t Find(uint32_t key, Atom atom) const;
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    Atom atom;
    uint32_t key;
    uint32_t value;  // kMissing: empty
  };
  static uint64_t Hash(uint32_t key, Atom atom) {
    uint64_t x = atom * 0x9E3779B97F4A7C15ULL ^ (uint64_t{key} + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL;
    return x ^ (x >> 29);
  }
  void Grow();
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

// "[1 2 3]", or "[1 2 ... 9 10] (10 values)" past `max_shown`.
std::string ListText(const AtomTable& t, std::span<const Atom> list,
                     size_t max_shown = 8);
std::string KeyText(const TxnHistory& h, uint32_t key);
std::string ValueText(const TxnHistory& h, Atom a);

}  // namespace isolation_internal
}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_INTERNAL_H_
