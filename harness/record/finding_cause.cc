#include "harness/record/finding_cause.h"

#include <algorithm>
#include <map>
#include <set>

#include "harness/record/file_names.h"

namespace crashlab {

namespace {

std::string KindWord(Op op) {
  switch (op) {
    case Op::kWrite:
      return "write";
    case Op::kTruncate:
      return "truncate";
    case Op::kFallocate:
      return "fallocate";
    case Op::kCreate:
      return "create";
    case Op::kMkdir:
      return "mkdir";
    case Op::kSymlink:
      return "symlink";
    case Op::kLink:
      return "link";
    case Op::kUnlink:
      return "unlink";
    case Op::kRmdir:
      return "rmdir";
    case Op::kRename:
      return "rename";
    default:
      return OpName(op);
  }
}

// "write auth.db-wal" -> "a write to auth.db-wal".
std::string OnePhrase(const std::string& lost) {
  const auto space = lost.rfind(' ');
  const std::string kind = lost.substr(0, space);
  const std::string file = lost.substr(space + 1);
  static const std::map<std::string, std::string> kPhrase = {
      {"write", "a write to "},
      {"truncate", "a truncate of "},
      {"fallocate", "an fallocate of "},
      {"create", "the creation of "},
      {"mkdir", "the creation of directory "},
      {"symlink", "the symlink "},
      {"link", "a new link to "},
      {"unlink", "the removal of "},
      {"rmdir", "the removal of directory "},
      {"rename", "the rename of "},
      {"torn write", "a torn write to "}};
  auto it = kPhrase.find(kind);
  return (it == kPhrase.end() ? kind + " of " : it->second) + file;
}

}  // namespace

CauseNamer::CauseNamer(const Trace& trace, const std::vector<LogicalOp>& ops,
                       const Timeline& timeline) {
  std::map<std::string, uint32_t> name_index;
  const std::map<FileId, std::string> last = LastFileNames(trace);
  records_.reserve(trace.records.size());
  for (const Record& r : trace.records) {
    auto it = last.find(r.file);
    const std::string name =
        FileGroupName(it == last.end() ? r.name : it->second);
    auto [at, inserted] = name_index.try_emplace(name, names_.size());
    if (inserted) names_.push_back(name);
    records_.emplace_back(r.op, at->second);
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    windows_[ops[i].id] = {timeline.InvokePosition(i),
                           timeline.DonePosition(i)};
  }
}

std::vector<std::string> CauseNamer::LostIn(const CrashState& state,
                                            size_t from, size_t to) const {
  std::set<std::string> lost;
  auto note = [&](uint32_t index, bool torn) {
    if (index < from || index >= to || index >= records_.size()) return;
    const auto& [op, name] = records_[index];
    if (op == Op::kMark || op == Op::kFault || IsSyncOp(op)) return;
    lost.insert((torn ? "torn " : "") + KindWord(op) + " " + names_[name]);
  };
  for (auto it = std::lower_bound(
           state.dropped.begin(), state.dropped.end(),
           static_cast<uint32_t>(std::min<size_t>(from, UINT32_MAX)));
       it != state.dropped.end() && *it < to; ++it) {
    note(*it, false);
  }
  for (const Tear& t : state.torn) note(t.index, true);
  return {lost.begin(), lost.end()};
}

std::string CauseNamer::Phrase(const std::vector<std::string>& lost) {
  std::string out;
  for (size_t i = 0; i < lost.size(); ++i) {
    if (i > 0) out += i + 1 == lost.size() ? " and " : ", ";
    out += OnePhrase(lost[i]);
  }
  return out;
}

Cause CauseNamer::Of(const Finding& f, const CrashState& state) const {
  auto join = [](const std::string& where, const std::vector<std::string>& l) {
    std::string key = where + ":";
    for (size_t i = 0; i < l.size(); ++i) key += (i ? "," : "") + l[i];
    return key;
  };
  const std::string kind = state.KindName();
  if (kind == "history") return {};
  auto window = f.ops.empty() ? windows_.end() : windows_.find(f.ops.front());
  if (window == windows_.end() || window->second.first == Timeline::kNever) {
    const std::vector<std::string> all = LostIn(state, 0, state.position);
    if (!all.empty()) {
      return {join("lost", all), "came from a crash that lost " + Phrase(all)};
    }
    return {join("lost", {"nothing"}),
            kind == "process" ? "came from a process kill"
                              : "came from a crash that lost nothing written "
                                "(a clean prefix)"};
  }
  // Records made before the acknowledgement, the operation's own or an
  // earlier one's (which its write depended on, as a log's later frames
  // depend on its earlier ones), are one cause: "acknowledged after a
  // write no fsync covered".
  const size_t answer = std::min(window->second.second, state.position);
  if (auto before = LostIn(state, 0, answer); !before.empty()) {
    return {
        join("before-ack", before),
        "was acknowledged after " + Phrase(before) + " that no fsync covered"};
  }
  if (auto after = LostIn(state, answer, state.position); !after.empty()) {
    return {join("after-ack", after),
            "was acknowledged before the engine made " + Phrase(after) +
                ", which was lost"};
  }
  if (kind == "process") {
    return {"none:process",
            "was only in the engine's memory when its process "
            "was killed"};
  }
  return {"none",
          "had not been written to any file when the crash "
          "came (nothing written was lost)"};
}

}  // namespace crashlab
