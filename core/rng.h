// Rng: the one source of randomness in crashlab.
//
// Every random choice (which operation a workload issues next, which crash
// state is sampled, where a write tears) comes from an Rng that was built
// from the run's seed and passed in explicitly. The algorithm (xoshiro256**
// seeded through SplitMix64) and the bounded-integer method are fixed here,
// not left to the standard library, so one seed gives the same run on every
// platform and compiler. The seed is recorded in every report.
//
// Not thread-safe: give each thread its own Rng made with Fork().
#ifndef CRASHLAB_CORE_RNG_H_
#define CRASHLAB_CORE_RNG_H_

#include <cassert>
#include <cstdint>
#include <string_view>

namespace crashlab {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& word : s_) word = SplitMix(x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). n must be positive. Rejection sampling: exact.
  uint64_t Uniform(uint64_t n) {
    assert(n > 0);
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = Next();
    } while (x >= limit);
    return x % n;
  }

  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den) { return Uniform(den) < num; }

  // An independent generator for a named purpose, so adding draws in one
  // part of a run does not shift the choices of another.
  Rng Fork(std::string_view purpose) const {
    uint64_t h = s_[0] ^ 0x9E3779B97F4A7C15ULL;
    for (unsigned char c : purpose) h = (h ^ c) * 0x100000001B3ULL;
    return Rng(h);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_RNG_H_
