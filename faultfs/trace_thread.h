// TraceThread: faultfs's trace, written off the request path.
//
// Method. A request handler appends its record under the recorder's mutex
// (so appends arrive in the order operations took effect); Append only
// encodes the record into the current buffer: one copy of a write's bytes,
// straight from the FUSE request, and no checksum, no system call. One
// writer thread takes the whole buffer at a time (two buffers swap), fills
// in every frame's CRC-32 and writes it to the trace file with one write(2).
// Buffers are written in the order they were filled, so the file holds the
// records in append order: kernel order, marks included.
//
// The writer wakes when the buffer holds kWakeBytes (or half the bound, if
// that is smaller), when Flush or Close
// asks, and every kIdleMs otherwise, so a quiet trace reaches the file soon
// too. Memory is bounded: while `max_buffered_bytes` are waiting to be
// written, Append blocks until the writer has written them. The trace is
// never cut or reordered to save memory; a burst is slowed to the speed of
// the trace file instead.
//
// Flush() returns once every record appended before it is in the file;
// Close() flushes, stops the thread and fsyncs the trace. The daemon closes
// it when the FUSE session ends (unmount, SIGTERM, SIGINT, SIGHUP), so a
// stopped faultfs leaves the whole trace; a SIGKILLed one leaves a prefix
// that the trace reader cuts at the last whole record.
//
// Ownership: owns the TraceWriter and the thread. Thread-safety: every
// method may be called from any thread. Its mutex is innermost: taken inside
// the recorder's, never held while calling out except to wait.
#ifndef CRASHLAB_FAULTFS_TRACE_THREAD_H_
#define CRASHLAB_FAULTFS_TRACE_THREAD_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"
#include "core/trace.h"

namespace crashlab::faultfs {

class TraceThread {
 public:
  static constexpr size_t kWakeBytes = 128 * 1024;
  static constexpr int kIdleMs = 20;
  static constexpr size_t kDefaultMaxBufferedBytes = 64 * 1024 * 1024;

  struct Stats {
    uint64_t records = 0;              // appended
    uint64_t writes = 0;               // write(2) batches
    uint64_t peak_buffered_bytes = 0;  // most bytes waiting at once
    uint64_t stalls = 0;               // appends that waited for the writer
  };

  // `before_write` (tests only) runs on the writer thread before each batch
  // is written, with no lock held: a test can hold the writer there.
  explicit TraceThread(std::unique_ptr<TraceWriter> writer,
                       size_t max_buffered_bytes = kDefaultMaxBufferedBytes,
                       std::function<void()> before_write = nullptr);
  ~TraceThread();  // Close()
  TraceThread(const TraceThread&) = delete;
  TraceThread& operator=(const TraceThread&) = delete;

  // Queues `r`; `data`, if not empty, stands in for r.data (see
  // AppendUnsealedFrame). Blocks while the buffers are full. After Close,
  // records are dropped.
  void Append(const Record& r, std::string_view data = {});
  // Returns once every record appended so far is in the file (or the
  // first write error).
  Status Flush();
  // Flushes, stops the writer thread, fsyncs and closes the trace.
  Status Close();
  Stats stats();

 private:
  void Run();
  bool Written(uint64_t target) const;  // mu_ held

  const size_t max_buffered_bytes_;
  const size_t wake_bytes_;  // kWakeBytes, or half the bound if smaller
  const std::function<void()> before_write_;
  std::unique_ptr<TraceWriter> writer_;  // used by the thread, then Close

  std::mutex mu_;
  std::condition_variable wake_;      // the writer waits for work
  std::condition_variable progress_;  // appenders and flushers wait
  std::string filling_;               // sealed by the writer, not yet taken
  uint64_t filling_records_ = 0;
  size_t in_flight_bytes_ = 0;  // taken by the writer, not yet written
  uint64_t appended_ = 0;       // records appended
  uint64_t written_ = 0;        // records written (or failed to be)
  bool flush_wanted_ = false;
  bool stop_ = false;
  bool closed_ = false;
  Status error_;  // first write error
  Stats stats_;
  std::thread thread_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_TRACE_THREAD_H_
