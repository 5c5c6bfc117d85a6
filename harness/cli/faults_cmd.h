// `crashlab faults`: fault plans offline and a running faultfs online.
//
//   crashlab faults --check PLAN
//       validates PLAN (JSON, TOML, LazyFS config or FIFO lines) and prints
//       its rules normalised as JSON (the form `--socket` sends).
//   crashlab faults --socket PATH PLAN
//       adds every rule of PLAN to the faultfs serving PATH ("inject").
//   crashlab faults --socket PATH --cmd COMMAND
//       sends one command (clear-cache, checkpoint, unsynced, status, flush,
//       disarm, crash) and prints faultfs's JSON reply.
// Exit codes: 0 ok, 2 bad usage or a bad plan (the message names the rule,
// field and line), 3 the socket cannot be reached.
//
// No state; output goes to the given streams (stdout/stderr for
// FaultsMain).
#ifndef CRASHLAB_HARNESS_CLI_FAULTS_CMD_H_
#define CRASHLAB_HARNESS_CLI_FAULTS_CMD_H_

#include <ostream>
#include <string>
#include <vector>

namespace crashlab {

// `args` are the words after "faults".
int FaultsMain(const std::vector<std::string>& args);
int RunFaultsCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_FAULTS_CMD_H_
