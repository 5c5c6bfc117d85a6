// Internal: list-append inference (see isolation.h for the method).
//
// Data, all flat and indexed by dense ids:
//   writes_       one entry per append (write id), found by (key, value)
//                 through index_; its position in the key's version order
//   order_slot_   per key, per version position: the write id of the
//                 element there (kNone: nobody appended it)
//   readers_      per key, per read length n: committed txns that read the
//                 key's first n elements (CSR over keys and lengths)
// One instance per check, on one thread.
#ifndef CRASHLAB_CHECKERS_ISOLATION_APPEND_INFERENCE_H_
#define CRASHLAB_CHECKERS_ISOLATION_APPEND_INFERENCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/isolation/internal.h"

namespace crashlab {
namespace isolation_internal {

class AppendInference : public Inference {
 public:
  explicit AppendInference(const TxnHistory& h);
  void Run(DepGraph* g, AnomalySink* sink) override;
  std::string ExplainEdge(uint32_t a, uint32_t b, EdgeKind k,
                          const std::string& na,
                          const std::string& nb) const override;
  // append_key_order.cc
  void AddAssumedEdges(const std::vector<KeyOrderPair>& pairs, bool realtime,
                       DepGraph* g) override;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Write {
    uint32_t txn;
    uint32_t mop;  // global mop index
    uint32_t pos;  // in the key's version order; kNone: never observed
    bool intermediate;  // its txn appended to the key again later
    bool failed;        // its txn failed
  };

  // Passes, in order (append_inference.cc).
  void IndexWrites(AnomalySink* sink);
  void FindLongestReads();
  void BuildVersionOrders(AnomalySink* sink);
  void CheckPrefixes(AnomalySink* sink);
  void CheckReads(DepGraph* g, AnomalySink* sink);
  void AddVersionEdges(DepGraph* g);
  // Per-transaction checks (append_checks.cc).
  void CheckInternal(AnomalySink* sink);
  std::string InternalProblem(uint32_t txn, uint32_t mop_in_txn) const;
  bool ReportFutureRead(uint32_t txn, uint32_t mop_in_txn, AnomalySink* sink);
  void CheckDirtyUpdates(AnomalySink* sink);
  void CheckLostUpdates(AnomalySink* sink);
  void ReportIrregularRead(uint32_t txn, const Mop& m, AnomalySink* sink);

  // A transaction's version of a key, as a length of the key's version
  // order (kNone: an append no read observed), and what it did to get it.
  struct Version {
    uint32_t length = kNone;
    bool read = false;        // read the key (else appended to it)
    const Mop* mop = nullptr;  // that read, or that append
  };
  // The version t's accesses of key end at (its last append, else its first
  // read) and start from (its first read if ok, else its first append).
  std::optional<Version> FinalVersion(uint32_t t, uint32_t key) const;
  std::optional<Version> FirstVersion(uint32_t t, uint32_t key) const;
  std::string VersionText(const Version& v, uint32_t key) const;

  // Helpers.
  bool Usable(uint32_t key) const { return !tainted_[key]; }
  uint32_t Length(uint32_t key) const {
    return order_base_[key + 1] - order_base_[key];
  }
  uint32_t SlotAt(uint32_t key, uint32_t pos) const {
    return order_slot_[order_base_[key] + pos];
  }
  // The non-failed txn that appended the element at `pos`, or kNone.
  uint32_t WriterAt(uint32_t key, uint32_t pos) const;
  uint32_t WriteOf(uint32_t key, Atom v) const { return index_.Find(key, v); }
  // Length of a committed read as a version: nil reads are empty lists.
  static uint32_t ReadLength(const Mop& m) { return m.nil ? 0 : m.len; }
  const Mop* LongestRead(uint32_t key) const {
    return longest_[key] == kNone ? nullptr : &mops_[longest_[key]];
  }
  std::string ReadText(const Mop& m) const;  // "[1 2 3]"
  std::string Val(Atom a) const { return ValueText(h_, a); }
  std::string Key(uint32_t k) const { return KeyText(h_, k); }
  // The value `txn` appended to `key` after the one at mop `after`.
  Atom NextAppendOf(uint32_t txn, uint32_t key, uint32_t after) const;

  const TxnHistory& h_;
  const std::vector<Txn>& txns_;
  const std::vector<Mop>& mops_;
  const std::vector<Atom>& values_;
  size_t append_count_;
  PairIndex index_;
  std::vector<Write> writes_;
  std::vector<uint8_t> tainted_;
  std::vector<uint32_t> longest_, longest_txn_;
  std::vector<uint32_t> order_base_, order_slot_;
  std::vector<uint32_t> first_failed_, first_garbage_;
  std::vector<uint32_t> reader_start_, readers_;
};

}  // namespace isolation_internal
}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_APPEND_INFERENCE_H_
