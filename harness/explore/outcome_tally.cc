#include "harness/explore/outcome_tally.h"

#include <algorithm>
#include <set>

#include "harness/record/file_names.h"

namespace crashlab {

OutcomeTally::OutcomeTally(const Trace& trace)
    : trace_(trace), names_(LastFileNames(trace)) {}

std::string OutcomeTally::FilesOf(const CrashState& state) const {
  std::set<std::string> groups;
  auto note = [&](uint32_t index) {
    if (index >= trace_.records.size()) return;
    const Record& r = trace_.records[index];
    auto it = names_.find(r.file);
    groups.insert(FileGroupName(it == names_.end() ? r.name : it->second));
  };
  for (uint32_t i : state.dropped) note(i);
  for (const Tear& t : state.torn) note(t.index);
  if (groups.empty()) return "(none)";
  std::string out;
  for (const std::string& g : groups) out += (out.empty() ? "" : " + ") + g;
  return out;
}

void OutcomeTally::Add(const CrashState& state, const Observation& seen,
                       const std::vector<Finding>& found) {
  OutcomeRow& row = rows_[FilesOf(state)];
  ++row.states;
  using O = Observation::Outcome;
  const bool refused = seen.outcome == O::kRefused || seen.outcome == O::kHung ||
                       seen.outcome == O::kCrashed;
  if (refused) {
    ++row.refused;
  } else if (found.empty()) {
    ++row.recovered;
  } else {
    ++row.with_findings;
  }
}

std::vector<OutcomeRow> OutcomeTally::Rows() const {
  std::vector<OutcomeRow> out;
  for (const auto& [files, row] : rows_) {
    out.push_back(row);
    out.back().files = files;
  }
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.states > b.states;
  });
  return out;
}

}  // namespace crashlab
