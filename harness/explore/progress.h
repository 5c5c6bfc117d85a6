// Progress: what a long exploration is doing, on stderr.
//
// On a terminal: one self-rewriting line with a bar, states done/total,
// states per second, findings so far and the time left. Elsewhere (CI logs):
// a plain line every 10 seconds. Silent when disabled. Not thread-safe.
#ifndef CRASHLAB_HARNESS_EXPLORE_PROGRESS_H_
#define CRASHLAB_HARNESS_EXPLORE_PROGRESS_H_

#include <cstdint>
#include <string>

namespace crashlab {

class Progress {
 public:
  Progress(uint64_t total, bool enabled);
  void Update(uint64_t done, uint64_t findings);
  void Finish(uint64_t done, uint64_t findings);

  // The line Update would show (for tests).
  static std::string Line(uint64_t done, uint64_t total, double per_s,
                          uint64_t findings, bool bar);

 private:
  uint64_t total_;
  bool enabled_;
  bool tty_;
  int64_t start_ms_;
  int64_t last_ms_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_EXPLORE_PROGRESS_H_
