#include "harness/txn_run.h"

#include <fmt/format.h>

#include <cstdio>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"
#include "core/files.h"
#include "core/history.h"
#include "core/subprocess.h"
#include "harness/finding_set.h"
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

Result<TxnOutcome> RecordAndCheck(const RunOptions& o, Engine& engine,
                                  TxnWorkload workload) {
  const std::string data = JoinPath(o.out, ".work/data");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(data));
  const Schema schema;  // the transactional tables are the clients' own
  Status init = engine.Init(data, schema);
  if (!init.ok()) {
    return Status::Infrastructure(
        "the engine could not create its data directory: " + init.message());
  }
  auto session = engine.Open(data, schema);
  if (!session.ok()) {
    return Status::Infrastructure("the engine did not start: " +
                                  session.status().message());
  }
  CRASHLAB_ASSIGN_OR_RETURN(
      auto writer, HistoryWriter::Create(JoinPath(o.out, "history.jsonl")));
  TxnGenerator gen(workload, o.seed);
  TxnRunOptions ro;
  ro.clients = o.clients;
  ro.txns = o.txns;
  ro.interrupted = o.interrupted;
  Session& s = **session;
  TxnRunner runner(
      gen, [&s, workload] { return s.OpenTxnClient(workload); }, writer.get(),
      ro);
  History history;
  auto stats = runner.Run(&history);
  Status closed = (*session)->Close();
  session->reset();
  if (!stats.ok()) return stats.status();
  if (!closed.ok() && stats->stopped_because.empty()) {
    return Status::Infrastructure("the engine did not stop cleanly: " +
                                  closed.message());
  }
  CRASHLAB_ASSIGN_OR_RETURN(TxnHistory txns, TxnHistoryFromEvents(history));
  CRASHLAB_RETURN_IF_ERROR(
      WriteStringToFile(JoinPath(o.out, "history.edn"), ExportEdn(txns)));
  IsolationOptions io;
  io.process = true;
  io.realtime = true;
  CRASHLAB_ASSIGN_OR_RETURN(IsolationResult checked, CheckIsolation(txns, io));
  return TxnOutcome{*stats, std::move(checked)};
}

Report MakeReport(const RunOptions& o, Engine& engine,
                  const std::string& version, const TxnOutcome& out,
                  double seconds) {
  RunOutcome run;  // no crash: only the counts of what clients were told
  run.stats.invoked = out.stats.invoked;
  run.stats.ok = out.stats.ok;
  run.stats.failed = out.stats.fail;
  run.stats.unknown = out.stats.info;
  Report r = BuildReport(o, engine, version, run, FindingSet(), seconds);
  r.workload = {o.workload, out.stats.invoked, o.seed,
                static_cast<uint64_t>(o.clients)};
  r.crash.models.clear();
  r.trace = {"", 0, ""};
  auto& s = r.summary;
  s.reason.clear();
  r.isolation = out.isolation.ToJson();
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
  } else if (!out.stats.stopped_because.empty()) {
    s.verdict = "error";
    s.reason = out.stats.stopped_because;
  } else {
    s.verdict = "pass";
  }
  return r;
}

}  // namespace

bool IsTxnWorkload(const std::string& workload) {
  return ParseTxnWorkload(workload).ok();
}

int RunTxn(const RunOptions& o) {
  const int64_t start_ms = MonotonicMs();
  auto workload = ParseTxnWorkload(o.workload);
  if (!workload.ok()) return Fail(workload.status());
  if (o.crash != "none") {
    return Fail(
        Status::InvalidArgument("--workload " + o.workload +
                                " runs without crashes: use --crash none "
                                "(or leave --crash out)"));
  }
  if (o.clients < 1) {
    return Fail(Status::InvalidArgument("--clients must be at least 1"));
  }
  if (o.txns == 0)
    return Fail(Status::InvalidArgument("--txns must be at least 1"));
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
  std::fputs(out->isolation.Summary().c_str(), stdout);
  fmt::print(
      "  verdict: {}{}\n  report: {}\n", report.summary.verdict,
      report.summary.reason.empty() ? "" : " (" + report.summary.reason + ")",
      path);
  return report.ExitCode();
}

}  // namespace crashlab
