#include "workloads/txn_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

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

// A live crash run calls Run() once per round: queued requests go first,
// operation ids and times go on, each Run() has its own stats, a client
// that answered info comes back under a new process, and on_invoke counts
// the round's invocations.
class DyingClient : public TxnClient {
 public:
  DyingClient(Store& s, std::atomic<bool>* dead) : inner_(s), dead_(dead) {}
  TxnResult Transact(const TxnRequest& req) override {
    if (*dead_) return TxnResult{ApplyResult::Outcome::kInfo, "dead", {}};
    return inner_.Transact(req);
  }

 private:
  FakeClient inner_;
  std::atomic<bool>* dead_;
};

TEST(TxnRunnerTest, RoundsContinueOneHistory) {
  Store store;
  std::atomic<bool> dead{false};
  TxnGenerator gen(TxnWorkload::kListAppend, 7);
  TxnRunOptions o;
  o.clients = 2;
  TxnRunner runner(gen, nullptr, nullptr, o);
  runner.set_factory([&]() -> Result<std::unique_ptr<TxnClient>> {
    if (dead) return Status::Infrastructure("the engine crashed");
    return std::unique_ptr<TxnClient>(new DyingClient(store, &dead));
  });
  std::vector<uint64_t> invoked;
  runner.set_on_invoke([&](uint64_t n) {
    invoked.push_back(n);
    if (n == 5) dead = true;  // the engine dies as the 5th one starts
  });
  History h;
  auto first = runner.Run(&h, 20);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_GT(first->info, 0u);
  EXPECT_LT(first->invoked, 20u) << "stopped at the crash";
  EXPECT_NE(first->stopped_because, "");
  EXPECT_EQ(invoked.front(), 1u);
  const size_t events = h.events().size();
  const uint64_t last_op = h.events().back().op;

  dead = false;
  invoked.clear();
  runner.set_on_invoke([&](uint64_t n) { invoked.push_back(n); });
  runner.Enqueue({TxnRequest{TxnWorkload::kListAppend, {{TxnMop::Fn::kRead, 0, 0}}}});
  auto second = runner.Run(&h, 6);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->invoked, 7u) << "6 generated after 1 queued";
  EXPECT_EQ(second->ok, 7u);
  EXPECT_EQ(second->stopped_because, "");
  EXPECT_EQ(invoked.size(), 7u);
  const Event& queued = h.events()[events];
  EXPECT_EQ(queued.type, EventType::kInvoke);
  EXPECT_EQ(queued.value.dump(), R"([["r",0,null]])") << "queued first";
  EXPECT_GT(queued.op, last_op) << "ids go on";
  EXPECT_GE(queued.time_ns, h.events()[events - 1].time_ns);
  std::set<uint64_t> processes;
  for (size_t i = events; i < h.events().size(); ++i) {
    processes.insert(h.events()[i].process);
  }
  EXPECT_TRUE(processes.count(2) || processes.count(3))
      << "a client that answered info runs as a new process";
  auto txns = TxnHistoryFromEvents(h);
  ASSERT_TRUE(txns.ok()) << txns.status().message();
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
