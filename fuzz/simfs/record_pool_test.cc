#include "fuzz/simfs/record_pool.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "fuzz/simfs/simfs.h"

namespace crashlab {
namespace {

TEST(RecordPoolTest, BuffersComeBackEmptyAndLargeEnough) {
  Trace t;
  Record r;
  r.op = Op::kWrite;
  r.data = record_pool::TakeBuffer(4096);  // the 8 KiB class
  ASSERT_EQ(r.data.capacity(), 8192u);
  r.data.assign(4096, 'x');
  t.records.push_back(std::move(r));
  const size_t before = record_pool::PooledBytes();
  record_pool::Recycle(&t);
  EXPECT_TRUE(t.records.empty());
  EXPECT_EQ(record_pool::PooledBytes(), before + 8192);
  const std::string again = record_pool::TakeBuffer(4000);
  EXPECT_TRUE(again.empty()) << "no old bytes";
  EXPECT_EQ(again.capacity(), 8192u);
  EXPECT_EQ(record_pool::PooledBytes(), before) << "taken back out";
  EXPECT_GE(record_pool::TakeRecords().capacity(), 1u) << "the vector too";
}

TEST(RecordPoolTest, BoundedAndOnlyItsOwnBuffers) {
  Trace foreign;
  Record r;
  r.data.assign(3000, 'f');  // not made by TakeBuffer: an odd capacity
  foreign.records.push_back(std::move(r));
  const size_t before = record_pool::PooledBytes();
  record_pool::Recycle(&foreign);
  EXPECT_EQ(record_pool::PooledBytes(), before);
  for (int round = 0; round < 3; ++round) {
    Trace t;
    for (size_t i = 0; i < 1100; ++i) {
      Record w;
      w.data = record_pool::TakeBuffer(3000);
      w.data.assign(3000, 'y');
      t.records.push_back(std::move(w));
    }
    record_pool::Recycle(&t);
  }
  EXPECT_LE(record_pool::PooledBytes(), record_pool::kMaxBytes);
  record_pool::Fill();
  EXPECT_EQ(record_pool::PooledBytes(), record_pool::kMaxBytes)
      << "every class full";
}

// The same seeded writes give the same trace whether a SimFs gets fresh
// buffers (the first) or recycled ones (the later ones): no old bytes leak
// into a record.
TEST(RecordPoolTest, RecycledBuffersLeaveTracesUnchanged) {
  std::vector<std::vector<Record>> traces;
  for (int run = 0; run < 3; ++run) {
    SimFs fs;
    Rng rng(1207);
    int fd;
    ASSERT_EQ(fs.Open("/f", O_RDWR | O_CREAT, &fd), 0);
    for (int i = 0; i < 200; ++i) {
      const size_t n = 1 + rng.Next() % 9000;
      const std::string bytes(n, static_cast<char>('a' + i % 26));
      ASSERT_EQ(fs.Pwrite(fd, rng.Next() % 20000, bytes), 0);
    }
    traces.push_back(fs.trace().records);
  }
  EXPECT_EQ(traces[0], traces[1]);
  EXPECT_EQ(traces[0], traces[2]);
}

}  // namespace
}  // namespace crashlab
