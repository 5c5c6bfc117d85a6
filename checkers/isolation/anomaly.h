// The vocabulary of the isolation checker: dependency edge kinds, anomaly
// types, consistency models, and which models each anomaly rules out.
//
// Anomalies follow Adya ("Weak Consistency", 1999) and Elle (Kingsbury &
// Alvaro, VLDB 2020). Cycles in the dependency graph are named by their
// edges: G0 (write-write only), G1c (ww and at least one wr), G-single
// (exactly one rw), G-nonadjacent (several rw, no two consecutive), G2-item
// (several rw, some consecutive). A cycle that exists only thanks to process
// or real-time order edges gets the -process or -realtime suffix. All our
// cycles are over single keys (items), never predicates.
//
// Models form a lattice: a history satisfying a stronger model satisfies
// every weaker one it implies. An anomaly rules out the models that proscribe
// it and every stronger model. The lattice and the proscriptions are Elle's
// (elle.consistency-model), restricted to the models listed here; where we
// add a judgement Elle leaves open it is marked below.
//
// Everything here is constant data and pure functions; thread-safe.
#ifndef CRASHLAB_CHECKERS_ISOLATION_ANOMALY_H_
#define CRASHLAB_CHECKERS_ISOLATION_ANOMALY_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace crashlab {

enum class EdgeKind : uint8_t { kWW, kWR, kRW, kProcess, kRealtime };
constexpr int kEdgeKindCount = 5;
const char* EdgeKindName(EdgeKind k);
constexpr uint8_t EdgeBit(EdgeKind k) { return uint8_t{1} << static_cast<int>(k); }
constexpr uint8_t kDataEdges = EdgeBit(EdgeKind::kWW) |
                               EdgeBit(EdgeKind::kWR) | EdgeBit(EdgeKind::kRW);

enum class AnomalyType : uint8_t {
  // Cycles (the order matters: base, then -process, then -realtime).
  kG0, kG1c, kGSingle, kGNonadjacent, kG2Item,
  kG0Process, kG1cProcess, kGSingleProcess, kGNonadjacentProcess,
  kG2ItemProcess,
  kG0Realtime, kG1cRealtime, kGSingleRealtime, kGNonadjacentRealtime,
  kG2ItemRealtime,
  // Found without cycles.
  kG1a,               // aborted read: a failed transaction's write was read
  kG1b,               // intermediate read: a non-final write was read
  kDirtyUpdate,       // a committed write built on an aborted write's state
  kFutureRead,        // a read saw a value its own txn writes only later
  kLostUpdate,        // two committed txns read one version, both wrote it
  kInternal,          // a read disagrees with the txn's own earlier ops
  kGarbageRead,       // a value nobody wrote was read
  kDuplicateElements, // a list read shows one appended value twice
  kIncompatibleOrder, // two reads of a list, neither a prefix of the other
  kDuplicateWrite,    // the history wrote one value to a key twice
};
constexpr int kAnomalyTypeCount = 25;
const char* AnomalyTypeName(AnomalyType t);  // Elle's names: "G-single", ...
std::optional<AnomalyType> AnomalyTypeFromName(std::string_view name);
bool IsCycleAnomaly(AnomalyType t);

// Classifies a cycle from the kinds of its edges, in order (cyclically).
AnomalyType ClassifyCycle(const std::vector<EdgeKind>& kinds);

enum class IsolationModel : uint8_t {
  kReadUncommitted,
  kReadCommitted,
  kMonotonicAtomicView,
  kRepeatableRead,
  kSnapshotIsolation,
  kSerializable,
  kStrongSessionSnapshotIsolation,
  kStrongSessionSerializable,
  kStrongSnapshotIsolation,
  kStrictSerializable,
};
constexpr int kModelCount = 10;
const char* ModelName(IsolationModel m);  // "read-committed", ...
using ModelSet = uint32_t;       // bit i: IsolationModel i
constexpr ModelSet ModelBit(IsolationModel m) { return ModelSet{1} << static_cast<int>(m); }
std::vector<IsolationModel> ModelsIn(ModelSet s);

// The weakest models an anomaly type violates (it violates every model
// implying them too). Empty for kDuplicateWrite: a broken workload contract,
// not a database anomaly.
ModelSet WeakestModelsViolatedBy(AnomalyType t);

// Models that can be judged given which order edges were in the graph.
ModelSet CheckedModels(bool process_edges, bool realtime_edges);

struct ModelVerdict {
  ModelSet violated = 0;         // every model ruled out
  ModelSet weakest_violated = 0; // Elle's :not
  ModelSet consistent = 0;       // checked and not ruled out
  ModelSet strongest_consistent = 0;
  ModelSet unchecked = 0;        // needs edges this check did not build
};
// `present`: bit i set when AnomalyType i was found.
ModelVerdict JudgeModels(uint32_t present, bool process_edges,
                         bool realtime_edges);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_ANOMALY_H_
