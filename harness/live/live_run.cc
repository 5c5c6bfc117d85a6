#include "harness/live/live_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/files.h"
#include "core/persistence.h"
#include "core/subprocess.h"
#include "faultfs/client/control_client.h"
#include "faultfs/client/faultfs_mount.h"
#include "harness/record/ack_order.h"
#include "harness/record/timeline.h"

namespace crashlab {

namespace {

// Seconds between each operation's acknowledgement (AckOrder::ack_ns) and
// `crash_ns`; -1 for operations never acknowledged.
std::vector<double> AckAges(const AckOrder& order, uint64_t crash_ns) {
  std::vector<double> ages(order.ack_ns.size(), -1);
  for (uint32_t i : order.by_ack) {
    const uint64_t at = order.ack_ns[i];
    ages[i] = (crash_ns > at ? crash_ns - at : 0) / 1e9;
  }
  return ages;
}

void Accumulate(const WorkloadStats& s, WorkloadStats* total) {
  total->invoked += s.invoked;
  total->ok += s.ok;
  total->failed += s.failed;
  total->unknown += s.unknown;
}

}  // namespace

struct LiveRun::PendingCheck {
  int round = 0;
  std::string dir;
  std::vector<LogicalOp> ops;
  std::vector<OpStatus> status;
  std::vector<double> ack_age_s;
  AckOrder order;
  uint64_t crash_ns = 0;
  std::optional<CauseNamer> causes;
  Rows base;
  CrashState state;
  Hash128 image;
};

LiveRun::LiveRun(Engine& engine, Workload& workload,
                 HistoryWriter& history, LiveOptions options)
    : engine_(engine), workload_(workload), history_(history),
      o_(std::move(options)), rng_(Rng(o_.seed).Fork("live")) {}

LiveRun::~LiveRun() = default;

LiveRoundEnv LiveRun::RoundEnv() const {
  return {o_.out,  o_.scratch, o_.bin_dir, o_.faults_path,
          o_.seed, o_.power,   o_.tear,    o_.backing_fsync};
}

void LiveRun::CheckCrash(const PendingCheck& crash, const Observation& seen,
                         FindingSet* findings, RoundReport* report) {
  CheckInput in{workload_.schema(), crash.ops,  crash.status,
                crash.base,         seen,       &crash.ack_age_s,
                o_.loss_window_s};
  in.whole_rows = o_.whole_rows;
  if (o_.order_checks) {
    in.order = &crash.order;
    in.promise = o_.promise;
    in.crash_ns = crash.crash_ns;
  }
  LossStats loss;
  const std::vector<Finding> found = CheckState(in, &loss);
  if (in.order && seen.outcome == Observation::Outcome::kOk) {
    result_.loss.window_s = std::max(0.0, o_.loss_window_s);
    result_.loss.window_ops = o_.promise.window_ops;
    result_.loss.Add(loss);
  }
  report->recovered = seen.outcome == Observation::Outcome::kOk;
  report->recovery_message = seen.message;
  report->findings = found.size();
  std::set<uint64_t> lost;
  for (const Finding& f : found) {
    if (f.kind == FindingKind::kLostCommit) lost.insert(f.ops.begin(), f.ops.end());
  }
  for (size_t i = 0; i < crash.ops.size(); ++i) {
    if (!lost.count(crash.ops[i].id) || crash.status[i] != OpStatus::kAcked) {
      continue;
    }
    ++report->lost_acknowledged;
    report->oldest_loss_s = std::max(report->oldest_loss_s, crash.ack_age_s[i]);
  }
  const FindingContext where{
      crash.ops,   crash.status,
      crash.state, crash.image,
      crash.round, crash.dir,
      0,           crash.causes ? &*crash.causes : nullptr};
  // The crash image as the engine found it: the next round's base copy.
  const formats::HeaderCheck headers = formats::CheckHeaderDir(
      JoinPath(RoundEnv().round_dir(crash.round + 1), "base"), seen, found);
  result_.headers.Add(headers);
  for (const Finding& f : headers.findings) findings->Add(f, where);
  for (Finding f : found) {
    // Say so when the disk was made to rot before this restart.
    for (const std::string& rot : report->at_rest) {
      f.summary += " [after at-rest corruption " + rot + "]";
    }
    findings->Add(f, where);
  }
}

Status LiveRun::RunRoundWorkload(LiveRound& round, const RoundPlan& plan,
                                 std::vector<LogicalOp>* ops) {
  uint64_t invoked_in_round = 0;
  runner_->set_after_mark([&](const std::string& label) -> Status {
    if (label.rfind("invoke:", 0) == 0 && ++invoked_in_round == plan.kill_op) {
      return round.control
          ->Call({{"cmd", "kill-at"}, {"after_ops", plan.after_fs_ops}})
          .status();
    }
    if (!plan.at_mark.empty() && label == plan.at_mark) {
      return round.control->Call({{"cmd", "crash"}}).status();
    }
    return Status::Ok();
  });
  std::unique_ptr<CrashTimer> timer;
  if (plan.at_ms >= 0) {
    timer = std::make_unique<CrashTimer>(RoundEnv().socket(), plan.at_ms);
  }
  uint64_t remaining = plan.ops;
  bool killed = false;
  while (remaining > 0 && !killed) {
    if (o_.interrupted && o_.interrupted->load()) break;
    CRASHLAB_ASSIGN_OR_RETURN(WorkloadStats stats,
                              runner_->Run(*round.session, remaining, ops));
    Accumulate(stats, &result_.stats);
    remaining -= std::min(remaining, stats.invoked);
    if (stats.stopped_because.empty()) continue;
    CRASHLAB_ASSIGN_OR_RETURN(auto status,
                              round.control->Call({{"cmd", "status"}}));
    killed = status.value("killed", false);
    if (killed) break;
    const int pg = round.session->process_group();
    if (pg <= 0 || !ProcessAlive(pg)) {
      round.trigger = "the engine died by itself: " + stats.stopped_because;
      killed = true;
      break;
    }
    // The engine answered "unknown" but lives on: learn what it holds.
    auto rows = round.session->Dump();
    if (!rows.ok()) return rows.status().Annotate("reading back after an error");
    workload_.Rebase(*rows);
  }
  timer.reset();
  runner_->set_after_mark(nullptr);
  if (!killed) {
    CRASHLAB_ASSIGN_OR_RETURN(auto status,
                              round.control->Call({{"cmd", "status"}}));
    if (!status.value("killed", false)) {
      (void)round.control->Call({{"cmd", "disarm"}});
      CRASHLAB_RETURN_IF_ERROR(round.control->Call({{"cmd", "crash"}}).status());
      if (plan.kill_op == 0 && plan.at_ms < 0 && plan.at_mark.empty()) {
        round.trigger = "after the round's last operation";
      } else if (round.trigger.empty()) {
        round.trigger = plan.Describe() +
                        " (not reached: crashed after the round's last "
                        "operation)";
      }
    }
  }
  return Status::Ok();
}

Result<LiveRun::PendingCheck> LiveRun::Crash(LiveRound& round,
                                             const RoundPlan& plan,
                                             std::vector<LogicalOp> ops,
                                             Rows base, RoundReport* report) {
  CRASHLAB_ASSIGN_OR_RETURN(RoundCrash crash,
                            CrashLiveRound(RoundEnv(), round, rng_, false));
  const Trace& trace = crash.trace;
  const size_t pos = crash.position;
  const CrashState& state = crash.state;
  if (at_rest_) {
    CRASHLAB_ASSIGN_OR_RETURN(report->at_rest,
                              at_rest_->Apply(JoinPath(o_.out, ".work/data")));
  }

  PendingCheck c;
  c.round = round.number;
  c.dir = round.dir;
  const Timeline timeline(trace, ops);
  c.status = timeline.StatusesAt(pos);
  const uint64_t crash_ns = crash.crash_ns;
  c.order = MakeAckOrder(trace, ops, timeline);
  c.crash_ns = crash_ns;
  c.ack_age_s = AckAges(c.order, crash_ns);
  c.causes.emplace(trace, ops, timeline);
  c.state = state;
  c.image = crash.image;
  c.base = std::move(base);

  report->round = round.number;
  report->trigger = round.trigger.empty() ? plan.Describe() : round.trigger;
  if (!crash.tear.empty()) report->trigger += "; " + crash.tear;
  report->crash_position = pos;
  report->crash_at_s = crash_ns / 1e9;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (c.status[i] == OpStatus::kAcked) ++report->ops_acknowledged;
    if (c.status[i] == OpStatus::kInFlight) report->killed_during_op = ops[i].id;
  }
  report->state_id = state.Id();
  report->run_dir = round.dir;
  report->faults = ClassifyFaults(trace, ops);
  c.ops = std::move(ops);
  return c;
}

Result<LiveResult> LiveRun::Run(FindingSet* findings) {
  const std::string data = JoinPath(o_.out, ".work/data");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(data));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(JoinPath(o_.out, ".work/mnt")));
  Status init = engine_.Init(data, workload_.schema());
  if (!init.ok()) {
    return Status::Infrastructure("the engine could not create its data "
                                  "directory: " + init.message());
  }
  if (!o_.faults_path.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(FaultPlan plan, LoadFaultPlan(o_.faults_path));
    plan.seed = o_.seed;  // one seed for the run, as faultfs gets
    at_rest_ = std::make_unique<AtRestCorruptor>(plan);
    if (at_rest_->empty()) at_rest_.reset();
  }
  CRASHLAB_RETURN_IF_ERROR(CopyTree(data, JoinPath(o_.out, "base")));
  LiveRound* current = nullptr;
  runner_ = std::make_unique<WorkloadRunner>(
      workload_, history_,
      [&current](const std::string& label) {
        return current->mount->Mark(label);
      },
      o_.interrupted);
  runner_->set_rate(o_.rate);
  const std::vector<RoundPlan> plans =
      PlanRounds(o_.trigger, o_.ops, o_.rounds, rng_);
  std::optional<PendingCheck> pending;
  for (int r = 1; r <= o_.rounds + 1; ++r) {
    const bool interrupted = o_.interrupted && o_.interrupted->load();
    const bool last = r == o_.rounds + 1 || interrupted;
    CRASHLAB_ASSIGN_OR_RETURN(
        auto round,
        StartLiveRound(RoundEnv(), engine_, workload_.schema(), r, !last));
    current = round.get();
    if (!round->session) {
      if (!pending) {
        return Status::Infrastructure("the engine did not start on the "
                                      "uncrashed run: " +
                                      round->open_status.message());
      }
      Observation refused{Observation::Outcome::kRefused,
                          round->open_status.message()};
      CheckCrash(*pending, refused, findings, &result_.rounds.back());
      result_.complete = false;
      result_.stopped_because = fmt::format(
          "the engine did not recover from the crash of round {}", r - 1);
      break;
    }
    auto rows = round->session->Dump();
    if (pending) {
      Observation seen;
      if (rows.ok()) {
        seen.rows = *rows;
      } else {
        seen.outcome = Observation::Outcome::kReadFailed;
        seen.message = rows.status().message();
      }
      CheckCrash(*pending, seen, findings, &result_.rounds.back());
      pending.reset();
    }
    if (!rows.ok()) {
      result_.complete = false;
      result_.stopped_because = "reading back failed: " + rows.status().message();
      break;
    }
    if (last) {
      CRASHLAB_RETURN_IF_ERROR(round->session->Close());
      round->session.reset();
      if (interrupted) {
        result_.complete = false;
        result_.stopped_because = "interrupted";
      }
      break;
    }
    workload_.Rebase(*rows);
    CRASHLAB_RETURN_IF_ERROR(
        round->control
            ->Call({{"cmd", "target"}, {"pgid", round->session->process_group()}})
            .status());
    std::vector<LogicalOp> ops;
    CRASHLAB_RETURN_IF_ERROR(RunRoundWorkload(*round, plans[r - 1], &ops));
    result_.ops.insert(result_.ops.end(), ops.begin(), ops.end());
    RoundReport report;
    CRASHLAB_ASSIGN_OR_RETURN(
        PendingCheck c,
        Crash(*round, plans[r - 1], std::move(ops), *rows, &report));
    pending = std::move(c);
    result_.rounds.push_back(std::move(report));
  }
  return std::move(result_);
}

}  // namespace crashlab
