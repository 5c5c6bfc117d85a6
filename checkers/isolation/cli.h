// `crashlab check-isolation`: checks a transactional history file.
//
//   crashlab check-isolation HISTORY [--format jsonl|edn|json]
//       [--process] [--realtime] [--sequential-keys] [--linearizable-keys]
//       [--search-budget N] [--max-examples N] [--out FILE]
//       [--export-edn OUT] [--export-jsonl OUT] [--quiet]
//
// Prints a summary (counts, anomalies with explanations, the models ruled
// out and those the history is consistent with) to `out`; --out writes the
// `isolation` JSON section (checkers/isolation/README.md); --export-edn
// writes the history as Jepsen EDN for cross-checking with Elle.
//
// Exit codes: 0 valid, 1 anomalies found, 2 bad usage or unreadable input
// (also when the only finding is that the history breaks the unique-values
// contract, so nothing could be judged), 3 a file could not be written.
//
// The harness's main() calls IsolationMain with the arguments after the
// command name. Thread-compatible: touches only the files it is given.
#ifndef CRASHLAB_CHECKERS_ISOLATION_CLI_H_
#define CRASHLAB_CHECKERS_ISOLATION_CLI_H_

#include <cstdio>
#include <string>
#include <vector>

namespace crashlab {

int IsolationMain(const std::vector<std::string>& args);
// Same, writing to the given streams (tests).
int IsolationMain(const std::vector<std::string>& args, std::FILE* out,
                  std::FILE* err);

extern const char kIsolationUsage[];

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_CLI_H_
