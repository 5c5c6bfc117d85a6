// Choices: where the random decisions of a crash come from.
//
// The explorer samples crash states from a seeded Rng; a fuzzer takes them
// from its input bytes, so the fuzzer's mutations steer which operations a
// crash keeps, drops or tears. Both go through this interface, so the
// persistence models are written once.
#ifndef CRASHLAB_CORE_CHOICES_H_
#define CRASHLAB_CORE_CHOICES_H_

#include <cstdint>
#include <string_view>

#include "core/rng.h"

namespace crashlab {

class Choices {
 public:
  virtual ~Choices() = default;
  // A value in [0, n); n must be positive.
  virtual uint64_t Pick(uint64_t n) = 0;
};

class RngChoices : public Choices {
 public:
  explicit RngChoices(uint64_t seed) : rng_(seed) {}
  explicit RngChoices(Rng rng) : rng_(rng) {}
  uint64_t Pick(uint64_t n) override { return rng_.Uniform(n); }

 private:
  Rng rng_;
};

// Consumes input bytes; once they run out every choice is 0 (the least
// disruptive one: the fuzzer reaches other states by growing its input).
class ByteChoices : public Choices {
 public:
  explicit ByteChoices(std::string_view bytes) : bytes_(bytes) {}
  uint64_t Pick(uint64_t n) override {
    if (n <= 1) return 0;
    uint64_t v = 0;
    uint64_t range = 1;
    for (; range < n && pos_ < bytes_.size(); range <<= 8) {
      v = (v << 8) | static_cast<unsigned char>(bytes_[pos_++]);
    }
    if (range < n) ran_out_ = true;
    return v % n;
  }
  size_t consumed() const { return pos_; }
  // The whole input.
  std::string_view bytes() const { return bytes_; }
  // Consumes the next `n` bytes unread (n <= bytes left), where a caller
  // knows what picks on them would return (fuzz/auth_cycle.h's RunCache).
  void Skip(size_t n) { pos_ += n; }
  // Whether a pick wanted a byte past the end (the rest of its value, and
  // every later pick, was 0).
  bool ran_out() const { return ran_out_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ran_out_ = false;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_CHOICES_H_
