// Internal to core/fault_plan*.cc: the syntax-specific parsers behind
// ParseFaultPlan, and small helpers they share. Not a public seam.
#ifndef CRASHLAB_CORE_FAULT_PLAN_INTERNAL_H_
#define CRASHLAB_CORE_FAULT_PLAN_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/fault_plan.h"

namespace crashlab::fault_plan_internal {

// A JSON plan: {"seed": S, "rules": [...]} or [...].
Result<FaultPlan> ParseJsonPlan(std::string_view text);
// A TOML plan ([[rule]] and/or LazyFS [[injection]] tables).
Result<FaultPlan> ParseTomlPlan(std::string_view text);
// Lines of LazyFS FIFO commands (rules only).
Result<FaultPlan> ParseLazyFsLines(std::string_view text);

// The regexes a LazyFS path regex stands for (fault_plan.h, "Paths"):
// entry k-1 matches paths of k components (R's last k components), the
// last entry is R whole. Empty with `error` set when R does not compile.
std::vector<std::regex> SuffixRegexes(const std::string& r, std::string* error);

// Lists for error messages.
std::string KnownOps();
std::string KnownErrnos();

// "rules[2] (id \"x\")" style prefixes are built by the parsers; this
// formats one problem with a key path.
std::string KeyProblem(const std::string& where, const std::string& key,
                       const std::string& problem);

}  // namespace crashlab::fault_plan_internal

#endif  // CRASHLAB_CORE_FAULT_PLAN_INTERNAL_H_
