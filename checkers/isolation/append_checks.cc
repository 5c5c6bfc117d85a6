// List-append checks that look at one read or one transaction at a time:
// internal consistency, future reads, lost updates, and the element-by-element
// look at reads that do not fit the version order.
#include <algorithm>

#include <fmt/format.h>

#include "checkers/isolation/append_inference.h"

namespace crashlab {
namespace isolation_internal {

Atom AppendInference::NextAppendOf(uint32_t txn, uint32_t key,
                                   uint32_t after) const {
  const Txn& t = txns_[txn];
  for (uint32_t i = after + 1; i < t.mop_begin + t.mop_count; ++i) {
    const Mop& m = mops_[i];
    if (m.fn == MopFn::kAppend && m.key == key) return values_[m.begin];
  }
  return AtomTable::kNil;
}

// A read that does not fit the version order, element by element: values
// seen twice, values nobody appended, values of failed appends.
void AppendInference::ReportIrregularRead(uint32_t txn, const Mop& m,
                                          AnomalySink* sink) {
  const auto list = h_.ValuesOf(m);
  std::vector<Atom> sorted(list.begin(), list.end());
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end() && sink->Count(AnomalyType::kDuplicateElements)) {
    const auto times = std::count(list.begin(), list.end(), *dup);
    sink->Add(AnomalyType::kDuplicateElements, {txn}, Key(m.key),
              fmt::format("T1 read {} = {}, in which {} appears {} times; it "
                          "was appended once.",
                          Key(m.key), ReadText(m), Val(*dup), times));
  }
  bool garbage = false, aborted = false;
  for (Atom v : list) {
    const uint32_t w = WriteOf(m.key, v);
    if (w == PairIndex::kMissing && !garbage) {
      garbage = true;
      if (sink->Count(AnomalyType::kGarbageRead)) {
        sink->Add(AnomalyType::kGarbageRead, {txn}, Key(m.key),
                  fmt::format("T1 read {} = {}, which includes {}, a value no "
                              "transaction appended.",
                              Key(m.key), ReadText(m), Val(v)));
      }
    } else if (w != PairIndex::kMissing && writes_[w].failed && !aborted) {
      aborted = true;
      if (sink->Count(AnomalyType::kG1a)) {
        sink->Add(AnomalyType::kG1a, {txn, writes_[w].txn}, Key(m.key),
                  fmt::format("T1 read {} = {}, which includes {}, appended "
                              "by T2, which failed: T1 read an aborted write.",
                              Key(m.key), ReadText(m), Val(v)));
      }
    }
  }
}

// Within one committed transaction, a read of k must show the transaction's
// own earlier reads and appends of k (Cerone et al.'s INT: `internal`), and
// must not show a value the transaction appends only later (Elle's
// `future-read`: nobody had written it yet). One of each per transaction.
void AppendInference::CheckInternal(AnomalySink* sink) {
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    if (txns_[t].type != TxnType::kOk) continue;
    bool internal = false, future = false;
    const uint32_t begin = txns_[t].mop_begin, n = txns_[t].mop_count;
    for (uint32_t i = 0; i < n && !(internal && future); ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kRead) continue;
      if (!internal) {
        const std::string problem = InternalProblem(t, i);
        if (!problem.empty()) {
          internal = true;
          if (sink->Count(AnomalyType::kInternal)) {
            sink->Add(AnomalyType::kInternal, {t}, Key(m.key), problem + ".");
          }
        }
      }
      if (!future) future = ReportFutureRead(t, i, sink);
    }
  }
}

// What is wrong with the i-th mop (a read) of txn t given the txn's own
// earlier mops of its key; "" when nothing.
std::string AppendInference::InternalProblem(uint32_t t, uint32_t i) const {
  const uint32_t begin = txns_[t].mop_begin;
  const Mop& m = mops_[begin + i];
  const std::span<const Atom> got =
      m.nil ? std::span<const Atom>() : h_.ValuesOf(m);
  const Mop* base = nullptr;
  std::vector<Atom> appended;
  for (uint32_t j = i; j-- > 0;) {
    const Mop& o = mops_[begin + j];
    if (o.key != m.key) continue;
    if (o.fn == MopFn::kRead) {
      base = &o;
      break;
    }
    appended.push_back(values_[o.begin]);
  }
  std::reverse(appended.begin(), appended.end());
  if (base != nullptr) {
    std::vector<Atom> expected(values_.begin() + base->begin,
                               values_.begin() + base->begin + ReadLength(*base));
    expected.insert(expected.end(), appended.begin(), appended.end());
    if (std::equal(got.begin(), got.end(), expected.begin(), expected.end())) {
      return "";
    }
    return fmt::format(
        "T1 read {} = {}{}, and then read {} = {}, but it should have seen {}",
        Key(m.key), ReadText(*base),
        appended.empty()
            ? ""
            : " and appended " + ListText(h_.atom_table(), appended),
        Key(m.key), ReadText(m), ListText(h_.atom_table(), expected));
  }
  if (appended.empty() ||
      (got.size() >= appended.size() &&
       std::equal(appended.begin(), appended.end(),
                  got.end() - appended.size()))) {
    return "";
  }
  return fmt::format(
      "T1 appended {} to {} and then read {} = {}, which does not end with "
      "its own appends",
      ListText(h_.atom_table(), appended), Key(m.key), Key(m.key),
      ReadText(m));
}

// The i-th mop of txn t (a read) shows a value t appends only later.
bool AppendInference::ReportFutureRead(uint32_t t, uint32_t i,
                                       AnomalySink* sink) {
  const uint32_t begin = txns_[t].mop_begin, n = txns_[t].mop_count;
  const Mop& m = mops_[begin + i];
  const std::span<const Atom> got =
      m.nil ? std::span<const Atom>() : h_.ValuesOf(m);
  for (uint32_t j = i + 1; j < n; ++j) {
    const Mop& o = mops_[begin + j];
    if (o.fn != MopFn::kAppend || o.key != m.key) continue;
    const Atom v = values_[o.begin];
    if (std::find(got.begin(), got.end(), v) == got.end()) continue;
    if (sink->Count(AnomalyType::kFutureRead)) {
      sink->Add(AnomalyType::kFutureRead, {t}, Key(m.key),
                fmt::format("T1 read {} = {}, which includes {}, a value T1 "
                            "itself appends only later: nobody had written "
                            "it when it was read (a future read).",
                            Key(m.key), ReadText(m), Val(v)));
    }
    return true;
  }
  return false;
}

// A committed append ordered after a failed one in its key's version order
// (Elle's dirty update): the committed write was built on aborted state.
// Walking the order, the last definite writer is remembered; an info append
// says nothing either way, so the failed writer before it stays the anchor.
void AppendInference::CheckDirtyUpdates(AnomalySink* sink) {
  for (uint32_t k = 0; k < h_.key_count(); ++k) {
    if (!Usable(k)) continue;
    uint32_t anchor = kNone;  // write id of the last failed append, if last
    for (uint32_t p = 0; p < Length(k); ++p) {
      const uint32_t w = SlotAt(k, p);
      if (w == kNone) continue;  // garbage: reported elsewhere
      const TxnType type = txns_[writes_[w].txn].type;
      if (type == TxnType::kFail) {
        if (anchor == kNone) anchor = w;
        continue;
      }
      if (type != TxnType::kOk) continue;
      if (anchor != kNone && sink->Count(AnomalyType::kDirtyUpdate)) {
        const Write& bad = writes_[anchor];
        const Atom* order = values_.data() + LongestRead(k)->begin;
        sink->Add(
            AnomalyType::kDirtyUpdate, {bad.txn, writes_[w].txn}, Key(k),
            fmt::format("T1 appended {} to {} and failed (it was rolled "
                        "back); yet T2, which committed, appended {} after "
                        "it ({} holds {} in that order): T2's committed "
                        "write was built on T1's aborted state (a dirty "
                        "update).",
                        Val(order[bad.pos]), Key(k), Val(order[p]), Key(k),
                        ListText(h_.atom_table(),
                                 {order + bad.pos, p - bad.pos + 1})));
      }
      anchor = kNone;
    }
  }
}

// Two committed transactions that read the same version of k and then both
// append to k: each wrote without seeing the other's update.
void AppendInference::CheckLostUpdates(AnomalySink* sink) {
  struct Candidate {
    uint32_t key, len, txn;
    bool operator<(const Candidate& o) const {
      return key != o.key ? key < o.key : len != o.len ? len < o.len
                                                        : txn < o.txn;
    }
  };
  std::vector<Candidate> cands;
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type != TxnType::kOk) continue;
    const uint32_t begin = txn.mop_begin, n = txn.mop_count;
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kRead || !Usable(m.key)) continue;
      bool first = true, appends_later = false;
      for (uint32_t j = 0; j < i && first; ++j) first = mops_[begin + j].key != m.key;
      for (uint32_t j = i + 1; j < n && !appends_later; ++j) {
        const Mop& o = mops_[begin + j];
        appends_later = o.fn == MopFn::kAppend && o.key == m.key;
      }
      if (first && appends_later) cands.push_back({m.key, ReadLength(m), t});
    }
  }
  std::sort(cands.begin(), cands.end());
  for (size_t i = 0; i < cands.size();) {
    size_t j = i + 1;
    while (j < cands.size() && cands[j].key == cands[i].key &&
           cands[j].len == cands[i].len) {
      ++j;
    }
    if (j - i >= 2 && sink->Count(AnomalyType::kLostUpdate)) {
      const uint32_t k = cands[i].key;
      std::vector<uint32_t> txns;
      for (size_t x = i; x < j && txns.size() < 8; ++x) txns.push_back(cands[x].txn);
      std::string read = "[]";
      if (cands[i].len > 0) {
        read = ListText(h_.atom_table(),
                        {values_.data() + LongestRead(k)->begin, cands[i].len});
      }
      std::string who = txns.size() == 2 ? "T1 and T2 both" : "T1, T2, ... all";
      sink->Add(AnomalyType::kLostUpdate, txns, Key(k),
                fmt::format("{} read {} = {} and then appended to {}, and all "
                            "committed ({} transactions): each wrote {} "
                            "without seeing the others' updates.",
                            who, Key(k), read, Key(k), j - i, Key(k)));
    }
    i = j;
  }
}

}  // namespace isolation_internal
}  // namespace crashlab
