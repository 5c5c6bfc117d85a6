#include "workloads/txn_generator.h"

#include <string>

namespace crashlab {

Result<TxnWorkload> ParseTxnWorkload(std::string_view name) {
  if (name == "list-append") return TxnWorkload::kListAppend;
  if (name == "rw-register") return TxnWorkload::kRwRegister;
  return Status::InvalidArgument("unknown transactional workload '" +
                                 std::string(name) +
                                 "' (list-append, rw-register)");
}

TxnGenerator::TxnGenerator(TxnWorkload workload, uint64_t seed,
                           const TxnGenOptions& options)
    : workload_(workload),
      o_(options),
      rng_(Rng(seed).Fork(TxnWorkloadName(workload))) {
  if (o_.active_keys == 0) o_.active_keys = 1;
  if (o_.max_mops < o_.min_mops) o_.max_mops = o_.min_mops;
  for (uint32_t i = 0; i < o_.active_keys; ++i) active_.push_back(Fresh());
}

TxnRequest TxnGenerator::Next() {
  TxnRequest r;
  r.workload = workload_;
  const uint64_t n = o_.min_mops + rng_.Uniform(o_.max_mops - o_.min_mops + 1);
  for (uint64_t i = 0; i < n; ++i) {
    ActiveKey& k = active_[rng_.Uniform(active_.size())];
    TxnMop m;
    m.key = k.key;
    if (rng_.Chance(o_.read_percent, 100)) {
      m.fn = TxnMop::Fn::kRead;
    } else {
      m.fn = workload_ == TxnWorkload::kListAppend ? TxnMop::Fn::kAppend
                                                   : TxnMop::Fn::kWrite;
      m.value = ++k.writes;
      if (k.writes >= static_cast<int64_t>(o_.max_writes_per_key)) k = Fresh();
    }
    r.mops.push_back(m);
  }
  return r;
}

}  // namespace crashlab
