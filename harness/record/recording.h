// What every command that records a workload does before it crashes
// anything, shared by `crashlab run` (harness/run.h), transactional runs
// (harness/txn_run.h) and the corrupt sweep (harness/explore/corrupt_sweep.h):
// claim the output directory, let the engine create its data directory, and
// run the workload once, uncrashed, ending with the engine stopped cleanly.
#ifndef CRASHLAB_HARNESS_RECORD_RECORDING_H_
#define CRASHLAB_HARNESS_RECORD_RECORDING_H_

#include <string>
#include <utility>

#include "core/data_model.h"
#include "core/status.h"
#include "engines/engine.h"

namespace crashlab {

// Checks an output directory: refuses a non-empty one unless `force` and it
// holds a previous crashlab run (whose outputs are then removed).
Status PrepareOutDir(const std::string& out, bool force);

// Asks `engine` to create its data directory in `dir` (made if missing).
// An engine that cannot is an infrastructure error.
Status InitDataDir(Engine& engine, const std::string& dir, const Schema& schema);

// Starts `engine` on `dir`, calls `run(session)` and stops the engine
// cleanly: the directory is then a stopped engine's data directory. `run`
// returns Result<Stats> for a Stats with `stopped_because` (why it stopped
// early, "" if it did not): a clean stop that fails is an error unless the
// run already stopped early.
template <typename RunFn>
auto RunToCleanStop(Engine& engine, const std::string& dir,
                    const Schema& schema, RunFn run)
    -> decltype(run(std::declval<Session&>())) {
  auto session = engine.Open(dir, schema);
  if (!session.ok()) {
    return Status::Infrastructure("the engine did not start on the uncrashed "
                                  "run: " + session.status().message());
  }
  auto stats = run(**session);
  Status closed = (*session)->Close();
  session->reset();
  if (!stats.ok()) return stats.status();
  if (!closed.ok() && stats->stopped_because.empty()) {
    return Status::Infrastructure("the engine did not stop cleanly: " +
                                  closed.message());
  }
  return stats;
}

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_RECORDING_H_
