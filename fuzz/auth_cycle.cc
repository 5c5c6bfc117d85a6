#include "fuzz/auth_cycle.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "workloads/auth.h"

namespace crashlab {
namespace {

OpStatus StatusAt(const CycleRun::Op& run, size_t position) {
  if (position <= run.begin) return OpStatus::kNotInvoked;
  if (position < run.end) return OpStatus::kInFlight;
  switch (run.result) {
    case ApplyResult::Kind::kOk:
      return OpStatus::kAcked;
    case ApplyResult::Kind::kFailed:
      return OpStatus::kFailed;
    case ApplyResult::Kind::kUnknown:
      return OpStatus::kInFlight;
  }
  return OpStatus::kInFlight;
}

// Recovery: a fresh engine on the crashed disk, read back.
Observation Recover(const AuthEngineFactory& make, SimFs& fs) {
  Observation o;
  std::unique_ptr<AuthEngine> engine = make(1);
  const Status opened = engine->Open(fs, /*create=*/false);
  if (!opened.ok()) {
    o.outcome = Observation::Outcome::kRefused;
    o.message = opened.message();
    return o;
  }
  const Status read = engine->Dump(&o.rows, &o.engine_check);
  if (!read.ok()) {
    o.outcome = Observation::Outcome::kReadFailed;
    o.message = read.message();
  }
  engine->Close();
  return o;
}

std::string Report(const CycleConfig& config, const std::vector<LogicalOp>& ops,
                   const std::vector<OpStatus>& status, const SimFs& fs,
                   const Observation& seen,
                   const std::vector<Finding>& findings) {
  std::string out = "crashlab simfs crash cycle: " +
                    std::to_string(findings.size()) + " finding(s)\n";
  out += "settings: " + config.settings + "; models:";
  for (Model m : config.space.models) out += std::string(" ") + ModelName(m);
  out += "; device: [" + config.space.flags.ToString() + "]\n";
  for (const Finding& f : findings) {
    out += std::string("  ") + FindingKindName(f.kind) + ": " + f.summary +
           "\n";
  }
  out += "operations (status at the crash):\n";
  for (size_t i = 0; i < ops.size(); ++i) {
    out += "  " + ops[i].f + " #" + std::to_string(ops[i].id) + " " +
           OpStatusName(status[i]) + " " + ops[i].ToJson()["mutations"].dump() +
           "\n";
  }
  out += fs.DescribeLastCrash() + "\n";
  out += "crash state: " + fs.LastCrashJson().dump() + "\n";
  if (!seen.message.empty()) out += "recovery said: " + seen.message + "\n";
  if (seen.engine_check != "ok") {
    out += "engine check: " + seen.engine_check + "\n";
  }
  return out;
}

}  // namespace

Result<BaseImage> MakeBaseImage(AuthEngine& engine) {
  SimFs fs;
  CRASHLAB_RETURN_IF_ERROR(engine.Open(fs, /*create=*/true));
  engine.Close();
  fs.SettleAll();
  return std::make_shared<const FsImage>(fs.image());
}

Result<std::shared_ptr<const CycleRun>> RunWorkload(
    const AuthEngineFactory& make, const BaseImage& base, Choices& choices,
    const CycleConfig& config) {
  SimFs fs(base);
  AuthWorkload workload(choices.Pick(uint64_t{1} << 32));
  auto run = std::make_shared<CycleRun>();
  run->base_rows = workload.model();
  const size_t n = 1 + choices.Pick(config.max_ops);
  run->ops.reserve(n);
  run->runs.reserve(n);
  {
    std::unique_ptr<AuthEngine> engine = make(0);
    const Status opened = engine->Open(fs, /*create=*/false);
    if (!opened.ok()) {
      return opened.Annotate("the engine did not open its base image");
    }
    run->whole_rows = engine->writes_whole_rows();
    for (size_t i = 0; i < n; ++i) {
      if (choices.Pick(4) == 0) (void)engine->Maintain();
      run->ops.push_back(workload.Next());
      CycleRun::Op op;
      op.begin = fs.position();
      const ApplyResult r = engine->Apply(run->ops.back());
      op.end = fs.position();
      op.result = r.kind;
      run->runs.push_back(op);
      workload.Complete(run->ops.back(), r.kind == ApplyResult::Kind::kOk);
      fs.Mark("op " + std::to_string(run->ops.back().id) + " returned");
      if (r.kind != ApplyResult::Kind::kOk) break;
    }
    engine->Close();
  }
  run->schema = AuthWorkload::SharedSchema();  // the workload's own
  run->index = std::make_unique<CheckIndex>(*run->schema, run->ops,
                                            run->whole_rows);
  run->fs = fs.TakeRun();
  return std::shared_ptr<const CycleRun>(std::move(run));
}

namespace {

// Counted back from the end: an input that ran out (its choices are all 0
// from there on) crashes after the last op returned, the plainest power
// cut, instead of before the first op, which would check nothing.
CrashState DrawCrash(const CycleRun& run, Choices& choices,
                     const CycleConfig& config) {
  const Trace& trace = *run.fs.trace;
  const size_t last = trace.records.size();
  const size_t position = last - choices.Pick(last - trace.first_op + 1);
  return DrawState(trace, position, config.space, choices);
}

CycleOutcome CheckCrash(const CycleRun& run, const AuthEngineFactory& make,
                        CrashState state, const CycleConfig& config) {
  CycleOutcome out;
  out.ops = run.ops.size();
  out.crash_position = state.position;
  out.state = state;
  SimFs fs(run.fs, std::move(state));

  std::vector<OpStatus> status;
  status.reserve(run.runs.size());
  for (const CycleRun::Op& op : run.runs) {
    status.push_back(StatusAt(op, out.crash_position));
    if (status.back() == OpStatus::kAcked) ++out.acked;
  }
  const Observation seen = Recover(make, fs);
  CheckInput in{*run.schema, run.ops, status, run.base_rows, seen};
  in.whole_rows = run.whole_rows;
  in.index = run.index.get();
  out.findings = CheckState(in);
  if (!out.findings.empty()) {
    out.report = Report(config, run.ops, status, fs, seen, out.findings);
  }
  return out;
}

}  // namespace

CycleOutcome CrashAndCheck(const CycleRun& run, const AuthEngineFactory& make,
                           Choices& choices, const CycleConfig& config) {
  return CheckCrash(run, make, DrawCrash(run, choices, config), config);
}

Result<CycleOutcome> RunAuthCycle(const AuthEngineFactory& make,
                                  const BaseImage& base, Choices& choices,
                                  const CycleConfig& config) {
  CRASHLAB_ASSIGN_OR_RETURN(std::shared_ptr<const CycleRun> run,
                            RunWorkload(make, base, choices, config));
  return CrashAndCheck(*run, make, choices, config);
}

Result<CycleOutcome> RunCache::Cycle(const AuthEngineFactory& make,
                                     const BaseImage& base,
                                     ByteChoices& choices,
                                     const CycleConfig& config) {
  // The key is every byte consumed up to the run's end, the picks before
  // it too: the caller's factory may depend on them (SQLite's PRNG seed).
  const std::string_view input = choices.bytes();
  const bool hit = run_ && base.get() == base_ &&
                   config.max_ops == max_ops_ && config.settings == settings_ &&
                   input.starts_with(bytes_) &&
                   choices.consumed() <= bytes_.size() &&
                   (!ran_out_ || input.size() == bytes_.size());
  if (hit) {
    choices.Skip(bytes_.size() - choices.consumed());
  } else {
    checked_.clear();
    run_.reset();  // its buffers go back to the pools first
    CRASHLAB_ASSIGN_OR_RETURN(run_, RunWorkload(make, base, choices, config));
    base_ = base.get();
    max_ops_ = config.max_ops;
    settings_ = config.settings;
    bytes_.assign(input.substr(0, choices.consumed()));
    ran_out_ = choices.ran_out();
  }
  CrashState state = DrawCrash(*run_, choices, config);
  for (const CycleOutcome& done : checked_) {
    if (done.state == state) {
      CycleOutcome out = done;
      out.reused = CycleOutcome::Reused::kCheck;
      return out;
    }
  }
  CycleOutcome out = CheckCrash(*run_, make, std::move(state), config);
  if (checked_.size() < kMaxChecked) checked_.push_back(out);
  out.reused = hit ? CycleOutcome::Reused::kRun : CycleOutcome::Reused::kNothing;
  return out;
}

void CycleTally::Add(const CycleOutcome& out) {
  ++executions;
  if (out.reused != CycleOutcome::Reused::kNothing) ++reused_runs;
  if (out.reused == CycleOutcome::Reused::kCheck) ++reused_checks;
  ops += out.ops;
  acked += out.acked;
  if (out.acked == 0) ++none_acked;
}

std::string CycleTally::Summary() const {
  if (executions == 0) return "0 executions";
  const double n = static_cast<double>(executions);
  char buf[300];
  int len = std::snprintf(
      buf, sizeof buf,
      "%llu executions; per execution %.2f ops, %.2f acknowledged ops "
      "checked; %.1f%% checked none (crashed before any acknowledgement)",
      static_cast<unsigned long long>(executions),
      static_cast<double>(ops) / n, static_cast<double>(acked) / n,
      100.0 * static_cast<double>(none_acked) / n);
  if (reused_runs > 0 && len > 0 && static_cast<size_t>(len) < sizeof buf) {
    std::snprintf(buf + len, sizeof buf - len,
                  "; RunCache: %.1f%% reused the run of the input before, "
                  "%.1f%% a crash of it already checked",
                  100.0 * static_cast<double>(reused_runs) / n,
                  100.0 * static_cast<double>(reused_checks) / n);
  }
  return buf;
}

bool CycleTally::ParseExitLine(const std::string& line,
                               double* acked_per_exec, double* none_percent,
                               double* checked_before_percent) {
  double executions = 0, ops = 0;
  if (std::sscanf(line.c_str(),
                  "crashlab: %lf executions; per execution %lf ops, %lf "
                  "acknowledged ops checked; %lf%%",
                  &executions, &ops, acked_per_exec, none_percent) != 4) {
    return false;
  }
  if (checked_before_percent) {
    *checked_before_percent = 0;
    double runs = 0;
    const size_t at = line.find("; RunCache: ");
    if (at != std::string::npos &&
        std::sscanf(line.c_str() + at,
                    "; RunCache: %lf%% reused the run of the input before, "
                    "%lf%%",
                    &runs, checked_before_percent) != 2) {
      *checked_before_percent = 0;
    }
  }
  return true;
}

CycleTally& ExitTally() {
  // Never destroyed: atexit handlers may run after static destructors.
  static CycleTally* tally = [] {
    std::atexit([] {
      std::fprintf(stderr, "crashlab: %s\n", ExitTally().Summary().c_str());
    });
    return new CycleTally;
  }();
  return *tally;
}

Result<SpaceConfig> ParseSpaceConfig(const std::string& models,
                                     const std::string& device) {
  SpaceConfig c;
  c.models = {Model::kPrefix, Model::kDropUnsynced, Model::kReorder,
              Model::kTorn};
  if (!models.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(c.models, ParseModels(models));
  }
  CRASHLAB_ASSIGN_OR_RETURN(c.flags, ParseDeviceFlags(device));
  return c;
}

}  // namespace crashlab
