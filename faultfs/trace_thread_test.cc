#include "faultfs/trace_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "core/files.h"
#include "core/subprocess.h"
#include "tests/test_util.h"

namespace crashlab::faultfs {
namespace {

std::unique_ptr<TraceWriter> NewWriter(const std::string& path) {
  auto w = TraceWriter::Create(path);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? std::move(*w) : nullptr;
}

// Record `i`: a write whose offset is its sequence number.
Record Numbered(uint64_t i) {
  Record r;
  r.op = i % 5 == 0 ? Op::kMark : Op::kWrite;
  r.file = 3 + i % 4;
  r.offset = i;
  if (r.op == Op::kMark) r.data = "mark-" + std::to_string(i);
  return r;
}

std::string Payload(uint64_t i, size_t size) {
  return std::string(size, static_cast<char>('a' + i % 26));
}

// Waits up to 10 s for `done`.
bool WaitFor(const std::function<bool()>& done) {
  const int64_t deadline = MonotonicMs() + 10000;
  while (!done()) {
    if (MonotonicMs() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(TraceThreadTest, ConcurrentAppendsReachTheFileCompleteAndInOrder) {
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  TraceThread trace(NewWriter(path), /*max_buffered_bytes=*/256 * 1024);
  // As the recorder does: appends serialised by one mutex, numbered under
  // it, from many threads at once.
  std::mutex mu;
  uint64_t next = 0;
  constexpr int kThreads = 8, kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < kEach; ++k) {
        std::lock_guard<std::mutex> lock(mu);
        const uint64_t i = next++;
        const Record r = Numbered(i);
        if (r.op == Op::kWrite) {
          trace.Append(r, Payload(i, 1 + i % 9000));
        } else {
          trace.Append(r);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(trace.Close().ok());

  auto read = ReadTrace(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->tail.clean) << read->tail.problem;
  ASSERT_EQ(read->records.size(), uint64_t{kThreads * kEach});
  for (uint64_t i = 0; i < read->records.size(); ++i) {
    Record want = Numbered(i);
    if (want.op == Op::kWrite) want.data = Payload(i, 1 + i % 9000);
    ASSERT_EQ(read->records[i], want) << "record " << i;
  }
  EXPECT_EQ(trace.stats().records, uint64_t{kThreads * kEach});
}

TEST(TraceThreadTest, BurstWaitsForTheWriterInsteadOfGrowing) {
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  constexpr size_t kMax = 64 * 1024, kRecord = 4096;
  constexpr uint64_t kRecords = 1000;  // 4 MB: 60 times the bound
  std::mutex gate;
  gate.lock();  // the writer stops before its first write
  std::atomic<int> batches{0};
  TraceThread trace(NewWriter(path), kMax, [&] {
    if (batches++ == 0) std::lock_guard<std::mutex> wait(gate);
  });
  std::atomic<uint64_t> appended{0};
  std::thread burst([&] {
    for (uint64_t i = 0; i < kRecords; ++i) {
      trace.Append(Numbered(i * 5 + 1), Payload(i, kRecord));
      ++appended;
    }
  });
  // The writer is held: the burst must stop at the bound and wait.
  ASSERT_TRUE(WaitFor([&] { return trace.stats().stalls > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LT(appended.load(), kRecords);
  const uint64_t frame = kRecord + 64;
  EXPECT_LE(trace.stats().peak_buffered_bytes, kMax + frame);
  gate.unlock();
  burst.join();
  ASSERT_TRUE(trace.Close().ok());
  EXPECT_LE(trace.stats().peak_buffered_bytes, kMax + frame);

  auto read = ReadTrace(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->tail.clean) << read->tail.problem;
  ASSERT_EQ(read->records.size(), kRecords);
  for (uint64_t i = 0; i < kRecords; ++i) {
    ASSERT_EQ(read->records[i].offset, i * 5 + 1) << "record " << i;
    ASSERT_EQ(read->records[i].data, Payload(i, kRecord)) << "record " << i;
  }
}

TEST(TraceThreadTest, FlushPutsEverythingAppendedInTheFile) {
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  TraceThread trace(NewWriter(path));
  for (uint64_t i = 0; i < 10; ++i) trace.Append(Numbered(i));
  ASSERT_TRUE(trace.Flush().ok());
  // Still open, nothing more appended: the file already holds all ten.
  auto read = ReadTrace(path);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->tail.clean);
  ASSERT_EQ(read->records.size(), 10u);
  EXPECT_EQ(read->records[9], Numbered(9));
  ASSERT_TRUE(trace.Close().ok());
  EXPECT_TRUE(trace.Close().ok());  // idempotent
  trace.Append(Numbered(10));       // dropped after Close
  EXPECT_FALSE(trace.Flush().ok());
  EXPECT_EQ(ReadTrace(path)->records.size(), 10u);
}

TEST(TraceThreadTest, AQuietTraceReachesTheFileWithoutAFlush) {
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  TraceThread trace(NewWriter(path));
  trace.Append(Numbered(0));
  // Far below kWakeBytes: the idle wake-up writes it.
  EXPECT_TRUE(WaitFor([&] {
    auto read = ReadTrace(path);
    return read.ok() && read->records.size() == 1;
  }));
}

TEST(TraceThreadTest, SealedFramesAreWhatTraceWriterWrites) {
  Record r = Numbered(3);
  std::string unsealed;
  AppendUnsealedFrame(r, "bytes", &unsealed);
  AppendUnsealedFrame(Numbered(5), {}, &unsealed);
  SealFrames(unsealed.data(), unsealed.size());
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  {
    auto w = NewWriter(path);
    r.data = "bytes";
    w->Append(r);
    w->Append(Numbered(5));
    ASSERT_TRUE(w->Close().ok());
  }
  const std::string file = *ReadFileToString(path);
  EXPECT_EQ(file.substr(16), unsealed);
}

}  // namespace
}  // namespace crashlab::faultfs
