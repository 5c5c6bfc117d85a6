#include "fuzz/auth_cycle.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "workloads/auth.h"

namespace crashlab {
namespace {

// Where one op ran in the trace and what it returned.
struct OpRun {
  size_t begin = 0;  // position before its first record
  size_t end = 0;    // position after its last record (when it returned)
  ApplyResult::Kind result = ApplyResult::Kind::kUnknown;
};

OpStatus StatusAt(const OpRun& run, size_t position) {
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
  std::unique_ptr<AuthEngine> engine = make();
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

Result<CycleOutcome> RunAuthCycle(const AuthEngineFactory& make,
                                  const BaseImage& base, Choices& choices,
                                  const CycleConfig& config) {
  SimFs fs(base);
  AuthWorkload workload(choices.Pick(uint64_t{1} << 32));
  const Rows base_rows = workload.model();
  const size_t n = 1 + choices.Pick(config.max_ops);
  std::vector<LogicalOp> ops;
  std::vector<OpRun> runs;
  ops.reserve(n);
  runs.reserve(n);
  bool whole_rows = false;
  {
    std::unique_ptr<AuthEngine> engine = make();
    const Status opened = engine->Open(fs, /*create=*/false);
    if (!opened.ok()) {
      return opened.Annotate("the engine did not open its base image");
    }
    whole_rows = engine->writes_whole_rows();
    for (size_t i = 0; i < n; ++i) {
      if (choices.Pick(4) == 0) (void)engine->Maintain();
      ops.push_back(workload.Next());
      OpRun run;
      run.begin = fs.position();
      const ApplyResult r = engine->Apply(ops.back());
      run.end = fs.position();
      run.result = r.kind;
      runs.push_back(run);
      workload.Complete(ops.back(), r.kind == ApplyResult::Kind::kOk);
      fs.Mark("op " + std::to_string(ops.back().id) + " returned");
      if (r.kind != ApplyResult::Kind::kOk) break;
    }
    engine->Close();
  }
  CycleOutcome out;
  out.ops = ops.size();
  // Counted back from the end: an input that ran out (its choices are all
  // 0 from there on) crashes after the last op returned, the plainest
  // power cut, instead of before the first op, which would check nothing.
  const size_t first = fs.trace().first_op;
  const size_t last = fs.position();
  out.crash_position = last - choices.Pick(last - first + 1);
  out.state = fs.CrashAt(out.crash_position, choices, config.space);

  std::vector<OpStatus> status;
  status.reserve(runs.size());
  for (const OpRun& run : runs) {
    status.push_back(StatusAt(run, out.crash_position));
    if (status.back() == OpStatus::kAcked) ++out.acked;
  }
  const Observation seen = Recover(make, fs);
  CheckInput in{workload.schema(), ops, status, base_rows, seen};
  in.whole_rows = whole_rows;
  out.findings = CheckState(in);
  if (!out.findings.empty()) {
    out.report = Report(config, ops, status, fs, seen, out.findings);
  }
  return out;
}

void CycleTally::Add(const CycleOutcome& out) {
  ++executions;
  ops += out.ops;
  acked += out.acked;
  if (out.acked == 0) ++none_acked;
}

std::string CycleTally::Summary() const {
  if (executions == 0) return "0 executions";
  const double n = static_cast<double>(executions);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "%llu executions; per execution %.2f ops, %.2f acknowledged "
                "ops checked; %.1f%% checked none (crashed before any "
                "acknowledgement)",
                static_cast<unsigned long long>(executions),
                static_cast<double>(ops) / n, static_cast<double>(acked) / n,
                100.0 * static_cast<double>(none_acked) / n);
  return buf;
}

bool CycleTally::ParseExitLine(const std::string& line,
                               double* acked_per_exec, double* none_percent) {
  double executions = 0, ops = 0;
  return std::sscanf(line.c_str(),
                     "crashlab: %lf executions; per execution %lf ops, %lf "
                     "acknowledged ops checked; %lf%%",
                     &executions, &ops, acked_per_exec, none_percent) == 4;
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
