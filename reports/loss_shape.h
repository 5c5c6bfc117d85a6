// LossShape: what a configuration's crashes lost, in acknowledgement order.
//
// Users choosing an engine want to know whether its losses are at least
// ordered, promised or not. Every recovered crash state is measured
// (checkers/check.h, LossStats) and falls into one shape:
//   none                  no acknowledged operation lost;
//   suffix within window  only the most recent ones, within the window the
//                         engine promises (seconds or operations);
//   suffix                only the most recent ones (no window promised,
//                         or beyond it);
//   holes                 an acknowledged operation lost while a later one
//                         survived.
// A configuration's shape is the worst one any of its states showed, with
// the counts behind it. Value type; thread-compatible.
#ifndef CRASHLAB_REPORTS_LOSS_SHAPE_H_
#define CRASHLAB_REPORTS_LOSS_SHAPE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "checkers/check.h"
#include "core/status.h"

namespace crashlab {

struct LossShape {
  // The promised window the shapes are judged by (0: none).
  double window_s = 0;
  uint64_t window_ops = 0;
  uint64_t states = 0;  // recovered states measured
  // States by shape.
  uint64_t none = 0, within_window = 0, suffix = 0, holes = 0;
  uint64_t lost = 0;          // acknowledged operations lost, over all states
  uint64_t holes_ops = 0;     // of them, lost while a later one survived
  uint64_t max_span_ops = 0;  // widest loss, in acknowledged operations
  double max_lost_s = -1;     // oldest loss, in seconds (-1: none, no clock)

  void Add(const LossStats& s);
  void Merge(const LossShape& other);
  bool measured() const { return states > 0; }
  // "none", "suffix within window", "suffix" or "holes" (the worst seen);
  // "not measured" when no state was.
  std::string Shape() const;
  // One line with the counts: "suffix: 300 of 2470 states lost a suffix of
  // at most 12 acknowledged ops (0.80 s); no holes".
  std::string Describe() const;
  nlohmann::json ToJson() const;
  static Result<LossShape> FromJson(const nlohmann::json& j);
};

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_LOSS_SHAPE_H_
