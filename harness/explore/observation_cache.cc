#include "harness/explore/observation_cache.h"

#include <algorithm>

namespace crashlab {

bool ObservationCache::Acquire(const Hash128& image) {
  auto [it, inserted] = entries_.try_emplace(image);
  ++it->second.pins;
  it->second.last_use = ++clock_;
  return inserted;
}

void ObservationCache::SetHeaders(const Hash128& image,
                                  std::vector<formats::FileHeader> headers) {
  entries_.at(image).headers = std::move(headers);
}

void ObservationCache::Fill(const Hash128& image,
                            std::shared_ptr<const Observation> seen) {
  auto it = entries_.find(image);
  if (it != entries_.end()) it->second.seen = std::move(seen);
}

bool ObservationCache::Ready(const Hash128& image) const {
  auto it = entries_.find(image);
  return it != entries_.end() && it->second.seen != nullptr;
}

ObservationCache::Entry& ObservationCache::Use(const Hash128& image) {
  Entry& e = entries_.at(image);
  e.last_use = ++clock_;
  return e;
}

void ObservationCache::Release(const Hash128& image) {
  Entry& e = entries_.at(image);
  if (e.pins > 0) --e.pins;
  if (entries_.size() <= capacity_) return;
  // Evict the least recently used unpinned entries (a pinned one is still
  // in flight or awaited by a state).
  std::vector<std::pair<uint64_t, Hash128>> idle;
  for (const auto& [hash, entry] : entries_) {
    if (entry.pins == 0 && entry.seen) idle.emplace_back(entry.last_use, hash);
  }
  std::sort(idle.begin(), idle.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [use, hash] : idle) {
    if (entries_.size() <= capacity_) break;
    entries_.erase(hash);
  }
}

}  // namespace crashlab
