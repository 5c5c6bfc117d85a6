// The isolation checker: Elle-style inference of transactional anomalies
// from a history of list-append or rw-register transactions.
//
// Method (Kingsbury & Alvaro, "Elle", VLDB 2020; Adya 1999):
//   1. Non-cyclic checks, per read and per transaction: aborted reads (G1a),
//      intermediate reads (G1b), reads disagreeing with the transaction's own
//      writes (internal), values nobody wrote (garbage), one value appended
//      twice (duplicates), reads of a list not prefixes of one another
//      (incompatible order), two committed transactions that read one version
//      of a key and both wrote it (lost update).
//   2. Version orders. List-append: every read of a key must be a prefix of
//      its longest read, which is then the key's version order (appended
//      values are unique, so each element names its writer); an append never
//      read comes after every observed one. Rw-register: the initial nil
//      precedes every value, and a transaction that reads v then writes w
//      orders v before w; nothing more is assumed.
//   3. The dependency graph over committed (ok) and possibly committed (info)
//      transactions: ww (version order), wr (who wrote what was read), rw
//      (what was read was overwritten by), plus, when asked, process order
//      and real-time order (completion before invocation; a transitive
//      reduction, linear in the history). Info transactions only take part
//      through writes someone observed, and never precede anything in time.
//      With sequential-keys / linearizable-keys, process / real-time order
//      between two transactions touching a key also orders the key's
//      versions they end at and start from (Elle's version graphs).
//   4. Tarjan's strongly connected components, then per component a shortest
//      explaining cycle (breadth-first) of every class present: G0 in the ww
//      subgraph, G1c (ww+wr, through a wr edge), G-single (one rw edge
//      closing a ww+wr path), G2-item (two rw edges in a row) and
//      G-nonadjacent (cycles.cc). Transactions on no cycle of data edges
//      alone are searched again with process, then real-time edges: their
//      cycles are the -process / -realtime variants. A key whose version order is broken
//      (duplicates, incompatible orders) is left out of the graph, so one
//      anomaly does not breed false cycles.
//   5. Each anomaly type rules out consistency models (anomaly.h); the
//      result names the weakest models violated and the models the history
//      is consistent with, as far as the edges built allow.
//
// Counts cover every anomaly found; full examples (transactions with their
// history indices and values, one plain-language sentence per cycle edge)
// are kept for the first `max_examples` of each type.
//
// CheckIsolation is a pure function of its inputs; it allocates O(history)
// memory, holds no global state, and is safe to call from many threads.
#ifndef CRASHLAB_CHECKERS_ISOLATION_ISOLATION_H_
#define CRASHLAB_CHECKERS_ISOLATION_ISOLATION_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkers/isolation/anomaly.h"
#include "checkers/isolation/txn_history.h"
#include "core/status.h"

namespace crashlab {

constexpr char kIsolationSchemaId[] = "crashlab-isolation/1";

struct IsolationOptions {
  bool process = false;   // add process-order edges
  bool realtime = false;  // add real-time-order edges
  // Elle's history assumptions (checkers/isolation/README.md): each key on
  // its own is sequentially consistent (every process sees its versions in
  // process order) or linearizable (its versions follow real time). Each
  // orders versions the reads leave unordered (register writes, appends no
  // read observed) and adds the ww / rw edges that follows, so anomalies
  // invisible without the assumption become data-edge cycles. Wrong when
  // the engine does not give the assumed per-key order.
  bool sequential_keys = false;
  bool linearizable_keys = false;
  size_t max_examples = 8;  // explained examples kept per anomaly type
  // Edge visits allowed per component for each of the searches that are
  // not linear (G-single, G2-item, G-nonadjacent). A search that runs out
  // stops: the class may be present but unreported, and the result says
  // so (`truncated`, `truncation`).
  uint64_t search_budget = uint64_t{1} << 24;
};

// A transaction as an anomaly shows it.
struct AnomalyTxn {
  std::string name;  // "T1", "T2", ... within one anomaly
  uint32_t id = 0;   // in the TxnHistory
  uint64_t process = 0;
  TxnType type = TxnType::kOk;
  uint64_t invoke_index = 0, complete_index = 0;
  nlohmann::json value;  // its mops, as JSON
  std::string edn;       // its mops, as EDN
};

struct AnomalyStep {  // one edge of a cycle: txns[i] -> txns[i+1 mod n]
  EdgeKind kind = EdgeKind::kWW;
  std::string explanation;
};

struct Anomaly {
  AnomalyType type = AnomalyType::kG0;
  std::vector<AnomalyTxn> txns;   // for cycles, in cycle order
  std::vector<AnomalyStep> steps; // cycles only, parallel to txns
  std::string key;                // non-cycles: the key involved, as EDN
  std::string explanation;        // the whole story, one paragraph
  ModelSet violates = 0;          // weakest models this anomaly rules out

  nlohmann::json ToJson() const;
};

struct IsolationResult {
  std::string workload;  // list-append | rw-register | empty
  IsolationOptions options;
  struct Counts {
    uint64_t txns = 0, ok = 0, fail = 0, info = 0, mops = 0, keys = 0;
    std::array<uint64_t, kEdgeKindCount> edges{};
    uint64_t components = 0;  // strongly connected, two or more txns
  } counts;
  std::array<uint64_t, kAnomalyTypeCount> anomaly_counts{};
  std::vector<Anomaly> examples;  // by type, then in order found
  ModelVerdict models;
  bool truncated = false;  // a cycle search ran out of budget
  uint64_t truncated_components = 0;  // components where one was cut
  uint32_t truncated_classes = 0;     // bit i: AnomalyType i's search cut

  uint32_t anomaly_mask() const;  // bit i: AnomalyType i found
  // "valid" (nothing found), "invalid" (anomalies), or "unknown" (only
  // duplicate writes: the workload broke its contract, nothing was judged).
  std::string Verdict() const;
  // The `isolation` report section (schema crashlab-isolation/1, see
  // checkers/isolation/README.md).
  nlohmann::json ToJson() const;
  // A few lines for people: counts, the model verdict, each example.
  std::string Summary() const;
};

// Errors: a history mixing list-append and rw-register mops, or too large to
// index (more than 2^29 transactions or 2^32 values).
Result<IsolationResult> CheckIsolation(const TxnHistory& h,
                                       const IsolationOptions& options);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_ISOLATION_H_
