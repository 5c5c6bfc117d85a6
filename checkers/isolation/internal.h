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
#include <unordered_map>
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

// Edges added by an assumption (sequential-keys, linearizable-keys), each
// with its sentence. Sentences name the edge's ends as kFrom and kTo, which
// Explain() replaces with the names the cycle gives them.
class AssumedEdges {
 public:
  static constexpr char kFrom[] = "\x01A", kTo[] = "\x01B";
  // Keeps the first sentence given for (from, to, kind).
  void Add(uint32_t from, uint32_t to, EdgeKind k, std::string sentence);
  // The sentence for a -> b, or "" when that edge was not assumed.
  std::string Explain(uint32_t a, uint32_t b, EdgeKind k,
                      const std::string& na, const std::string& nb) const;
  size_t size() const { return edges_.size(); }

 private:
  static uint64_t Id(uint32_t a, uint32_t b, EdgeKind k) {
    return (uint64_t{a} << 32 | b) * 8 + static_cast<uint64_t>(k);
  }
  std::unordered_map<uint64_t, std::string> edges_;
};

// t1 directly precedes t2 among the transactions touching `key`, in process
// order (realtime false) or real-time order: the pairs behind the
// sequential-keys and linearizable-keys assumptions.
struct KeyOrderPair {
  uint32_t key, t1, t2;
};

class Inference {
 public:
  virtual ~Inference() = default;
  // Reports non-cyclic anomalies and adds ww, wr and rw edges.
  virtual void Run(DepGraph* g, AnomalySink* sink) = 0;
  // Under sequential-keys / linearizable-keys: adds the ww and rw edges the
  // assumed per-key version order implies (`realtime` says which order the
  // pairs come from, for explanations).
  virtual void AddAssumedEdges(const std::vector<KeyOrderPair>& pairs,
                               bool realtime, DepGraph* g) = 0;
  // One sentence explaining the data edge a -> b, naming them na and nb.
  virtual std::string ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                                  const std::string& na,
                                  const std::string& nb) const = 0;

 protected:
  // Adds an assumed edge to g with its sentence.
  void Assume(DepGraph* g, uint32_t from, uint32_t to, EdgeKind k,
              std::string sentence) {
    if (from == to) return;
    g->AddEdge(from, to, k);
    assumed_.Add(from, to, k, std::move(sentence));
  }
  AssumedEdges assumed_;
};
std::unique_ptr<Inference> NewAppendInference(const TxnHistory& h);
std::unique_ptr<Inference> NewRegisterInference(const TxnHistory& h);

void AddOrderEdges(const TxnHistory& h, bool process, bool realtime,
                   DepGraph* g);

std::vector<KeyOrderPair> KeyOrderPairs(const TxnHistory& h, bool realtime);
// Why an assumed edge holds: "the transaction at history index I (which
// {what1}) completed before the one at index J (which {what2}) was invoked;
// --linearizable-keys assumes ..." (or the process-order wording).
std::string KeyOrderReason(const TxnHistory& h, const KeyOrderPair& p,
                           bool realtime, const std::string& what1,
                           const std::string& what2);
std::string ExplainOrderEdge(const TxnHistory& h, uint32_t a, uint32_t b,
                             EdgeKind k, const std::string& na,
                             const std::string& nb);

using ExplainFn = std::function<std::string(
    uint32_t a, uint32_t b, EdgeKind k, const std::string& na,
    const std::string& nb)>;
struct CycleStats {
  uint64_t components = 0;
  bool truncated = false;
  uint64_t truncated_components = 0;
  uint32_t truncated_classes = 0;  // bit i: AnomalyType i's search was cut
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
