#include "faultfs/fault_point.h"

#include <cerrno>
#include <chrono>
#include <thread>

namespace crashlab::faultfs {

FaultPoint::FaultPoint(FsContext& ctx, Recorder::Scope& scope,
                       const OpDesc& desc)
    : ctx_(ctx), scope_(scope), desc_(desc) {
  if (ctx_.faults == nullptr ||
      !ctx_.faults->Interested(desc_.op, desc_.state_changing)) {
    return;
  }
  active_ = true;
  path_ = desc_.name != nullptr ? scope_.ChildPath(desc_.parent, desc_.name)
                                : scope_.PathOf(desc_.file);
  if (desc_.new_name != nullptr) {
    to_path_ = scope_.ChildPath(desc_.new_parent, desc_.new_name);
  }
}

int FaultPoint::Before() {
  if (desc_.state_changing && ctx_.faults != nullptr &&
      ctx_.faults->Fenced(static_cast<pid_t>(scope_.pid()))) {
    // A killed engine's process, still running: it cannot change what the
    // crash left. Not performed, not recorded (fault_engine.h).
    return EIO;
  }
  if (!active_) return 0;
  OpEvent e{desc_.op, path_, to_path_, ctx_.faults->ElapsedMs()};
  if (desc_.op == FaultOp::kWrite && ctx_.undo != nullptr) {
    const UndoLog::GroupPos g = ctx_.undo->NextWrite(desc_.file);
    e.group = g.group;
    e.group_pos = g.pos;
  }
  d_ = ctx_.faults->Decide(e, desc_.state_changing, desc_.offset, desc_.length);
  if (d_.delay_ms > 0) {
    // Other operations go on meanwhile; this one takes its place in the
    // trace when it runs.
    scope_.Unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(d_.delay_ms));
    scope_.Relock();
    for (const auto& [rule, ms] : d_.delays) {
      AppendFault(scope_, desc_.file, 0, rule, "delay", FaultOpName(desc_.op),
                  path_, {{"delay_ms", ms}});
    }
  }
  if (d_.kill_at) {
    AppendFault(scope_, desc_.file, EIO, "kill-at", "kill",
                FaultOpName(desc_.op), path_, Kill());
    return EIO;
  }
  if (!d_.fires) return 0;
  const FaultAction& a = d_.action;
  switch (a.kind) {
    case ActionKind::kErrno:
      RecordFault("errno", a.err);
      return a.err;
    case ActionKind::kCrash:
      if (a.timing != Timing::kBefore) return 0;
      RecordFault("crash", EIO, Kill());
      return EIO;
    case ActionKind::kClearCache:
      if (a.timing != Timing::kBefore) return 0;
      DropAll("clear_cache", 0);
      if (!a.crash) return 0;
      RecordFault("crash", EIO, Kill());
      return EIO;
    default:
      return 0;  // the operation's own (torn*, lie, fsync_drop)
  }
}

void FaultPoint::After() {
  if (!active_ || !d_.fires || d_.action.timing != Timing::kAfter) return;
  if (d_.action.kind == ActionKind::kCrash) {
    RecordFault("crash", 0, Kill());
  } else if (d_.action.kind == ActionKind::kClearCache) {
    DropAll("clear_cache", 0);
    if (d_.action.crash) RecordFault("crash", 0, Kill());
  }
}

void FaultPoint::Finish() {
  if (finished_) return;
  finished_ = true;
  if (invalidate_.empty()) return;
  if (scope_.locked()) scope_.Unlock();
  // A read or write request's caller holds its pages locked until it gets
  // the reply: invalidating them now would wait for it forever.
  if (desc_.holds_pages) return;
  InvalidateInodes(ctx_, invalidate_);
  invalidate_.clear();
}

FaultPoint::~FaultPoint() {
  Finish();
  InvalidateInodes(ctx_, invalidate_);
}

void FaultPoint::Reply(fuse_req_t req, int err) {
  Finish();
  fuse_reply_err(req, err);  // the destructor may invalidate after this
}

uint64_t FaultPoint::RecordFault(const char* action, int err,
                                 nlohmann::json extra) {
  return AppendFault(scope_, desc_.file, err, d_.rule_id, action,
                     FaultOpName(desc_.op), path_, extra);
}

nlohmann::json FaultPoint::Kill() { return ctx_.faults->KillTarget(); }

void FaultPoint::RecordDrop(const char* action, int err,
                            const UndoLog::Restore& r) {
  nlohmann::json extra = nlohmann::json::object();
  if (!r.error.empty()) extra["restore_error"] = r.error;
  RecordFault(action, err, extra);
  AppendRestore(scope_, r);
  invalidate_.insert(invalidate_.end(), r.inodes.begin(), r.inodes.end());
}

void FaultPoint::Drop(const char* action, int err, FileId file) {
  RecordDrop(action, err,
             ctx_.undo != nullptr ? ctx_.undo->Drop(file) : UndoLog::Restore());
}

void FaultPoint::DropAll(const char* action, int err) {
  RecordDrop(action, err,
             ctx_.undo != nullptr ? ctx_.undo->DropAll() : UndoLog::Restore());
}

uint64_t AppendFault(Recorder::Scope& scope, FileId file, int err,
                     const std::string& rule, const char* action,
                     const std::string& op, const std::string& path,
                     const nlohmann::json& extra) {
  nlohmann::json body = {
      {"rule", rule}, {"action", action}, {"op", op}, {"path", path}};
  if (extra.is_object()) body.update(extra);
  Record r;
  r.op = Op::kFault;
  r.tags = kTagInjected;
  r.file = file;
  r.flags = static_cast<uint32_t>(err);
  r.data = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return scope.Append(std::move(r));
}

void AppendRestore(Recorder::Scope& scope, const UndoLog::Restore& restore) {
  for (const Record& r : restore.records) scope.Append(r);
}

void InvalidateInodes(FsContext& ctx, const std::vector<InodeKey>& inodes) {
  if (ctx.session == nullptr) return;
  for (const InodeKey& key : inodes) {
    fuse_ino_t ino = 0;
    if (ctx.table.Find(key, &ino)) {
      // The kernel forgetting the inode meanwhile is harmless (ENOENT).
      (void)fuse_lowlevel_notify_inval_inode(ctx.session, ino, 0, 0);
    }
  }
}

}  // namespace crashlab::faultfs
