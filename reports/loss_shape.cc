#include "reports/loss_shape.h"

#include <fmt/format.h>

#include <algorithm>

namespace crashlab {

using nlohmann::json;

void LossShape::Add(const LossStats& s) {
  ++states;
  lost += s.lost;
  holes_ops += s.holes;
  max_span_ops = std::max(max_span_ops, s.span_ops);
  max_lost_s = std::max(max_lost_s, s.oldest_lost_s);
  if (s.lost == 0) {
    ++none;
  } else if (s.holes > 0) {
    ++holes;
  } else {
    const bool in_ops = window_ops == 0 || s.span_ops <= window_ops;
    const bool in_time =
        window_s <= 0 || (s.oldest_lost_s >= 0 && s.oldest_lost_s <= window_s);
    const bool windowed = window_ops > 0 || window_s > 0;
    ++(windowed && in_ops && in_time ? within_window : suffix);
  }
}

void LossShape::Merge(const LossShape& o) {
  states += o.states;
  none += o.none;
  within_window += o.within_window;
  suffix += o.suffix;
  holes += o.holes;
  lost += o.lost;
  holes_ops += o.holes_ops;
  max_span_ops = std::max(max_span_ops, o.max_span_ops);
  max_lost_s = std::max(max_lost_s, o.max_lost_s);
}

std::string LossShape::Shape() const {
  if (states == 0) return "not measured";
  if (holes > 0) return "holes";
  if (suffix > 0) return "suffix";
  if (within_window > 0) return "suffix within window";
  return "none";
}

std::string LossShape::Describe() const {
  const std::string shape = Shape();
  if (states == 0) return shape;
  if (shape == "none") {
    return fmt::format("none: no acknowledged operation lost in {} states",
                       states);
  }
  const uint64_t losing = within_window + suffix + holes;
  std::string age =
      max_lost_s >= 0 ? fmt::format(", {:.2f} s", max_lost_s) : "";
  std::string out = fmt::format(
      "{}: {} of {} states lost acknowledged operations ({} in all; widest "
      "{} acknowledged ops{})",
      shape, losing, states, lost, max_span_ops, age);
  if (holes > 0) {
    out += fmt::format(
        "; {} states with holes ({} operations lost while a "
        "later one survived)",
        holes, holes_ops);
  } else {
    out += "; no holes";
  }
  return out;
}

json LossShape::ToJson() const {
  return {{"shape", Shape()},
          {"window_s", window_s},
          {"window_ops", window_ops},
          {"states", states},
          {"states_by_shape",
           {{"none", none},
            {"suffix_within_window", within_window},
            {"suffix", suffix},
            {"holes", holes}}},
          {"lost", lost},
          {"holes_ops", holes_ops},
          {"max_span_ops", max_span_ops},
          {"max_lost_s", max_lost_s}};
}

Result<LossShape> LossShape::FromJson(const json& j) {
  LossShape s;
  try {
    s.window_s = j.at("window_s");
    s.window_ops = j.at("window_ops");
    s.states = j.at("states");
    const json& by = j.at("states_by_shape");
    s.none = by.at("none");
    s.within_window = by.at("suffix_within_window");
    s.suffix = by.at("suffix");
    s.holes = by.at("holes");
    s.lost = j.at("lost");
    s.holes_ops = j.at("holes_ops");
    s.max_span_ops = j.at("max_span_ops");
    s.max_lost_s = j.at("max_lost_s");
  } catch (const json::exception& ex) {
    return Status::BadInput(std::string("malformed loss_shape: ") + ex.what());
  }
  if (s.none + s.within_window + s.suffix + s.holes != s.states) {
    return Status::BadInput(
        "loss_shape: states by shape do not add up to "
        "the states measured");
  }
  return s;
}

}  // namespace crashlab
