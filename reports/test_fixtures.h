// Synthetic reports and matrices for the report-format tests (table,
// gating, JUnit, annotations, HTML). Test-only; header-only.
#ifndef CRASHLAB_REPORTS_TEST_FIXTURES_H_
#define CRASHLAB_REPORTS_TEST_FIXTURES_H_

#include <string>

#include "reports/matrix_report.h"
#include "reports/wording.h"

namespace crashlab::testing {

inline ReportFinding LostFinding(const std::string& id, uint64_t op, int round,
                                 const std::string& model = "drop-unsynced") {
  ReportFinding f;
  f.id = id;
  f.kind = FindingKind::kLostCommit;
  f.fingerprint = "lost_commit:" + std::to_string(op);
  f.summary = "signup #" + std::to_string(op) + " was acknowledged but is lost";
  f.explanation = ExplainKind(f.kind);
  f.ops = {{op, "signup", {{"username", "user-" + std::to_string(op)}}, "acknowledged"}};
  f.cells = {{{"users", "user-" + std::to_string(op), "exists"}, true, false}};
  f.state = {model + "@" + std::to_string(100 + op), model, 100 + op, {{90, 99}}, 10, 0,
             "00ff", op};
  f.round = round;
  f.run_dir = "out";
  f.states_affected = 3;
  f.models = {model};
  f.replay = "crashlab replay out --state " + f.state.id + " --to out/replay/" + id;
  return f;
}

// A report of `engine` with `settings` in crash `mode`, with `lost` lost
// commits (ops 3, 4, ...; live modes put them in round 2 of 3).
inline Report SampleReport(const std::string& engine, const SettingMap& settings,
                           const std::string& mode, int lost,
                           const std::string& claim = "none") {
  Report r;
  r.tool_version = "0.1.0";
  r.engine = {engine, "1.0", settings, claim, claim == "window" ? 1.0 : 0.0, "docs"};
  r.workload = {"auth", 40, 7, 1};
  r.crash.mode = mode;
  r.crash.models = mode == "explore" ? std::vector<std::string>{"prefix", "drop-unsynced"}
                                     : std::vector<std::string>{mode};
  r.seed = 7;
  r.trace = {"trace.bin", 400, "base"};
  r.summary.ops_invoked = r.summary.ops_acknowledged = 40;
  const bool live = mode != "explore";
  r.summary.crash_states = r.summary.states_checked = live ? 3 : 500;
  r.summary.unique_images = r.summary.recoveries = live ? 3 : 200;
  for (FindingKind k : kAllFindingKinds) r.summary.by_kind[FindingKindName(k)] = 0;
  r.summary.by_kind["lost_commit"] = lost;
  if (live) {
    for (int i = 1; i <= 3; ++i) {
      RoundReport round;
      round.round = i;
      round.trigger = "SIGKILL at a random file operation";
      round.ops_acknowledged = 10;
      round.recovered = true;
      round.state_id = mode + "@1";
      r.rounds.push_back(round);
    }
  }
  for (int i = 0; i < lost; ++i) {
    r.findings.push_back(LostFinding("F" + std::to_string(i + 1), 13 + i, live ? 2 : 0,
                                     live ? mode : "drop-unsynced"));
  }
  r.summary.verdict = lost > 0 ? "fail" : "pass";
  r.summary.duration_s = 1.5;
  return r;
}

inline MatrixCell SampleCell(int index, const Report& r) {
  MatrixCell c;
  c.index = index;
  c.engine = r.engine.name;
  c.settings = r.engine.settings;
  c.crash = r.crash.mode;
  c.workload = "auth";
  c.ops = 40;
  c.seed = 7;
  c.name = ConfigLabel(c.engine, c.settings) + "-" + c.crash;
  for (char& ch : c.name) ch = ch == ' ' ? '_' : ch;
  c.args = {"run", "--engine", c.engine, "--crash", c.crash};
  c.dir = "cells/" + c.name;
  c.exit_code = r.ExitCode();
  c.duration_s = 1.5;
  c.raw = r.ToJson();
  c.report = r;
  return c;
}

// sqlite synchronous=off (explore: 2 lost; process: none), redis everysec
// (process, 1 lost, window claim), and a postgres cell that never ran.
inline MatrixReport SampleMatrix() {
  MatrixReport m;
  m.tool_version = "0.1.0";
  m.name = "sample";
  m.spec_hash = "abc";
  m.cells.push_back(SampleCell(0, SampleReport("sqlite", {{"synchronous", "off"}}, "explore", 2)));
  m.cells.push_back(SampleCell(1, SampleReport("sqlite", {{"synchronous", "off"}}, "process", 0)));
  m.cells.push_back(SampleCell(
      2, SampleReport("redis", {{"appendfsync", "everysec"}}, "process", 1, "window")));
  MatrixCell broken;
  broken.index = 3;
  broken.name = "postgres-explore";
  broken.engine = "postgres";
  broken.crash = "explore";
  broken.workload = "auth";
  broken.dir = "cells/postgres-explore";
  broken.exit_code = 3;
  broken.error = "postgres did not start";
  broken.args = {"run", "--engine", "postgres"};
  m.cells.push_back(broken);
  m.cells_total = 4;
  m.duration_s = 9;
  return m;
}

}  // namespace crashlab::testing

#endif  // CRASHLAB_REPORTS_TEST_FIXTURES_H_
