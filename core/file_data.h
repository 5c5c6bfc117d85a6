// FileData: the contents of one file in an FsImage, in fixed-size blocks
// shared copy-on-write between copies.
//
// Why blocks. Crash images are built by copying a base image and replaying
// writes into it; a write into a file held as one string copied the whole
// file, and a growing file (SQLite's WAL, LevelDB's log) reallocated it
// again at every doubling. Under AddressSanitizer every block above 128 KiB
// is a fresh mmap, unmapped again when it leaves the quarantine: page faults
// were 13% of the SQLite crash fuzzer's time. Here a write copies only the
// blocks it touches (when shared), growth appends blocks, and no block is
// larger than kBlockSize (32 KiB), below that threshold.
//
// Layout invariant: blocks_.size() == ceil(size_ / kBlockSize); every block
// but the last holds exactly kBlockSize bytes, the last holds the rest (so a
// small file costs what its bytes cost, not a whole block).
//
// Blocks are reference-counted and recycled: a block no copy holds any
// more goes to the process's free list (at most kPooledBlocks, its bytes
// poisoned under AddressSanitizer while there) and is handed out again,
// emptied, for the next new block. A crash fuzzer builds and drops
// the same few images thousands of times a second, and under ASan each
// fresh block was an allocation (stack capture, quarantine) and often a
// page fault.
//
// Each block keeps its XXH3-128 once computed, until it is changed: the
// crash states of one run share most blocks, so hashing an image
// (FsImage::ContentHash, once per crash state explored) hashes only the
// blocks that differ from images hashed before.
//
// Not thread-safe; copies are independent (copying shares blocks) and may
// live on different threads (the reference counts are atomic).
#ifndef CRASHLAB_CORE_FILE_DATA_H_
#define CRASHLAB_CORE_FILE_DATA_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace crashlab {

class FileData {
 public:
  static constexpr uint64_t kBlockSize = uint64_t{32} << 10;
  // Free blocks kept for reuse (at most 16 MiB of them).
  static constexpr size_t kPooledBlocks = 512;

  // Fills the free list up to kPooledBlocks blocks of kBlockSize bytes of
  // room. For libFuzzer targets, once at start: libFuzzer runs a leak check
  // (a rerun and a scan of the whole heap) after any input that ends with
  // more allocations than frees, as one that grows the free list does.
  static void FillFreeList();

  FileData() = default;
  explicit FileData(std::string_view bytes);

  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Copies up to `n` bytes at `offset` into `out`; returns how many (short
  // at the end of the file, 0 at or past it).
  size_t Read(uint64_t offset, size_t n, char* out) const;
  // The same as a string.
  std::string Read(uint64_t offset, size_t n) const;
  // The whole file as one string.
  std::string ToString() const;
  // Calls fn(std::string_view) for each block in order; their concatenation
  // is the file.
  template <typename Fn>
  void ForEachBlock(Fn&& fn) const {
    for (const auto& b : blocks_) fn(std::string_view(b->bytes));
  }
  // Calls fn(Hash128) with the XXH3-128 of each block's bytes, in order
  // (kept in the block; see above).
  template <typename Fn>
  void ForEachBlockHash(Fn&& fn) const {
    for (const auto& b : blocks_) fn(HashOf(*b.get()));
  }

  // Writes `bytes` at `offset`, zero-filling any gap past the end (bytes
  // past the end are appended, never zero-filled first).
  void Write(uint64_t offset, std::string_view bytes);
  // Sets `n` bytes at `offset` to `c`, growing the file if needed.
  void Fill(uint64_t offset, uint64_t n, char c);
  // Truncates or zero-extends to `size` bytes.
  void Resize(uint64_t size);

  bool operator==(const FileData& other) const;
  bool operator==(std::string_view bytes) const;

 private:
  struct Block {
    std::atomic<uint32_t> refs{1};
    std::string bytes;
    // The hash of `bytes` when `hashed`. Written only while `bytes` cannot
    // change (copies that share a block never change it; MutableBlock
    // clears `hashed` before its one holder does), and by any copy's thread
    // the same value, hence atomics.
    std::atomic<bool> hashed{false};
    std::atomic<uint64_t> hash_lo{0}, hash_hi{0};
  };
  static Hash128 HashOf(Block& b);
  // A counted reference to a Block; the last one recycles it.
  class Ref {
   public:
    explicit Ref(Block* b) : b_(b) {}
    Ref(const Ref& o) : b_(o.b_) {
      b_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Ref(Ref&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
    Ref& operator=(Ref o) noexcept {
      std::swap(b_, o.b_);
      return *this;
    }
    ~Ref() {
      if (b_ && b_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        Recycle(b_);
      }
    }
    Block* operator->() const { return b_; }
    Block* get() const { return b_; }
    bool shared() const {
      return b_->refs.load(std::memory_order_acquire) != 1;
    }

   private:
    Block* b_;
  };
  struct FreeBlocks;
  static FreeBlocks& Free();
  // An empty block, from the free list when it has one.
  static Ref NewBlock();
  static void Recycle(Block* b);

  // Block `i`, unshared first if another copy holds it.
  std::string& MutableBlock(size_t i);
  // Appends `bytes` at the end of the file.
  void Append(std::string_view bytes);

  std::vector<Ref> blocks_;
  uint64_t size_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_FILE_DATA_H_
