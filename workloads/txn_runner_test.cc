#include "workloads/txn_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"

namespace crashlab {
namespace {

// An in-memory store that runs each transaction alone: serializable by
// construction. `lose_every` > 0 makes every n-th append vanish after it
// was acknowledged, which the checker must notice.
struct Store {
  std::mutex mu;
  std::map<int64_t, std::vector<int64_t>> data;
  int appends = 0;
  int lose_every = 0;
};

class FakeClient : public TxnClient {
 public:
  explicit FakeClient(Store& s) : s_(s) {}
  TxnResult Transact(const TxnRequest& req) override {
    std::lock_guard<std::mutex> lock(s_.mu);
    TxnResult r;
    for (const TxnMop& m : req.mops) {
      auto it = s_.data.find(m.key);
      if (m.fn == TxnMop::Fn::kRead) {
        if (it == s_.data.end()) {
          r.reads.emplace_back();
        } else if (req.workload == TxnWorkload::kListAppend) {
          r.reads.push_back(it->second);
        } else {
          r.reads.push_back(std::vector<int64_t>{it->second.back()});
        }
        continue;
      }
      r.reads.emplace_back();
      if (m.fn == TxnMop::Fn::kWrite) s_.data[m.key] = {m.value};
      if (m.fn != TxnMop::Fn::kAppend) continue;
      if (s_.lose_every > 0 && ++s_.appends % s_.lose_every == 0) continue;
      s_.data[m.key].push_back(m.value);
    }
    return r;
  }

 private:
  Store& s_;
};

Result<IsolationResult> RunAndCheck(TxnWorkload w, Store& store,
                                    TxnRunStats* stats) {
  TxnGenerator gen(w, 42);
  TxnRunOptions o;
  o.clients = 4;
  o.txns = 400;
  TxnRunner runner(
      gen,
      [&store]() -> Result<std::unique_ptr<TxnClient>> {
        return std::unique_ptr<TxnClient>(new FakeClient(store));
      },
      nullptr, o);
  History h;
  CRASHLAB_ASSIGN_OR_RETURN(*stats, runner.Run(&h));
  EXPECT_EQ(h.events().size(), 800u);
  CRASHLAB_ASSIGN_OR_RETURN(TxnHistory txns, TxnHistoryFromEvents(h));
  IsolationOptions io;
  io.process = io.realtime = true;
  return CheckIsolation(txns, io);
}

TEST(TxnRunnerTest, SerialStoreGivesValidListAppendHistory) {
  Store store;
  TxnRunStats stats;
  auto r = RunAndCheck(TxnWorkload::kListAppend, store, &stats);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(stats.ok, 400u);
  EXPECT_EQ(r->counts.ok, 400u);
  EXPECT_EQ(r->Verdict(), "valid") << r->Summary();
}

TEST(TxnRunnerTest, SerialStoreGivesValidRwRegisterHistory) {
  Store store;
  TxnRunStats stats;
  auto r = RunAndCheck(TxnWorkload::kRwRegister, store, &stats);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Verdict(), "valid") << r->Summary();
}

TEST(TxnRunnerTest, LostAppendsAreFound) {
  Store store;
  store.lose_every = 7;
  TxnRunStats stats;
  auto r = RunAndCheck(TxnWorkload::kListAppend, store, &stats);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Verdict(), "invalid");
}

TEST(TxnRunnerTest, EventValuesFollowJepsen) {
  TxnRequest req;
  req.workload = TxnWorkload::kListAppend;
  req.mops = {{TxnMop::Fn::kAppend, 1, 5},
              {TxnMop::Fn::kRead, 1, 0},
              {TxnMop::Fn::kRead, 2, 0}};
  TxnResult res;
  res.reads = {std::nullopt, std::vector<int64_t>{3, 5}, std::nullopt};
  EXPECT_EQ(TxnRunner::EventValue(req, nullptr).dump(),
            R"([["append",1,5],["r",1,null],["r",2,null]])");
  EXPECT_EQ(TxnRunner::EventValue(req, &res).dump(),
            R"([["append",1,5],["r",1,[3,5]],["r",2,null]])");
  req.workload = TxnWorkload::kRwRegister;
  req.mops[0].fn = TxnMop::Fn::kWrite;
  res.reads[1] = std::vector<int64_t>{5};
  EXPECT_EQ(TxnRunner::EventValue(req, &res).dump(),
            R"([["w",1,5],["r",1,5],["r",2,null]])");
}

}  // namespace
}  // namespace crashlab
