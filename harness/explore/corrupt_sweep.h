// Corrupt-sweep: which regions of an engine's files are protected against
// at-rest damage in practice?
//
// Method. The auth workload runs on a fresh data directory and the engine
// is stopped cleanly; every operation's answer is kept (the acknowledged
// history). A baseline recovery of the untouched directory must be clean.
// Then, for each file (optionally only those matching a glob), one region
// at a time is damaged in a fresh copy of the directory, the engine recovers
// the copy (Engine::Recover), and the outcome is classified with the usual
// checkers (CheckState against the acknowledged history):
//   detected_and_refused  the engine refused to start or to read, or its own
//                         consistency check (SQLite quick_check) complained;
//   repaired_correctly    it started and every acknowledged write is there
//                         (damage repaired, or in bytes that did not matter);
//   silent_loss           it started and acknowledged writes are missing;
//   silent_wrong_data     it started and returned values no one wrote,
//                         half-applied operations or broken invariants;
//   crash_or_hang         it crashed or hung during recovery.
// Regions: the header (the format's header size from checkers/formats, or
// the first 100 bytes) byte by byte, then the rest by 4 KiB sector. Damage
// modes, in this order so a budget cuts the least informative last:
//   flip      header: the byte XOR 0xff; sector: its last 8 bytes XOR 0xff
//             (where SQLite and most B-trees keep their cells);
//   truncate  the file cut at that header byte or sector start;
//   zero      header: the byte set to 0 (skipped when it already is);
//             sector: the whole sector zeroed (a lost write).
// Output: OUT/sweep.json with a coverage map per file, and a summary on
// stdout.
//
// What it is not: a crash test (the engine stopped cleanly) or a fuzzer.
// Single-threaded; every path out leaves no engine process running.
#ifndef CRASHLAB_HARNESS_EXPLORE_CORRUPT_SWEEP_H_
#define CRASHLAB_HARNESS_EXPLORE_CORRUPT_SWEEP_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "engines/engine.h"

namespace crashlab {

struct SweepOptions {
  std::string engine;
  Settings settings;
  std::string out;               // new or empty directory
  std::string files_glob = "*";  // fnmatch() on the relative path
  uint64_t ops = 40;             // auth operations before the sweep
  uint64_t seed = 1;
  double budget_s = 0;           // 0: no limit
  uint64_t header_bytes = 0;     // 0: the format's header size, else 100
  int timeout_s = 30;
  std::string bin_dir;
  const std::atomic<bool>* interrupted = nullptr;
};

// Runs the sweep; returns the exit code (0 every damaged region detected or
// repaired, 1 silent damage or a crash/hang, 2 usage, 3 infrastructure,
// 4 incomplete: budget spent or interrupted). Prints a summary.
int RunCorruptSweep(const SweepOptions& options);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_CORRUPT_SWEEP_H_
