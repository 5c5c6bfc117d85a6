// FaultPoint: one operation's passage through fault injection.
//
// An operation handler that may be faulted builds a FaultPoint right after
// taking its Recorder::Scope and before touching the backing file system:
//
//     Recorder::Scope scope = ctx.recorder.Lock(pid);
//     FaultPoint fp(ctx, scope, {FaultOp::kFsync, ...});
//     if (int err = fp.Before()) return fp.Reply(req, err);   // not performed
//     ... perform, record (op-specific actions: fp.decision()) ...
//     fp.After();                       // crash/clear_cache "after"
//     fp.Finish();                      // unlock, invalidate kernel caches
//     reply                             // (reads, writes: invalidate here,
//                                       //  in the destructor)
//
// Before() refuses the operations of a killed engine's processes (the
// fence, fault_engine.h), asks the FaultEngine, sleeps for delays with the
// scope unlocked, and carries out the generic actions (errno, crash,
// clear_cache, kill-at),
// each recorded as one kFault record (kTagInjected) under the recording
// mutex, so it is ordered with file operations. Writes and fsyncs act on
// their own actions (torn*, lie, fsync_drop) using the helpers here. Drops
// restore backing files under the mutex; Finish() then releases the scope
// and invalidates the kernel's page cache of the restored inodes, because
// invalidation may wait for page locks held by requests that need the
// recording mutex; for a read or write, whose own caller holds its pages
// locked until the reply, invalidation waits until after the reply. Without a
// FaultEngine (no --faults, no control socket) every call is a no-op.
//
// Not thread-safe: lives on one handler's stack.
#ifndef CRASHLAB_FAULTFS_FAULT_POINT_H_
#define CRASHLAB_FAULTFS_FAULT_POINT_H_

#include <fuse_lowlevel.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/fault_plan.h"
#include "faultfs/fault_engine.h"
#include "faultfs/ops.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {

struct OpDesc {
  FaultOp op = FaultOp::kWrite;
  bool state_changing = true;
  FileId file = 0;    // the file acted on (named in kFault)
  FileId parent = 0;  // namespace ops: path = parent/name
  const char* name = nullptr;
  FileId new_parent = 0;  // rename/link destination
  const char* new_name = nullptr;
  uint64_t offset = 0;  // writes
  uint64_t length = 0;
  // Reads and writes: the caller holds the request's page-cache pages
  // locked until the reply, so their invalidation waits for the reply.
  bool holds_pages = false;
};

class FaultPoint {
 public:
  FaultPoint(FsContext& ctx, Recorder::Scope& scope, const OpDesc& desc);
  ~FaultPoint();
  FaultPoint(const FaultPoint&) = delete;
  FaultPoint& operator=(const FaultPoint&) = delete;

  // 0: perform the operation; else the errno to reply without performing.
  int Before();
  // The operation was performed (and recorded).
  void After();
  // Releases the scope if caches must be invalidated, and invalidates them
  // (for `holds_pages` operations: later, in the destructor, after the
  // reply). Call before replying; the scope must not be used afterwards.
  void Finish();
  // Finish(), then reply `err` (0: success for ops replied with an errno).
  void Reply(fuse_req_t req, int err);

  const FaultDecision& decision() const { return d_; }
  // True when this operation's acting rule has action `kind`.
  bool Acts(ActionKind kind) const {
    return d_.fires && d_.action.kind == kind;
  }
  const std::string& path() const { return path_; }

  // Helpers for op-specific actions (lie, fsync_drop, torn*): a kFault
  // record for the acting rule; a kill of the target (JSON for the kFault);
  // a drop of one file's / every file's unsynced data, recorded as one
  // kFault (`action`, `err`) followed by the restoring records.
  uint64_t RecordFault(const char* action, int err, nlohmann::json extra = {});
  nlohmann::json Kill();
  void Drop(const char* action, int err, FileId file);
  void DropAll(const char* action, int err);

 private:
  FsContext& ctx_;
  Recorder::Scope& scope_;
  OpDesc desc_;
  void RecordDrop(const char* action, int err, const UndoLog::Restore& r);

  bool active_ = false;
  bool finished_ = false;
  std::string path_;
  std::string to_path_;
  FaultDecision d_;
  std::vector<InodeKey> invalidate_;
};

// Appends one kFault record (tagged injected): {"rule", "action", "op",
// "path"} plus `extra`. Returns its trace index.
uint64_t AppendFault(Recorder::Scope& scope, FileId file, int err,
                     const std::string& rule, const char* action,
                     const std::string& op, const std::string& path,
                     const nlohmann::json& extra = {});
// Appends the restoring records of a drop.
void AppendRestore(Recorder::Scope& scope, const UndoLog::Restore& restore);
// Invalidates the kernel's cached pages and attributes of these inodes.
// Call without the recording mutex held.
void InvalidateInodes(FsContext& ctx, const std::vector<InodeKey>& inodes);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_FAULT_POINT_H_
