// List-append inference: write index, version orders, read checks and the
// ww / wr / rw edges. Per-transaction checks are in append_checks.cc.
#include "checkers/isolation/append_inference.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace crashlab {
namespace isolation_internal {

namespace {
size_t CountAppends(const TxnHistory& h) {
  size_t n = 0;
  for (const Mop& m : h.mops()) n += m.fn == MopFn::kAppend;
  return n;
}
}  // namespace

std::unique_ptr<Inference> NewAppendInference(const TxnHistory& h) {
  return std::make_unique<AppendInference>(h);
}

AppendInference::AppendInference(const TxnHistory& h)
    : h_(h),
      txns_(h.txns()),
      mops_(h.mops()),
      values_(h.values()),
      append_count_(CountAppends(h)),
      index_(append_count_) {}

void AppendInference::Run(DepGraph* g, AnomalySink* sink) {
  const size_t keys = h_.key_count();
  tainted_.assign(keys, 0);
  IndexWrites(sink);
  FindLongestReads();
  BuildVersionOrders(sink);
  CheckPrefixes(sink);
  CheckDirtyUpdates(sink);
  CheckReads(g, sink);
  AddVersionEdges(g);
  CheckInternal(sink);
  CheckLostUpdates(sink);
}

uint32_t AppendInference::WriterAt(uint32_t key, uint32_t pos) const {
  const uint32_t s = SlotAt(key, pos);
  if (s == kNone || writes_[s].failed) return kNone;
  return writes_[s].txn;
}

std::string AppendInference::ReadText(const Mop& m) const {
  if (m.nil) return "nil";
  return ListText(h_.atom_table(), h_.ValuesOf(m));
}

// Every append gets a write id, found by (key, value). Values must be unique
// per key: a second append of one value makes the key unusable.
void AppendInference::IndexWrites(AnomalySink* sink) {
  writes_.reserve(append_count_);
  std::vector<uint8_t> later;  // per mop of one txn: appended to again later
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type == TxnType::kPending) continue;
    const uint32_t begin = txn.mop_begin, n = txn.mop_count;
    later.assign(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kAppend) continue;
      for (uint32_t j = i + 1; j < n; ++j) {
        const Mop& o = mops_[begin + j];
        if (o.fn == MopFn::kAppend && o.key == m.key) {
          later[i] = 1;
          break;
        }
      }
    }
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kAppend) continue;
      const Atom v = values_[m.begin];
      const uint32_t id = static_cast<uint32_t>(writes_.size());
      const uint32_t got = index_.Insert(m.key, v, id);
      if (got == id) {
        writes_.push_back({t, begin + i, kNone, later[i] != 0,
                           txn.type == TxnType::kFail});
        continue;
      }
      tainted_[m.key] = 1;
      if (sink->Count(AnomalyType::kDuplicateWrite)) {
        sink->Add(AnomalyType::kDuplicateWrite, {writes_[got].txn, t},
                  Key(m.key),
                  fmt::format("T1 and T2 both appended {} to {}: appended "
                              "values must be unique per key, so reads of {} "
                              "cannot name their writers; {} is left out of "
                              "the dependency graph.",
                              Val(v), Key(m.key), Key(m.key), Key(m.key)));
      }
    }
  }
}

void AppendInference::FindLongestReads() {
  longest_.assign(h_.key_count(), kNone);
  longest_txn_.assign(h_.key_count(), kNone);
  std::vector<uint32_t> len(h_.key_count(), 0);
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type != TxnType::kOk) continue;
    for (uint32_t i = txn.mop_begin; i < txn.mop_begin + txn.mop_count; ++i) {
      const Mop& m = mops_[i];
      if (m.fn != MopFn::kRead || m.nil) continue;
      if (longest_[m.key] == kNone || m.len > len[m.key]) {
        longest_[m.key] = i;
        longest_txn_[m.key] = t;
        len[m.key] = m.len;
      }
    }
  }
}

// The longest read of each key is its version order; each element's write
// learns its position. Elements nobody appended are garbage.
void AppendInference::BuildVersionOrders(AnomalySink* sink) {
  const size_t keys = h_.key_count();
  order_base_.assign(keys + 1, 0);
  for (uint32_t k = 0; k < keys; ++k) {
    const Mop* m = LongestRead(k);
    order_base_[k + 1] = order_base_[k] + (m && Usable(k) ? m->len : 0);
  }
  order_slot_.assign(order_base_[keys], kNone);
  first_failed_.assign(keys, kNone);
  first_garbage_.assign(keys, kNone);
  for (uint32_t k = 0; k < keys; ++k) {
    const uint32_t len = Length(k);
    if (len == 0) continue;
    const Atom* e = values_.data() + LongestRead(k)->begin;
    for (uint32_t p = 0; p < len; ++p) {
      const uint32_t w = WriteOf(k, e[p]);
      if (w == PairIndex::kMissing) {
        if (first_garbage_[k] == kNone) first_garbage_[k] = p;
        continue;
      }
      if (writes_[w].pos != kNone) {  // seen earlier in this very list
        tainted_[k] = 1;
        ReportIrregularRead(longest_txn_[k], *LongestRead(k), sink);
        break;
      }
      writes_[w].pos = p;
      order_slot_[order_base_[k] + p] = w;
      if (writes_[w].failed && first_failed_[k] == kNone) first_failed_[k] = p;
    }
  }
}

// Every committed read must be a prefix of its key's longest read.
void AppendInference::CheckPrefixes(AnomalySink* sink) {
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type != TxnType::kOk) continue;
    for (uint32_t i = txn.mop_begin; i < txn.mop_begin + txn.mop_count; ++i) {
      const Mop& m = mops_[i];
      if (m.fn != MopFn::kRead || m.nil || m.len == 0 || !Usable(m.key)) {
        continue;
      }
      const Mop& longest = *LongestRead(m.key);
      if (std::memcmp(values_.data() + m.begin, values_.data() + longest.begin,
                      size_t{m.len} * sizeof(Atom)) == 0) {
        continue;
      }
      tainted_[m.key] = 1;
      if (sink->Count(AnomalyType::kIncompatibleOrder)) {
        sink->Add(AnomalyType::kIncompatibleOrder,
                  {longest_txn_[m.key], t}, Key(m.key),
                  fmt::format("T1 read {} = {} and T2 read {} = {}: neither "
                              "is a prefix of the other, so no single order "
                              "of appends explains both.",
                              Key(m.key), ReadText(longest), Key(m.key),
                              ReadText(m)));
      }
      ReportIrregularRead(t, m, sink);
    }
  }
}

// Aborted, intermediate and garbage reads; wr edges; who read which version.
void AppendInference::CheckReads(DepGraph* g, AnomalySink* sink) {
  const size_t keys = h_.key_count();
  // Bucket (k, n) holds txns that read k's first n elements.
  auto bucket = [&](uint32_t k, uint32_t n) { return order_base_[k] + k + n; };
  reader_start_.assign(order_base_[keys] + keys + 1, 0);
  for (int fill = 0; fill < 2; ++fill) {
    for (uint32_t t = 0; t < txns_.size(); ++t) {
      const Txn& txn = txns_[t];
      if (txn.type != TxnType::kOk) continue;
      for (uint32_t i = txn.mop_begin; i < txn.mop_begin + txn.mop_count;
           ++i) {
        const Mop& m = mops_[i];
        if (m.fn != MopFn::kRead || !Usable(m.key)) continue;
        const uint32_t n = ReadLength(m), k = m.key;
        if (fill == 1) {
          readers_[reader_start_[bucket(k, n)]++] = t;
          continue;
        }
        ++reader_start_[bucket(k, n) + 1];
        if (n == 0) continue;
        if (first_garbage_[k] < n && sink->Count(AnomalyType::kGarbageRead)) {
          const Atom v = values_[m.begin + first_garbage_[k]];
          sink->Add(AnomalyType::kGarbageRead, {t}, Key(k),
                    fmt::format("T1 read {} = {}, which includes {}, a value "
                                "no transaction appended.",
                                Key(k), ReadText(m), Val(v)));
        }
        if (first_failed_[k] < n && sink->Count(AnomalyType::kG1a)) {
          const Write& w = writes_[SlotAt(k, first_failed_[k])];
          sink->Add(AnomalyType::kG1a, {t, w.txn}, Key(k),
                    fmt::format("T1 read {} = {}, which includes {}, appended "
                                "by T2, which failed: T1 read an aborted "
                                "write.",
                                Key(k), ReadText(m),
                                Val(values_[mops_[w.mop].begin])));
        }
        const uint32_t s = SlotAt(k, n - 1);
        if (s == kNone || writes_[s].txn == t) continue;
        const Write& w = writes_[s];
        if (w.intermediate && sink->Count(AnomalyType::kG1b)) {
          const Atom v = values_[mops_[w.mop].begin];
          sink->Add(AnomalyType::kG1b, {t, w.txn}, Key(k),
                    fmt::format("T1 read {} = {}, ending in {}; but T2 "
                                "appended {} to {} and then {}: T1 saw T2's "
                                "intermediate state.",
                                Key(k), ReadText(m), Val(v), Val(v), Key(k),
                                Val(NextAppendOf(w.txn, k, w.mop))));
        }
        if (!w.failed) g->AddEdge(w.txn, t, EdgeKind::kWR);
      }
    }
    if (fill == 0) {
      for (size_t b = 1; b < reader_start_.size(); ++b) {
        reader_start_[b] += reader_start_[b - 1];
      }
      readers_.resize(reader_start_.back());
    }
  }
  // Filling advanced each start to the next bucket's; shift back.
  for (size_t b = reader_start_.size() - 1; b > 0; --b) {
    reader_start_[b] = reader_start_[b - 1];
  }
  reader_start_[0] = 0;
}

// ww between consecutive versions; rw from each reader of a version to the
// writer of the next. Appends never read come after every observed element.
void AppendInference::AddVersionEdges(DepGraph* g) {
  const size_t keys = h_.key_count();
  auto readers = [&](uint32_t k, uint32_t n, auto&& f) {
    const uint32_t b = order_base_[k] + k + n;
    for (uint32_t r = reader_start_[b]; r < reader_start_[b + 1]; ++r) {
      f(readers_[r]);
    }
  };
  for (uint32_t k = 0; k < keys; ++k) {
    if (!Usable(k)) continue;
    uint32_t prev = kNone;
    for (uint32_t p = 0; p < Length(k); ++p) {
      const uint32_t w = WriterAt(k, p);
      if (prev != kNone && w != kNone && prev != w) {
        g->AddEdge(prev, w, EdgeKind::kWW);
      }
      if (w != kNone) {
        readers(k, p, [&](uint32_t r) {
          if (r != w) g->AddEdge(r, w, EdgeKind::kRW);
        });
      }
      prev = w;
    }
  }
  for (const Write& w : writes_) {
    const uint32_t k = mops_[w.mop].key;
    if (w.pos != kNone || !Usable(k) || txns_[w.txn].type != TxnType::kOk) {
      continue;
    }
    const uint32_t len = Length(k);
    const uint32_t last = len > 0 ? WriterAt(k, len - 1) : kNone;
    if (last != kNone && last != w.txn) g->AddEdge(last, w.txn, EdgeKind::kWW);
    readers(k, len, [&](uint32_t r) {
      if (r != w.txn) g->AddEdge(r, w.txn, EdgeKind::kRW);
    });
  }
}

std::string AppendInference::ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                                         const std::string& na,
                                         const std::string& nb) const {
  const Txn& ta = txns_[a];
  const Txn& tb = txns_[b];
  if (k == EdgeKind::kWR) {
    for (const Mop& m : h_.MopsOf(tb)) {
      if (m.fn != MopFn::kRead || !Usable(m.key) || ReadLength(m) == 0) continue;
      if (WriterAt(m.key, m.len - 1) != a) continue;
      return fmt::format("{} appended {} to {}, and {} read {} = {}: {} saw "
                         "{}'s write (wr)",
                         na, Val(values_[m.begin + m.len - 1]), Key(m.key), nb,
                         Key(m.key), ReadText(m), nb, na);
    }
  }
  // ww and rw: b appended v to a key; which version came just before it?
  for (const Mop& m : h_.MopsOf(tb)) {
    if (m.fn != MopFn::kAppend || !Usable(m.key)) continue;
    const Atom v = values_[m.begin];
    const uint32_t w = WriteOf(m.key, v);
    if (w == PairIndex::kMissing) continue;
    const bool unread = writes_[w].pos == kNone;
    const uint32_t before = unread ? Length(m.key) : writes_[w].pos;
    const std::string later =
        unread ? " (never read, so after every element read)" : "";
    if (k == EdgeKind::kWW && before > 0 && WriterAt(m.key, before - 1) == a) {
      return fmt::format("{} appended {} to {}, and {} appended {} right "
                         "after it{}: {}'s write came first (ww)",
                         na, Val(values_[LongestRead(m.key)->begin + before - 1]),
                         Key(m.key), nb, Val(v), later, na);
    }
    if (k != EdgeKind::kRW) continue;
    for (const Mop& r : h_.MopsOf(ta)) {
      if (r.fn != MopFn::kRead || r.key != m.key || ReadLength(r) != before) {
        continue;
      }
      return fmt::format("{} read {} = {}, without {}, and {} appended {} to "
                         "{}{}: {} read {} before {}'s write (rw)",
                         na, Key(m.key), ReadText(r), Val(v), nb, Val(v),
                         Key(m.key), later, na, Key(m.key), nb);
    }
  }
  const std::string assumed = assumed_.Explain(a, b, k, na, nb);
  if (!assumed.empty()) return assumed;
  return fmt::format("{} -> {} ({})", na, nb, EdgeKindName(k));
}

}  // namespace isolation_internal
}  // namespace crashlab
