// The transactional workloads' generator, after Elle's (Kingsbury & Alvaro,
// VLDB 2020):
//   list-append  each micro-operation (mop) appends a unique integer to a
//                list or reads a whole list. Every appended value is unique
//                to its key, so a read names the writer of each element and
//                the order of the appends: the checker infers ww, wr and rw
//                dependencies from it (checkers/isolation).
//   rw-register  each mop writes a unique integer to a register or reads
//                one. A read shows only the last write, so the checker
//                infers version order only from a transaction that read one
//                value and then wrote another: registers say less.
// Transactions have min_mops..max_mops mops (1-4), each a read with
// probability read_percent, on a key drawn from a few active keys
// (contention is the point). A key takes at most max_writes_per_key
// writes, then is retired and replaced by a fresh one, so lists stay short.
// Written values count up per key from 1.
//
// Deterministic for a seed. Not thread-safe (the runner draws under a lock).
#ifndef CRASHLAB_WORKLOADS_TXN_GENERATOR_H_
#define CRASHLAB_WORKLOADS_TXN_GENERATOR_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "core/status.h"
#include "engines/engine.h"

namespace crashlab {

// "list-append" or "rw-register"; InvalidArgument otherwise.
Result<TxnWorkload> ParseTxnWorkload(std::string_view name);

struct TxnGenOptions {
  uint32_t active_keys = 4;          // keys in play at once
  uint32_t max_writes_per_key = 32;  // then the key is retired
  uint32_t min_mops = 1, max_mops = 4;
  uint32_t read_percent = 50;  // chance a mop is a read
};

class TxnGenerator {
 public:
  TxnGenerator(TxnWorkload workload, uint64_t seed,
               const TxnGenOptions& options = TxnGenOptions());
  TxnWorkload workload() const { return workload_; }
  TxnRequest Next();

 private:
  struct ActiveKey {
    int64_t key = 0;
    int64_t writes = 0;
  };
  ActiveKey Fresh() { return {next_key_++, 0}; }

  TxnWorkload workload_;
  TxnGenOptions o_;
  Rng rng_;
  std::vector<ActiveKey> active_;
  int64_t next_key_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_TXN_GENERATOR_H_
