// MatrixReport: the combined report of an engine matrix, and the one shape
// every report consumer (table, JUnit, annotations, HTML, diff, gating)
// reads.
//
// `crashlab matrix` runs one `crashlab run` per cell (engine x settings x
// crash mode x workload x seed) and writes DIR/report.json with schema
// `crashlab-matrix/1` (reports/schema/matrix-v1.schema.json): the matrix's
// identity, which shard it covers, one entry per cell carrying the cell's
// own report.json verbatim (so sections this version does not model, such
// as `isolation` or `sweep`, survive), and the comparison table computed
// from the cells. ReadResults() also accepts a single run's report
// (`crashlab-report/1`) and presents it as a matrix of one cell, so every
// consumer handles both.
//
// Value types; no I/O except ReadResults / WriteMatrixReport.
#ifndef CRASHLAB_REPORTS_MATRIX_REPORT_H_
#define CRASHLAB_REPORTS_MATRIX_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "reports/report.h"

namespace crashlab {

constexpr char kMatrixSchemaId[] = "crashlab-matrix/1";

using SettingMap = std::map<std::string, std::string>;

// "sqlite journal_mode=wal synchronous=off": an engine configuration, the
// unit the table compares (a column).
std::string ConfigLabel(const std::string& engine, const SettingMap& settings);

struct MatrixCell {
  int index = 0;     // place in the matrix's expansion order (sharding key)
  std::string name;  // unique in the matrix, safe as a file name
  std::string engine;
  SettingMap settings;  // as the matrix file gave them
  std::string crash;    // explore | process | power
  std::string workload;
  uint64_t ops = 0, seed = 0;
  std::vector<std::string> args;  // the `crashlab run` arguments, verbatim
  std::string dir;                // cell directory, relative to the matrix out
  int exit_code = 0;              // of `crashlab run`
  std::string error;              // why there is no report (empty if there is)
  double duration_s = 0;
  std::optional<nlohmann::json> raw;  // the cell's report.json as written
  std::optional<Report> report;       // the same, typed
  // A corruption sweep's sweep.json found beside the cell's report (or the
  // report's own `sweep` section), kept verbatim; see reports/sweep.h.
  std::optional<nlohmann::json> sweep;

  std::string Config() const { return ConfigLabel(engine, settings); }
};

struct MatrixReport {
  std::string tool_version;
  std::string name;         // the matrix file's `name`
  std::string spec_hash;    // identity of the expanded matrix (shard merges)
  int cells_total = 0;      // in every shard together
  int shard_index = 0, shard_count = 1;
  std::string out;          // directory the matrix wrote (informational)
  double duration_s = 0;
  std::vector<MatrixCell> cells;  // this shard's cells, by index
  bool single_run = false;  // read from a plain run report, not a matrix
  // The matrix file's `claims` (reports/claims.h), as given; null: none.
  // ToJson decides them from the cells.
  nlohmann::json claims;

  // Cell verdicts: "pass", "fail", "incomplete", "error" (no report).
  std::string Verdict() const;
  int ExitCode() const;
  // Engine configurations in first-appearance order (the table's columns).
  std::vector<std::string> Configs() const;
  nlohmann::json ToJson() const;  // includes the computed table
  static Result<MatrixReport> FromJson(const nlohmann::json& j);
};

// Verdict of one cell: its report's, or "error" without one.
std::string CellVerdict(const MatrixCell& c);

// Wraps a run report as a one-cell matrix.
MatrixReport FromRunReport(const nlohmann::json& raw, const Report& r,
                           const std::string& dir);

// Reads a matrix report or a run report (by its `schema`).
Result<MatrixReport> ReadResults(const std::string& path);
Status WriteMatrixReport(const MatrixReport& m, const std::string& path);

// Combines the reports of a matrix's shards into the report one unsharded
// invocation writes: the union of cells in index order. Shards of different
// matrices are refused; missing shards leave cells_total > cells.size(),
// which makes the verdict "incomplete".
Result<MatrixReport> MergeMatrixReports(const std::vector<MatrixReport>& shards);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_MATRIX_REPORT_H_
