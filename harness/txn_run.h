// `crashlab run --workload list-append|rw-register`: a concurrent
// transactional workload on a live engine, checked for isolation anomalies.
//
// Steps: validate the engine, its settings, --clients and the output
// directory; create the engine's base image in OUT/.work/data and start it
// there (a plain directory: these workloads test isolation, not crashes,
// so there is no faultfs, no trace and no crash: --crash none); run the
// transactions through N concurrent clients (workloads/txn_runner.h),
// writing OUT/history.jsonl as they happen; stop the engine; check the
// history (checkers/isolation, with process and real-time order edges);
// write OUT/history.edn (Jepsen's format, for Elle) and OUT/report.json
// with the checker's `isolation` section; print the summary.
//
// Exit codes: 0 no anomaly, 1 anomalies, 2 bad usage (an engine without
// transactions with reads, a crash mode), 3 infrastructure (the engine did
// not start or the run stopped early), 4 interrupted.
// Leaves no engine process running on any path.
#ifndef CRASHLAB_HARNESS_TXN_RUN_H_
#define CRASHLAB_HARNESS_TXN_RUN_H_

#include <string>

#include "harness/run_options.h"

namespace crashlab {

// True for the workloads RunTxn runs.
bool IsTxnWorkload(const std::string& workload);

int RunTxn(const RunOptions& options);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_TXN_RUN_H_
