#include "harness/txn_run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"
#include "checkers/linearizability/registers_json.h"
#include "core/files.h"
#include "core/history.h"
#include "core/subprocess.h"
#include "faultfs/client/faultfs_mount.h"
#include "harness/live/txn_live_run.h"
#include "harness/record/finding_set.h"
#include "harness/record/recording.h"
#include "harness/run_report.h"
#include "reports/report.h"
#include "workloads/txn_runner.h"

namespace crashlab {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "crashlab: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

struct TxnOutcome {
  TxnRunStats stats;
  IsolationResult isolation;
  nlohmann::json isolation_json;
  TxnLiveResult live;  // process and power only
};

// "G-single x3, G2-item x1"
std::string AnomalyList(const IsolationResult& r) {
  std::string out;
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (r.anomaly_counts[i] == 0) continue;
    out += fmt::format("{}{} x{}", out.empty() ? "" : ", ",
                       AnomalyTypeName(static_cast<AnomalyType>(i)),
                       r.anomaly_counts[i]);
  }
  return out;
}

// --crash none: a plain directory, no faultfs, no crash.
Result<TxnRunStats> RecordWithoutCrashes(const RunOptions& o, Engine& engine,
                                         TxnWorkload workload,
                                         HistoryWriter* writer,
                                         History* history) {
  const std::string data = JoinPath(o.out, ".work/data");
  const Schema schema;  // the transactional tables are the clients' own
  CRASHLAB_RETURN_IF_ERROR(InitDataDir(engine, data, schema));
  TxnGenerator gen(workload, o.seed);
  TxnRunOptions ro;
  ro.clients = o.clients;
  ro.txns = o.txns;
  ro.interrupted = o.interrupted;
  return RunToCleanStop(engine, data, schema, [&](Session& s) {
    TxnRunner runner(
        gen, [&s, workload] { return s.OpenTxnClient(workload); }, writer, ro);
    return runner.Run(history);
  });
}

std::string ScratchDir(const RunOptions& o) {
  std::string dir = o.scratch;
  if (dir.empty()) {
    dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                         : JoinPath(o.out, ".scratch");
  }
  return JoinPath(dir, "crashlab-txn-" + std::to_string(::getpid()));
}

Result<TxnOutcome> RecordAndCheck(const RunOptions& o, Engine& engine,
                                  TxnWorkload workload) {
  CRASHLAB_ASSIGN_OR_RETURN(
      auto writer, HistoryWriter::Create(JoinPath(o.out, "history.jsonl")));
  History history;
  TxnOutcome out;
  if (o.crash == "none") {
    CRASHLAB_ASSIGN_OR_RETURN(
        out.stats,
        RecordWithoutCrashes(o, engine, workload, writer.get(), &history));
  } else {
    TxnLiveOptions lo;
    lo.env = {o.out,  ScratchDir(o), o.bin_dir, "", o.seed, o.crash == "power",
              o.tear, o.backing_fsync};
    CRASHLAB_RETURN_IF_ERROR(MakeDirs(lo.env.scratch));
    ScopedDir scratch_guard(lo.env.scratch);
    lo.workload = workload;
    lo.clients = o.clients;
    lo.txns = o.txns;
    lo.rounds = o.rounds;
    lo.trigger = o.trigger;
    lo.interrupted = o.interrupted;
    TxnLiveRun live(engine, lo, o.seed);
    CRASHLAB_ASSIGN_OR_RETURN(out.live, live.Run(&history, writer.get()));
    out.stats = out.live.stats;
    if (!out.live.complete) out.stats.stopped_because = out.live.stopped_because;
  }
  CRASHLAB_ASSIGN_OR_RETURN(TxnHistory txns, TxnHistoryFromEvents(history));
  CRASHLAB_RETURN_IF_ERROR(
      WriteStringToFile(JoinPath(o.out, "history.edn"), ExportEdn(txns)));
  IsolationOptions io;
  io.process = true;
  io.realtime = true;
  io.sequential_keys = o.sequential_keys;
  io.linearizable_keys = o.linearizable_keys;
  if (o.crash != "none") io.max_examples = 32;  // more to attribute to crashes
  CRASHLAB_ASSIGN_OR_RETURN(out.isolation, CheckIsolation(txns, io));
  out.isolation_json = out.isolation.ToJson();
  if (workload == TxnWorkload::kRwRegister) {
    // Each statement on one key, judged alone: linearizable registers
    // (what a row lock promises even where transactions are absent).
    out.isolation_json["registers"] =
        linearizability::RegistersSection(txns, history);
  }
  if (o.crash != "none") {
    const std::vector<uint64_t> per_round =
        AttributeCrashes(out.live.spans, o.out, &out.isolation_json);
    for (size_t i = 0; i < out.live.rounds.size(); ++i) {
      out.live.rounds[i].findings = per_round[i];
    }
  }
  return out;
}

Report MakeReport(const RunOptions& o, Engine& engine,
                  const std::string& version, const TxnOutcome& out,
                  double seconds) {
  RunOutcome run;  // the counts of what clients were told, and the crashes
  run.stats.invoked = out.stats.invoked;
  run.stats.ok = out.stats.ok;
  run.stats.failed = out.stats.fail;
  run.stats.unknown = out.stats.info;
  run.rounds = out.live.rounds;
  run.crash_states = run.rounds.size();
  for (const RoundReport& r : run.rounds) {
    run.trace_records += r.crash_position;
    run.states_checked += r.recovered;
  }
  run.unique_images = run.recoveries = run.states_checked;
  Report r = BuildReport(o, engine, version, run, FindingSet(), seconds);
  r.workload = {o.workload, out.stats.invoked, o.seed,
                static_cast<uint64_t>(o.clients)};
  if (o.crash == "none") {
    r.crash.models.clear();
    r.trace = {"", 0, ""};
  }
  auto& s = r.summary;
  s.reason.clear();
  r.isolation = out.isolation_json;
  const std::string verdict = out.isolation.Verdict();
  const bool interrupted = o.interrupted != nullptr && o.interrupted->load();
  if (verdict == "invalid") {
    s.verdict = "fail";
    s.reason = "isolation anomalies: " + AnomalyList(out.isolation);
  } else if (verdict != "valid") {
    s.verdict = "error";
    s.reason = "the history broke the workload's unique-values contract";
  } else if (interrupted) {
    s.verdict = "incomplete";
    s.reason = "interrupted";
  } else if (!out.stats.stopped_because.empty() &&
             (o.crash == "none" || !out.live.complete)) {
    s.verdict = "error";
    s.reason = out.stats.stopped_because;
  } else {
    s.verdict = "pass";
  }
  return r;
}

Status CheckOptions(const RunOptions& o) {
  if (o.crash != "none" && o.crash != "process" && o.crash != "power") {
    return Status::InvalidArgument(
        "--workload " + o.workload + " runs with --crash none (the default), "
        "process or power, not " + o.crash);
  }
  if (o.clients < 1) {
    return Status::InvalidArgument("--clients must be at least 1");
  }
  if (o.txns == 0) return Status::InvalidArgument("--txns must be at least 1");
  if (o.crash == "none") return Status::Ok();
  if (!o.faults_path.empty()) {
    return Status::InvalidArgument(
        "--faults is not available with --workload " + o.workload);
  }
  if (o.trigger.kind == Trigger::Kind::kAtMark) {
    return Status::InvalidArgument(
        "--at-mark needs the auth workload's marks; with --workload " +
        o.workload + " use --random, --at-op or --at-time");
  }
  if (o.rounds < 1) return Status::InvalidArgument("--rounds must be at least 1");
  return CheckFuseAvailable();
}

}  // namespace

bool IsTxnWorkload(const std::string& workload) {
  return ParseTxnWorkload(workload).ok();
}

int RunTxn(const RunOptions& o) {
  const int64_t start_ms = MonotonicMs();
  auto workload = ParseTxnWorkload(o.workload);
  if (!workload.ok()) return Fail(workload.status());
  if (Status ok = CheckOptions(o); !ok.ok()) return Fail(ok);
  EngineEnv env{o.bin_dir, o.timeout_s * 1000, JoinPath(o.out, "logs")};
  auto engine = MakeEngine(o.engine, o.settings, env);
  if (!engine.ok()) return Fail(engine.status());
  Status prepared = PrepareOutDir(o.out, o.force);
  if (!prepared.ok()) return Fail(prepared);
  if (Status made = MakeDirs(env.log_dir); !made.ok()) return Fail(made);
  auto version = (*engine)->Version();
  if (!version.ok()) {
    return Fail(Status::Infrastructure(
        "engine " + o.engine +
        " is not usable here: " + version.status().message()));
  }
  ScopedDir work_guard(JoinPath(o.out, ".work"));
  if (o.keep_work) work_guard.Release();
  auto out = RecordAndCheck(o, **engine, *workload);
  if (!out.ok()) return Fail(out.status());
  const Report report =
      MakeReport(o, **engine, *version, *out,
                 static_cast<double>(MonotonicMs() - start_ms) / 1000.0);
  const std::string path = JoinPath(o.out, "report.json");
  if (Status w = WriteReport(report, path); !w.ok()) return Fail(w);
  std::string settings;
  for (const auto& [k, v] : report.engine.settings)
    settings += " " + k + "=" + v;
  const TxnRunStats& st = out->stats;
  fmt::print(
      "crashlab {}: {} {}{}, workload {} ({} clients, {} txns, seed {})\n",
      report.tool_version, report.engine.name, report.engine.version, settings,
      o.workload, o.clients, st.invoked, o.seed);
  fmt::print("  {} ok, {} failed, {} unknown in {:.2f} s: {:.0f} txns/s\n",
             st.ok, st.fail, st.info, st.seconds, st.TxnsPerSecond());
  if (o.crash != "none") {
    const nlohmann::json& c = out->isolation_json["crashes"];
    fmt::print("  {} {} crashes, {} recovered; {} read-back transactions; "
               "{} anomaly example(s) span a crash\n",
               out->live.rounds.size(), o.crash, report.summary.states_checked,
               out->live.recovery_reads, c["examples_across_crashes"].get<uint64_t>());
  }
  std::fputs(out->isolation.Summary().c_str(), stdout);
  for (const auto& [type, list] : out->isolation_json["anomalies"].items()) {
    for (const nlohmann::json& a : list) {
      if (!a.contains("crashes")) continue;
      for (const nlohmann::json& c : a["crashes"]) {
        fmt::print("  {} spans the crash of round {} ({}): {}\n", type,
                   c["round"].get<int>(), c["state"].get<std::string>(),
                   c["replay"].get<std::string>());
      }
    }
  }
  fmt::print(
      "  verdict: {}{}\n  report: {}\n", report.summary.verdict,
      report.summary.reason.empty() ? "" : " (" + report.summary.reason + ")",
      path);
  return report.ExitCode();
}

}  // namespace crashlab
