// Checksums of the on-disk formats crashlab inspects.
//
// CRC-64/XZ (Skytable's journals) comes from liblzma, which implements
// exactly that variant for the .xz format. CRC-32C (Castagnoli; LevelDB's
// log records) has no Debian library installed here, so it is a small
// table-driven implementation. The SQLite WAL checksum is SQLite's own
// Fletcher-like sum over 32-bit words. All functions are pure and
// thread-safe.
#ifndef CRASHLAB_CHECKERS_FORMATS_CHECKSUMS_H_
#define CRASHLAB_CHECKERS_FORMATS_CHECKSUMS_H_

#include <cstdint>
#include <string_view>

namespace crashlab::formats {

// CRC-64/XZ of `data` continuing from `crc` (0 to start):
// Crc64Xz("123456789") == 0x995DC9BBDF1939FA.
uint64_t Crc64Xz(std::string_view data, uint64_t crc = 0);

// CRC-32C of `data` continuing from `crc` (0 to start):
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// LevelDB stores CRC-32C "masked" so that a CRC of data holding CRCs is
// not itself a weak checksum.
uint32_t MaskCrc32c(uint32_t crc);

// SQLite's WAL checksum: (s0, s1) continued over `data` (a multiple of 8
// bytes), words read big-endian when `big_endian` else little-endian.
struct WalSum {
  uint32_t s0 = 0, s1 = 0;
  bool operator==(const WalSum&) const = default;
};
WalSum SqliteWalChecksum(std::string_view data, bool big_endian, WalSum seed);

// Integers at an offset (the caller checks bounds).
uint16_t LoadLe16(std::string_view d, size_t at);
uint32_t LoadLe32(std::string_view d, size_t at);
uint64_t LoadLe64(std::string_view d, size_t at);
uint16_t LoadBe16(std::string_view d, size_t at);
uint32_t LoadBe32(std::string_view d, size_t at);

// True when bytes [from, to) of `d` (clipped to its size) are all zero: what
// a torn write of a new file leaves after the part that persisted.
bool ZerosFrom(std::string_view d, size_t from, size_t to);

}  // namespace crashlab::formats

#endif  // CRASHLAB_CHECKERS_FORMATS_CHECKSUMS_H_
