// `crashlab inspect FILE [--format F]` and `crashlab corrupt-sweep ...`:
// command-line front ends of checkers/formats (inspect) and
// harness/explore/corrupt_sweep.h. Argument parsing and printing only.
#ifndef CRASHLAB_HARNESS_CLI_INSPECT_CMD_H_
#define CRASHLAB_HARNESS_CLI_INSPECT_CMD_H_

#include <atomic>
#include <string>
#include <vector>

namespace crashlab {

// Prints the file's parsed structure as JSON. Exit codes: 0 intact, 1 torn
// or corrupt, 2 bad usage, unreadable file or unknown format.
int InspectMain(const std::vector<std::string>& args);

// Exit codes like `run`: 0 every region detected or repaired, 1 silent
// damage found, 2 usage, 3 infrastructure, 4 budget spent (incomplete).
int CorruptSweepMain(const std::vector<std::string>& args,
                     const std::string& bin_dir,
                     const std::atomic<bool>* interrupted);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_INSPECT_CMD_H_
