#include "harness/explore/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "core/subprocess.h"

namespace crashlab {

Progress::Progress(uint64_t total, bool enabled)
    : total_(total), enabled_(enabled), tty_(::isatty(2) == 1),
      start_ms_(MonotonicMs()) {}

std::string Progress::Line(uint64_t done, uint64_t total, double per_s,
                           uint64_t findings, bool bar) {
  std::string eta = "?";
  if (per_s > 0 && total >= done) {
    const uint64_t left_s = static_cast<uint64_t>((total - done) / per_s);
    eta = fmt::format("{}:{:02d}", left_s / 60, left_s % 60);
  }
  std::string out;
  if (bar) {
    constexpr int kWidth = 24;
    const int filled = total ? static_cast<int>(kWidth * done / total) : 0;
    out = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') +
          "] ";
  }
  return out + fmt::format("{}/{} crash states, {:.0f}/s, {} findings, ETA {}",
                           done, total, per_s, findings, eta);
}

void Progress::Update(uint64_t done, uint64_t findings) {
  if (!enabled_) return;
  const int64_t now = MonotonicMs();
  if (now - last_ms_ < (tty_ ? 200 : 10000)) return;
  last_ms_ = now;
  const double per_s = done * 1000.0 / std::max<int64_t>(1, now - start_ms_);
  const std::string line = Line(done, total_, per_s, findings, tty_);
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "crashlab: %s\n", line.c_str());
  }
}

void Progress::Finish(uint64_t done, uint64_t findings) {
  if (!enabled_ || !tty_ || last_ms_ == 0) return;
  last_ms_ = 0;
  Update(done, findings);
  std::fprintf(stderr, "\n");
}

}  // namespace crashlab
