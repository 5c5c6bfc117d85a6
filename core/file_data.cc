#include "core/file_data.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/asan.h"

namespace crashlab {
namespace {

// Only blocks whose bytes are on the heap (not in the string object) and
// large enough to be worth keeping are recycled; their bytes are poisoned
// while they wait (AsanPoison).
constexpr size_t kMinPooledCapacity = 1024;

// Walks [offset, offset + n) block by block: fn(block, in, done, take) for
// each piece, where block(i) gives block i, `in` is the offset in it,
// `done` the bytes walked before and `take` the piece's length.
template <typename Block, typename Fn>
void ForEachSpan(uint64_t offset, uint64_t n, Block&& block, Fn&& fn) {
  uint64_t done = 0;
  while (done < n) {
    const uint64_t pos = offset + done;
    auto& b = block(pos / FileData::kBlockSize);
    const size_t in = pos % FileData::kBlockSize;
    const size_t take = std::min<uint64_t>(n - done, b.size() - in);
    fn(b, in, done, take);
    done += take;
  }
}

}  // namespace

// The process's free blocks. Never destroyed (blocks may be dropped during
// static destruction), and one for every thread: blocks written on one
// thread (LevelDB's compactions) are often dropped on another, and lists
// per thread would keep allocating on one and filling up on the other.
// libFuzzer runs a leak check after every input that ends with more
// allocations than frees, so the list must stop growing once it holds
// what a cycle needs.
struct FileData::FreeBlocks {
  std::mutex mu;
  std::vector<Block*> blocks;
};

FileData::FreeBlocks& FileData::Free() {
  static FreeBlocks* const free = new FreeBlocks;
  return *free;
}

void FileData::FillFreeList() {
  FreeBlocks& free = Free();
  std::lock_guard<std::mutex> lock(free.mu);
  free.blocks.reserve(kPooledBlocks);
  while (free.blocks.size() < kPooledBlocks) {
    auto* b = new Block;
    b->bytes.reserve(kBlockSize);
    AsanPoison(b->bytes, true);
    free.blocks.push_back(b);
  }
}

FileData::Ref FileData::NewBlock() {
  FreeBlocks& free = Free();
  Block* b = nullptr;
  {
    std::lock_guard<std::mutex> lock(free.mu);
    if (!free.blocks.empty()) {
      b = free.blocks.back();
      free.blocks.pop_back();
    }
  }
  if (!b) return Ref(new Block);
  AsanPoison(b->bytes, false);
  b->bytes.clear();
  b->refs.store(1, std::memory_order_relaxed);
  b->hashed.store(false, std::memory_order_relaxed);
  return Ref(b);
}

Hash128 FileData::HashOf(Block& b) {
  if (!b.hashed.load(std::memory_order_acquire)) {
    const XXH128_hash_t h = XXH3_128bits(b.bytes.data(), b.bytes.size());
    b.hash_lo.store(h.low64, std::memory_order_relaxed);
    b.hash_hi.store(h.high64, std::memory_order_relaxed);
    b.hashed.store(true, std::memory_order_release);
  }
  return Hash128{b.hash_lo.load(std::memory_order_relaxed),
                 b.hash_hi.load(std::memory_order_relaxed)};
}

void FileData::Recycle(Block* b) {
  if (b->bytes.capacity() >= kMinPooledCapacity) {
    FreeBlocks& free = Free();
    std::lock_guard<std::mutex> lock(free.mu);
    if (free.blocks.size() < kPooledBlocks) {
      if (free.blocks.empty()) free.blocks.reserve(kPooledBlocks);
      AsanPoison(b->bytes, true);
      free.blocks.push_back(b);
      return;
    }
  }
  delete b;
}

FileData::FileData(std::string_view bytes) { Write(0, bytes); }

std::string& FileData::MutableBlock(size_t i) {
  if (blocks_[i].shared()) {
    Ref copy = NewBlock();
    copy->bytes.assign(blocks_[i]->bytes);
    blocks_[i] = std::move(copy);
  }
  blocks_[i]->hashed.store(false, std::memory_order_relaxed);  // about to change
  return blocks_[i]->bytes;
}

size_t FileData::Read(uint64_t offset, size_t n, char* out) const {
  if (offset >= size_) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  ForEachSpan(
      offset, n,
      [this](size_t i) -> const std::string& { return blocks_[i]->bytes; },
      [out](const std::string& b, size_t in, uint64_t done, size_t take) {
        std::memcpy(out + done, b.data() + in, take);
      });
  return n;
}

std::string FileData::Read(uint64_t offset, size_t n) const {
  std::string out;
  if (offset >= size_) return out;
  out.resize(std::min<uint64_t>(n, size_ - offset));
  Read(offset, out.size(), out.data());
  return out;
}

std::string FileData::ToString() const { return Read(0, size_); }

void FileData::Resize(uint64_t size) {
  if (size < size_) {
    blocks_.erase(blocks_.begin() + (size + kBlockSize - 1) / kBlockSize,
                  blocks_.end());
    if (!blocks_.empty()) {
      const uint64_t last = size - (blocks_.size() - 1) * kBlockSize;
      if (blocks_.back()->bytes.size() != last) {
        MutableBlock(blocks_.size() - 1).resize(last);
      }
    }
  } else if (size > size_) {
    if (!blocks_.empty() && blocks_.back()->bytes.size() < kBlockSize) {
      const uint64_t start = (blocks_.size() - 1) * kBlockSize;
      MutableBlock(blocks_.size() - 1)
          .resize(std::min(kBlockSize, size - start), '\0');
    }
    while (blocks_.size() * kBlockSize < size) {
      const uint64_t start = blocks_.size() * kBlockSize;
      Ref block = NewBlock();
      // A file past its first block is one that grows (a log, a WAL): its
      // later blocks get their whole capacity at once, so appending to them
      // does not reallocate at every doubling. Small files stay small
      // (unless their block is a recycled one).
      if (start > 0) block->bytes.reserve(kBlockSize);
      block->bytes.resize(std::min(kBlockSize, size - start), '\0');
      blocks_.push_back(std::move(block));
    }
  }
  size_ = size;
}

void FileData::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    if (blocks_.empty() || blocks_.back()->bytes.size() == kBlockSize) {
      Ref block = NewBlock();
      if (!blocks_.empty()) block->bytes.reserve(kBlockSize);  // see Resize
      blocks_.push_back(std::move(block));
    }
    std::string& last = MutableBlock(blocks_.size() - 1);
    const size_t take =
        std::min<uint64_t>(bytes.size(), kBlockSize - last.size());
    last.append(bytes.data(), take);
    bytes.remove_prefix(take);
    size_ += take;
  }
}

void FileData::Write(uint64_t offset, std::string_view bytes) {
  if (offset >= size_) {
    if (offset > size_) Resize(offset);  // the gap reads as zeros
    Append(bytes);
    return;
  }
  if (offset + bytes.size() > size_) {
    const size_t inside = static_cast<size_t>(size_ - offset);
    Append(bytes.substr(inside));
    bytes = bytes.substr(0, inside);
  }
  ForEachSpan(
      offset, bytes.size(),
      [this](size_t i) -> std::string& { return MutableBlock(i); },
      [bytes](std::string& b, size_t in, uint64_t done, size_t take) {
        std::memcpy(b.data() + in, bytes.data() + done, take);
      });
}

void FileData::Fill(uint64_t offset, uint64_t n, char c) {
  if (offset + n > size_) Resize(offset + n);
  ForEachSpan(
      offset, n, [this](size_t i) -> std::string& { return MutableBlock(i); },
      [c](std::string& b, size_t in, uint64_t, size_t take) {
        std::memset(b.data() + in, c, take);
      });
}

bool FileData::operator==(const FileData& other) const {
  if (size_ != other.size_) return false;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].get() != other.blocks_[i].get() &&
        blocks_[i]->bytes != other.blocks_[i]->bytes) {
      return false;
    }
  }
  return true;
}

bool FileData::operator==(std::string_view bytes) const {
  if (size_ != bytes.size()) return false;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (bytes.substr(i * kBlockSize, blocks_[i]->bytes.size()) !=
        blocks_[i]->bytes) {
      return false;
    }
  }
  return true;
}

}  // namespace crashlab
