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
// Not thread-safe; copies are independent (copying shares blocks).
#ifndef CRASHLAB_CORE_FILE_DATA_H_
#define CRASHLAB_CORE_FILE_DATA_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crashlab {

class FileData {
 public:
  static constexpr uint64_t kBlockSize = uint64_t{32} << 10;

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
    for (const auto& b : blocks_) fn(std::string_view(*b));
  }

  // Writes `bytes` at `offset`, zero-filling any gap past the end.
  void Write(uint64_t offset, std::string_view bytes);
  // Sets `n` bytes at `offset` to `c`, growing the file if needed.
  void Fill(uint64_t offset, uint64_t n, char c);
  // Truncates or zero-extends to `size` bytes.
  void Resize(uint64_t size);

  bool operator==(const FileData& other) const;
  bool operator==(std::string_view bytes) const;

 private:
  // Block `i`, unshared first if another copy holds it.
  std::string& MutableBlock(size_t i);

  std::vector<std::shared_ptr<std::string>> blocks_;
  uint64_t size_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_FILE_DATA_H_
