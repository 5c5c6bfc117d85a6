// List-append under --sequential-keys / --linearizable-keys. Reads already
// give every observed append its place, so the assumption adds order only
// where reads do not: appends no read observed (the commits a crash lost),
// and versions seen out of the assumed order (a stale read). For a pair
// t1 -> t2 on key k, t1's final version (its last append, else its read)
// must not come after t2's first version (its read, else its first append):
//   t1's append unobserved, t2's version of length J > 0: t1 ww-precedes
//     the writer of element J (t2 itself when t2 appended it), or t2 when
//     t2's append is unobserved too;
//   both known, t1's length I > J: the writer of element I ww-precedes the
//     writer of element J, and t1, if it only read, rw-precedes it.
// Everything else is already implied by the reads.
#include <fmt/format.h>

#include "checkers/isolation/append_inference.h"

namespace crashlab {
namespace isolation_internal {

std::optional<AppendInference::Version> AppendInference::FinalVersion(
    uint32_t t, uint32_t key) const {
  std::optional<Version> out;
  for (const Mop& m : h_.MopsOf(txns_[t])) {
    if (m.key != key) continue;
    if (m.fn == MopFn::kAppend) {
      const uint32_t w = WriteOf(key, values_[m.begin]);
      const uint32_t pos = w == PairIndex::kMissing ? kNone : writes_[w].pos;
      out = Version{pos == kNone ? kNone : pos + 1, false, &m};
    } else if (m.fn == MopFn::kRead && !out && txns_[t].type == TxnType::kOk) {
      out = Version{ReadLength(m), true, &m};
    }
  }
  return out;
}

std::optional<AppendInference::Version> AppendInference::FirstVersion(
    uint32_t t, uint32_t key) const {
  bool first = true;
  for (const Mop& m : h_.MopsOf(txns_[t])) {
    if (m.key != key) continue;
    if (m.fn == MopFn::kRead && first && txns_[t].type == TxnType::kOk) {
      return Version{ReadLength(m), true, &m};
    }
    first = false;
    if (m.fn == MopFn::kAppend) {
      const uint32_t w = WriteOf(key, values_[m.begin]);
      const uint32_t pos = w == PairIndex::kMissing ? kNone : writes_[w].pos;
      return Version{pos == kNone ? kNone : pos + 1, false, &m};
    }
  }
  return std::nullopt;
}

std::string AppendInference::VersionText(const Version& v, uint32_t key) const {
  if (v.read) return fmt::format("read {} = {}", Key(key), ReadText(*v.mop));
  return fmt::format("appended {} to {}", Val(values_[v.mop->begin]), Key(key));
}

void AppendInference::AddAssumedEdges(const std::vector<KeyOrderPair>& pairs,
                                      bool realtime, DepGraph* g) {
  const std::string from = AssumedEdges::kFrom, to = AssumedEdges::kTo;
  for (const KeyOrderPair& p : pairs) {
    const uint32_t k = p.key;
    if (!Usable(k)) continue;
    const auto v1 = FinalVersion(p.t1, k);
    const auto v2 = FirstVersion(p.t2, k);
    if (!v1 || !v2) continue;
    const uint32_t i = v1->length, j = v2->length;
    if (i != kNone && (j == kNone || i <= j)) continue;  // implied already
    if (j == 0) continue;  // nothing precedes the initial version
    // The writer of t2's version, and of t1's when it is known.
    const uint32_t w2 = j == kNone ? p.t2 : WriterAt(k, j - 1);
    const uint32_t w1 = i == kNone ? p.t1 : WriterAt(k, i - 1);
    if (w2 == kNone) continue;
    const std::string reason = KeyOrderReason(
        h_, p, realtime, VersionText(*v1, k), VersionText(*v2, k));
    const std::string a = i == kNone
                              ? Val(values_[v1->mop->begin])
                              : Val(values_[LongestRead(k)->begin + i - 1]);
    const std::string b = j == kNone
                              ? Val(values_[v2->mop->begin])
                              : Val(values_[LongestRead(k)->begin + j - 1]);
    if (w1 != kNone) {
      Assume(g, w1, w2, EdgeKind::kWW,
             fmt::format("{} appended {} to {} and {} appended {}; {}, so {} "
                         "comes before {} in {}{}: {}'s write came first (ww, "
                         "assumed)",
                         from, a, Key(k), to, b, reason, a, b, Key(k),
                         i == kNone ? ", though no read ever showed " + a : "",
                         from));
    }
    if (v1->read && i != kNone) {
      Assume(g, p.t1, w2, EdgeKind::kRW,
             fmt::format("{} read {} = {} and {} appended {}; {}, so {} read "
                         "{} before {}'s write (rw, assumed)",
                         from, Key(k), ReadText(*v1->mop), to, b, reason, from,
                         Key(k), to));
    }
  }
}

}  // namespace isolation_internal
}  // namespace crashlab
