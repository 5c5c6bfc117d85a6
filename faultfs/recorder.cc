#include "faultfs/recorder.h"

#include <utility>

namespace crashlab::faultfs {

Recorder::Recorder(std::unique_ptr<TraceThread> trace, FileId next_id)
    : trace_(std::move(trace)),
      next_id_(next_id),
      start_(std::chrono::steady_clock::now()) {}

Recorder::~Recorder() {
  if (trace_) (void)Close();
}

Result<std::unique_ptr<Recorder>> Recorder::Create(
    const std::string& trace_path, const std::string& base_name,
    const BaseTree& base) {
  CRASHLAB_ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> writer,
                            TraceWriter::Create(trace_path));
  auto recorder = std::unique_ptr<Recorder>(new Recorder(
      std::make_unique<TraceThread>(std::move(writer)), base.next_id));
  Scope scope = recorder->Lock(0);
  recorder->ids_[base.root] = kRootId;
  Record header;
  header.op = Op::kBase;
  header.data = base_name;
  scope.Append(std::move(header));
  for (const BaseEntry& e : base.entries) {
    recorder->ids_[e.key] = e.id;
    Record r;
    r.op = Op::kBaseEntry;
    r.parent = e.parent;
    r.name = e.name;
    r.file = e.id;
    r.mode = e.mode;
    recorder->paths_.Apply(r);
    scope.Append(std::move(r));
  }
  scope.Unlock();
  CRASHLAB_RETURN_IF_ERROR(recorder->trace_->Flush());
  return recorder;
}

uint64_t Recorder::NowNs() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now() - start_)
          .count());
}

FileId Recorder::Scope::IdOf(const InodeKey& key) {
  auto [it, fresh] = recorder_->ids_.try_emplace(key, recorder_->next_id_);
  if (fresh) ++recorder_->next_id_;
  return it->second;
}

FileId Recorder::Scope::NewId(const InodeKey& key) {
  const FileId id = recorder_->next_id_++;
  recorder_->ids_[key] = id;
  return id;
}

uint64_t Recorder::Scope::Append(Record r, std::string_view data) {
  if (IsNamespaceOp(r.op)) recorder_->paths_.Apply(r);
  if (!recorder_->trace_) return recorder_->records_;
  r.time_ns = recorder_->NowNs();
  r.pid = pid_;
  recorder_->trace_->Append(r, data);
  return recorder_->records_++;
}

std::string Recorder::Scope::PathOf(FileId file) const {
  return recorder_->paths_.PathOf(file);
}

std::string Recorder::Scope::ChildPath(FileId parent,
                                       const std::string& name) const {
  return recorder_->paths_.ChildPath(parent, name);
}

void Recorder::Mark(const std::string& label, uint32_t pid) {
  Scope scope = Lock(pid);
  Record r;
  r.op = Op::kMark;
  r.data = label;
  scope.Append(std::move(r));
}

Status Recorder::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!trace_) return Status::IoError("the trace is already closed");
  return trace_->Flush();
}

Status Recorder::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!trace_) return Status::Ok();
  Status s = trace_->Close();
  closed_stats_ = trace_->stats();
  trace_.reset();
  return s;
}

TraceThread::Stats Recorder::trace_stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return trace_ ? trace_->stats() : closed_stats_;
}

uint64_t Recorder::records() {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

}  // namespace crashlab::faultfs
