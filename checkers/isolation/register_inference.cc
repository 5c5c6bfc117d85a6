// Rw-register inference (see isolation.h). Registers reveal far less order
// than lists: we know only that the initial nil precedes every written value
// and that a transaction which read v and then wrote w ordered v before w.
// Every other pair of versions stays unordered, so cycles found are real but
// many are missed (as in Elle without linearizability assumptions).
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

struct Access {  // an external read or final write of one key by one txn
  uint32_t key;
  Atom value;
  uint32_t txn;
  uint32_t mop;
  bool operator<(const Access& o) const {
    return key != o.key ? key < o.key : value != o.value ? value < o.value
                                                         : txn < o.txn;
  }
};

class RegisterInference : public Inference {
 public:
  explicit RegisterInference(const TxnHistory& h)
      : h_(h), txns_(h.txns()), mops_(h.mops()), values_(h.values()),
        index_(h.mops().size() / 2 + 1) {}

  void Run(DepGraph* g, AnomalySink* sink) override {
    tainted_.assign(h_.key_count(), 0);
    IndexWrites(sink);
    CollectReads(sink);
    AddEdges(g);
  }

  std::string ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                          const std::string& na,
                          const std::string& nb) const override;
  void AddAssumedEdges(const std::vector<KeyOrderPair>& pairs, bool realtime,
                       DepGraph* g) override;

 private:
  // A transaction's external value of a key: its first read (ok txns only)
  // or its final write; written says which.
  struct External {
    Atom value = AtomTable::kNil;
    bool written = false;
  };
  // The value t's version of key ends at (final write, else first read)
  // and the one it starts from (first read, else final write).
  std::optional<External> FinalValue(uint32_t t, uint32_t key) const;
  std::optional<External> FirstValue(uint32_t t, uint32_t key) const;
  struct Write {
    uint32_t txn, mop;
    bool intermediate, failed;
  };
  std::string Key(uint32_t k) const { return KeyText(h_, k); }
  std::string Val(Atom a) const { return ValueText(h_, a); }
  uint32_t WriterOf(uint32_t key, Atom v) const {
    const uint32_t w = index_.Find(key, v);
    return w == PairIndex::kMissing || writes_[w].failed ? kNone
                                                         : writes_[w].txn;
  }
  void IndexWrites(AnomalySink* sink);
  void CollectReads(AnomalySink* sink);
  void CheckRead(uint32_t t, const Mop& m, AnomalySink* sink);
  void AddEdges(DepGraph* g);
  template <typename F>
  void ForReaders(uint32_t key, Atom v, F&& f) const {
    auto it = std::lower_bound(reads_.begin(), reads_.end(),
                               Access{key, v, 0, 0});
    for (; it != reads_.end() && it->key == key && it->value == v; ++it) f(*it);
  }

  const TxnHistory& h_;
  const std::vector<Txn>& txns_;
  const std::vector<Mop>& mops_;
  const std::vector<Atom>& values_;
  PairIndex index_;
  std::vector<Write> writes_;
  std::vector<uint8_t> tainted_;
  std::vector<Access> reads_;         // external reads of committed txns
  std::vector<Access> final_writes_;  // last write of a key in a txn
  std::vector<Access> wfr_;           // txn read `value` then wrote key
};

void RegisterInference::IndexWrites(AnomalySink* sink) {
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    const uint32_t begin = txn.mop_begin, n = txn.mop_count;
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kWrite) continue;
      bool later = false;
      for (uint32_t j = i + 1; j < n && !later; ++j) {
        later = mops_[begin + j].fn == MopFn::kWrite &&
                mops_[begin + j].key == m.key;
      }
      if (!later && txn.type != TxnType::kFail) {
        final_writes_.push_back({m.key, values_[m.begin], t, begin + i});
      }
      const uint32_t id = static_cast<uint32_t>(writes_.size());
      const uint32_t got = index_.Insert(m.key, values_[m.begin], id);
      if (got == id) {
        writes_.push_back({t, begin + i, later, txn.type == TxnType::kFail});
        continue;
      }
      tainted_[m.key] = 1;
      if (sink->Count(AnomalyType::kDuplicateWrite)) {
        sink->Add(AnomalyType::kDuplicateWrite, {writes_[got].txn, t},
                  Key(m.key),
                  fmt::format("T1 and T2 both wrote {} to {}: written values "
                              "must be unique per key, so reads of {} cannot "
                              "name their writers; {} is left out of the "
                              "dependency graph.",
                              Val(values_[m.begin]), Key(m.key), Key(m.key),
                              Key(m.key)));
      }
    }
  }
}

void RegisterInference::CheckRead(uint32_t t, const Mop& m, AnomalySink* sink) {
  const Atom v = values_[m.begin];
  const uint32_t w = index_.Find(m.key, v);
  if (w == PairIndex::kMissing) {
    if (sink->Count(AnomalyType::kGarbageRead)) {
      sink->Add(AnomalyType::kGarbageRead, {t}, Key(m.key),
                fmt::format("T1 read {} = {}, a value no transaction wrote.",
                            Key(m.key), Val(v)));
    }
    return;
  }
  const Write& wr = writes_[w];
  if (wr.txn == t) {  // the first access is this read: the write comes later
    if (sink->Count(AnomalyType::kFutureRead)) {
      sink->Add(AnomalyType::kFutureRead, {t}, Key(m.key),
                fmt::format("T1 read {} = {}, a value T1 itself writes only "
                            "later: nobody had written it when it was read "
                            "(a future read).",
                            Key(m.key), Val(v)));
    }
    return;
  }
  if (wr.failed && sink->Count(AnomalyType::kG1a)) {
    sink->Add(AnomalyType::kG1a, {t, wr.txn}, Key(m.key),
              fmt::format("T1 read {} = {}, written by T2, which failed: T1 "
                          "read an aborted write.",
                          Key(m.key), Val(v)));
  }
  if (wr.intermediate && sink->Count(AnomalyType::kG1b)) {
    Atom next = AtomTable::kNil;
    const Txn& tw = txns_[wr.txn];
    for (uint32_t i = wr.mop + 1; i < tw.mop_begin + tw.mop_count; ++i) {
      if (mops_[i].fn == MopFn::kWrite && mops_[i].key == m.key) {
        next = values_[mops_[i].begin];
        break;
      }
    }
    sink->Add(AnomalyType::kG1b, {t, wr.txn}, Key(m.key),
              fmt::format("T1 read {} = {}, but T2 wrote {} to {} and then "
                          "{}: T1 saw T2's intermediate state.",
                          Key(m.key), Val(v), Val(v), Key(m.key), Val(next)));
  }
}

// External reads (the first access of a key in a txn is a read), internal
// consistency, lost updates, and the write-follows-read version pairs.
void RegisterInference::CollectReads(AnomalySink* sink) {
  std::vector<Access> lost;  // external read of key, later write of key
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type != TxnType::kOk) continue;
    const uint32_t begin = txn.mop_begin, n = txn.mop_count;
    bool internal_reported = false;
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kRead) continue;
      const Atom v = m.nil ? AtomTable::kNil : values_[m.begin];
      const Mop* prev = nullptr;
      for (uint32_t j = i; j-- > 0;) {
        if (mops_[begin + j].key == m.key) {
          prev = &mops_[begin + j];
          break;
        }
      }
      if (prev != nullptr) {  // internal read: must match what came before
        const Atom want = prev->nil ? AtomTable::kNil : values_[prev->begin];
        if (want != v && !internal_reported &&
            sink->Count(AnomalyType::kInternal)) {
          internal_reported = true;
          sink->Add(AnomalyType::kInternal, {t}, Key(m.key),
                    fmt::format("T1 {} {} = {} and then read {} = {}.",
                                prev->fn == MopFn::kWrite ? "wrote" : "read",
                                Key(m.key), Val(want), Key(m.key), Val(v)));
        }
        continue;
      }
      if (!m.nil) CheckRead(t, m, sink);
      if (tainted_[m.key]) continue;
      reads_.push_back({m.key, v, t, begin + i});
      for (uint32_t j = n; j-- > i + 1;) {
        const Mop& o = mops_[begin + j];
        if (o.fn == MopFn::kWrite && o.key == m.key) {  // last write of key
          wfr_.push_back({m.key, v, t, begin + j});
          lost.push_back({m.key, v, t, begin + i});
          break;
        }
      }
    }
  }
  std::sort(reads_.begin(), reads_.end());
  std::sort(lost.begin(), lost.end());
  for (size_t i = 0; i < lost.size();) {
    size_t j = i + 1;
    while (j < lost.size() && lost[j].key == lost[i].key &&
           lost[j].value == lost[i].value) {
      ++j;
    }
    if (j - i >= 2 && sink->Count(AnomalyType::kLostUpdate)) {
      std::vector<uint32_t> txns;
      for (size_t x = i; x < j && txns.size() < 8; ++x) txns.push_back(lost[x].txn);
      sink->Add(AnomalyType::kLostUpdate, txns, Key(lost[i].key),
                fmt::format("{} read {} = {} and then wrote {}, and all "
                            "committed ({} transactions): each wrote {} "
                            "without seeing the others' updates.",
                            j - i == 2 ? "T1 and T2 both" : "T1, T2, ... all",
                            Key(lost[i].key), Val(lost[i].value),
                            Key(lost[i].key), j - i, Key(lost[i].key)));
    }
    i = j;
  }
}

void RegisterInference::AddEdges(DepGraph* g) {
  for (const Access& r : reads_) {  // wr
    if (r.value == AtomTable::kNil) continue;
    const uint32_t w = WriterOf(r.key, r.value);
    if (w != kNone && w != r.txn) g->AddEdge(w, r.txn, EdgeKind::kWR);
  }
  // nil precedes every write: its readers rw-precede every writer.
  for (const Access& w : final_writes_) {
    if (tainted_[w.key]) continue;
    ForReaders(w.key, AtomTable::kNil, [&](const Access& r) {
      if (r.txn != w.txn) g->AddEdge(r.txn, w.txn, EdgeKind::kRW);
    });
  }
  // T read v, then wrote v': v's writer ww-precedes T, v's readers
  // rw-precede T.
  for (const Access& p : wfr_) {
    if (p.value == AtomTable::kNil) continue;  // covered above
    const uint32_t w = WriterOf(p.key, p.value);
    if (w != kNone && w != p.txn) g->AddEdge(w, p.txn, EdgeKind::kWW);
    ForReaders(p.key, p.value, [&](const Access& r) {
      if (r.txn != p.txn) g->AddEdge(r.txn, p.txn, EdgeKind::kRW);
    });
  }
}

std::optional<RegisterInference::External> RegisterInference::FinalValue(
    uint32_t t, uint32_t key) const {
  std::optional<External> out;
  for (const Mop& m : h_.MopsOf(txns_[t])) {
    if (m.key != key) continue;
    if (m.fn == MopFn::kWrite) {
      out = External{values_[m.begin], true};
    } else if (!out && txns_[t].type == TxnType::kOk) {
      out = External{m.nil ? AtomTable::kNil : values_[m.begin], false};
    }
  }
  return out;
}

std::optional<RegisterInference::External> RegisterInference::FirstValue(
    uint32_t t, uint32_t key) const {
  std::optional<External> last_write;
  bool first = true;
  for (const Mop& m : h_.MopsOf(txns_[t])) {
    if (m.key != key) continue;
    if (m.fn == MopFn::kRead && first && txns_[t].type == TxnType::kOk) {
      return External{m.nil ? AtomTable::kNil : values_[m.begin], false};
    }
    first = false;
    if (m.fn == MopFn::kWrite) last_write = External{values_[m.begin], true};
  }
  return last_write;
}

// For each pair t1 -> t2 on key k (t1's final value v1, t2's first value
// v2, v1 != v2): v1 precedes v2, so v1's writer ww-precedes v2's writer
// and v1's readers rw-precede it (Elle's version-graphs->transaction-graph).
void RegisterInference::AddAssumedEdges(const std::vector<KeyOrderPair>& pairs,
                                        bool realtime, DepGraph* g) {
  const std::string from = AssumedEdges::kFrom, to = AssumedEdges::kTo;
  for (const KeyOrderPair& p : pairs) {
    if (tainted_[p.key]) continue;
    const auto v1 = FinalValue(p.t1, p.key);
    const auto v2 = FirstValue(p.t2, p.key);
    if (!v1 || !v2 || v1->value == v2->value) continue;
    if (v1->value == AtomTable::kNil || v2->value == AtomTable::kNil) continue;
    const uint32_t w2 = WriterOf(p.key, v2->value);
    if (w2 == kNone) continue;
    const std::string k = Key(p.key), a = Val(v1->value), b = Val(v2->value);
    const std::string reason = KeyOrderReason(
        h_, p, realtime,
        fmt::format("{} {} = {}", v1->written ? "wrote" : "read", k, a),
        fmt::format("{} {} = {}", v2->written ? "wrote" : "read", k, b));
    const uint32_t w1 = WriterOf(p.key, v1->value);
    if (w1 != kNone) {
      Assume(g, w1, w2, EdgeKind::kWW,
             fmt::format("{} wrote {} = {} and {} wrote {} = {}; {}, so {} "
                         "precedes {}: {}'s write came first (ww, assumed)",
                         from, k, a, to, k, b, reason, a, b, from));
    }
    ForReaders(p.key, v1->value, [&](const Access& r) {
      Assume(g, r.txn, w2, EdgeKind::kRW,
             fmt::format("{} read {} = {} and {} wrote {} = {}; {}, so {} "
                         "precedes {}: {} read {} before {}'s write (rw, "
                         "assumed)",
                         from, k, a, to, k, b, reason, a, b, from, k, to));
    });
  }
}

std::string RegisterInference::ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                                           const std::string& na,
                                           const std::string& nb) const {
  // The value txn t read externally from key (first access a read).
  struct Read {
    Atom value;
  };
  auto read_of = [&](uint32_t t, uint32_t key) -> std::optional<Read> {
    for (const Mop& m : h_.MopsOf(txns_[t])) {
      if (m.key != key) continue;
      if (m.fn != MopFn::kRead) return std::nullopt;
      return Read{m.nil ? AtomTable::kNil : values_[m.begin]};
    }
    return std::nullopt;
  };
  if (k == EdgeKind::kWR) {
    for (const Mop& m : h_.MopsOf(txns_[b])) {
      if (m.fn != MopFn::kRead || m.nil) continue;
      if (WriterOf(m.key, values_[m.begin]) != a) continue;
      return fmt::format("{} wrote {} = {}, and {} read {} = {}: {} saw {}'s "
                         "write (wr)",
                         na, Key(m.key), Val(values_[m.begin]), nb, Key(m.key),
                         Val(values_[m.begin]), nb, na);
    }
  }
  // ww and rw into b come from b's final writes.
  for (const Access& w : final_writes_) {
    if (w.txn != b) continue;
    const Atom next = values_[mops_[w.mop].begin];
    const std::optional<Read> b_read = read_of(b, w.key);
    const Atom prev = b_read ? b_read->value : AtomTable::kNil;
    if (k == EdgeKind::kWW && b_read && WriterOf(w.key, prev) == a) {
      return fmt::format("{} wrote {} = {}, and {} read that and then wrote "
                         "{} = {}: {}'s write came first (ww)",
                         na, Key(w.key), Val(prev), nb, Key(w.key), Val(next),
                         na);
    }
    if (k != EdgeKind::kRW) continue;
    const std::optional<Read> a_read = read_of(a, w.key);
    if (!a_read) continue;
    if (a_read->value == AtomTable::kNil) {
      return fmt::format("{} read {} = nil, its initial state, and {} wrote "
                         "{} = {}: {} read {} before {}'s write (rw)",
                         na, Key(w.key), nb, Key(w.key), Val(next), na,
                         Key(w.key), nb);
    }
    if (b_read && a_read->value == prev) {
      return fmt::format("{} read {} = {}, and {} read {} = {} too and then "
                         "wrote {}: {} read {} before {}'s write (rw)",
                         na, Key(w.key), Val(prev), nb, Key(w.key), Val(prev),
                         Val(next), na, Key(w.key), nb);
    }
  }
  const std::string assumed = assumed_.Explain(a, b, k, na, nb);
  if (!assumed.empty()) return assumed;
  return fmt::format("{} -> {} ({})", na, nb, EdgeKindName(k));
}

}  // namespace

std::unique_ptr<Inference> NewRegisterInference(const TxnHistory& h) {
  return std::make_unique<RegisterInference>(h);
}

}  // namespace isolation_internal
}  // namespace crashlab
