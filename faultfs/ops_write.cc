// File contents: write, fsync/fdatasync and fallocate, each recorded under
// the recorder's mutex and each a fault point. Writes and fsyncs carry out
// their own actions here: torn writes (torn, LazyFS torn-op), LazyFS
// torn-seq, lying fsyncs and fsyncs that drop unsynced data. Every
// content change is undo-logged (undo_log.h) when fault injection is on.
// The control file's writes (commands) are handled here too.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "faultfs/ops_internal.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {
namespace {

// A torn write: only the kept parts reach the backing file; the record
// keeps the whole write (what the engine asked for) and the kFault names
// what persisted; then the engine is killed.
void WriteTorn(fuse_req_t req, FsContext& ctx, Recorder::Scope& scope,
               FaultPoint& fp, FileId id, const char* buf, size_t size,
               off_t off, int fd) {
  const FaultDecision& d = fp.decision();
  for (const auto& [start, len] : d.keep) {
    size_t done = 0;
    while (done < len) {
      const ssize_t n = ::pwrite(fd, buf + start + done, len - done,
                                 off + static_cast<off_t>(start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fp.Reply(req, n < 0 ? errno : EIO);  // a real error
      done += static_cast<size_t>(n);
    }
  }
  Record r = FileRecord(Op::kWrite, id);
  r.offset = static_cast<uint64_t>(off);
  const uint64_t index =
      scope.Append(std::move(r), std::string_view(buf, size));
  if (ctx.undo != nullptr) ctx.undo->NoteWrite(id, index);
  nlohmann::json keep = nlohmann::json::array();
  for (const auto& [start, len] : d.keep) keep.push_back({index, start, len});
  // Nothing kept is still a tear: the write must not count as unsynced.
  if (keep.empty()) keep.push_back({index, 0, 0});
  nlohmann::json extra = {{"keep", keep}};
  if (d.action.kind == ActionKind::kTorn) {
    const char* names[] = {"sector", "page", "byte"};
    extra["granularity"] = names[static_cast<int>(d.action.granularity)];
  } else {
    extra["lazyfs"] = "torn-op";
  }
  extra.update(fp.Kill());
  fp.RecordFault("torn", EIO, extra);
  fp.Finish();
  if (d.action.reply_ok) return (void)fuse_reply_write(req, size);
  fuse_reply_err(req, EIO);
}

}  // namespace

void OpWrite(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size,
             off_t off, fuse_file_info* fi) {
  FsContext& ctx = Ctx(req);
  if (IsControl(req, ino)) {
    const int err = ctx.control.Execute(std::string_view(buf, size), Pid(req));
    if (err != 0) return (void)fuse_reply_err(req, err);
    return (void)fuse_reply_write(req, size);
  }
  Inode& inode = GetInode(req, ino);
  const int fd = static_cast<int>(fi->fh);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId id = scope.IdOf(inode.key);
  FaultPoint fp(ctx, scope,
                {.op = FaultOp::kWrite,
                 .file = id,
                 .offset = static_cast<uint64_t>(off),
                 .length = size,
                 .holds_pages = true});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (fp.Acts(ActionKind::kTorn) || fp.Acts(ActionKind::kTornOp)) {
    return WriteTorn(req, ctx, scope, fp, id, buf, size, off, fd);
  }
  std::optional<UndoLog::Pending> undo;
  if (ctx.undo != nullptr) {
    undo = ctx.undo->SaveWrite(id, inode.key, inode.fd, off, size);
  }
  const ssize_t n = ::pwrite(fd, buf, size, off);
  if (n < 0) return fp.Reply(req, errno);
  if (undo) ctx.undo->Commit(std::move(*undo), static_cast<uint64_t>(n));
  Record r = FileRecord(Op::kWrite, id);
  r.offset = static_cast<uint64_t>(off);
  const uint64_t index =
      scope.Append(std::move(r), std::string_view(buf, static_cast<size_t>(n)));
  if (ctx.undo != nullptr) ctx.undo->NoteWrite(id, index);
  if (fp.Acts(ActionKind::kTornSeq)) {
    // LazyFS torn-seq: of this sync group, only the writes numbered in
    // `persist` reached stable storage; then the engine dies.
    const FaultAction& a = fp.decision().action;
    nlohmann::json extra = {{"persist", ctx.undo->GroupIndices(id, a.persist)},
                            {"group", ctx.undo->NextWrite(id).group}};
    extra.update(fp.Kill());
    fp.RecordFault("torn-seq", EIO, extra);
    fp.Finish();
    if (!a.reply_ok) return (void)fuse_reply_err(req, EIO);
    return (void)fuse_reply_write(req, static_cast<size_t>(n));
  }
  fp.After();
  fp.Finish();
  fuse_reply_write(req, static_cast<size_t>(n));
}

void OpFsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, 0);
  FsContext& ctx = Ctx(req);
  Inode& inode = GetInode(req, ino);
  const int fd = static_cast<int>(fi->fh);
  const Op op = datasync ? Op::kFdatasync : Op::kFsync;
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId id = scope.IdOf(inode.key);
  FaultPoint fp(
      ctx, scope,
      {.op = datasync ? FaultOp::kFdatasync : FaultOp::kFsync, .file = id});
  if (int err = fp.Before()) return fp.Reply(req, err);
  if (fp.Acts(ActionKind::kLie)) {
    // Success without syncing: a barrier that is not one.
    fp.RecordFault("lie", 0);
    Record r = FileRecord(op, id);
    r.tags = kTagNoBarrier | kTagInjected;
    scope.Append(std::move(r));
    return fp.Reply(req, 0);
  }
  if (fp.Acts(ActionKind::kFsyncDrop)) {
    // Linux "fsyncgate": the error is reported once and the dirty data is
    // gone; later reads see what was durable.
    fp.Drop("fsync_drop", EIO, id);
    return fp.Reply(req, EIO);
  }
  if (int err = SyncBacking(ctx, fd, datasync); err != 0) {
    return fp.Reply(req, err);
  }
  scope.Append(FileRecord(op, id));
  if (ctx.undo != nullptr) ctx.undo->Synced(id);
  fp.After();
  fp.Reply(req, 0);
}

void OpFallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
                 off_t length, fuse_file_info* fi) {
  if (IsControl(req, ino)) return (void)fuse_reply_err(req, EOPNOTSUPP);
  FsContext& ctx = Ctx(req);
  Inode& inode = GetInode(req, ino);
  Recorder::Scope scope = ctx.recorder.Lock(Pid(req));
  const FileId id = scope.IdOf(inode.key);
  FaultPoint fp(ctx, scope, {.op = FaultOp::kFallocate, .file = id});
  if (int err = fp.Before()) return fp.Reply(req, err);
  std::optional<UndoLog::Pending> undo;
  if (ctx.undo != nullptr) {
    undo =
        ctx.undo->SaveFallocate(id, inode.key, inode.fd, mode, offset, length);
  }
  if (::fallocate(static_cast<int>(fi->fh), mode, offset, length) != 0) {
    return fp.Reply(req, errno);
  }
  if (undo) ctx.undo->Commit(std::move(*undo), 0);
  Record r = FileRecord(Op::kFallocate, id);
  r.mode = static_cast<uint32_t>(mode);
  r.offset = static_cast<uint64_t>(offset);
  r.length = static_cast<uint64_t>(length);
  scope.Append(std::move(r));
  fp.After();
  fp.Reply(req, 0);
}

}  // namespace crashlab::faultfs
