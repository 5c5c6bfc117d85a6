#include "harness/replay.h"

#include <cstdio>

#include <fmt/format.h>

#include "core/files.h"
#include "core/fs_image.h"
#include "core/persistence.h"
#include "core/trace.h"

namespace crashlab {

namespace {

Status DamagedTrace(const std::string& path, const TraceTail& tail,
                    size_t good) {
  return Status::BadInput(fmt::format(
      "{} is damaged at byte {} ({}); the {} records before it are intact",
      path, tail.offset, tail.problem, good));
}

}  // namespace

Status Replay(const std::string& out, const std::string& state_id,
              const std::string& to) {
  const std::string trace_path = JoinPath(out, "trace.bin");
  CRASHLAB_ASSIGN_OR_RETURN(Trace trace, ReadTrace(trace_path));
  if (!trace.tail.clean) {
    return DamagedTrace(trace_path, trace.tail, trace.records.size());
  }
  Model model;
  size_t position = 0;
  if (!ParseStateId(state_id, &model, &position)) {
    return Status::InvalidArgument(
        "'" + state_id + "' is not a crash state id (expected MODEL@POSITION, "
        "e.g. drop-unsynced@812, as shown in report.json)");
  }
  if (position < trace.first_op || position > trace.records.size()) {
    return Status::InvalidArgument(fmt::format(
        "crash position {} is outside this trace (positions {}..{})", position,
        trace.first_op, trace.records.size()));
  }
  if (PathExists(to) && !IsEmptyDir(to)) {
    return Status::InvalidArgument(to + " exists and is not empty; give "
                                   "--to a new or empty directory");
  }
  CRASHLAB_ASSIGN_OR_RETURN(
      FsImage base, FsImage::FromBase(trace, JoinPath(out, trace.base_dir)));
  const CrashState state = StateAt(trace, model, position);
  ImageBuilder builder(trace, base);
  const FsImage& image = builder.Build(state);
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(to));
  CRASHLAB_RETURN_IF_ERROR(image.Materialize(to));
  fmt::print("rebuilt {} into {}\n", state.Id(), to);
  fmt::print("  {} trace records issued before the crash, {} of them not "
             "persisted\n",
             position - trace.first_op, state.dropped.size());
  for (const auto& [name, data] : image.Files()) {
    fmt::print("  {} ({} bytes)\n", name, data.size());
  }
  return Status::Ok();
}

Status DumpTrace(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(Trace trace, ReadTrace(path));
  for (size_t i = 0; i < trace.records.size(); ++i) {
    std::string line = RecordToJson(trace.records[i], i) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  std::fflush(stdout);
  if (!trace.tail.clean) {
    return DamagedTrace(path, trace.tail, trace.records.size());
  }
  return Status::Ok();
}

}  // namespace crashlab
