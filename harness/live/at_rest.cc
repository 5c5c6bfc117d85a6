#include "harness/live/at_rest.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/files.h"

namespace crashlab {

namespace {

namespace fs = std::filesystem;

// Regular files below `dir`, relative, '/'-separated, sorted.
Result<std::vector<std::string>> FilesBelow(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      out.push_back(fs::relative(it->path(), dir, ec).generic_string());
    }
  }
  if (ec) {
    return Status::Infrastructure("cannot list " + dir + ": " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* CorruptModeName(CorruptMode m) {
  switch (m) {
    case CorruptMode::kFlip: return "flip";
    case CorruptMode::kZero: return "zero";
    case CorruptMode::kTruncate: return "truncate";
  }
  return "?";
}

// The first operation the rule watches: a restart counts as one of those.
FaultOp AnyWatchedOp(const FaultRule& r) {
  for (int i = 0; i < kFaultOpCount; ++i) {
    if (r.ops & (1u << i)) return static_cast<FaultOp>(i);
  }
  return FaultOp::kWrite;
}

Result<std::string> Corrupt(const FaultRule& rule, const std::string& dir,
                            const std::string& rel) {
  const FaultAction& a = rule.action;
  const std::string path = JoinPath(dir, rel);
  CRASHLAB_ASSIGN_OR_RETURN(std::string data, ReadFileToString(path));
  const uint64_t size = data.size();
  if (a.offset >= size && a.corrupt_mode != CorruptMode::kTruncate) {
    return fmt::format("{}: {} {}: offset {} is past the end ({} bytes), "
                       "nothing changed",
                       rule.id, CorruptModeName(a.corrupt_mode), rel,
                       a.offset, size);
  }
  const uint64_t end = a.length == 0 ? size : std::min(size, a.offset + a.length);
  std::string what;
  switch (a.corrupt_mode) {
    case CorruptMode::kFlip:
      for (uint64_t i = a.offset; i < end; ++i) data[i] = static_cast<char>(~data[i]);
      what = fmt::format("[{}, {})", a.offset, end);
      break;
    case CorruptMode::kZero:
      std::fill(data.begin() + a.offset, data.begin() + end, '\0');
      what = fmt::format("[{}, {})", a.offset, end);
      break;
    case CorruptMode::kTruncate:
      data.resize(std::min(size, a.offset));
      what = fmt::format("to {} bytes (was {})", data.size(), size);
      break;
  }
  CRASHLAB_RETURN_IF_ERROR(WriteStringToFile(path, data));
  return fmt::format("{}: {} {} {}", rule.id, CorruptModeName(a.corrupt_mode),
                     rel, what);
}

}  // namespace

AtRestCorruptor::AtRestCorruptor(const FaultPlan& plan) {
  for (const FaultRule& r : plan.rules) {
    if (r.action.kind == ActionKind::kCorrupt) matchers_.emplace_back(r, plan.seed);
  }
}

Result<std::vector<std::string>> AtRestCorruptor::Apply(const std::string& dir) {
  std::vector<std::string> done;
  if (matchers_.empty()) return done;
  CRASHLAB_ASSIGN_OR_RETURN(std::vector<std::string> files, FilesBelow(dir));
  for (Matcher& m : matchers_) {
    for (const std::string& rel : files) {
      OpEvent e;
      e.op = AnyWatchedOp(m.rule());
      e.path = rel;
      e.ms = UINT64_MAX;  // time since mount: a restart is after any after_ms
      if (!m.Match(e)) continue;
      m.Fired();
      CRASHLAB_ASSIGN_OR_RETURN(std::string line, Corrupt(m.rule(), dir, rel));
      done.push_back(std::move(line));
    }
  }
  return done;
}

}  // namespace crashlab
