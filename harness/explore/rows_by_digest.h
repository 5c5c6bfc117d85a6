// RowsByDigest: the observations recovery made recently, by the digest of
// their rows (core/rows_digest.h), so a crash image that recovers to rows
// already seen costs no dump: the engine sends the digest, the pool hands
// out the observation it already holds (Engine::RecoverUnlessKnown).
//
// Many crash images recover to the same rows: every state between two
// commits of a WAL or journal reaches the last commit, whatever unsynced
// bytes its image holds. Sharing the observation object also lets the
// state checker see that nothing changed (checkers/state_checker.h).
//
// Only clean recoveries are kept (stage ok, no message), under the digest
// and the engine's check, and only when crashlab's own digest of the rows
// it parsed equals the engine's: a driver whose digest disagrees with its
// dump gets no shortcut. Holds at most `capacity` observations, evicting
// the least recently used. Thread-safe (the pool's workers share one).
#ifndef CRASHLAB_HARNESS_EXPLORE_ROWS_BY_DIGEST_H_
#define CRASHLAB_HARNESS_EXPLORE_ROWS_BY_DIGEST_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "checkers/check.h"
#include "core/hash.h"
#include "engines/engine.h"

namespace crashlab {

class RowsByDigest {
 public:
  explicit RowsByDigest(size_t capacity) : capacity_(capacity) {}

  // Recovers `dir` on `engine`, asking for the digest first. Returns the
  // observation, shared with earlier recoveries of the same rows.
  std::shared_ptr<const Observation> Recover(Engine& engine,
                                             const std::string& dir,
                                             const Schema& schema);

  // The observation kept for these rows, or null.
  std::shared_ptr<const Observation> Find(const Hash128& digest,
                                          const std::string& check);
  // Keeps `seen` (a clean recovery) under its digest, if it matches.
  void Keep(const Hash128& digest, std::shared_ptr<const Observation> seen);

  uint64_t hits() const;     // recoveries answered from the store
  uint64_t refused() const;  // engine digests that disagreed with the rows

 private:
  using Key = std::pair<Hash128, std::string>;
  struct KeyLess {
    bool operator()(const Key& a, const Key& b) const {
      if (a.first.hi != b.first.hi) return a.first.hi < b.first.hi;
      if (a.first.lo != b.first.lo) return a.first.lo < b.first.lo;
      return a.second < b.second;
    }
  };
  struct Kept {
    std::shared_ptr<const Observation> seen;
    uint64_t last_use = 0;
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::map<Key, Kept, KeyLess> kept_;
  uint64_t clock_ = 0, hits_ = 0, refused_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_ROWS_BY_DIGEST_H_
