#include "harness/outcome_tally.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace crashlab {

OutcomeTally::OutcomeTally(const Trace& trace)
    : trace_(trace), names_(LastNames(trace)) {}

std::map<FileId, std::string> OutcomeTally::LastNames(const Trace& trace) {
  std::map<FileId, std::string> names;
  for (const Record& r : trace.records) {
    switch (r.op) {
      case Op::kBaseEntry:
      case Op::kCreate:
      case Op::kMkdir:
      case Op::kSymlink:
      case Op::kLink:
        names[r.file] = r.name;
        break;
      case Op::kRename:
        names[r.file] = r.new_name;
        break;
      default:
        break;
    }
  }
  return names;
}

std::string OutcomeTally::GroupName(const std::string& name) {
  // UUIDs (Skytable's space and model directories) first, then digit runs.
  static const std::regex kUuid(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  const std::string plain = std::regex_replace(name, kUuid, "UUID");
  std::string out;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(plain[i]))) {
      if (i == 0 || !std::isdigit(static_cast<unsigned char>(plain[i - 1]))) {
        out += 'N';
      }
    } else {
      out += plain[i];
    }
  }
  return out;
}

std::string OutcomeTally::FilesOf(const CrashState& state) const {
  std::set<std::string> groups;
  auto note = [&](uint32_t index) {
    if (index >= trace_.records.size()) return;
    const Record& r = trace_.records[index];
    auto it = names_.find(r.file);
    groups.insert(GroupName(it == names_.end() ? r.name : it->second));
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
