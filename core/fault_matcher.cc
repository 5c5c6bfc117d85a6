// Matcher: when one rule fires. Also where torn writes are cut.
#include <fnmatch.h>

#include <algorithm>
#include <cmath>

#include "core/fault_plan.h"
#include "core/fault_plan_internal.h"

namespace crashlab {
namespace {

bool SuffixMatches(std::string_view file, std::string_view path) {
  if (file == path) return true;
  return file.size() > path.size() &&
         file.substr(file.size() - path.size()) == path &&
         file[file.size() - path.size() - 1] == '/';
}

std::vector<std::regex> Compile(const PathPattern& p) {
  std::string error;
  switch (p.kind) {
    case PathPattern::Kind::kRegex:
      return {std::regex(p.text, std::regex::ECMAScript)};
    case PathPattern::Kind::kSuffixRegex:
      return fault_plan_internal::SuffixRegexes(p.text, &error);
    default:
      return {};
  }
}

// Probability p as a threshold on 53 random bits: exact for p = 0 and 1.
constexpr uint64_t kProbabilityBits = uint64_t{1} << 53;

}  // namespace

Matcher::Matcher(FaultRule rule, uint64_t plan_seed)
    : rule_(std::move(rule)),
      rng_(Rng(plan_seed).Fork(rule_.id)),
      path_res_(Compile(rule_.path)),
      to_res_(Compile(rule_.to)) {}

bool Matcher::PathMatches(const PathPattern& p,
                          const std::vector<std::regex>& res,
                          std::string_view path) const {
  switch (p.kind) {
    case PathPattern::Kind::kAny:
      return true;
    case PathPattern::Kind::kGlob:
      return ::fnmatch(p.text.c_str(), std::string(path).c_str(), 0) == 0;
    case PathPattern::Kind::kSuffix:
      return SuffixMatches(p.text, path);
    case PathPattern::Kind::kRegex:
      return !res.empty() &&
             std::regex_search(path.begin(), path.end(), res[0]);
    case PathPattern::Kind::kSuffixRegex: {
      // Aligned by depth: P's k components against R's last k.
      const size_t k = 1 + std::count(path.begin(), path.end(), '/');
      const std::regex& re = res[std::min(k, res.size()) - 1];
      return std::regex_match(path.begin(), path.end(), re);
    }
  }
  return false;
}

bool Matcher::Watches(const OpEvent& e) const {
  return (rule_.ops & Bit(e.op)) && e.ms >= rule_.after_ms &&
         PathMatches(rule_.path, path_res_, e.path) &&
         PathMatches(rule_.to, to_res_, e.to_path);
}

bool Matcher::Match(const OpEvent& e) {
  if (!Watches(e)) return false;
  ++matches_;
  const FaultAction& a = rule_.action;
  if (a.kind == ActionKind::kErrno && a.persistent && fired_ > 0) return true;
  if (rule_.times != 0 && fired_ >= rule_.times) return false;
  if (a.kind == ActionKind::kTornSeq) {
    if (e.group != a.group || a.persist.empty() ||
        e.group_pos != a.persist.back()) {
      return false;
    }
  } else {
    if (rule_.nth != 0 && matches_ != rule_.nth) return false;
    if (rule_.every != 0 && matches_ % rule_.every != 0) return false;
  }
  if (rule_.probability < 1.0) {
    const auto threshold =
        static_cast<uint64_t>(std::ldexp(rule_.probability, 53));
    return rng_.Uniform(kProbabilityBits) < threshold;
  }
  return true;
}

uint64_t TornKeepLength(uint64_t offset, uint64_t len, Granularity g,
                        std::optional<double> keep_fraction, Rng& rng) {
  if (len <= 1) return 0;
  const uint64_t unit = g == Granularity::kSector ? 512
                        : g == Granularity::kPage ? 4096
                                                  : 1;
  // Cut points: 0, and every unit boundary strictly inside the write.
  const uint64_t first = (offset / unit + 1) * unit;  // relative: first-offset
  const uint64_t end = offset + len;
  const uint64_t inner = first >= end ? 0 : (end - 1 - first) / unit + 1;
  if (keep_fraction) {
    const auto target = static_cast<uint64_t>(
        std::floor(*keep_fraction * static_cast<double>(len)));
    if (inner == 0 || offset + target < first) return 0;
    const uint64_t k = std::min(inner - 1, (offset + target - first) / unit);
    return first + k * unit - offset;
  }
  const uint64_t pick = rng.Uniform(inner + 1);
  return pick == 0 ? 0 : first + (pick - 1) * unit - offset;
}

std::vector<std::pair<uint64_t, uint64_t>> TornOpKeep(const FaultAction& a,
                                                      uint64_t len) {
  std::vector<uint64_t> sizes;
  if (a.parts != 0) {
    sizes.assign(a.parts, len / a.parts);
    sizes.back() += len % a.parts;
  } else {
    sizes = a.parts_bytes;
  }
  // Parts cover the write: a short list's last part takes the rest, a long
  // one is cut at the write's end.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  uint64_t at = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    uint64_t n = std::min(sizes[i], len - at);
    if (i + 1 == sizes.size()) n = len - at;
    ranges.emplace_back(at, n);
    at += n;
  }
  // Adjacent persisted parts make one range (persist is sorted).
  std::vector<std::pair<uint64_t, uint64_t>> keep;
  for (uint32_t p : a.persist) {
    if (p < 1 || p > ranges.size() || ranges[p - 1].second == 0) continue;
    const auto& [start, n] = ranges[p - 1];
    if (!keep.empty() && keep.back().first + keep.back().second == start) {
      keep.back().second += n;
    } else {
      keep.emplace_back(start, n);
    }
  }
  return keep;
}

}  // namespace crashlab
