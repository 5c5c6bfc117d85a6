// Matrix files: which engines, settings, crash modes, workloads and seeds
// `crashlab matrix` runs, and with what budgets.
//
// A matrix file is JSON, or YAML (by extension .yaml/.yml; read with
// yaml-cpp and turned into the same JSON value, so both go through one
// parser):
//
//   {"name": "auth-engines",
//    "defaults": {"workload": "auth", "ops": 60, "seeds": [7],
//                 "max_states": 300, "minimize_budget_s": 5},
//    "crash": ["explore", {"mode": "process", "rounds": 3}],
//    "engines": [
//      {"engine": "sqlite", "settings": [{"synchronous": "full"},
//                                        {"synchronous": "off"}]},
//      {"engine": "redis", "settings": [{"appendfsync": "always"}],
//       "crash": [{"mode": "process", "rounds": 2}]}]}
//
// Cells are the product engines x settings x crash x workloads x seeds,
// expanded in file order (engine, settings, crash, workload, seed), which
// fixes each cell's index and so its shard. An engine entry may override
// `crash`, `workloads` and `seeds`; a `workloads` entry is a name or
// {"name", "ops"}. Budgets (max_states, budget_s, timeout_s,
// minimize_budget_s, minimize_tests, jobs, rounds, max_findings, and the
// transactional workloads' clients and txns) may appear
// in `defaults`, an engine entry, a workload entry or a crash entry; the
// most specific wins. A crash entry may also give models, device, tear,
// faults and one trigger (at_op, at_time_ms, at_mark). Setting values may
// name environment variables as ${VAR} (a missing one is an error), and an
// engine entry with "when_env": "VAR" is left out unless $VAR is set and
// non-empty (CI runs Skytable only when a skyd binary is provided).
// Unknown keys are errors, so a typo never silently shrinks a matrix.
// `claims` lists statements to decide from the cells (reports/claims.h).
#ifndef CRASHLAB_HARNESS_CLI_MATRIX_SPEC_H_
#define CRASHLAB_HARNESS_CLI_MATRIX_SPEC_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "reports/matrix_report.h"

namespace crashlab {

struct MatrixSpec {
  std::string name;
  std::string hash;  // of the expansion: equal for every shard of one matrix
  std::vector<MatrixCell> cells;  // index, name, config and args set
  nlohmann::json claims;  // `claims` (reports/claims.h), checked; null: none
};

Result<MatrixSpec> ParseMatrixSpec(const nlohmann::json& j);
// Reads JSON or YAML (by extension).
Result<MatrixSpec> ReadMatrixSpec(const std::string& path);
// YAML text -> the JSON value it denotes (scalars that look like numbers or
// booleans become numbers and booleans).
Result<nlohmann::json> YamlToJson(const std::string& text);

// Cells of shard `index` (0-based) of `count`: those whose index mod count
// equals `index`.
std::vector<MatrixCell> ShardCells(const MatrixSpec& spec, int index, int count);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_MATRIX_SPEC_H_
