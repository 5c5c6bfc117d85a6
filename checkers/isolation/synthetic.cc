#include "checkers/isolation/synthetic.h"

#include <algorithm>
#include <vector>

#include "core/rng.h"

namespace crashlab {
namespace {

struct Planned {
  MopFn fn;
  uint64_t key;
  Atom value;           // appends
  uint32_t snapshot;    // stale reads: list length at invocation
};

struct Client {
  bool busy = false;
  bool stale = false;
  uint64_t process = 0;
  uint32_t txn = 0;
  std::vector<Planned> mops;
};

class Simulation {
 public:
  explicit Simulation(const SyntheticOptions& o) : o_(o), rng_(o.seed) {
    for (uint32_t i = 0; i < std::max<uint32_t>(o.active_keys, 1); ++i) {
      active_.push_back(NewKey());
    }
    clients_.resize(std::max<uint32_t>(o.processes, 1));
    for (uint32_t p = 0; p < clients_.size(); ++p) clients_[p].process = p;
    h_.Reserve(o.txns, o.txns * (o.max_txn_len + 1) / 2,
               o.txns * (o.max_txn_len + 1) / 4 * o.max_writes_per_key / 2);
  }

  TxnHistory Run() {
    uint64_t invoked = 0, completed = 0;
    while (completed < o_.txns) {
      Client& c = clients_[rng_.Uniform(clients_.size())];
      if (!c.busy) {
        if (invoked == o_.txns) continue;
        Invoke(&c);
        ++invoked;
      } else {
        Complete(&c);
        ++completed;
      }
    }
    return std::move(h_);
  }

 private:
  uint64_t NewKey() {
    lists_.emplace_back();
    writes_.push_back(0);
    return lists_.size() - 1;
  }
  uint64_t Tick() { return time_ += 1 + rng_.Uniform(1000); }
  uint32_t HistoryKey(uint64_t key) {
    return h_.KeyId(AtomTable::Int(static_cast<int64_t>(key)));
  }

  void Invoke(Client* c) {
    c->busy = true;
    c->stale = rng_.Chance(o_.stale_per_mille, 1000);
    c->mops.clear();
    const uint32_t len = 1 + static_cast<uint32_t>(
                                 rng_.Uniform(std::max<uint32_t>(o_.max_txn_len, 1)));
    for (uint32_t i = 0; i < len; ++i) {
      const size_t slot = rng_.Uniform(active_.size());
      const uint64_t key = active_[slot];
      if (rng_.Chance(1, 2)) {
        c->mops.push_back({MopFn::kRead, key, 0,
                           static_cast<uint32_t>(lists_[key].size())});
        continue;
      }
      c->mops.push_back({MopFn::kAppend, key, AtomTable::Int(next_value_++), 0});
      if (++writes_[key] >= o_.max_writes_per_key) active_[slot] = NewKey();
    }
    c->txn = h_.Invoke(c->process, Tick(), index_++);
  }

  void Complete(Client* c) {
    const uint64_t r = rng_.Uniform(1000);
    TxnType type = TxnType::kOk;
    if (r < o_.fail_per_mille) type = TxnType::kFail;
    else if (r < o_.fail_per_mille + o_.info_per_mille) type = TxnType::kInfo;
    bool apply = type == TxnType::kOk;
    if (type == TxnType::kInfo) apply = rng_.Chance(1, 2);
    if (type == TxnType::kFail) apply = rng_.Chance(o_.leaked_fail_per_mille, 1000);
    for (const Planned& m : c->mops) {
      const uint32_t key = HistoryKey(m.key);
      if (m.fn == MopFn::kAppend) {
        if (apply) lists_[m.key].push_back(m.value);
        h_.AddAppend(key, m.value);
      } else if (type != TxnType::kOk) {
        h_.AddNilRead(key);
      } else if (!c->stale) {
        h_.AddRead(key, lists_[m.key]);
      } else {
        // The snapshot taken at invocation, plus this txn's own appends.
        scratch_.assign(lists_[m.key].begin(),
                        lists_[m.key].begin() + m.snapshot);
        for (const Planned& o : c->mops) {
          if (&o == &m) break;
          if (o.fn == MopFn::kAppend && o.key == m.key) scratch_.push_back(o.value);
        }
        h_.AddRead(key, scratch_);
      }
    }
    h_.Complete(c->txn, type, Tick(), index_++);
    c->busy = false;
    // Jepsen gives a process that crashed (info) a fresh id.
    if (type == TxnType::kInfo) c->process += clients_.size();
  }

  const SyntheticOptions& o_;
  Rng rng_;
  TxnHistory h_;
  std::vector<std::vector<Atom>> lists_;  // per key: the committed list
  std::vector<uint32_t> writes_;          // per key: appends planned
  std::vector<uint64_t> active_;
  std::vector<Client> clients_;
  std::vector<Atom> scratch_;
  int64_t next_value_ = 1;
  uint64_t time_ = 0, index_ = 0;
};

}  // namespace

TxnHistory GenerateAppendHistory(const SyntheticOptions& o) {
  return Simulation(o).Run();
}

}  // namespace crashlab
