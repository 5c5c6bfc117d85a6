// `crashlab explain OUT --finding F`: one finding in plain words.
//
// Rebuilds the finding's simplest crash state (its minimal state when the
// run minimized it) and says, record by record, what the power cut lost and
// why the engine's own calls allowed it: "unlink of auth.db-journal (trace
// #812) not persisted: the directory / was not fsynced after it before the
// crash". It also places the operations involved on the trace (when they
// were invoked and acknowledged) relative to the crash point.
#ifndef CRASHLAB_HARNESS_CLI_EXPLAIN_H_
#define CRASHLAB_HARNESS_CLI_EXPLAIN_H_

#include <string>
#include <vector>

#include "core/persistence.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

// The lines explaining what `state` lost (pure; for tests).
std::vector<std::string> ExplainState(const Trace& trace,
                                      const FsImage& base,
                                      const CrashState& state);

// Prints the explanation of finding `finding_id` of the run in `out`.
Status Explain(const std::string& out, const std::string& finding_id);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_EXPLAIN_H_
