#include "harness/cli/replay.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/crash_space.h"
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

Result<CrashState> LoadCrashState(const Trace& trace, const std::string& out,
                                  const std::string& id) {
  const std::string saved = JoinPath(out, "states/" + id + ".json");
  if (PathExists(saved)) {
    CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(saved));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return Status::BadInput(saved + " is not JSON");
    auto s = CrashStateFromJson(j);
    if (!s.ok()) return s.status().Annotate(saved);
    return s;
  }
  auto state = StateFromId(trace, id);
  if (!state.ok()) {
    return Status::InvalidArgument(
        state.status().message() +
        " (a crash state id is MODEL@POSITION[#DETAIL], e.g. "
        "drop-unsynced@812, as shown in report.json)");
  }
  return state;
}

Status Replay(const std::string& out, const std::string& state_id,
              const std::string& to) {
  const std::string trace_path = JoinPath(out, "trace.bin");
  CRASHLAB_ASSIGN_OR_RETURN(Trace trace, ReadTrace(trace_path));
  if (!trace.tail.clean) {
    return DamagedTrace(trace_path, trace.tail, trace.records.size());
  }
  CRASHLAB_ASSIGN_OR_RETURN(const CrashState state,
                            LoadCrashState(trace, out, state_id));
  const size_t position = state.position;
  if (position < trace.first_op || position > trace.records.size() ||
      (!state.dropped.empty() && state.dropped.back() >= position)) {
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
  ImageBuilder builder(trace, base);
  const FsImage& image = builder.Build(state);
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(to));
  CRASHLAB_RETURN_IF_ERROR(image.Materialize(to));
  fmt::print("rebuilt {} into {}\n", state.Id(), to);
  fmt::print("  {} trace records issued before the crash, {} of them not "
             "persisted, {} persisted in part\n",
             position - trace.first_op, state.dropped.size(),
             state.torn.size());
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
