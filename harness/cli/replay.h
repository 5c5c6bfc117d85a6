// `crashlab replay` and `crashlab trace dump`: looking at what a run saw.
#ifndef CRASHLAB_HARNESS_CLI_REPLAY_H_
#define CRASHLAB_HARNESS_CLI_REPLAY_H_

#include <string>

#include "core/persistence.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

// Rebuilds crash state `state_id` of the run in `out` into directory `to`
// (new or empty) so a person can open it with the engine's own tools.
Status Replay(const std::string& out, const std::string& state_id,
              const std::string& to);

// The crash state `id` of the run whose trace is in `run_dir`: a state the
// run saved under run_dir/states/ID.json (live crashes, minimized states),
// else the one the id itself describes (core/crash_space.h).
Result<CrashState> LoadCrashState(const Trace& trace, const std::string& run_dir,
                                  const std::string& id);

// Prints every record of a trace as one JSON line. A damaged trace prints
// its good records, then fails saying where and why it is damaged.
Status DumpTrace(const std::string& path);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_REPLAY_H_
