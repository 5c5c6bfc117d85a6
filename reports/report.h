// Report: the versioned JSON reliability report, and its typed form.
//
// report.json is crashlab's product: CI gates on it, people read it, later
// tools (merge, table, diff, html) consume it. Its JSON Schema lives in
// reports/schema/report-v2.schema.json; every report crashlab writes must
// validate against it (tests check this with a real validator).
//
// Versions: crashlab-report/2 adds the claim's order promise, findings
// grouped by cause (`classes`, reports/finding_classes.h), the loss shape
// (reports/loss_shape.h) and the order findings. Readers accept /1 too
// (report-v1.schema.json): its claims promise no order, it has no classes
// and no loss shape.
//
// Verdicts: "pass" (every planned crash state checked, no findings), "fail"
// (findings), "incomplete" (cut short by a budget or an interrupt, no
// findings so far: not a pass), "error" (the run itself failed).
#ifndef CRASHLAB_REPORTS_REPORT_H_
#define CRASHLAB_REPORTS_REPORT_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "checkers/formats/torn_header.h"
#include "core/order_promise.h"
#include "core/status.h"
#include "reports/finding_classes.h"
#include "reports/loss_shape.h"

namespace crashlab {

constexpr char kReportSchemaId[] = "crashlab-report/2";
constexpr char kReportSchemaIdV1[] = "crashlab-report/1";
// True for every report schema id this build reads.
bool IsReportSchemaId(const std::string& id);
constexpr int kExitIncomplete = 4;

struct OpRef {
  uint64_t id = 0;
  std::string f;
  nlohmann::json args;
  std::string status;  // at the crash point: acknowledged, in flight, ...
};

// A crash state as the report shows it.
struct StateRef {
  std::string id;        // e.g. "drop-unsynced@812"
  std::string model;
  uint64_t position = 0;  // trace records before the crash
  std::vector<std::pair<uint64_t, uint64_t>> dropped;  // inclusive ranges
  uint64_t dropped_count = 0;
  uint64_t torn_count = 0;  // writes that persisted only in part
  std::string image_hash;
  uint64_t ordinal = 0;     // place in the state space (shard merges)
};

struct ReportFinding {
  std::string id;  // "F1", "F2", ... in report order
  FindingKind kind = FindingKind::kCorruption;
  std::string summary;
  std::string explanation;
  std::vector<OpRef> ops;
  std::vector<CellReport> cells;
  std::string message;
  std::string fingerprint;          // stable identity across runs/shards
  StateRef state;                  // the simplest crash state showing it
  // Delta debugging's result: a state losing as few operations as it can
  // that still shows the finding.
  bool minimized = false;
  StateRef minimal;
  uint64_t minimize_tests = 0;
  bool minimize_complete = false;
  int round = 0;                   // live runs: the crash round (1-based)
  std::string run_dir;             // holds the trace the state belongs to
  uint64_t states_affected = 0;    // crash states showing it
  std::vector<std::string> models; // models under which it was seen
  std::string replay;              // command rebuilding `state`
  std::string class_id;            // its class ("C1"; "" in a /1 report)
};

// An injected fault and how the engine reacted to it.
struct InjectedFault {
  std::string rule, action, op, path;
  uint64_t trace_index = 0;
  uint64_t during_op = 0;  // operation in flight when it fired (0: none)
  // returned_error | acknowledged_anyway | retried | crashed |
  // killed_by_fault | between_operations
  std::string reaction;
};

// One crash of a live run (process or power mode).
struct RoundReport {
  int round = 0;
  std::string trigger;          // what caused the crash, in words
  uint64_t crash_position = 0;  // trace records before the crash
  double crash_at_s = 0;        // seconds into the round
  uint64_t killed_during_op = 0;  // operation in flight (0: between ops)
  uint64_t ops_acknowledged = 0;  // in this round, before the crash
  bool recovered = false;       // the engine started again afterwards
  std::string recovery_message;
  std::string state_id;         // crash state to replay
  std::string run_dir;          // its trace.bin and base/
  uint64_t findings = 0;        // findings this crash showed
  // Acknowledged operations this crash lost (lost_commit), and how long
  // before the crash the oldest of them was acknowledged (-1: none lost):
  // the loss window an engine showed, measured.
  uint64_t lost_acknowledged = 0;
  double oldest_loss_s = -1;
  std::vector<InjectedFault> faults;
  std::vector<std::string> at_rest;  // corruptions applied before restart
};

struct Report {
  std::string tool_version;
  struct EngineInfo {
    std::string name, version;
    std::map<std::string, std::string> settings;
    std::string claim_kind;  // none | window | every_ack
    double claim_window_s = 0;
    std::string claim_basis;
    OrderPromise claim_order;  // prefix, sync-barrier, window in ops
  } engine;
  struct Workload {
    std::string name;
    uint64_t ops = 0;
    uint64_t seed = 0;
    uint64_t clients = 1;
  } workload;
  // How one persistence model's states were produced.
  struct ModelReport {
    std::string name;
    uint64_t states = 0, crash_points = 0;
    uint64_t exhaustive_points = 0, sampled_points = 0;
  };
  // Explore: checked states grouped by the files whose writes they dropped
  // or tore, and how the engine took them (harness/explore/outcome_tally.h).
  struct OutcomeReport {
    std::string files;
    uint64_t states = 0, recovered = 0, with_findings = 0, refused = 0;
  };
  struct Crash {
    std::string mode;  // explore | process | power
    std::vector<std::string> models;
    // explore only:
    std::string device;  // device flags, e.g. "atomic,safe-append"
    uint64_t exhaustive_bound = 0, samples = 0, torn_writes = 0;
    std::vector<ModelReport> model_stats;
    int shard_index = 0, shard_count = 1;  // this report covers shard K of N
    uint64_t total_states = 0;             // in every shard together
    std::vector<OutcomeReport> outcomes;   // explore; empty: not recorded
  } crash;
  uint64_t seed = 0;
  struct TraceInfo {
    std::string path;
    uint64_t records = 0;
    std::string base;
  } trace;
  struct Summary {
    std::string verdict;  // pass | fail | incomplete | error
    std::string reason;   // why incomplete or error
    uint64_t ops_invoked = 0, ops_acknowledged = 0, ops_failed = 0,
             ops_unknown = 0;
    uint64_t crash_states = 0, unique_images = 0, states_checked = 0;
    uint64_t recoveries = 0;
    std::map<std::string, uint64_t> by_kind;  // every kind, 0 included
    double duration_s = 0;
  } summary;
  std::vector<ReportFinding> findings;
  uint64_t findings_omitted = 0;  // beyond the report's finding limit
  // Every finding (omitted ones too) grouped by cause, largest class first.
  std::vector<FindingClass> classes;
  // Explore and live auth runs: what the crashes lost, in order.
  LossShape loss_shape;
  std::vector<RoundReport> rounds;  // live runs only
  std::string faults_plan;          // --faults, if given
  // Transactional workloads: the isolation checker's section (schema
  // crashlab-isolation/1, checkers/isolation/README.md); null otherwise.
  nlohmann::json isolation;
  // Explore and power runs: crash images' file headers (intact / torn /
  // corrupt / missing, by format) and how the engine met damaged ones.
  formats::HeaderSummary headers;

  nlohmann::json ToJson() const;
  static Result<Report> FromJson(const nlohmann::json& j);
  // The process exit code this report's verdict stands for.
  int ExitCode() const;
};

Status WriteReport(const Report& r, const std::string& path);
Result<Report> ReadReport(const std::string& path);

// Sorted record indices -> inclusive ranges ([3,4,5,9] -> [3-5],[9-9]).
std::vector<std::pair<uint64_t, uint64_t>> ToRanges(
    const std::vector<uint32_t>& sorted);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_REPORT_H_
