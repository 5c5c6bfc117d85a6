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
// own earlier reads and appends of k (Cerone et al.'s INT), and must not show
// a value the transaction appends only later (a future read).
void AppendInference::CheckInternal(AnomalySink* sink) {
  std::vector<Atom> appended, expected;
  for (uint32_t t = 0; t < txns_.size(); ++t) {
    const Txn& txn = txns_[t];
    if (txn.type != TxnType::kOk) continue;
    const uint32_t begin = txn.mop_begin, n = txn.mop_count;
    for (uint32_t i = 0; i < n; ++i) {
      const Mop& m = mops_[begin + i];
      if (m.fn != MopFn::kRead) continue;
      const std::span<const Atom> got =
          m.nil ? std::span<const Atom>() : h_.ValuesOf(m);
      const Mop* base = nullptr;
      appended.clear();
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
      std::string problem;
      if (base != nullptr) {
        expected.assign(values_.begin() + base->begin,
                        values_.begin() + base->begin + ReadLength(*base));
        expected.insert(expected.end(), appended.begin(), appended.end());
        if (!std::equal(got.begin(), got.end(), expected.begin(),
                        expected.end())) {
          problem = fmt::format(
              "T1 read {} = {}{}, and then read {} = {}, but it should have "
              "seen {}",
              Key(m.key), ReadText(*base),
              appended.empty() ? "" : " and appended " +
                  ListText(h_.atom_table(), appended),
              Key(m.key), ReadText(m), ListText(h_.atom_table(), expected));
        }
      } else if (!appended.empty() &&
                 (got.size() < appended.size() ||
                  !std::equal(appended.begin(), appended.end(),
                              got.end() - appended.size()))) {
        problem = fmt::format(
            "T1 appended {} to {} and then read {} = {}, which does not end "
            "with its own appends",
            ListText(h_.atom_table(), appended), Key(m.key), Key(m.key),
            ReadText(m));
      }
      for (uint32_t j = i + 1; j < n && problem.empty(); ++j) {
        const Mop& o = mops_[begin + j];
        if (o.fn != MopFn::kAppend || o.key != m.key) continue;
        const Atom v = values_[o.begin];
        const uint32_t w = WriteOf(m.key, v);
        const bool seen =
            Usable(m.key) && w != PairIndex::kMissing
                ? writes_[w].pos != kNone && writes_[w].pos < got.size()
                : std::find(got.begin(), got.end(), v) != got.end();
        if (seen) {
          problem = fmt::format(
              "T1 read {} = {}, which includes {}, a value T1 itself appends "
              "only later (a future read)",
              Key(m.key), ReadText(m), Val(v));
        }
      }
      if (problem.empty()) continue;
      if (sink->Count(AnomalyType::kInternal)) {
        sink->Add(AnomalyType::kInternal, {t}, Key(m.key), problem + ".");
      }
      break;  // one per transaction
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
