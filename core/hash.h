// Content hashes (XXH3, 128 bit) for deduplicating crash images.
#ifndef CRASHLAB_CORE_HASH_H_
#define CRASHLAB_CORE_HASH_H_

#include <xxhash.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace crashlab {

struct Hash128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const Hash128&) const = default;
  std::string ToHex() const;
  // Parses what ToHex prints (32 hex digits); false for anything else.
  static bool FromHex(std::string_view hex, Hash128* out);
};

struct Hash128Hasher {
  size_t operator()(const Hash128& h) const { return h.lo ^ (h.hi * 31); }
};

// Streaming XXH3-128.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(std::string_view bytes);
  void UpdateU64(uint64_t v);
  Hash128 Digest() const;

 private:
  XXH3_state_t* state_;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_HASH_H_
