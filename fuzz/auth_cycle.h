// AuthCycle: one crash-and-recover cycle of the auth workload against a
// real engine on SimFs, checked in-process by the explorer's oracles.
//
// A cycle:
//   1. a fresh SimFs on the engine's base image (schema created, durable);
//   2. open the engine; run 1..max_ops auth LogicalOps (workloads/auth.h,
//      seeded from the input), one transaction each, noting the trace
//      position where each op began and where it returned; sometimes run
//      the engine's maintenance between ops (LevelDB: a compaction);
//   3. close the engine (its orderly shutdown is part of the trace too);
//   4. pick a crash position anywhere in the trace, and let SimFs draw the
//      crash state there (core's DrawState) and rebuild the disk;
//   5. open a fresh engine on it (recovery), dump every row, and run
//      CheckState with each op's status at the crash position: acknowledged
//      if it returned ok before it, failed if it returned a definite
//      failure before it, in flight if the position falls inside it (the op
//      the crash interrupted), not invoked if it began after it.
// Crashing at a position of the finished trace is the explorer's offline
// method: what an engine did before the position does not depend on what
// it did after. Every decision (workload seed and length, maintenance,
// crash position, which operations persist or tear) comes from one Choices:
// the fuzzer's input bytes, or a seeded Rng in tests and benchmarks.
//
// Steps 1 to 3 depend only on the choices they consume, so a fuzzer may
// keep a run and crash it again for the next input that begins with the
// same bytes (RunCache): libFuzzer mutates one input several times in a
// row, and about half of its mutations leave those bytes alone (most of
// those, the crash choices too).
//
// Ownership: engines are made by the caller's factory, one per "process";
// the cycle owns them and the SimFs. Thread-safety: none; one cycle at a
// time per thread.
#ifndef CRASHLAB_FUZZ_AUTH_CYCLE_H_
#define CRASHLAB_FUZZ_AUTH_CYCLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checkers/check.h"
#include "checkers/check_index.h"
#include "core/choices.h"
#include "core/crash_space.h"
#include "core/data_model.h"
#include "core/status.h"
#include "fuzz/simfs/simfs.h"

namespace crashlab {

// What one Apply told the client.
struct ApplyResult {
  enum class Kind : uint8_t { kOk, kFailed, kUnknown };
  Kind kind = Kind::kOk;
  std::string message;
  static ApplyResult Ok() { return {}; }
};

// An engine with fixed settings, as the cycle drives it. One instance is
// one process: opened once, closed once.
class AuthEngine {
 public:
  virtual ~AuthEngine() = default;
  // Opens the engine on `fs`, creating the schema when `create`. Recovery
  // happens here; a failure is the engine refusing to start.
  virtual Status Open(SimFs& fs, bool create) = 0;
  // One LogicalOp's mutations as one transaction.
  virtual ApplyResult Apply(const LogicalOp& op) = 0;
  // Every row, and the engine's own consistency verdict ("ok" if none).
  virtual Status Dump(Rows* rows, std::string* check) = 0;
  // Maintenance the input may ask for between ops (default: none).
  virtual Status Maintain() { return Status::Ok(); }
  // Orderly shutdown; may write (checkpoints). Safe to call twice.
  virtual void Close() = 0;
  // Engine::writes_whole_rows: a row is stored as one value.
  virtual bool writes_whole_rows() const { return false; }
};

// Makes the engine of simulated process `process`: 0 runs the workload, 1
// recovers the crash. A factory gives the same engine for the same number
// (SQLite's PRNG seed, say), whatever it made before: a run kept by
// RunCache skips process 0.
using AuthEngineFactory =
    std::function<std::unique_ptr<AuthEngine>(int process)>;

struct CycleConfig {
  size_t max_ops = 12;
  SpaceConfig space;           // persistence models and device flags
  std::string settings;        // the engine's settings, for reports
};

// What a cycle found. `report` is filled only when there are findings.
struct CycleOutcome {
  std::vector<Finding> findings;
  size_t ops = 0;
  size_t acked = 0;
  size_t crash_position = 0;
  CrashState state;
  std::string report;
  // What RunCache reused: nothing, the run of the input before, or also
  // the check of the same crash of it (the outcome of one made before).
  enum class Reused : uint8_t { kNothing, kRun, kCheck };
  Reused reused = Reused::kNothing;
};

// What a fuzzer's executions checked: how many acknowledged operations
// each crash put to the test, and how many crashed before any op was
// acknowledged (those only check that the engine recovers). Exec/s alone
// cannot tell a fuzzer that tests something from one that mostly does not.
struct CycleTally {
  uint64_t executions = 0, ops = 0, acked = 0, none_acked = 0;
  // Executions that reused a kept run (RunCache), and of them those that
  // drew a crash of it already checked.
  uint64_t reused_runs = 0, reused_checks = 0;
  void Add(const CycleOutcome& out);
  // "N executions; per execution X ops, Y acknowledged ops checked; Z%
  // checked none (crashed before any acknowledgement)", and when a
  // RunCache reused anything "; RunCache: R% reused the run of the input
  // before, C% a crash of it already checked"
  std::string Summary() const;
  // The per-execution figures of an exit line ("crashlab: " + Summary(),
  // printed by ExitTally); false if `line` is no such line.
  // *checked_before_percent (if given): the executions that returned the
  // outcome of a crash already checked (RunCache), 0 if the line has none.
  static bool ParseExitLine(const std::string& line, double* acked_per_exec,
                            double* none_percent,
                            double* checked_before_percent = nullptr);
};

// The process's tally, printed to stderr as "crashlab: <summary>" when the
// process exits (libFuzzer ends a run with exit(), so a fuzzer's last
// lines say what its executions checked). Not thread-safe.
CycleTally& ExitTally();

// The engine's base image: its schema created on an empty SimFs, closed,
// and settled (durable). Shared, never changed: every cycle starts from it.
using BaseImage = std::shared_ptr<const FsImage>;
Result<BaseImage> MakeBaseImage(AuthEngine& engine);

// One cycle. An error Status means the harness could not run it (the base
// did not open), never a finding.
Result<CycleOutcome> RunAuthCycle(const AuthEngineFactory& make,
                                  const BaseImage& base, Choices& choices,
                                  const CycleConfig& config);

// Steps 1 to 3 of a cycle: the workload run, to be crashed. Never changed
// once made.
struct CycleRun {
  struct Op {
    size_t begin = 0;  // trace position before its first record
    size_t end = 0;    // after its last record (when it returned)
    ApplyResult::Kind result = ApplyResult::Kind::kUnknown;
  };
  SimFs::Run fs;
  std::shared_ptr<const Schema> schema;
  Rows base_rows;                  // the workload's rows before the first op
  std::vector<LogicalOp> ops;
  std::vector<Op> runs;            // parallel to ops
  bool whole_rows = false;
  std::unique_ptr<CheckIndex> index;  // of ops, for every crash of the run
};
Result<std::shared_ptr<const CycleRun>> RunWorkload(
    const AuthEngineFactory& make, const BaseImage& base, Choices& choices,
    const CycleConfig& config);
// Steps 4 and 5: one crash of `run` and its check.
CycleOutcome CrashAndCheck(const CycleRun& run, const AuthEngineFactory& make,
                           Choices& choices, const CycleConfig& config);

// A fuzzer's cycles, each reusing the run of the input before when this
// input begins with every byte consumed up to that run's end (the caller's
// picks before the cycle included), and that run did not go past the end
// of its input unless this one ends there too. A run is a function of
// those bytes, the settings, the base and max_ops, and a recovery and its
// check a function of the run and the crash state, so each outcome is the
// one RunAuthCycle gives, byte for byte: a cycle that draws a crash state
// of the kept run it has checked before returns that outcome; one that
// draws a new state recovers and checks it; only a new run runs.
// Keeps one run (the last) and the outcomes of its first kMaxChecked
// crash states.
class RunCache {
 public:
  static constexpr size_t kMaxChecked = 256;
  Result<CycleOutcome> Cycle(const AuthEngineFactory& make,
                             const BaseImage& base, ByteChoices& choices,
                             const CycleConfig& config);

 private:
  // What else the run depended on.
  const FsImage* base_ = nullptr;
  size_t max_ops_ = 0;
  std::string settings_;
  std::string bytes_;  // the input's bytes up to the run's end
  bool ran_out_ = false;
  std::shared_ptr<const CycleRun> run_;
  std::vector<CycleOutcome> checked_;  // of run_'s crash states
};

// Parses "prefix,drop-unsynced,..." and "atomic,..." (either may be empty:
// the default) into a SpaceConfig; for fuzzers' environment variables.
Result<SpaceConfig> ParseSpaceConfig(const std::string& models,
                                     const std::string& device);

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_AUTH_CYCLE_H_
