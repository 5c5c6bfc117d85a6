#include "core/hash.h"

#include <cstdio>

namespace crashlab {

std::string Hash128::ToHex() const {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

bool Hash128::FromHex(std::string_view hex, Hash128* out) {
  if (hex.size() != 32) return false;
  uint64_t words[2] = {0, 0};  // hi, lo
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else {
      return false;
    }
    words[i / 16] = (words[i / 16] << 4) | static_cast<uint64_t>(v);
  }
  *out = Hash128{words[1], words[0]};
  return true;
}

Hasher::Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
Hasher::~Hasher() { XXH3_freeState(state_); }

void Hasher::Update(std::string_view bytes) {
  XXH3_128bits_update(state_, bytes.data(), bytes.size());
}

void Hasher::UpdateU64(uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  XXH3_128bits_update(state_, b, sizeof(b));
}

Hash128 Hasher::Digest() const {
  XXH128_hash_t h = XXH3_128bits_digest(state_);
  return Hash128{h.low64, h.high64};
}

}  // namespace crashlab
