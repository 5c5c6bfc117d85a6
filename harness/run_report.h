// Turning what a run found into report.json and the terminal summary.
#ifndef CRASHLAB_HARNESS_RUN_REPORT_H_
#define CRASHLAB_HARNESS_RUN_REPORT_H_

#include <string>
#include <vector>

#include "engines/engine.h"
#include "harness/record/finding_set.h"
#include "harness/record/workload_runner.h"
#include "harness/run_options.h"
#include "reports/report.h"

namespace crashlab {

// What any crash mode produced, in report terms.
struct RunOutcome {
  std::vector<LogicalOp> ops;
  WorkloadStats stats;
  uint64_t trace_records = 0;
  uint64_t crash_states = 0, unique_images = 0, states_checked = 0;
  uint64_t recoveries = 0;
  bool complete = true;
  std::string stopped_because;
  std::vector<RoundReport> rounds;
  std::vector<Report::ModelReport> model_stats;  // explore
  uint64_t total_states = 0;                     // explore, every shard
  formats::HeaderSummary headers;                // explore and live modes
  std::vector<Report::OutcomeReport> outcomes;   // explore
  LossShape loss;                                // explore and live modes
};

Report BuildReport(const RunOptions& o, Engine& engine,
                   const std::string& version, const RunOutcome& outcome,
                   const FindingSet& findings, double seconds);
void PrintSummary(const Report& r, const std::string& report_path);
std::string ClaimKindName(DurabilityClaim::Kind k);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RUN_REPORT_H_
