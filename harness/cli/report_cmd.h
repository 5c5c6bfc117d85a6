// `crashlab report SUBCOMMAND`: what to do with reports after a run.
//
//   report merge SHARD.json... -o OUT.json   combine shard reports (of one
//                                            run, or of one matrix)
//   report table REPORT [--markdown|--json] [--sweep SWEEP.json]
//   report junit REPORT -o FILE              JUnit XML (reports/junit.h)
//   report annotations REPORT [--fail-on KINDS] [--baseline FILE]
//                                            GitHub Actions ::error lines
//   report html REPORT -o FILE [--sweep SWEEP.json]
//   report diff OLD NEW [--json]             new / fixed / unchanged
//                                            findings; exit 1 if any new
//   report baseline REPORT -o FILE           accept every finding of REPORT
//   report gate REPORT [--fail-on KINDS] [--baseline FILE]
//                                            exit code of the gate
//
// REPORT is a run's report.json or a matrix's. --sweep attaches a
// `crashlab corrupt-sweep` result (sweep.json) to the cell of the same
// engine configuration (or to a single run's cell), for the checksum row
// and the HTML coverage map. No command overwrites an existing output.
#ifndef CRASHLAB_HARNESS_CLI_REPORT_CMD_H_
#define CRASHLAB_HARNESS_CLI_REPORT_CMD_H_

#include <string>
#include <vector>

#include "reports/baseline.h"

namespace crashlab {

int ReportMain(const std::vector<std::string>& args);

// `crashlab run --fail-on/--baseline`: the exit code of the gate over the
// report a run wrote, or `run_exit` when the run wrote none (usage or
// infrastructure errors keep their code).
int GateRunReport(const std::string& report_path, const GatePolicy& policy,
                  int run_exit);

// Parses --fail-on and --baseline values into a policy (baseline storage
// in `*baseline`). Empty strings mean "not given".
Status MakeGatePolicy(const std::string& fail_on, bool fail_on_given,
                      const std::string& baseline_path, Baseline* baseline,
                      GatePolicy* policy);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_REPORT_CMD_H_
