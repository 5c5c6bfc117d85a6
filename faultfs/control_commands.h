// ControlCommands: what the control socket's requests do. The protocol
// (JSON lines, one reply per request) is the contract in
// faultfs/client/control_client.h; raw LazyFS FIFO lines ("lazyfs::...") are
// accepted as requests too.
//
// Commands that append to the trace (mark, crash, clear-cache,
// checkpoint, an inject of lazyfs::clear-cache) do it under the recording
// mutex, so they are ordered with file operations exactly like the control
// file's marks; clear-cache invalidates the kernel's caches after
// releasing it.
//
// Thread-safety: Execute may be called from any thread (the state it
// touches is guarded by the recorder's and the fault engine's mutexes).
// The FsContext, with its fault engine and undo log, must outlive it.
#ifndef CRASHLAB_FAULTFS_CONTROL_COMMANDS_H_
#define CRASHLAB_FAULTFS_CONTROL_COMMANDS_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "faultfs/ops.h"

namespace crashlab::faultfs {

class ControlCommands {
 public:
  // `ctx->faults` and `ctx->undo` must be set.
  explicit ControlCommands(FsContext* ctx) : ctx_(*ctx) {}

  // One request line -> one reply object ({"ok": bool, ...}).
  nlohmann::json Execute(std::string_view line);

 private:
  using json = nlohmann::json;
  json Dispatch(const json& request);
  json Inject(const json& request);
  json InjectLazyFs(const std::string& line);
  json ClearCache();
  json Checkpoint();
  json Unsynced();
  json Crash();

  FsContext& ctx_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_CONTROL_COMMANDS_H_
