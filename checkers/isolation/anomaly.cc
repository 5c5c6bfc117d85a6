#include "checkers/isolation/anomaly.h"

#include <array>

namespace crashlab {
namespace {

using A = AnomalyType;
using M = IsolationModel;

constexpr std::array<const char*, kAnomalyTypeCount> kAnomalyNames = {
    "G0", "G1c", "G-single", "G-nonadjacent", "G2-item",
    "G0-process", "G1c-process", "G-single-process", "G-nonadjacent-process",
    "G2-item-process",
    "G0-realtime", "G1c-realtime", "G-single-realtime",
    "G-nonadjacent-realtime", "G2-item-realtime",
    "G1a", "G1b", "dirty-update", "future-read", "lost-update", "internal", "garbage-read",
    "duplicate-elements", "incompatible-order", "duplicate-write"};

constexpr std::array<const char*, kModelCount> kModelNames = {
    "read-uncommitted", "read-committed", "monotonic-atomic-view",
    "repeatable-read", "snapshot-isolation", "serializable",
    "strong-session-snapshot-isolation", "strong-session-serializable",
    "strong-snapshot-isolation", "strict-serializable"};

// The models each model directly implies (is stronger than).
ModelSet Implies(M m) {
  switch (m) {
    case M::kReadUncommitted: return 0;
    case M::kReadCommitted: return ModelBit(M::kReadUncommitted);
    case M::kMonotonicAtomicView: return ModelBit(M::kReadCommitted);
    case M::kRepeatableRead: return ModelBit(M::kMonotonicAtomicView);
    case M::kSnapshotIsolation: return ModelBit(M::kMonotonicAtomicView);
    case M::kSerializable:
      return ModelBit(M::kRepeatableRead) | ModelBit(M::kSnapshotIsolation);
    case M::kStrongSessionSnapshotIsolation:
      return ModelBit(M::kSnapshotIsolation);
    case M::kStrongSessionSerializable:
      return ModelBit(M::kSerializable) |
             ModelBit(M::kStrongSessionSnapshotIsolation);
    case M::kStrongSnapshotIsolation:
      return ModelBit(M::kStrongSessionSnapshotIsolation);
    case M::kStrictSerializable:
      return ModelBit(M::kStrongSessionSerializable) |
             ModelBit(M::kStrongSnapshotIsolation);
  }
  return 0;
}

// m and every model m implies, transitively.
ModelSet DownSet(M m) {
  ModelSet out = ModelBit(m);
  for (bool grew = true; grew;) {
    grew = false;
    for (int i = 0; i < kModelCount; ++i) {
      if ((out >> i & 1) == 0) continue;
      const ModelSet more = Implies(static_cast<M>(i)) & ~out;
      if (more) out |= more, grew = true;
    }
  }
  return out;
}

}  // namespace

const char* EdgeKindName(EdgeKind k) {
  switch (k) {
    case EdgeKind::kWW: return "ww";
    case EdgeKind::kWR: return "wr";
    case EdgeKind::kRW: return "rw";
    case EdgeKind::kProcess: return "process";
    case EdgeKind::kRealtime: return "realtime";
  }
  return "?";
}

const char* AnomalyTypeName(AnomalyType t) {
  return kAnomalyNames[static_cast<int>(t)];
}

std::optional<AnomalyType> AnomalyTypeFromName(std::string_view name) {
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (name == kAnomalyNames[i]) return static_cast<AnomalyType>(i);
  }
  return std::nullopt;
}

bool IsCycleAnomaly(AnomalyType t) { return t <= A::kG2ItemRealtime; }

AnomalyType ClassifyCycle(const std::vector<EdgeKind>& kinds) {
  int rw = 0;
  bool wr = false, process = false, realtime = false, adjacent_rw = false;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const EdgeKind k = kinds[i];
    if (k == EdgeKind::kRW) {
      ++rw;
      if (kinds[(i + 1) % kinds.size()] == EdgeKind::kRW) adjacent_rw = true;
    }
    wr |= k == EdgeKind::kWR;
    process |= k == EdgeKind::kProcess;
    realtime |= k == EdgeKind::kRealtime;
  }
  int base;  // offset within one block of five
  if (rw == 0) base = wr ? 1 : 0;
  else if (rw == 1) base = 2;
  else base = adjacent_rw ? 4 : 3;
  const int block = realtime ? 10 : process ? 5 : 0;
  return static_cast<AnomalyType>(block + base);
}

const char* ModelName(IsolationModel m) { return kModelNames[static_cast<int>(m)]; }

std::vector<IsolationModel> ModelsIn(ModelSet s) {
  std::vector<IsolationModel> out;
  for (int i = 0; i < kModelCount; ++i) {
    if (s >> i & 1) out.push_back(static_cast<IsolationModel>(i));
  }
  return out;
}

ModelSet WeakestModelsViolatedBy(AnomalyType t) {
  switch (t) {
    // PL-1 proscribes write cycles; no model lets a read see a value that
    // was never written or see one append twice (Elle: duplicate-elements
    // is PL-1; garbage reads are our addition, on the same grounds).
    case A::kG0:
    case A::kGarbageRead:
    case A::kDuplicateElements:
      return ModelBit(M::kReadUncommitted);
    // PL-2 proscribes G1; Elle: incompatible-order and dirty-update imply
    // G1a. A future read observes a write nobody had made yet: Elle files
    // it with G1c (circular information flow within one transaction).
    case A::kG1a:
    case A::kG1b:
    case A::kG1c:
    case A::kIncompatibleOrder:
    case A::kDirtyUpdate:
    case A::kFutureRead:
      return ModelBit(M::kReadCommitted);
    // Item-level G-single and G-nonadjacent imply G2-item (repeatable read)
    // and are proscribed by snapshot isolation (Adya's G-SI, Elle's
    // G-nonadjacent). Lost update: repeatable read (Bailis) and, via
    // cursor stability, snapshot isolation.
    case A::kGSingle:
    case A::kGNonadjacent:
    case A::kLostUpdate:
      return ModelBit(M::kRepeatableRead) | ModelBit(M::kSnapshotIsolation);
    case A::kG2Item:
      return ModelBit(M::kRepeatableRead);
    // Elle: INT is proscribed by read atomic, SI and serializable; of our
    // models, snapshot isolation is the weakest.
    case A::kInternal:
      return ModelBit(M::kSnapshotIsolation);
    case A::kG0Process:
    case A::kG1cProcess:
    case A::kGSingleProcess:
    case A::kGNonadjacentProcess:
      return ModelBit(M::kStrongSessionSnapshotIsolation);
    case A::kG2ItemProcess:
      return ModelBit(M::kStrongSessionSerializable);
    case A::kG0Realtime:
    case A::kG1cRealtime:
    case A::kGSingleRealtime:
    case A::kGNonadjacentRealtime:
      return ModelBit(M::kStrongSnapshotIsolation);
    case A::kG2ItemRealtime:
      return ModelBit(M::kStrictSerializable);
    case A::kDuplicateWrite:
      return 0;
  }
  return 0;
}

ModelSet CheckedModels(bool process_edges, bool realtime_edges) {
  ModelSet s = ModelBit(M::kReadUncommitted) | ModelBit(M::kReadCommitted) |
               ModelBit(M::kMonotonicAtomicView) |
               ModelBit(M::kRepeatableRead) |
               ModelBit(M::kSnapshotIsolation) | ModelBit(M::kSerializable);
  // Real-time edges subsume process order, but a session cycle found through
  // them is named -realtime, so session models need process edges.
  if (process_edges) {
    s |= ModelBit(M::kStrongSessionSnapshotIsolation) |
         ModelBit(M::kStrongSessionSerializable);
  }
  if (realtime_edges) {
    s |= ModelBit(M::kStrongSnapshotIsolation) |
         ModelBit(M::kStrictSerializable);
  }
  return s;
}

ModelVerdict JudgeModels(uint32_t present, bool process_edges,
                         bool realtime_edges) {
  ModelSet direct = 0;
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (present >> i & 1) {
      direct |= WeakestModelsViolatedBy(static_cast<AnomalyType>(i));
    }
  }
  ModelVerdict v;
  std::array<ModelSet, kModelCount> down;
  for (int i = 0; i < kModelCount; ++i) down[i] = DownSet(static_cast<M>(i));
  for (int i = 0; i < kModelCount; ++i) {
    if (down[i] & direct) v.violated |= ModelBit(static_cast<M>(i));
  }
  const ModelSet checked = CheckedModels(process_edges, realtime_edges);
  v.consistent = checked & ~v.violated;
  v.unchecked = ~checked & ((ModelSet{1} << kModelCount) - 1) & ~v.violated;
  for (int i = 0; i < kModelCount; ++i) {
    const ModelSet bit = ModelBit(static_cast<M>(i));
    if ((v.violated & bit) && !(down[i] & v.violated & ~bit)) {
      v.weakest_violated |= bit;
    }
    if (v.consistent & bit) {
      bool implied_by_other = false;
      for (int j = 0; j < kModelCount; ++j) {
        if (j != i && (v.consistent >> j & 1) && (down[j] & bit)) {
          implied_by_other = true;
        }
      }
      if (!implied_by_other) v.strongest_consistent |= bit;
    }
  }
  return v;
}

}  // namespace crashlab
