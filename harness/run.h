// `crashlab run`: record a workload through faultfs, crash, check, report.
//
// Steps: validate everything the user gave (engine, settings, models, out
// directory) before touching anything; initialise the engine's base image on
// a plain directory and copy it to OUT/base; mount faultfs over the data
// directory and run the workload through it, writing OUT/history.jsonl and
// OUT/trace.bin; stop the engine and unmount; explore the crash states; write
// OUT/report.json and print a summary. Every path out of Run() leaves
// nothing mounted and no engine process running.
#ifndef CRASHLAB_HARNESS_RUN_H_
#define CRASHLAB_HARNESS_RUN_H_

#include "harness/run_options.h"

namespace crashlab {

// Runs and returns the process exit code (0 pass, 1 findings, 2 usage,
// 3 infrastructure, 4 incomplete). Prints the summary or one error line.
int Run(const RunOptions& options);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RUN_H_
