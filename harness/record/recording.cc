#include "harness/record/recording.h"

#include <unistd.h>

#include "core/files.h"
#include "core/subprocess.h"
#include "faultfs/client/faultfs_mount.h"  // ForceUnmount

namespace crashlab {

namespace {

// What a crashlab run writes into OUT; --force removes only these.
constexpr const char* kOutputs[] = {"report.json", "report.json.tmp",
                                    "history.jsonl", "trace.bin", "base",
                                    "logs", ".work", ".scratch", "replay",
                                    "rounds", "states"};

}  // namespace

Status PrepareOutDir(const std::string& out, bool force) {
  if (PathExists(out) && !IsEmptyDir(out)) {
    bool ours = PathExists(JoinPath(out, "report.json")) ||
                PathExists(JoinPath(out, "trace.bin"));
    if (!force || !ours) {
      return Status::InvalidArgument(
          out + " exists and is not empty; choose a new --out directory" +
          (ours ? " or pass --force to replace the previous run"
                : " (--force only replaces a previous crashlab run)"));
    }
    ForceUnmount(JoinPath(out, ".work/mnt"));
    for (const char* name : kOutputs) {
      CRASHLAB_RETURN_IF_ERROR(RemoveTree(JoinPath(out, name)));
    }
  }
  Status made = MakeDirs(out);
  if (!made.ok() || ::access(out.c_str(), W_OK) != 0) {
    return Status::InvalidArgument("cannot write the output directory " + out +
                                   ": choose a writable --out");
  }
  return Status::Ok();
}

Status InitDataDir(Engine& engine, const std::string& dir,
                   const Schema& schema) {
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
  Status init = engine.Init(dir, schema);
  if (!init.ok()) {
    return Status::Infrastructure("the engine could not create its data "
                                  "directory: " + init.message());
  }
  return Status::Ok();
}

}  // namespace crashlab
