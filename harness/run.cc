#include "harness/run.h"

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

#include "core/files.h"
#include "core/history.h"
#include "core/subprocess.h"
#include "harness/explorer.h"
#include "harness/faultfs_mount.h"
#include "harness/workload_runner.h"
#include "reports/report.h"

namespace crashlab {

namespace {

// What a crashlab run writes into OUT; --force removes only these.
constexpr const char* kOutputs[] = {"report.json", "report.json.tmp",
                                    "history.jsonl", "trace.bin", "base",
                                    "logs", ".work", ".scratch", "replay"};

struct Recording {
  std::vector<LogicalOp> ops;
  WorkloadStats stats;
};

class RunContext {
 public:
  explicit RunContext(const RunOptions& o) : o_(o) {}
  int Execute();

 private:
  Status Prepare();
  Result<Recording> RecordWorkload(const Schema& schema, AuthWorkload& wl);
  Result<Rows> BaseRows(const FsImage& base, const Schema& schema);
  Report BuildReport(const Recording& rec, const Trace& trace,
                     const ExploreStats& stats, const FindingSet& findings,
                     const Timeline& timeline, double seconds) const;
  void PrintSummary(const Report& r) const;
  std::string Out(const std::string& name) const {
    return JoinPath(o_.out, name);
  }

  const RunOptions& o_;
  std::unique_ptr<Engine> engine_;
  std::string version_;
  std::string scratch_;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "crashlab: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

std::string ClaimKindName(DurabilityClaim::Kind k) {
  switch (k) {
    case DurabilityClaim::Kind::kNone:
      return "none";
    case DurabilityClaim::Kind::kWindow:
      return "window";
    case DurabilityClaim::Kind::kEveryAck:
      return "every_ack";
  }
  return "none";
}

}  // namespace

Status PrepareOutDir(const std::string& out, bool force) {
  if (PathExists(out) && !IsEmptyDir(out)) {
    bool ours = PathExists(JoinPath(out, "report.json")) ||
                PathExists(JoinPath(out, "trace.bin"));
    if (!force || !ours) {
      return Status::InvalidArgument(
          out + " exists and is not empty; choose a new --out directory" +
          (ours ? " or pass --force to replace the previous run"
                : " (--force only replaces a previous crashlab run)"));
    }
    ForceUnmount(JoinPath(out, ".work/mnt"));
    for (const char* name : kOutputs) {
      CRASHLAB_RETURN_IF_ERROR(RemoveTree(JoinPath(out, name)));
    }
  }
  Status made = MakeDirs(out);
  if (!made.ok() || ::access(out.c_str(), W_OK) != 0) {
    return Status::InvalidArgument("cannot write the output directory " + out +
                                   ": choose a writable --out");
  }
  return Status::Ok();
}

Status RunContext::Prepare() {
  if (o_.workload != "auth") {
    return Status::InvalidArgument("unknown workload '" + o_.workload +
                                   "' (known: auth)");
  }
  if (o_.crash != "explore") {
    return Status::InvalidArgument("crash mode '" + o_.crash +
                                   "' is not available in this version "
                                   "(available: explore)");
  }
  if (o_.ops == 0) return Status::InvalidArgument("--ops must be at least 1");
  EngineEnv env{o_.bin_dir, o_.timeout_s * 1000, Out("logs")};
  CRASHLAB_ASSIGN_OR_RETURN(engine_, MakeEngine(o_.engine, o_.settings, env));
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

Result<Recording> RunContext::RecordWorkload(const Schema& schema,
                                             AuthWorkload& workload) {
  const std::string data = Out(".work/data"), mnt = Out(".work/mnt");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(data));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(mnt));
  Status init = engine_->Init(data, schema);
  if (!init.ok()) {
    return Status::Infrastructure("the engine could not create its data "
                                  "directory: " + init.message());
  }
  CRASHLAB_RETURN_IF_ERROR(CopyTree(data, Out("base")));
  CRASHLAB_ASSIGN_OR_RETURN(auto history,
                            HistoryWriter::Create(Out("history.jsonl")));
  MountOptions mo;
  mo.faultfs_bin = JoinPath(o_.bin_dir, "crashlab-faultfs");
  mo.backing = data;
  mo.mount_point = mnt;
  mo.trace_path = Out("trace.bin");
  mo.log_path = Out("logs/faultfs.log");
  CRASHLAB_ASSIGN_OR_RETURN(auto mount, FaultfsMount::Start(mo));
  auto session = engine_->Open(mnt, schema);
  if (!session.ok()) {
    return Status::Infrastructure("the engine did not start on the uncrashed "
                                  "run: " + session.status().message());
  }
  Recording rec;
  WorkloadRunner runner(
      workload, *history,
      [&](const std::string& label) { return mount->Mark(label); },
      o_.interrupted);
  auto stats = runner.Run(**session, o_.ops, &rec.ops);
  Status closed = (*session)->Close();
  session->reset();
  Status stopped = mount->Stop();
  if (!stats.ok()) return stats.status();
  if (!stopped.ok()) return stopped;
  if (!closed.ok() && stats->stopped_because.empty()) {
    return Status::Infrastructure("the engine did not stop cleanly: " +
                                  closed.message());
  }
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

int RunContext::Execute() {
  const int64_t start_ms = MonotonicMs();
  Status prepared = Prepare();
  if (!prepared.ok()) return Fail(prepared);
  ScopedDir scratch_guard(scratch_);
  ScopedDir work_guard(Out(".work"));
  if (o_.keep_work) work_guard.Release();

  AuthWorkload workload(o_.seed);
  const Schema& schema = workload.schema();
  auto rec = RecordWorkload(schema, workload);
  if (!rec.ok()) return Fail(rec.status());
  auto trace = ReadTrace(Out("trace.bin"));
  if (!trace.ok()) return Fail(trace.status());
  if (!trace->tail.clean) {
    return Fail(Status::Infrastructure(
        "the recorded trace is damaged at byte " +
        std::to_string(trace->tail.offset) + ": " + trace->tail.problem));
  }
  auto base = FsImage::FromBase(*trace, Out("base"));
  if (!base.ok()) return Fail(base.status());
  auto base_rows = BaseRows(*base, schema);
  if (!base_rows.ok()) return Fail(base_rows.status());

  ExploreConfig config;
  config.models = o_.models;
  config.max_states = o_.max_states;
  config.budget_s = o_.budget_s;
  config.scratch_dir = scratch_;
  config.interrupted = o_.interrupted;
  Explorer explorer(*trace, *base, *engine_, schema, rec->ops, *base_rows,
                    config);
  FindingSet findings;
  auto stats = explorer.Run(&findings);
  if (!stats.ok()) return Fail(stats.status());

  Report report = BuildReport(*rec, *trace, *stats, findings,
                              explorer.timeline(),
                              (MonotonicMs() - start_ms) / 1000.0);
  Status written = WriteReport(report, Out("report.json"));
  if (!written.ok()) return Fail(written);
  PrintSummary(report);
  return report.ExitCode();
}

Report RunContext::BuildReport(const Recording& rec, const Trace& trace,
                               const ExploreStats& stats,
                               const FindingSet& findings,
                               const Timeline& timeline,
                               double seconds) const {
  Report r;
  r.tool_version = CRASHLAB_VERSION;
  r.engine.name = engine_->name();
  r.engine.version = version_;
  r.engine.settings = engine_->settings();
  const DurabilityClaim claim = engine_->Claim();
  r.engine.claim_kind = ClaimKindName(claim.kind);
  r.engine.claim_window_s = claim.window_s;
  r.engine.claim_basis = claim.basis;
  r.workload = {o_.workload, o_.ops, o_.seed, 1};
  r.crash.mode = o_.crash;
  for (Model m : o_.models) r.crash.models.push_back(ModelName(m));
  r.seed = o_.seed;
  r.trace = {"trace.bin", trace.records.size(), trace.base_dir};
  auto& s = r.summary;
  s.ops_invoked = rec.stats.invoked;
  s.ops_acknowledged = rec.stats.ok;
  s.ops_failed = rec.stats.failed;
  s.ops_unknown = rec.stats.unknown;
  s.crash_states = stats.crash_states;
  s.unique_images = stats.unique_images;
  s.states_checked = stats.states_checked;
  s.recoveries = stats.recoveries;
  s.by_kind = findings.CountByKind();
  s.duration_s = seconds;
  r.findings = findings.ToReport(
      rec.ops, timeline, o_.max_findings,
      [&](const std::string& state, const std::string& id) {
        return "crashlab replay " + o_.out + " --state " + state + " --to " +
               JoinPath(o_.out, "replay/" + id);
      });
  r.findings_omitted = findings.size() - r.findings.size();
  if (findings.size() > 0) {
    s.verdict = "fail";
  } else if (!rec.stats.stopped_because.empty() && !rec.stats.interrupted) {
    s.verdict = "error";
    s.reason = rec.stats.stopped_because;
  } else if (!stats.complete || rec.stats.interrupted) {
    s.verdict = "incomplete";
    s.reason = stats.complete ? rec.stats.stopped_because
                              : stats.stopped_because;
  } else {
    s.verdict = "pass";
  }
  if (s.verdict == "fail" && !stats.complete) {
    s.reason = "exploration stopped early (" + stats.stopped_because + ")";
  }
  return r;
}

void RunContext::PrintSummary(const Report& r) const {
  std::string settings;
  for (const auto& [k, v] : r.engine.settings) settings += " " + k + "=" + v;
  const auto& s = r.summary;
  fmt::print("crashlab {}: {} {}{}, workload {} ({} ops, seed {})\n",
             r.tool_version, r.engine.name, r.engine.version, settings,
             r.workload.name, r.workload.ops, r.seed);
  fmt::print("  recorded {} trace records; {} ops acknowledged, {} failed, "
             "{} unknown\n",
             r.trace.records, s.ops_acknowledged, s.ops_failed, s.ops_unknown);
  fmt::print("  explored {} of {} crash states ({}): {} unique images, {} "
             "recoveries\n",
             s.states_checked, s.crash_states, fmt::join(r.crash.models, ", "),
             s.unique_images, s.recoveries);
  std::string kinds;
  for (const auto& [k, n] : s.by_kind) kinds += fmt::format(" {}={}", k, n);
  fmt::print("  verdict: {}{}  findings:{}\n", s.verdict,
             s.reason.empty() ? "" : " (" + s.reason + ")", kinds);
  for (size_t i = 0; i < r.findings.size() && i < 5; ++i) {
    const auto& f = r.findings[i];
    fmt::print("    {} {}: {}\n      seen in {} crash states; replay: {}\n",
               f.id, FindingKindName(f.kind), f.summary, f.states_affected,
               f.replay);
  }
  if (r.findings.size() > 5) {
    fmt::print("    ... {} more in the report\n",
               r.findings.size() - 5 + r.findings_omitted);
  }
  fmt::print("  report: {}\n", Out("report.json"));
}

int Run(const RunOptions& options) { return RunContext(options).Execute(); }

}  // namespace crashlab
