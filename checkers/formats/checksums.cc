#include "checkers/formats/checksums.h"

#include <lzma.h>

#include <array>

namespace crashlab::formats {

namespace {

// Reflected CRC-32C table (polynomial 0x82F63B78), built at compile time.
constexpr std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0u);
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = MakeCrc32cTable();

uint64_t Load(std::string_view d, size_t at, int n, bool big) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t b = static_cast<unsigned char>(d[at + i]);
    v |= big ? b << (8 * (n - 1 - i)) : b << (8 * i);
  }
  return v;
}

}  // namespace

uint64_t Crc64Xz(std::string_view data, uint64_t crc) {
  return lzma_crc64(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                    crc);
}

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  uint32_t c = ~crc;
  for (unsigned char b : data) c = kCrc32cTable[(c ^ b) & 0xff] ^ (c >> 8);
  return ~c;
}

uint32_t MaskCrc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

WalSum SqliteWalChecksum(std::string_view data, bool big_endian, WalSum s) {
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    s.s0 += static_cast<uint32_t>(Load(data, i, 4, big_endian)) + s.s1;
    s.s1 += static_cast<uint32_t>(Load(data, i + 4, 4, big_endian)) + s.s0;
  }
  return s;
}

uint16_t LoadLe16(std::string_view d, size_t at) { return Load(d, at, 2, false); }
uint32_t LoadLe32(std::string_view d, size_t at) { return Load(d, at, 4, false); }
uint64_t LoadLe64(std::string_view d, size_t at) { return Load(d, at, 8, false); }
uint16_t LoadBe16(std::string_view d, size_t at) { return Load(d, at, 2, true); }
uint32_t LoadBe32(std::string_view d, size_t at) { return Load(d, at, 4, true); }

bool ZerosFrom(std::string_view d, size_t from, size_t to) {
  for (size_t i = from; i < to && i < d.size(); ++i) {
    if (d[i] != 0) return false;
  }
  return true;
}

}  // namespace crashlab::formats
