#include "harness/cli/explain.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/files.h"
#include "harness/cli/replay.h"
#include "reports/report.h"

namespace crashlab {

namespace {

// The next barrier for `r` after `from`: a real fsync of its file (data) or
// of its directory (namespace), or npos.
size_t NextBarrier(const Trace& t, size_t from, const Record& r) {
  for (size_t j = from + 1; j < t.records.size(); ++j) {
    const Record& s = t.records[j];
    if (!IsSyncOp(s.op) || (s.tags & kTagNoBarrier)) continue;
    if (IsDataOp(r.op) && s.op != Op::kFsyncDir && s.file == r.file) return j;
    if (IsNamespaceOp(r.op) && s.op == Op::kFsyncDir &&
        (s.file == r.parent || s.file == r.new_parent)) {
      return j;
    }
  }
  return std::string::npos;
}

std::string DirName(const FsImage& image, FileId dir) {
  if (dir == kRootId) return "/";
  const std::string p = image.PathOf(dir);
  return p.empty() ? fmt::format("directory #{}", dir) : p + "/";
}

// What record `i` did, in words, with paths as of the full image at the
// crash position.
std::string Describe(const Trace& t, const FsImage& image, size_t i) {
  const Record& r = t.records[i];
  std::string path = image.PathOf(r.file);
  if (path.empty()) path = fmt::format("file #{}", r.file);
  const std::string in_dir = DirName(image, r.parent) + r.name;
  switch (r.op) {
    case Op::kWrite:
      return fmt::format("write of {} bytes at offset {} to {}", r.data.size(),
                         r.offset, path);
    case Op::kTruncate:
      return fmt::format("truncate of {} to {} bytes", path, r.offset);
    case Op::kFallocate:
      return fmt::format("fallocate of {} bytes at {} in {}", r.length,
                         r.offset, path);
    case Op::kCreate:
      return "creation of " + in_dir;
    case Op::kMkdir:
      return "mkdir of " + in_dir;
    case Op::kSymlink:
      return "symlink " + in_dir;
    case Op::kLink:
      return "link " + in_dir + " to " + path;
    case Op::kUnlink:
      return "unlink of " + in_dir;
    case Op::kRmdir:
      return "rmdir of " + in_dir;
    case Op::kRename:
      return "rename of " + in_dir + " to " + DirName(image, r.new_parent) +
             r.new_name;
    default:
      return OpName(r.op);
  }
}

std::string Why(const Trace& t, const FsImage& image, size_t i, size_t pos) {
  const Record& r = t.records[i];
  const size_t next = NextBarrier(t, i, r);
  std::string whose;
  if (IsDataOp(r.op)) {
    std::string path = image.PathOf(r.file);
    whose = (path.empty() ? fmt::format("file #{}", r.file) : path) +
            " was not fsynced after it before the crash";
  } else {
    whose = "the directory " + DirName(image, r.parent) +
            " was not fsynced after it before the crash";
  }
  if (next == std::string::npos) return whose + " (it never was)";
  return whose + fmt::format(" (its next fsync came at trace #{}, after the "
                             "crash point #{})",
                             next, pos);
}

}  // namespace

std::vector<std::string> ExplainState(const Trace& trace,
                                      const FsImage& base,
                                      const CrashState& state) {
  std::vector<std::string> lines;
  ImageBuilder builder(trace, base);
  const FsImage& full = builder.Build(CrashState{Model::kPrefix, state.position});
  lines.push_back(fmt::format(
      "crash after trace record #{} ({} records issued): every record before "
      "it persisted except:",
      state.position - 1, state.position - trace.first_op));
  std::vector<std::pair<uint32_t, std::string>> items;
  for (uint32_t i : state.dropped) {
    items.emplace_back(i, fmt::format("  #{}: {} not persisted: {}", i,
                                      Describe(trace, full, i),
                                      Why(trace, full, i, state.position)));
  }
  for (const Tear& tear : state.torn) {
    const Record& w = trace.records[tear.index];
    uint64_t kept = 0;
    for (const auto& [off, n] : tear.keep) kept += n;
    const char* rest = tear.fill == Tear::Fill::kOld     ? "its old bytes"
                       : tear.fill == Tear::Fill::kZeros ? "zeros"
                                                         : "garbage";
    items.emplace_back(
        tear.index,
        fmt::format("  #{}: {} persisted only {} of its {} bytes; the rest "
                    "holds {}",
                    tear.index, Describe(trace, full, tear.index), kept,
                    w.data.size(), rest));
  }
  std::sort(items.begin(), items.end());
  for (auto& [i, line] : items) lines.push_back(std::move(line));
  if (items.empty()) lines.push_back("  (nothing: every record persisted)");
  return lines;
}

Status Explain(const std::string& out, const std::string& finding_id) {
  CRASHLAB_ASSIGN_OR_RETURN(Report report,
                            ReadReport(JoinPath(out, "report.json")));
  const ReportFinding* f = nullptr;
  for (const ReportFinding& candidate : report.findings) {
    if (candidate.id == finding_id) f = &candidate;
  }
  if (!f) {
    return Status::InvalidArgument(
        "no finding " + finding_id + " in " + JoinPath(out, "report.json") +
        fmt::format(" (it has F1..F{})", report.findings.size()));
  }
  const std::string run_dir = f->run_dir.empty() ? out : f->run_dir;
  CRASHLAB_ASSIGN_OR_RETURN(Trace trace,
                            ReadTrace(JoinPath(run_dir, "trace.bin")));
  CRASHLAB_ASSIGN_OR_RETURN(
      FsImage base, FsImage::FromBase(trace, JoinPath(run_dir, trace.base_dir)));
  const std::string id = f->minimized ? f->minimal.id : f->state.id;
  CRASHLAB_ASSIGN_OR_RETURN(CrashState state,
                            LoadCrashState(trace, run_dir, id));

  fmt::print("{} {}: {}\n\n", f->id, FindingKindName(f->kind), f->summary);
  for (const OpRef& op : f->ops) {
    size_t invoked = 0, acked = 0;
    for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
      const Record& r = trace.records[i];
      if (r.op != Op::kMark) continue;
      if (r.data == fmt::format("invoke:{}", op.id)) invoked = i;
      if (r.data == fmt::format("ok:{}", op.id)) acked = i;
    }
    fmt::print("{} #{} {}: invoked at trace #{}{}\n", op.f, op.id, op.args.dump(),
               invoked,
               acked ? fmt::format(", acknowledged at #{}", acked) : "");
  }
  fmt::print("\n{} state {}{}:\n", f->minimized ? "minimal" : "crash", id,
             f->minimized ? fmt::format(" (shrunk from {} in {} tries)",
                                        f->state.id, f->minimize_tests)
                          : "");
  for (const std::string& line : ExplainState(trace, base, state)) {
    fmt::print("{}\n", line);
  }
  fmt::print("\n{}\n", f->explanation);
  return Status::Ok();
}

}  // namespace crashlab
