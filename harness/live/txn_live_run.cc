#include "harness/live/txn_live_run.h"

#include <fmt/format.h>
#include <signal.h>

#include <memory>
#include <mutex>
#include <set>

#include "core/files.h"
#include "core/subprocess.h"

namespace crashlab {

namespace {

constexpr size_t kReadsPerTxn = 16;

// Read-only transactions over `keys`, kReadsPerTxn keys each.
std::vector<TxnRequest> RecoveryReads(TxnWorkload w,
                                      const std::set<int64_t>& keys) {
  std::vector<TxnRequest> out;
  for (int64_t k : keys) {
    if (out.empty() || out.back().mops.size() == kReadsPerTxn) {
      out.push_back(TxnRequest{w, {}});
    }
    out.back().mops.push_back({TxnMop::Fn::kRead, k, 0});
  }
  return out;
}

// Keys the invocations from `first` on write to.
void WrittenKeys(const History& h, size_t first, std::set<int64_t>* keys) {
  for (size_t i = first; i < h.events().size(); ++i) {
    const Event& e = h.events()[i];
    if (e.type != EventType::kInvoke || !e.value.is_array()) continue;
    for (const auto& mop : e.value) {
      if (mop.is_array() && mop.size() == 3 && mop[0] != "r" &&
          mop[1].is_number_integer()) {
        keys->insert(mop[1].get<int64_t>());
      }
    }
  }
}

// The clients' factory for one round: every client's own process group
// joins the kill targets, and no client is opened once the engine is dead
// (it would run after the crash point).
class RoundClients {
 public:
  RoundClients(LiveRound& round, TxnWorkload w) : round_(round), w_(w) {}

  Result<std::unique_ptr<TxnClient>> Open() {
    std::lock_guard<std::mutex> lock(mu_);
    CRASHLAB_RETURN_IF_ERROR(RefuseWhenDead());
    CRASHLAB_ASSIGN_OR_RETURN(auto client, round_.session->OpenTxnClient(w_));
    const int pg = client->process_group();
    if (pg > 0) {
      Status added =
          round_.control->Call({{"cmd", "target"}, {"pgid", pg}, {"add", true}})
              .status();
      Status alive = added.ok() ? RefuseWhenDead() : added;
      if (!alive.ok()) {
        ::kill(-pg, SIGKILL);  // opened as the engine died: not one more op
        return alive;
      }
    }
    return client;
  }

  // Arms the kill when the round's `kill_op`-th transaction is invoked.
  void OnInvoke(uint64_t n, const RoundPlan& plan) {
    if (n != plan.kill_op) return;
    std::lock_guard<std::mutex> lock(mu_);
    (void)round_.control->Call(
        {{"cmd", "kill-at"}, {"after_ops", plan.after_fs_ops}});
  }

 private:
  Status RefuseWhenDead() {
    auto status = round_.control->Call({{"cmd", "status"}});
    if (!status.ok()) return status.status();
    const int pg = round_.session->process_group();
    if (status->value("killed", false) || pg <= 0 || !ProcessAlive(pg)) {
      return Status::Infrastructure("the engine crashed");
    }
    return Status::Ok();
  }

  LiveRound& round_;
  TxnWorkload w_;
  std::mutex mu_;  // the round's control connection, from client threads
};

}  // namespace

Status TxnLiveRun::PrepareBase() {
  const std::string data = o_.env.data();
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(data));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(JoinPath(o_.env.out, ".work/mnt")));
  Status init = engine_.Init(data, Schema());
  if (!init.ok()) {
    return Status::Infrastructure(
        "the engine could not create its data directory: " + init.message());
  }
  auto session = engine_.Open(data, Schema());
  if (!session.ok()) {
    return Status::Infrastructure("the engine did not start: " +
                                  session.status().message());
  }
  Status made = (*session)->OpenTxnClient(o_.workload).status();
  Status closed = (*session)->Close();
  if (!made.ok()) return made.Annotate("creating the workload's tables");
  return closed;
}

Result<TxnLiveResult> TxnLiveRun::Run(History* history, HistoryWriter* writer) {
  CRASHLAB_RETURN_IF_ERROR(PrepareBase());
  CRASHLAB_RETURN_IF_ERROR(
      CopyTree(o_.env.data(), JoinPath(o_.env.out, "base")));
  Rng rng = Rng(seed_).Fork("live");
  const std::vector<RoundPlan> plans =
      PlanRounds(o_.trigger, o_.txns, o_.rounds, rng);
  TxnGenerator gen(o_.workload, seed_);
  TxnRunOptions ro;
  ro.clients = o_.clients;
  ro.interrupted = o_.interrupted;
  TxnRunner runner(gen, nullptr, writer, ro);
  TxnLiveResult result;
  std::set<int64_t> written;
  for (int r = 1; r <= o_.rounds + 1; ++r) {
    const bool interrupted = o_.interrupted && o_.interrupted->load();
    const bool last = r == o_.rounds + 1 || interrupted;
    CRASHLAB_ASSIGN_OR_RETURN(
        auto round, StartLiveRound(o_.env, engine_, Schema(), r, false));
    if (!round->session) {
      if (result.rounds.empty()) {
        return Status::Infrastructure("the engine did not start: " +
                                      round->open_status.message());
      }
      result.rounds.back().recovery_message = round->open_status.message();
      result.complete = false;
      result.stopped_because = fmt::format(
          "the engine did not recover from the crash of round {}", r - 1);
      break;
    }
    if (!result.rounds.empty()) result.rounds.back().recovered = true;
    CRASHLAB_RETURN_IF_ERROR(
        round->control
            ->Call(
                {{"cmd", "target"}, {"pgid", round->session->process_group()}})
            .status());
    RoundClients clients(*round, o_.workload);
    runner.set_factory([&clients] { return clients.Open(); });
    const RoundPlan plan = last ? RoundPlan{} : plans[r - 1];
    runner.set_on_invoke(
        [&clients, &plan](uint64_t n) { clients.OnInvoke(n, plan); });
    const std::vector<TxnRequest> reads = RecoveryReads(o_.workload, written);
    result.recovery_reads += reads.size();
    runner.Enqueue(reads);
    TxnRoundSpan span{r, history->events().size(), 0, "", round->dir};
    std::unique_ptr<CrashTimer> timer;
    if (plan.at_ms >= 0) {
      timer = std::make_unique<CrashTimer>(o_.env.socket(), plan.at_ms);
    }
    auto stats = runner.Run(history, last ? 0 : plan.ops);
    timer.reset();
    runner.set_on_invoke(nullptr);
    if (!stats.ok()) return stats.status();
    result.stats.invoked += stats->invoked;
    result.stats.ok += stats->ok;
    result.stats.fail += stats->fail;
    result.stats.info += stats->info;
    result.stats.reconnects += stats->reconnects;
    result.stats.seconds += stats->seconds;
    WrittenKeys(*history, span.first_index, &written);
    span.end_index = history->events().size();
    if (last) {
      result.spans.push_back(span);
      CRASHLAB_RETURN_IF_ERROR(round->session->Close());
      round->session.reset();
      if (interrupted) {
        result.complete = false;
        result.stopped_because = "interrupted";
      } else if (!stats->stopped_because.empty()) {
        result.complete = false;
        result.stopped_because =
            "reading back after the last crash: " + stats->stopped_because;
      }
      break;
    }
    CRASHLAB_ASSIGN_OR_RETURN(auto status,
                              round->control->Call({{"cmd", "status"}}));
    if (!status.value("killed", false)) {
      if (!stats->stopped_because.empty()) {
        round->trigger =
            "the engine stopped by itself: " + stats->stopped_because;
      } else if (plan.kill_op == 0 && plan.at_ms < 0) {
        round->trigger = "after the round's last transaction";
      } else {
        round->trigger = plan.Describe() +
                         " (not reached: crashed after the round's last "
                         "transaction)";
      }
      (void)round->control->Call({{"cmd", "disarm"}});
      CRASHLAB_RETURN_IF_ERROR(
          round->control->Call({{"cmd", "crash"}}).status());
    }
    CRASHLAB_ASSIGN_OR_RETURN(RoundCrash crash,
                              CrashLiveRound(o_.env, *round, rng, true));
    RoundReport report;
    report.round = r;
    report.trigger = round->trigger.empty() ? plan.Describe() : round->trigger;
    if (!crash.tear.empty()) report.trigger += "; " + crash.tear;
    report.crash_position = crash.position;
    report.crash_at_s = crash.crash_ns / 1e9;
    report.ops_acknowledged = stats->ok;
    report.state_id = crash.state.Id();
    report.run_dir = round->dir;
    result.rounds.push_back(std::move(report));
    span.state_id = crash.state.Id();
    result.spans.push_back(span);
  }
  return result;
}

std::vector<uint64_t> AttributeCrashes(const std::vector<TxnRoundSpan>& spans,
                                       const std::string& out,
                                       nlohmann::json* isolation) {
  std::vector<uint64_t> per_round(spans.size(), 0);
  auto round_of = [&](uint64_t index) -> size_t {
    for (size_t i = 0; i < spans.size(); ++i) {
      if (index < spans[i].end_index) return i;
    }
    return spans.size() - 1;
  };
  uint64_t across = 0;
  nlohmann::json& anomalies = (*isolation)["anomalies"];
  for (auto& [type, list] : anomalies.items()) {
    for (nlohmann::json& a : list) {
      size_t lo = spans.size(), hi = 0;
      for (const nlohmann::json& t : a["txns"]) {
        const size_t r = round_of(t["invoke_index"].get<uint64_t>());
        lo = std::min(lo, r);
        hi = std::max(hi, r);
      }
      if (lo >= hi) continue;
      ++across;
      nlohmann::json crashes = nlohmann::json::array();
      for (size_t r = lo; r < hi; ++r) {
        const TxnRoundSpan& s = spans[r];
        const std::string dir =
            s.dir.rfind(out, 0) == 0 ? "OUT" + s.dir.substr(out.size()) : s.dir;
        crashes.push_back(
            {{"round", s.round},
             {"state", s.state_id},
             {"replay", fmt::format("crashlab replay {} --state {} --to DIR",
                                    dir, s.state_id)}});
        ++per_round[r];
      }
      a["crashes"] = std::move(crashes);
    }
  }
  (*isolation)["crashes"] = {
      {"rounds", spans.size() > 0 ? spans.size() - 1 : 0},
      {"examples_across_crashes", across},
      {"meaning",
       "anomaly examples whose transactions ran on both sides of a crash "
       "name the crash states between them: a committed write that vanished "
       "in the crash shows up as such an anomaly"}};
  return per_round;
}

}  // namespace crashlab
