// `crashlab replay` and `crashlab trace dump`: looking at what a run saw.
#ifndef CRASHLAB_HARNESS_REPLAY_H_
#define CRASHLAB_HARNESS_REPLAY_H_

#include <string>

#include "core/status.h"

namespace crashlab {

// Rebuilds crash state `state_id` of the run in `out` into directory `to`
// (new or empty) so a person can open it with the engine's own tools.
Status Replay(const std::string& out, const std::string& state_id,
              const std::string& to);

// Prints every record of a trace as one JSON line. A damaged trace prints
// its good records, then fails saying where and why it is damaged.
Status DumpTrace(const std::string& path);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_REPLAY_H_
