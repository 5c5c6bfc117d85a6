// `crashlab matrix FILE [--jobs N] [--shard K/N] --out DIR`: run every cell
// of an engine matrix (harness/cli/matrix_spec.h) and combine the results.
//
// Each cell runs as a child `crashlab run ... --out DIR/cells/NAME`
// (stdout and stderr in DIR/cells/NAME/run.log), not in-process. Why a
// subprocess: a run mounts FUSE file systems, starts servers and drivers
// and owns the process-wide interrupt flag and signal handlers; as a child,
// a cell that hangs, crashes or leaks cannot take the matrix or its
// neighbours with it, --jobs is plain process parallelism with no shared
// state, and each cell is exactly the command a person re-runs to
// reproduce it (the cell's `args` in the combined report). The cost, one
// exec per cell, is nothing next to a run.
//
// The matrix writes DIR/report.json (`crashlab-matrix/1`,
// reports/matrix_report.h) holding every cell's report and the comparison
// table, and prints the table. --shard K/N runs only the cells whose index
// is K-1 mod N; `crashlab report merge` recombines shard reports. --resume
// keeps a cell whose DIR/cells/NAME/report.json exists and was written for
// the same arguments (DIR/cells/NAME/cell.json), so a retried CI job only
// reruns what is missing. An interrupt (SIGINT/SIGTERM) is passed to the
// running cells, which stop at a safe point and report `incomplete`; no
// new cell starts.
//
// Exit code: from the gate (reports/baseline.h) when --fail-on or
// --baseline is given, else from the cells: 1 findings, 3 a cell could not
// run, 4 incomplete, 0 pass; 2 for a bad matrix file or usage.
#ifndef CRASHLAB_HARNESS_CLI_MATRIX_H_
#define CRASHLAB_HARNESS_CLI_MATRIX_H_

#include <atomic>
#include <string>
#include <vector>

#include "harness/cli/matrix_spec.h"
#include "reports/baseline.h"
#include "reports/matrix_report.h"

namespace crashlab {

struct MatrixOptions {
  std::string file;  // the matrix file
  std::string out;   // output directory
  int jobs = 1;      // cells running at once
  int shard_index = 0, shard_count = 1;
  bool resume = false;
  bool force = false;          // replace a previous matrix's outputs in out
  std::string crashlab;        // the crashlab binary the cells run
  GatePolicy gate;
  const std::atomic<bool>* interrupted = nullptr;
};

// Runs the cells of `spec` that belong to the shard and returns the
// combined report (also written to OUT/report.json).
Result<MatrixReport> RunMatrix(const MatrixSpec& spec, const MatrixOptions& o);

// The CLI: parses `args` (after "matrix"), runs, prints, returns the exit
// code. `bin_dir` holds the crashlab binary.
int MatrixMain(const std::vector<std::string>& args, const std::string& bin_dir,
               const std::atomic<bool>* interrupted);

// Parses "K/N" (1 <= K <= N) into a 0-based index and a count.
Status ParseShard(const std::string& text, int* index, int* count);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_MATRIX_H_
