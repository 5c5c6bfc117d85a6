// TxnHistory: a history of transactions in a compact, flat form that the
// isolation checker can scan a million times a second.
//
// A transaction is one client operation with f = txn: a list of
// micro-operations (mops) on keys. List-append histories use
// `[:append k v]` and `[:r k [v1 v2 ...]]`; rw-register histories use
// `[:w k v]` and `[:r k v]`. Each transaction ends ok (committed), fail
// (known not to have happened) or info (unknown: may or may not have
// happened; its reads are unknown).
//
// Keys and values are Atoms: 64-bit words that hold an integer directly
// (the common case in Jepsen histories) or the id of an interned string,
// keyword, float, ... in the history's AtomTable. Equal values give equal
// atoms, so comparing lists is comparing words. Keys are also given dense
// ids (0..keys-1) so per-key state lives in arrays.
//
// Layout: every transaction's mops sit contiguously in one array, every
// read list and written value in another; nothing is allocated per mop.
//
// Building: the parsers (history_io.h) and the benchmark generator call
// Invoke() when a transaction starts, add its mops, then Complete(). Mops
// must be added immediately before the Complete() of the transaction they
// belong to. The history owns everything it holds; it is a value type, not
// thread-safe to build concurrently, safe to read from many threads once
// built.
#ifndef CRASHLAB_CHECKERS_ISOLATION_TXN_HISTORY_H_
#define CRASHLAB_CHECKERS_ISOLATION_TXN_HISTORY_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crashlab {

using Atom = uint64_t;

enum class AtomKind : uint8_t {
  kInt,      // stored in the atom itself
  kNil,
  kBool,
  kString,
  kKeyword,
  kFloat,    // text is the number's shortest decimal form
  kBigInt,   // integers beyond +-2^62, kept as decimal text
  kOther,    // anything else, kept as its EDN text
};

// Interned non-integer atoms. Id 0 is nil.
class AtomTable {
 public:
  AtomTable();
  static constexpr Atom kNil = 1;  // (id 0 << 1) | 1
  static bool FitsInline(int64_t v) {
    return v >= -(int64_t{1} << 62) && v < (int64_t{1} << 62);
  }
  static Atom Int(int64_t v) { return static_cast<Atom>(v) << 1; }
  static bool IsInt(Atom a) { return (a & 1) == 0; }
  static int64_t IntValue(Atom a) { return static_cast<int64_t>(a) >> 1; }

  Atom Intern(AtomKind kind, std::string_view text);
  AtomKind Kind(Atom a) const;
  // The text of an interned atom (empty for integers).
  const std::string& Text(Atom a) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    AtomKind kind;
    std::string text;
  };
  std::vector<Entry> entries_;
  std::unordered_map<std::string, uint32_t> index_;  // kind byte + text
};

enum class MopFn : uint8_t { kAppend, kRead, kWrite };
enum class TxnType : uint8_t { kOk, kFail, kInfo, kPending };

const char* TxnTypeName(TxnType t);
const char* MopFnName(MopFn f);

struct Mop {
  MopFn fn = MopFn::kRead;
  bool nil = false;    // a read whose value is nil (unknown, or no list yet)
  bool list = false;   // a read whose value is a list (list-append)
  uint32_t key = 0;    // dense key id
  uint32_t begin = 0;  // into TxnHistory::values()
  uint32_t len = 0;    // reads: list length (register reads: 1); writes: 1
};

struct Txn {
  uint64_t process = 0;
  uint64_t invoke_time_ns = 0, complete_time_ns = 0;
  uint64_t invoke_index = 0, complete_index = 0;  // positions in the history
  uint32_t mop_begin = 0, mop_count = 0;
  TxnType type = TxnType::kPending;
};

class TxnHistory {
 public:
  // -- building
  uint32_t KeyId(Atom key);
  AtomTable& atom_table() { return atoms_; }

  // Starts a transaction; returns its id (ids follow invocation order).
  uint32_t Invoke(uint64_t process, uint64_t time_ns, uint64_t index);
  void AddAppend(uint32_t key, Atom value) { AddOne(MopFn::kAppend, key, value); }
  void AddWrite(uint32_t key, Atom value) { AddOne(MopFn::kWrite, key, value); }
  void AddRead(uint32_t key, std::span<const Atom> list);  // list-append
  void AddRegisterRead(uint32_t key, Atom value);          // rw-register
  void AddNilRead(uint32_t key);
  // Completes transaction `txn` with the mops added since the last
  // Complete().
  void Complete(uint32_t txn, TxnType type, uint64_t time_ns, uint64_t index);
  // Drops mops added since the last Complete() (a parse error mid-txn).
  void DiscardStagedMops();
  void Reserve(size_t txns, size_t mops, size_t values);

  // -- reading
  const std::vector<Txn>& txns() const { return txns_; }
  const std::vector<Mop>& mops() const { return mops_; }
  const std::vector<Atom>& values() const { return values_; }
  const AtomTable& atom_table() const { return atoms_; }
  std::span<const Mop> MopsOf(const Txn& t) const {
    return {mops_.data() + t.mop_begin, t.mop_count};
  }
  std::span<const Atom> ValuesOf(const Mop& m) const {
    return {values_.data() + m.begin, m.len};
  }
  size_t key_count() const { return key_atoms_.size(); }
  Atom KeyAtom(uint32_t key) const { return key_atoms_[key]; }
  // Events in history order: txn id << 1 | (1 if completion).
  const std::vector<uint32_t>& events() const { return events_; }
  // Approximate bytes held (for the benchmark's memory column).
  size_t MemoryBytes() const;

 private:
  void AddOne(MopFn fn, uint32_t key, Atom value);

  AtomTable atoms_;
  std::vector<Txn> txns_;
  std::vector<Mop> mops_;
  std::vector<Atom> values_;
  std::vector<uint32_t> events_;
  std::vector<Atom> key_atoms_;
  std::unordered_map<Atom, uint32_t> key_ids_;
  uint32_t staged_begin_ = 0;
};

// Text of an atom as EDN (`3`, `"x"`, `:x`, `nil`).
std::string AtomToEdn(const AtomTable& t, Atom a);
// Text of an atom for explanations (`3`, `x`, `:x`, `nil`).
std::string AtomToText(const AtomTable& t, Atom a);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_TXN_HISTORY_H_
