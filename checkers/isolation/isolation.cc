#include "checkers/isolation/isolation.h"

#include <algorithm>

#include <fmt/format.h>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {

// ---------------------------------------------------------------- PairIndex

PairIndex::PairIndex(size_t expected) {
  size_t cap = 16;
  while (cap < expected * 2) cap <<= 1;
  slots_.assign(cap, Slot{0, 0, kMissing});
  mask_ = cap - 1;
}

uint32_t PairIndex::Insert(uint32_t key, Atom atom, uint32_t value) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  for (size_t i = Hash(key, atom) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.value == kMissing) {
      s = Slot{atom, key, value};
      ++size_;
      return value;
    }
    if (s.atom == atom && s.key == key) return s.value;
  }
}

uint32_t PairIndex::Find(uint32_t key, Atom atom) const {
  for (size_t i = Hash(key, atom) & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.value == kMissing) return kMissing;
    if (s.atom == atom && s.key == key) return s.value;
  }
}

void PairIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, Slot{0, 0, kMissing});
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (const Slot& s : old) {
    if (s.value != kMissing) Insert(s.key, s.atom, s.value);
  }
}

// ---------------------------------------------------------------- text

std::string ListText(const AtomTable& t, std::span<const Atom> list,
                     size_t max_shown) {
  std::string s = "[";
  auto add = [&](size_t i) {
    if (s.size() > 1) s += ' ';
    s += AtomToText(t, list[i]);
  };
  if (list.size() <= max_shown) {
    for (size_t i = 0; i < list.size(); ++i) add(i);
    return s + "]";
  }
  const size_t tail = max_shown / 2 + max_shown % 2, head = max_shown - tail;
  for (size_t i = 0; i < head; ++i) add(i);
  s += " ...";
  for (size_t i = list.size() - tail; i < list.size(); ++i) add(i);
  return s + fmt::format("] ({} values)", list.size());
}

std::string KeyText(const TxnHistory& h, uint32_t key) {
  return AtomToText(h.atom_table(), h.KeyAtom(key));
}

std::string ValueText(const TxnHistory& h, Atom a) {
  return AtomToText(h.atom_table(), a);
}

// ---------------------------------------------------------------- assumed

void AssumedEdges::Add(uint32_t from, uint32_t to, EdgeKind k,
                       std::string sentence) {
  edges_.emplace(Id(from, to, k), std::move(sentence));
}

std::string AssumedEdges::Explain(uint32_t a, uint32_t b, EdgeKind k,
                                  const std::string& na,
                                  const std::string& nb) const {
  auto it = edges_.find(Id(a, b, k));
  if (it == edges_.end()) return "";
  std::string s = it->second;
  for (const auto& [token, name] : {std::pair<std::string_view, const std::string&>{kFrom, na},
                                    std::pair<std::string_view, const std::string&>{kTo, nb}}) {
    for (size_t at = s.find(token); at != std::string::npos;
         at = s.find(token, at + name.size())) {
      s.replace(at, token.size(), name);
    }
  }
  return s;
}

// ---------------------------------------------------------------- sink

AnomalyTxn AnomalySink::Describe(uint32_t txn, size_t n) const {
  const Txn& t = h_.txns()[txn];
  AnomalyTxn a;
  a.name = fmt::format("T{}", n);
  a.id = txn;
  a.process = t.process;
  a.type = t.type;
  a.invoke_index = t.invoke_index;
  a.complete_index = t.complete_index;
  a.value = MopsToJson(h_, t);
  a.edn = MopsToEdn(h_, t);
  return a;
}

void AnomalySink::Add(AnomalyType type, const std::vector<uint32_t>& txns,
                      std::string key, std::string explanation) {
  Anomaly a;
  a.type = type;
  for (size_t i = 0; i < txns.size(); ++i) a.txns.push_back(Describe(txns[i], i + 1));
  a.key = std::move(key);
  a.explanation = std::move(explanation);
  a.violates = WeakestModelsViolatedBy(type);
  examples_.push_back(std::move(a));
}

namespace {
const char* CycleWords(AnomalyType t) {
  switch (static_cast<int>(t) % 5) {
    case 0: return "a cycle of write-write dependencies";
    case 1: return "a cycle of write dependencies through which a write was "
                   "read (circular information flow)";
    case 2: return "a cycle with exactly one read-write anti-dependency";
    case 3: return "a cycle with several read-write anti-dependencies, no two "
                   "in a row";
    default: return "a cycle with two or more read-write anti-dependencies";
  }
}
}  // namespace

void AnomalySink::AddCycle(AnomalyType type, const Cycle& c,
                           std::vector<std::string> steps) {
  Anomaly a;
  a.type = type;
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    a.txns.push_back(Describe(c.nodes[i], i + 1));
    a.steps.push_back({c.kinds[i], std::move(steps[i])});
  }
  std::string story, path;
  for (const AnomalyStep& st : a.steps) {
    story += (story.empty() ? "" : "; ") + st.explanation;
  }
  for (const AnomalyTxn& t : a.txns) path += t.name + " -> ";
  const int block = static_cast<int>(type) / 5;
  a.explanation = fmt::format(
      "{}. So {}T1 is {}{}: {}.", story, path, CycleWords(type),
      block == 1 ? ", closed by process order"
                 : block == 2 ? ", closed by real-time order" : "",
      AnomalyTypeName(type));
  a.violates = WeakestModelsViolatedBy(type);
  examples_.push_back(std::move(a));
}

std::vector<Anomaly> AnomalySink::TakeExamples() {
  std::stable_sort(examples_.begin(), examples_.end(),
                   [](const Anomaly& a, const Anomaly& b) {
                     return a.type < b.type;
                   });
  return std::move(examples_);
}

}  // namespace isolation_internal

using isolation_internal::AnomalySink;

Result<IsolationResult> CheckIsolation(const TxnHistory& h,
                                       const IsolationOptions& options) {
  IsolationResult r;
  r.options = options;
  if (h.txns().size() >= DepGraph::kMaxNodes) {
    return Status::InvalidArgument(fmt::format(
        "{} transactions: the checker indexes at most {}", h.txns().size(),
        DepGraph::kMaxNodes - 1));
  }
  bool lists = false, registers = false;
  for (const Mop& m : h.mops()) {
    lists |= m.fn == MopFn::kAppend || (m.fn == MopFn::kRead && m.list);
    registers |= m.fn == MopFn::kWrite ||
                 (m.fn == MopFn::kRead && !m.list && !m.nil);
  }
  if (lists && registers) {
    return Status::BadInput(
        "the history mixes list-append mops (append, list reads) with "
        "rw-register mops (w, scalar reads); check one workload at a time");
  }
  r.workload = lists ? "list-append" : registers ? "rw-register" : "empty";
  r.counts.txns = h.txns().size();
  for (const Txn& t : h.txns()) {
    r.counts.ok += t.type == TxnType::kOk;
    r.counts.fail += t.type == TxnType::kFail;
    r.counts.info += t.type == TxnType::kInfo;
  }
  r.counts.mops = h.mops().size();
  r.counts.keys = h.key_count();

  AnomalySink sink(h, options.max_examples);
  auto inference = registers ? isolation_internal::NewRegisterInference(h)
                             : isolation_internal::NewAppendInference(h);
  DepGraph g(static_cast<uint32_t>(h.txns().size()));
  inference->Run(&g, &sink);
  for (const bool realtime : {false, true}) {
    if (realtime ? options.linearizable_keys : options.sequential_keys) {
      inference->AddAssumedEdges(
          isolation_internal::KeyOrderPairs(h, realtime), realtime, &g);
    }
  }
  isolation_internal::AddOrderEdges(h, options.process, options.realtime, &g);
  g.Build();
  r.counts.edges = g.counts();
  auto explain = [&](uint32_t a, uint32_t b, EdgeKind k, const std::string& na,
                     const std::string& nb) {
    if (k == EdgeKind::kProcess || k == EdgeKind::kRealtime) {
      return isolation_internal::ExplainOrderEdge(h, a, b, k, na, nb);
    }
    return inference->ExplainEdge(a, b, k, na, nb);
  };
  const auto cycles =
      isolation_internal::FindCycles(g, options, explain, &sink);
  r.counts.components = cycles.components;
  r.truncated = cycles.truncated;
  r.truncated_components = cycles.truncated_components;
  r.truncated_classes = cycles.truncated_classes;
  r.anomaly_counts = sink.counts();
  r.examples = sink.TakeExamples();
  r.models = JudgeModels(r.anomaly_mask(), options.process, options.realtime);
  return r;
}

}  // namespace crashlab
