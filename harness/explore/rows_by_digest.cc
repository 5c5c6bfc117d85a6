#include "harness/explore/rows_by_digest.h"

#include "core/rows_digest.h"
#include "harness/explore/recovery_pool.h"

namespace crashlab {

std::shared_ptr<const Observation> RowsByDigest::Recover(
    Engine& engine, const std::string& dir, const Schema& schema) {
  if (capacity_ == 0) {
    return std::make_shared<const Observation>(
        ToObservation(engine.Recover(dir, schema)));
  }
  std::shared_ptr<const Observation> known;
  Recovery r = engine.RecoverUnlessKnown(
      dir, schema, [&](const Hash128& digest, const std::string& check) {
        known = Find(digest, check);
        return known != nullptr;
      });
  if (r.rows_known) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++hits_;
    }
    if (r.message.empty()) return known;
    // Read, but something went wrong after (close failed): the same rows
    // with this recovery's words.
    auto seen = std::make_shared<Observation>(*known);
    seen->message = std::move(r.message);
    return seen;
  }
  const bool clean = r.has_digest && r.stage == Recovery::Stage::kOk &&
                     r.message.empty();
  const Hash128 digest = r.digest;
  auto seen = std::make_shared<const Observation>(ToObservation(std::move(r)));
  if (clean) Keep(digest, seen);
  return seen;
}

std::shared_ptr<const Observation> RowsByDigest::Find(
    const Hash128& digest, const std::string& check) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = kept_.find(Key(digest, check));
  if (it == kept_.end()) return nullptr;
  it->second.last_use = ++clock_;
  return it->second.seen;
}

void RowsByDigest::Keep(const Hash128& digest,
                        std::shared_ptr<const Observation> seen) {
  const bool agrees = DigestOfRows(seen->rows) == digest;
  std::lock_guard<std::mutex> lock(mu_);
  if (!agrees) {
    ++refused_;
    return;
  }
  Kept& k = kept_[Key(digest, seen->engine_check)];
  k.seen = std::move(seen);
  k.last_use = ++clock_;
  while (kept_.size() > capacity_) {
    auto oldest = kept_.begin();
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    kept_.erase(oldest);
  }
}

uint64_t RowsByDigest::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t RowsByDigest::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

}  // namespace crashlab
