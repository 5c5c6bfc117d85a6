#include "core/file_data.h"

#include <algorithm>
#include <cstring>

namespace crashlab {
namespace {

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

FileData::FileData(std::string_view bytes) { Write(0, bytes); }

std::string& FileData::MutableBlock(size_t i) {
  if (blocks_[i].use_count() != 1) {
    blocks_[i] = std::make_shared<std::string>(*blocks_[i]);
  }
  return *blocks_[i];
}

size_t FileData::Read(uint64_t offset, size_t n, char* out) const {
  if (offset >= size_) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  ForEachSpan(
      offset, n, [this](size_t i) -> const std::string& { return *blocks_[i]; },
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
    blocks_.resize((size + kBlockSize - 1) / kBlockSize);
    if (!blocks_.empty()) {
      const uint64_t last = size - (blocks_.size() - 1) * kBlockSize;
      if (blocks_.back()->size() != last) {
        MutableBlock(blocks_.size() - 1).resize(last);
      }
    }
  } else if (size > size_) {
    if (!blocks_.empty() && blocks_.back()->size() < kBlockSize) {
      const uint64_t start = (blocks_.size() - 1) * kBlockSize;
      MutableBlock(blocks_.size() - 1)
          .resize(std::min(kBlockSize, size - start), '\0');
    }
    while (blocks_.size() * kBlockSize < size) {
      const uint64_t start = blocks_.size() * kBlockSize;
      auto block = std::make_shared<std::string>();
      // A file past its first block is one that grows (a log, a WAL): its
      // later blocks get their whole capacity at once, so appending to them
      // does not reallocate at every doubling. Small files stay small.
      if (start > 0) block->reserve(kBlockSize);
      block->resize(std::min(kBlockSize, size - start), '\0');
      blocks_.push_back(std::move(block));
    }
  }
  size_ = size;
}

void FileData::Write(uint64_t offset, std::string_view bytes) {
  if (offset + bytes.size() > size_) Resize(offset + bytes.size());
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
    if (blocks_[i] != other.blocks_[i] && *blocks_[i] != *other.blocks_[i]) {
      return false;
    }
  }
  return true;
}

bool FileData::operator==(std::string_view bytes) const {
  if (size_ != bytes.size()) return false;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (bytes.substr(i * kBlockSize, blocks_[i]->size()) != *blocks_[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace crashlab
