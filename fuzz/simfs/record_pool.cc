#include "fuzz/simfs/record_pool.h"

#include <mutex>
#include <utility>

#include "core/asan.h"

namespace crashlab::record_pool {
namespace {

// Three size classes, every pooled buffer exactly one of these sizes: a
// fuzzer's cycles differ in how many writes of each size they make, and a
// pool with a class per power of two kept growing for thousands of inputs
// (a new most-ever in some class), each growth an input that ended with
// more allocations than frees, which libFuzzer answers with a leak check
// (a rerun and a scan of the heap). With three, the pool stops growing
// after the first few inputs.
struct Class {
  size_t size;
  size_t max_count;
};
constexpr Class kClasses[] = {{256, 4096}, {8192, 512}, {65536, 64}};
constexpr int kNumClasses = 3;

// The class a buffer of `n` bytes is made in; kNumClasses if none.
int ClassFor(size_t n) {
  int c = 0;
  while (c < kNumClasses && kClasses[c].size < n) ++c;
  return c;
}

// One for the process, never destroyed: SimFs is written on LevelDB's
// compaction thread too, and traces die on the cycle's thread, so lists
// per thread would keep allocating on one and filling up on the other
// (and libFuzzer runs a leak check after every input that ends with more
// allocations than frees).
struct Pool {
  std::mutex mu;
  std::vector<std::string> free[kNumClasses];  // each of its class's size
  std::vector<Record> records;
};

Pool& Get() {
  static Pool* const pool = new Pool;
  return *pool;
}

}  // namespace

void Fill() {
  Pool& p = Get();
  std::lock_guard<std::mutex> lock(p.mu);
  for (int c = 0; c < kNumClasses; ++c) {
    p.free[c].reserve(kClasses[c].max_count);
    while (p.free[c].size() < kClasses[c].max_count) {
      std::string s;
      s.reserve(kClasses[c].size);
      AsanPoison(s, true);
      p.free[c].push_back(std::move(s));
    }
  }
}

std::string TakeBuffer(size_t n) {
  std::string s;
  const int c = ClassFor(n);
  if (c == kNumClasses) {
    s.reserve(n);
    return s;
  }
  {
    Pool& p = Get();
    std::lock_guard<std::mutex> lock(p.mu);
    if (!p.free[c].empty()) {
      s = std::move(p.free[c].back());
      p.free[c].pop_back();
      AsanPoison(s, false);
      s.clear();
      return s;
    }
  }
  s.reserve(kClasses[c].size);
  return s;
}

std::vector<Record> TakeRecords() {
  std::vector<Record> records;
  Pool& p = Get();
  std::lock_guard<std::mutex> lock(p.mu);
  records.swap(p.records);
  return records;
}

void Recycle(Trace* t) {
  Pool& p = Get();
  std::lock_guard<std::mutex> lock(p.mu);
  for (Record& r : t->records) {
    // Only buffers TakeBuffer made for a class (libstdc++ gives a string
    // the capacity reserved, exactly) go back to it.
    const size_t cap = r.data.capacity();
    const int c = ClassFor(cap);
    if (c == kNumClasses || kClasses[c].size != cap ||
        p.free[c].size() >= kClasses[c].max_count) {
      continue;
    }
    AsanPoison(r.data, true);
    p.free[c].push_back(std::move(r.data));
  }
  t->records.clear();
  if (t->records.capacity() > p.records.capacity()) t->records.swap(p.records);
}

size_t PooledBytes() {
  Pool& p = Get();
  std::lock_guard<std::mutex> lock(p.mu);
  size_t bytes = 0;
  for (int c = 0; c < kNumClasses; ++c) {
    for (const std::string& s : p.free[c]) bytes += s.capacity();
  }
  return bytes;
}

}  // namespace crashlab::record_pool
