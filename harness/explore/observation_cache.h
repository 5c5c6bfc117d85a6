// ObservationCache: what recovery observed on the crash images the
// explorer still needs, and on a few it used last.
//
// Keeping every observation of a run costs O(images x rows): quadratic in
// the run's length (3 GB at 1,500 auth ops). The explorer instead visits
// states by crash position, so the states sharing an image come close
// together, and keeps only the observations that states waiting to be
// checked need (pinned) plus the `capacity` most recently used. A state
// whose image was evicted has it recovered again: the same answer, since
// recovery is deterministic per image, for the price of one recovery.
//
// Not thread-safe (the explorer's producer thread only).
#ifndef CRASHLAB_HARNESS_EXPLORE_OBSERVATION_CACHE_H_
#define CRASHLAB_HARNESS_EXPLORE_OBSERVATION_CACHE_H_

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "checkers/check.h"
#include "checkers/formats/torn_header.h"
#include "core/hash.h"

namespace crashlab {

class ObservationCache {
 public:
  struct Entry {
    std::shared_ptr<const Observation> seen;   // null until recovered
    std::vector<formats::FileHeader> headers;  // scanned from the image
    uint64_t pins = 0;                         // states waiting for it
    uint64_t last_use = 0;
  };

  explicit ObservationCache(size_t capacity) : capacity_(capacity) {}

  // Pins `image` for one more state. True when it is not at hand and the
  // caller must submit it for recovery (and SetHeaders).
  bool Acquire(const Hash128& image);
  void SetHeaders(const Hash128& image,
                  std::vector<formats::FileHeader> headers);
  // Stores what recovery observed on `image`.
  void Fill(const Hash128& image, std::shared_ptr<const Observation> seen);
  // True when `image` is pinned and recovered.
  bool Ready(const Hash128& image) const;
  // The entry of a pinned image.
  Entry& Use(const Hash128& image);
  // Unpins `image` for one state; evicts the least recently used unpinned
  // entries beyond `capacity`.
  void Release(const Hash128& image);

  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  uint64_t clock_ = 0;
  std::unordered_map<Hash128, Entry, Hash128Hasher> entries_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_OBSERVATION_CACHE_H_
