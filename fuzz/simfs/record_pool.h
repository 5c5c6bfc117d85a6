// Record buffers recycled across SimFs traces.
//
// A crash fuzzer records the same few hundred writes thousands of times a
// second: each write record owned a fresh copy of its bytes, and each
// trace grew a fresh vector of records, every one an allocation (stack
// capture, quarantine) under AddressSanitizer. SimFs takes write buffers
// and record vectors from here and gives them back when a trace is
// dropped. A buffer waiting here has its bytes poisoned under ASan
// (core/asan.h), so a use after its trace went still fails.
//
// Bounded: buffers are made in three sizes (256 B, 8 KiB, 64 KiB; larger
// writes are not pooled), and at most kMaxBytes of them wait. Thread-safe
// (one pool for the process, under a mutex): SimFs is written on LevelDB's
// compaction thread too.
#ifndef CRASHLAB_FUZZ_SIMFS_RECORD_POOL_H_
#define CRASHLAB_FUZZ_SIMFS_RECORD_POOL_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/trace.h"

namespace crashlab::record_pool {

constexpr size_t kMaxBytes =
    (size_t{4096} * 256) + (size_t{512} * 8192) + (size_t{64} * 65536);

// Fills every size class to its bound. For libFuzzer targets, once at
// start (SimFs does it when the first one is made): libFuzzer runs a leak
// check (a rerun and a scan of the whole heap) after any input that ends
// with more allocations than frees, as one that grows the pool does.
void Fill();
// An empty string with room for at least `n` bytes.
std::string TakeBuffer(size_t n);
// An empty records vector, with the room of the largest one given back.
std::vector<Record> TakeRecords();
// Keeps the data buffers of `t`'s records and its records vector; `t` is
// left with no records.
void Recycle(Trace* t);
// Bytes of buffers waiting (for tests).
size_t PooledBytes();

}  // namespace crashlab::record_pool

#endif  // CRASHLAB_FUZZ_SIMFS_RECORD_POOL_H_
