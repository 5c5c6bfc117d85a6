#include "faultfs/trace_thread.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace crashlab::faultfs {

TraceThread::TraceThread(std::unique_ptr<TraceWriter> writer,
                         size_t max_buffered_bytes,
                         std::function<void()> before_write)
    : max_buffered_bytes_(max_buffered_bytes),
      wake_bytes_(std::min(kWakeBytes, max_buffered_bytes / 2)),
      before_write_(std::move(before_write)),
      writer_(std::move(writer)) {
  thread_ = std::thread([this] { Run(); });
}

TraceThread::~TraceThread() { (void)Close(); }

void TraceThread::Append(const Record& r, std::string_view data) {
  std::unique_lock<std::mutex> lock(mu_);
  if (filling_.size() + in_flight_bytes_ >= max_buffered_bytes_ && !stop_) {
    // Full: wait for the writer rather than grow or drop anything.
    ++stats_.stalls;
    wake_.notify_one();
    progress_.wait(lock, [&] {
      return filling_.size() + in_flight_bytes_ < max_buffered_bytes_ || stop_;
    });
  }
  if (stop_) return;
  AppendUnsealedFrame(r, data, &filling_);
  ++filling_records_;
  ++appended_;
  ++stats_.records;
  stats_.peak_buffered_bytes = std::max<uint64_t>(
      stats_.peak_buffered_bytes, filling_.size() + in_flight_bytes_);
  if (filling_.size() >= wake_bytes_) wake_.notify_one();
}

bool TraceThread::Written(uint64_t target) const {
  return written_ >= target || closed_;
}

Status TraceThread::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return Status::IoError("the trace is already closed");
  const uint64_t target = appended_;
  flush_wanted_ = true;
  wake_.notify_one();
  progress_.wait(lock, [&] { return Written(target); });
  if (written_ < target && error_.ok()) {
    return Status::IoError("the trace was closed during a flush");
  }
  return error_;
}

void TraceThread::Run() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(kIdleMs), [&] {
      return stop_ || flush_wanted_ || filling_.size() >= wake_bytes_;
    });
    flush_wanted_ = false;
    if (filling_.empty()) {
      progress_.notify_all();  // a Flush with nothing left to write
      if (stop_) break;
      continue;
    }
    batch.swap(filling_);  // filling_ keeps the other buffer's capacity
    filling_.clear();
    const uint64_t records = filling_records_;
    filling_records_ = 0;
    in_flight_bytes_ = batch.size();
    lock.unlock();
    if (before_write_) before_write_();
    SealFrames(batch.data(), batch.size());
    Status s = writer_->AppendSealed(batch, records);
    batch.clear();
    lock.lock();
    if (!s.ok() && error_.ok()) error_ = s;
    in_flight_bytes_ = 0;
    written_ += records;
    ++stats_.writes;
    progress_.notify_all();
  }
}

Status TraceThread::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return error_;
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  Status closed = writer_->Close();
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  progress_.notify_all();
  if (error_.ok()) error_ = closed;
  return error_;
}

TraceThread::Stats TraceThread::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace crashlab::faultfs
