#include "harness/run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "checkers/auth_invariants.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/history.h"
#include "core/subprocess.h"
#include "faultfs/client/faultfs_mount.h"
#include "harness/explore/explorer.h"
#include "harness/explore/minimize.h"
#include "harness/live/live_run.h"
#include "harness/record/ack_order.h"
#include "harness/record/finding_cause.h"
#include "harness/record/recording.h"
#include "harness/record/workload_runner.h"
#include "harness/run_report.h"
#include "harness/txn_run.h"
#include "reports/report.h"
#include "workloads/auth.h"
#include "workloads/ddl.h"

namespace crashlab {

namespace {

class RunContext {
 public:
  explicit RunContext(const RunOptions& o) : o_(o) {}
  int Execute();

 private:
  Status Prepare();
  Result<RunOutcome> Explore(FindingSet* findings);
  Result<RunOutcome> Live(FindingSet* findings);
  Status CheckHistoryInvariants(const RunOutcome& outcome, FindingSet* findings);
  Status MinimizeFindings(const Trace& trace, const FsImage& base,
                          const Schema& schema,
                          const std::vector<LogicalOp>& ops,
                          const Timeline& timeline, const Rows& base_rows,
                          const AckOrder* order, const CauseNamer& causes,
                          FindingSet* findings);
  Result<RunOutcome> RecordWorkload(const Schema& schema, Workload& wl);
  // The workload the user named, for this engine (ddl: its schema changes).
  Result<std::unique_ptr<Workload>> MakeWorkload();
  Result<Rows> BaseRows(const FsImage& base, const Schema& schema);
  std::string Out(const std::string& name) const {
    return JoinPath(o_.out, name);
  }

  const RunOptions& o_;
  EngineEnv env_;
  std::unique_ptr<Engine> engine_;
  std::string version_;
  std::string scratch_;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "crashlab: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

}  // namespace

Status RunContext::Prepare() {
  if (o_.workload != "auth" && o_.workload != "ddl") {
    return Status::InvalidArgument(
        "unknown workload '" + o_.workload +
        "' (known: auth, ddl, list-append, rw-register)");
  }
  if (o_.crash != "explore" && o_.crash != "process" && o_.crash != "power") {
    return Status::InvalidArgument("unknown crash mode '" + o_.crash +
                                   "' (explore, process, power)");
  }
  if (o_.ops == 0) return Status::InvalidArgument("--ops must be at least 1");
  if (o_.rate < 0) return Status::InvalidArgument("--rate must not be negative");
  if (o_.rounds < 1) return Status::InvalidArgument("--rounds must be at least 1");
  if (o_.jobs < 1) return Status::InvalidArgument("--jobs must be at least 1");
  if (o_.shard_count < 1 || o_.shard_index < 0 ||
      o_.shard_index >= o_.shard_count) {
    return Status::InvalidArgument("--shard K/N needs 1 <= K <= N");
  }
  if (!o_.faults_path.empty() && !PathExists(o_.faults_path)) {
    return Status::InvalidArgument("fault plan " + o_.faults_path +
                                   " does not exist");
  }
  // One credential for every engine of the run (engine.h: EngineEnv).
  CRASHLAB_ASSIGN_OR_RETURN(
      env_, WithRunCredential({o_.bin_dir, o_.timeout_s * 1000, Out("logs")}));
  CRASHLAB_ASSIGN_OR_RETURN(engine_, MakeEngine(o_.engine, o_.settings, env_));
  CRASHLAB_RETURN_IF_ERROR(CheckFuseAvailable());
  CRASHLAB_RETURN_IF_ERROR(PrepareOutDir(o_.out, o_.force));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(Out("logs")));
  auto version = engine_->Version();
  if (!version.ok()) {
    return Status::Infrastructure("engine " + o_.engine +
                                  " is not usable here: " +
                                  version.status().message());
  }
  version_ = *version;
  scratch_ = o_.scratch;
  if (scratch_.empty()) {
    scratch_ = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : Out(".scratch");
  }
  scratch_ = JoinPath(scratch_, "crashlab-" + std::to_string(::getpid()));
  return MakeDirs(scratch_);
}

Result<std::unique_ptr<Workload>> RunContext::MakeWorkload() {
  if (o_.workload == "auth") {
    return std::unique_ptr<Workload>(new AuthWorkload(o_.seed));
  }
  auto kinds = engine_->SchemaChanges();
  if (!kinds.ok()) {
    return Status::Infrastructure("engine " + o_.engine + " is not usable here: " +
                                  kinds.status().message());
  }
  if (kinds->empty()) {
    return Status::InvalidArgument(
        "engine " + o_.engine +
        " runs no schema changes: --workload ddl needs an engine with DDL "
        "(sqlite, postgres, skytable)");
  }
  return std::unique_ptr<Workload>(new DdlWorkload(o_.seed, *kinds));
}

Result<RunOutcome> RunContext::RecordWorkload(const Schema& schema,
                                              Workload& workload) {
  const std::string data = Out(".work/data"), mnt = Out(".work/mnt");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(mnt));
  CRASHLAB_RETURN_IF_ERROR(InitDataDir(*engine_, data, schema));
  CRASHLAB_RETURN_IF_ERROR(CopyTree(data, Out("base")));
  CRASHLAB_ASSIGN_OR_RETURN(auto history,
                            HistoryWriter::Create(Out("history.jsonl")));
  MountOptions mo;
  mo.faultfs_bin = JoinPath(o_.bin_dir, "crashlab-faultfs");
  mo.backing = data;
  mo.mount_point = mnt;
  mo.trace_path = Out("trace.bin");
  mo.log_path = Out("logs/faultfs.log");
  mo.allow_other = engine_->runs_as_other_user();
  mo.backing_fsync = o_.backing_fsync;
  CRASHLAB_ASSIGN_OR_RETURN(auto mount, FaultfsMount::Start(mo));
  RunOutcome rec;
  WorkloadRunner runner(
      workload, *history,
      [&](const std::string& label) { return mount->Mark(label); },
      o_.interrupted);
  runner.set_rate(o_.rate);
  auto stats = RunToCleanStop(*engine_, mnt, schema, [&](Session& s) {
    return runner.Run(s, o_.ops, &rec.ops);
  });
  Status stopped = mount->Stop();
  if (!stats.ok()) return stats.status();
  if (!stopped.ok()) return stopped;
  rec.stats = *stats;
  return rec;
}

Result<Rows> RunContext::BaseRows(const FsImage& base, const Schema& schema) {
  const std::string dir = JoinPath(scratch_, "base-check");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
  CRASHLAB_RETURN_IF_ERROR(base.Materialize(dir));
  Recovery r = engine_->Recover(dir, schema);
  (void)RemoveTree(dir);
  if (r.stage != Recovery::Stage::kOk) {
    return Status::Infrastructure(
        "the engine cannot open its own base image (before any crash): " +
        r.message);
  }
  return r.rows;
}

Result<RunOutcome> RunContext::Explore(FindingSet* findings) {
  CRASHLAB_ASSIGN_OR_RETURN(auto workload, MakeWorkload());
  const Schema& schema = workload->schema();
  CRASHLAB_ASSIGN_OR_RETURN(RunOutcome out, RecordWorkload(schema, *workload));
  CRASHLAB_ASSIGN_OR_RETURN(Trace trace, ReadTrace(Out("trace.bin")));
  if (!trace.tail.clean) {
    return Status::Infrastructure(
        "the recorded trace is damaged at byte " +
        std::to_string(trace.tail.offset) + ": " + trace.tail.problem);
  }
  CRASHLAB_ASSIGN_OR_RETURN(FsImage base, FsImage::FromBase(trace, Out("base")));
  CRASHLAB_ASSIGN_OR_RETURN(Rows base_rows, BaseRows(base, schema));
  ExploreConfig config;
  config.space = o_.space;
  config.space.seed = o_.seed;
  config.jobs = o_.jobs;
  config.shard_index = o_.shard_index;
  config.shard_count = o_.shard_count;
  config.engine_factory = [this] {
    return MakeEngine(o_.engine, o_.settings, env_);
  };
  config.max_states = o_.max_states;
  config.budget_s = o_.budget_s;
  config.scratch_dir = scratch_;
  config.interrupted = o_.interrupted;
  config.run_dir = o_.out;
  const DurabilityClaim claim = engine_->Claim();
  config.promise = claim.order;
  config.whole_rows = engine_->writes_whole_rows();
  config.loss_window_s =
      claim.kind == DurabilityClaim::Kind::kWindow ? claim.window_s : 0;
  config.order_checks = o_.order_checks;
  const char* verify = std::getenv("CRASHLAB_VERIFY_IMAGES");
  config.verify_images = verify && std::string(verify) == "1";
  // CRASHLAB_ROWS_DIGEST=0: every recovery sends its rows; =1: say how
  // many did not need to (harness/explore/rows_by_digest.h).
  const char* digest = std::getenv("CRASHLAB_ROWS_DIGEST");
  const std::string digest_env = digest ? digest : "";
  if (digest_env == "0") config.kept_rows = 0;
  const Timeline timeline(trace, out.ops);
  const CauseNamer causes(trace, out.ops, timeline);
  config.causes = &causes;
  Explorer explorer(trace, base, schema, out.ops, base_rows, config);
  CRASHLAB_ASSIGN_OR_RETURN(ExploreStats stats, explorer.Run(findings));
  if (config.verify_images) {
    fmt::print(stderr,
               "crashlab: CRASHLAB_VERIFY_IMAGES: {} crash images equal their "
               "in-order replay\n",
               stats.images_verified);
  }
  if (digest_env == "1") {
    fmt::print(stderr,
               "crashlab: CRASHLAB_ROWS_DIGEST: {} of {} recoveries found "
               "their rows by digest\n",
               stats.rows_known, stats.recoveries);
  }
  for (const auto& [name, m] : stats.models) {
    out.model_stats.push_back({name, m.states, m.crash_points,
                               m.exhaustive_points, m.sampled_points});
  }
  out.total_states = stats.total_states;
  out.headers = stats.headers;
  out.loss = stats.loss;
  out.outcomes = stats.outcomes;
  if (o_.minimize_budget_s > 0 && findings->size() > 0) {
    const AckOrder order =
        o_.order_checks ? MakeAckOrder(trace, out.ops, timeline) : AckOrder{};
    CRASHLAB_RETURN_IF_ERROR(
        MinimizeFindings(trace, base, schema, out.ops, timeline, base_rows,
                         o_.order_checks ? &order : nullptr, causes, findings));
  }
  out.trace_records = trace.records.size();
  out.crash_states = stats.crash_states;
  out.unique_images = stats.unique_images;
  out.states_checked = stats.states_checked;
  out.recoveries = stats.recoveries;
  if (!stats.complete) {
    out.complete = false;
    out.stopped_because = stats.stopped_because;
  } else if (!out.stats.stopped_because.empty()) {
    out.stopped_because = out.stats.stopped_because;
  }
  return out;
}

Status RunContext::MinimizeFindings(
    const Trace& trace, const FsImage& base, const Schema& schema,
    const std::vector<LogicalOp>& ops, const Timeline& timeline,
    const Rows& base_rows, const AckOrder* order, const CauseNamer& causes,
    FindingSet* findings) {
  CRASHLAB_ASSIGN_OR_RETURN(auto engine,
                            MakeEngine(o_.engine, o_.settings, env_));
  Minimizer minimizer(trace, base, *engine, schema, ops, timeline, base_rows,
                      scratch_);
  minimizer.set_order(order, engine->Claim().order);
  const int64_t deadline =
      MonotonicMs() + static_cast<int64_t>(o_.minimize_budget_s * 1000);
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(Out("states")));
  // Minimizing can move a finding into a class whose first member is not
  // minimized yet: repeat until every detailed finding is (or time is up).
  for (auto reps = findings->Representatives(o_.max_findings);
       !reps.empty() && MonotonicMs() < deadline;
       reps = findings->Representatives(o_.max_findings)) {
    for (const auto& [key, state] : reps) {
      if (MonotonicMs() >= deadline) break;
      CRASHLAB_ASSIGN_OR_RETURN(
          MinimizeResult r,
          minimizer.Minimize(state, key, o_.minimize_tests, deadline));
      Hasher h;
      h.Update(key);
      r.minimal.detail = h.Digest().ToHex().substr(0, 12);
      CRASHLAB_RETURN_IF_ERROR(
          WriteStringToFile(Out("states/" + r.minimal.Id() + ".json"),
                            CrashStateToJson(r.minimal).dump(1)));
      findings->SetMinimal(key, r.minimal, r.image, r.tests, r.complete,
                           &causes);
    }
  }
  return Status::Ok();
}

Result<RunOutcome> RunContext::Live(FindingSet* findings) {
  CRASHLAB_ASSIGN_OR_RETURN(auto workload, MakeWorkload());
  CRASHLAB_ASSIGN_OR_RETURN(auto history,
                            HistoryWriter::Create(Out("history.jsonl")));
  LiveOptions lo;
  lo.power = o_.crash == "power";
  lo.rounds = o_.rounds;
  lo.ops = o_.ops;
  lo.rate = o_.rate;
  lo.trigger = o_.trigger;
  lo.tear = o_.tear;
  lo.faults_path = o_.faults_path;
  lo.backing_fsync = o_.backing_fsync;
  lo.seed = o_.seed;
  const DurabilityClaim claim = engine_->Claim();
  if (claim.kind == DurabilityClaim::Kind::kWindow && claim.window_s > 0) {
    lo.loss_window_s = claim.window_s;
  }
  lo.promise = claim.order;
  lo.whole_rows = engine_->writes_whole_rows();
  lo.order_checks = o_.order_checks;
  lo.out = o_.out;
  lo.scratch = scratch_;
  lo.bin_dir = o_.bin_dir;
  lo.interrupted = o_.interrupted;
  LiveRun live(*engine_, *workload, *history, lo);
  CRASHLAB_ASSIGN_OR_RETURN(LiveResult result, live.Run(findings));
  RunOutcome out;
  out.ops = std::move(result.ops);
  out.stats = result.stats;
  out.rounds = std::move(result.rounds);
  out.headers = result.headers;
  out.complete = result.complete;
  out.stopped_because = result.stopped_because;
  out.loss = result.loss;
  out.crash_states = out.rounds.size();
  for (const RoundReport& r : out.rounds) {
    out.trace_records += r.crash_position;
    out.states_checked += r.recovered || r.findings > 0;
  }
  out.unique_images = out.recoveries = out.states_checked;
  return out;
}

// The auth invariants over what clients were told across the whole run
// (checkers/auth_invariants.h). Such a finding belongs to no crash state.
Status RunContext::CheckHistoryInvariants(const RunOutcome& outcome,
                                          FindingSet* findings) {
  if (o_.workload != "auth") return Status::Ok();
  CRASHLAB_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(Out("history.jsonl")));
  CRASHLAB_ASSIGN_OR_RETURN(History history, History::ParseJsonl(text));
  std::map<uint64_t, OpStatus> final_status;
  for (const Event& e : history.events()) {
    if (e.type == EventType::kOk) final_status[e.op] = OpStatus::kAcked;
    if (e.type == EventType::kFail) final_status[e.op] = OpStatus::kFailed;
    if (e.type == EventType::kInfo) final_status[e.op] = OpStatus::kInFlight;
  }
  std::vector<OpStatus> status;
  for (const LogicalOp& op : outcome.ops) {
    auto it = final_status.find(op.id);
    status.push_back(it == final_status.end() ? OpStatus::kInFlight : it->second);
  }
  CrashState whole{Model::kPrefix, 0, {}, {}};
  whole.kind = "history";
  const FindingContext where{outcome.ops, status, whole, Hash128{}, 0, ""};
  for (const Finding& f : CheckAuthHistory(history)) findings->Add(f, where);
  return Status::Ok();
}

int RunContext::Execute() {
  const int64_t start_ms = MonotonicMs();
  Status prepared = Prepare();
  if (!prepared.ok()) return Fail(prepared);
  ScopedDir scratch_guard(scratch_);
  ScopedDir work_guard(Out(".work"));
  if (o_.keep_work) work_guard.Release();
  FindingSet findings;
  auto outcome = o_.crash == "explore" ? Explore(&findings) : Live(&findings);
  if (!outcome.ok()) return Fail(outcome.status());
  Status invariants = CheckHistoryInvariants(*outcome, &findings);
  if (!invariants.ok()) return Fail(invariants);
  Report report = BuildReport(o_, *engine_, version_, *outcome, findings,
                              (MonotonicMs() - start_ms) / 1000.0);
  Status written = WriteReport(report, Out("report.json"));
  if (!written.ok()) return Fail(written);
  PrintSummary(report, Out("report.json"));
  return report.ExitCode();
}

int Run(const RunOptions& options) {
  if (IsTxnWorkload(options.workload)) return RunTxn(options);
  return RunContext(options).Execute();
}

}  // namespace crashlab
