#include "core/crash_space.h"

#include <algorithm>
#include <sstream>

namespace crashlab {

namespace {

constexpr uint64_t kSector = 512;
constexpr uint64_t kPage = 4096;
constexpr size_t kMaxExhaustiveBits = 16;  // hard cap on 2^n enumeration

// Where reorder and torn states are taken: just before every sync (the end
// of an epoch: the most an epoch can have written), right after every
// acknowledgement mark (the moment a promise was made), and at the end.
bool IsCrashPoint(const Trace& t, size_t p) {
  if (p == t.records.size() || IsSyncOp(t.records[p].op)) return true;
  if (p == t.first_op) return false;
  const Record& prev = t.records[p - 1];
  return prev.op == Op::kMark &&
         (prev.data.rfind("ok:", 0) == 0 || prev.data.rfind("fail:", 0) == 0 ||
          prev.data.rfind("info:", 0) == 0);
}

// The file or directory an unsynced operation belongs to (sequential flag).
uint64_t GroupOf(const Record& r) {
  return IsDataOp(r.op) ? r.file : (uint64_t{1} << 63) | r.parent;
}

std::string MaskToHex(const std::vector<bool>& kept) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < kept.size(); i += 4) {
    int nibble = 0;
    for (size_t b = 0; b < 4 && i + b < kept.size(); ++b) {
      nibble |= kept[i + b] << b;
    }
    out.push_back(kHex[nibble]);
  }
  return out;
}

bool HexToMask(const std::string& hex, size_t n, std::vector<bool>* kept) {
  if (hex.size() != (n + 3) / 4) return false;
  kept->assign(n, false);
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    for (size_t b = 0; b < 4; ++b) {
      const bool bit = (v >> b) & 1;
      if (i * 4 + b < n) (*kept)[i * 4 + b] = bit;
      else if (bit) return false;
    }
  }
  return true;
}

// The drop-unsynced state at `position`: the baseline every model refines.
CrashState Baseline(const Trace& t, size_t position) {
  return StateAt(t, Model::kDropUnsynced, position);
}

CrashState ReorderState(const CrashState& base,
                        const std::vector<bool>& kept) {
  CrashState s = base;
  s.model = Model::kReorder;
  s.kind.clear();
  s.dropped.clear();
  for (size_t i = 0; i < base.dropped.size(); ++i) {
    if (!kept[i]) s.dropped.push_back(base.dropped[i]);
  }
  s.detail = MaskToHex(kept);
  return s;
}

char FillCode(Tear::Fill f) {
  return f == Tear::Fill::kOld ? 'o' : f == Tear::Fill::kZeros ? 'z' : 'g';
}

CrashState TornState(const CrashState& base, const Tear& tear) {
  CrashState s = base;
  s.model = Model::kTorn;
  s.kind.clear();
  s.dropped.erase(std::find(s.dropped.begin(), s.dropped.end(), tear.index));
  auto pos = std::lower_bound(
      s.torn.begin(), s.torn.end(), tear.index,
      [](const Tear& t, uint32_t i) { return t.index < i; });
  s.torn.insert(pos, tear);
  s.detail = std::to_string(tear.index) + ":" +
             std::to_string(tear.keep.front().second) + ":" +
             FillCode(tear.fill) +
             (tear.fill == Tear::Fill::kGarbage
                  ? std::to_string(tear.garbage_seed)
                  : "");
  return s;
}

// Size of file `file` just before record `index` (writes, truncates).
uint64_t SizeBefore(const Trace& t, size_t index, FileId file) {
  uint64_t size = 0;
  for (size_t i = t.first_op; i < index; ++i) {
    const Record& r = t.records[i];
    if (r.file != file) continue;
    if (r.op == Op::kWrite) size = std::max(size, r.offset + r.data.size());
    if (r.op == Op::kTruncate) size = r.offset;
  }
  return size;
}

// Where a write may tear (bytes kept, strictly inside the write).
std::vector<uint64_t> CutPoints(const Record& w, const DeviceFlags& flags,
                                uint64_t byte_cut) {
  std::vector<uint64_t> cuts;
  const uint64_t len = w.data.size();
  for (uint64_t unit : {kSector, kPage}) {
    std::vector<uint64_t> at;
    for (uint64_t b = (w.offset / unit + 1) * unit; b < w.offset + len;
         b += unit) {
      at.push_back(b - w.offset);
    }
    // A few representative boundaries: first, middle, last.
    if (!at.empty()) {
      cuts.push_back(at.front());
      cuts.push_back(at[at.size() / 2]);
      cuts.push_back(at.back());
    }
  }
  if (!flags.atomic && len > 1) cuts.push_back(1 + byte_cut % (len - 1));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

std::vector<Tear::Fill> Fills(bool append, const DeviceFlags& flags) {
  if (!append) return {Tear::Fill::kOld, Tear::Fill::kGarbage};
  if (flags.safe_append) return {Tear::Fill::kOld};
  return {Tear::Fill::kOld, Tear::Fill::kZeros, Tear::Fill::kGarbage};
}

// Sequential device: every group's kept operations form a prefix.
bool RespectsOrder(const Trace& t, const std::vector<uint32_t>& pending,
                   const std::vector<bool>& kept) {
  std::map<uint64_t, bool> dropped_seen;
  for (size_t i = 0; i < pending.size(); ++i) {
    const uint64_t g = GroupOf(t.records[pending[i]]);
    if (!kept[i]) dropped_seen[g] = true;
    else if (dropped_seen[g]) return false;
  }
  return true;
}

// A subset drawn with `pick`: coin flips, or per-group prefixes when the
// device is sequential.
template <typename PickFn>
std::vector<bool> DrawSubset(const Trace& t,
                             const std::vector<uint32_t>& pending,
                             bool sequential, PickFn&& pick) {
  std::vector<bool> kept(pending.size(), false);
  if (!sequential) {
    for (size_t i = 0; i < pending.size(); ++i) kept[i] = pick(2) == 1;
    return kept;
  }
  std::map<uint64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < pending.size(); ++i) {
    groups[GroupOf(t.records[pending[i]])].push_back(i);
  }
  for (const auto& [g, members] : groups) {
    const uint64_t n = pick(members.size() + 1);
    for (uint64_t k = 0; k < n; ++k) kept[members[k]] = true;
  }
  return kept;
}

}  // namespace

std::string DeviceFlags::ToString() const {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += (s.empty() ? "" : ",") + std::string(name);
  };
  add(atomic, "atomic");
  add(safe_append, "safe-append");
  add(sequential, "sequential");
  return s;
}

Result<DeviceFlags> ParseDeviceFlags(const std::string& list) {
  DeviceFlags f;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "atomic") f.atomic = true;
    else if (item == "safe-append") f.safe_append = true;
    else if (item == "sequential") f.sequential = true;
    else if (!item.empty()) {
      return Status::InvalidArgument("unknown device flag '" + item +
                                     "' (atomic, safe-append, sequential)");
    }
  }
  return f;
}

StateSpace::StateSpace(const Trace& trace, SpaceConfig config)
    : trace_(trace), config_(std::move(config)),
      rng_(Rng(config_.seed).Fork("crash-space")),
      position_(trace.first_op) {}

void StateSpace::AddPointStates(Model m, size_t p) {
  ModelStats& st = stats_[ModelName(m)];
  const CrashState base{Model::kDropUnsynced, p, tracker_.Unsynced(),
                        tracker_.Torn()};
  const std::vector<uint32_t>& pending = base.dropped;
  if (m == Model::kReorder) {
    ++st.crash_points;
    const size_t n = pending.size();
    if (n <= std::min(config_.exhaustive_bound, kMaxExhaustiveBits)) {
      ++st.exhaustive_points;
      for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
        std::vector<bool> kept(n);
        for (size_t i = 0; i < n; ++i) kept[i] = (mask >> i) & 1;
        if (config_.flags.sequential && !RespectsOrder(trace_, pending, kept)) {
          continue;
        }
        ready_.push_back(ReorderState(base, kept));
      }
    } else {
      ++st.sampled_points;
      for (size_t k = 0; k < config_.samples; ++k) {
        auto kept = DrawSubset(trace_, pending, config_.flags.sequential,
                               [&](uint64_t n) { return rng_.Uniform(n); });
        ready_.push_back(ReorderState(base, kept));
      }
    }
    return;
  }
  // Torn: the last few unsynced writes, each cut and filled every way the
  // device allows.
  ++st.crash_points;
  size_t torn_here = 0;
  for (auto it = pending.rbegin();
       it != pending.rend() && torn_here < config_.torn_writes; ++it) {
    const Record& w = trace_.records[*it];
    if (w.op != Op::kWrite || w.data.size() < 2) continue;
    ++torn_here;
    const bool append = w.offset + w.data.size() > SizeBefore(trace_, *it, w.file);
    for (uint64_t cut : CutPoints(w, config_.flags, rng_.Next())) {
      for (Tear::Fill fill : Fills(append, config_.flags)) {
        Tear tear{*it, {{0, cut}}, fill,
                  fill == Tear::Fill::kGarbage ? rng_.Next() % 1000000 : 0};
        ready_.push_back(TornState(base, tear));
      }
    }
  }
}

void StateSpace::Refill() {
  while (ready_.empty() && model_ < config_.models.size()) {
    const Model m = config_.models[model_];
    if (position_ > trace_.records.size()) {
      ++model_;
      position_ = trace_.first_op;
      tracker_ = SyncTracker();
      continue;
    }
    const size_t p = position_;
    if (m == Model::kPrefix || m == Model::kDropUnsynced) {
      CrashState s{m, p, {}, {}};
      if (m == Model::kDropUnsynced) {
        s.dropped = tracker_.Unsynced();
        s.torn = tracker_.Torn();
      }
      ready_.push_back(std::move(s));
    } else if (IsCrashPoint(trace_, p)) {
      AddPointStates(m, p);
    }
    if (p < trace_.records.size()) {
      tracker_.Observe(static_cast<uint32_t>(p), trace_.records[p]);
    }
    ++position_;
  }
}

bool StateSpace::Next(CrashState* out) {
  Refill();
  if (ready_.empty()) return false;
  *out = std::move(ready_.front());
  ready_.pop_front();
  ++stats_[ModelName(out->model)].states;
  return true;
}

Result<CrashState> StateFromId(const Trace& trace, const std::string& id) {
  const auto at = id.find('@');
  const auto hash = id.find('#');
  if (at == std::string::npos) {
    return Status::BadInput("'" + id + "' is not a crash state id");
  }
  auto models = ParseModels(id.substr(0, at));
  if (!models.ok() || models->size() != 1) {
    return Status::BadInput("'" + id.substr(0, at) +
                            "' is not a model this version can rebuild from "
                            "an id (prefix, drop-unsynced, reorder, torn)");
  }
  const Model m = models->front();
  const std::string digits = id.substr(at + 1, hash == std::string::npos
                                                   ? std::string::npos
                                                   : hash - at - 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit) ||
      digits.size() > 12) {
    return Status::BadInput("'" + id + "' has no crash position");
  }
  const size_t p = std::stoull(digits);
  if (p < trace.first_op || p > trace.records.size()) {
    return Status::BadInput("crash position " + digits +
                            " is outside this trace (positions " +
                            std::to_string(trace.first_op) + ".." +
                            std::to_string(trace.records.size()) + ")");
  }
  const std::string detail =
      hash == std::string::npos ? "" : id.substr(hash + 1);
  if (m == Model::kPrefix || m == Model::kDropUnsynced) {
    if (!detail.empty()) return Status::BadInput("unexpected '#' in " + id);
    return StateAt(trace, m, p);
  }
  const CrashState base = Baseline(trace, p);
  if (m == Model::kReorder) {
    std::vector<bool> kept;
    if (!HexToMask(detail, base.dropped.size(), &kept)) {
      return Status::BadInput("reorder mask '" + detail + "' does not fit the " +
                              std::to_string(base.dropped.size()) +
                              " unsynced operations at " + digits);
    }
    return ReorderState(base, kept);
  }
  // torn: <record>:<kept>:<fill>
  uint64_t index = 0, cut = 0;
  char fill = 0;
  unsigned long long seed = 0;
  int consumed = 0;
  const std::string spec = detail + " ";
  if (std::sscanf(spec.c_str(), "%lu:%lu:%c%n", &index, &cut, &fill,
                  &consumed) != 3) {
    return Status::BadInput("torn detail '" + detail + "' is malformed");
  }
  if (fill == 'g' && std::sscanf(spec.c_str() + consumed, "%llu", &seed) != 1) {
    return Status::BadInput("torn detail '" + detail + "' lacks its seed");
  }
  if (std::find(base.dropped.begin(), base.dropped.end(), index) ==
          base.dropped.end() ||
      trace.records[index].op != Op::kWrite ||
      cut >= trace.records[index].data.size() ||
      (fill != 'o' && fill != 'z' && fill != 'g')) {
    return Status::BadInput("torn detail '" + detail +
                            "' names no unsynced write of this trace");
  }
  Tear tear{static_cast<uint32_t>(index), {{0, cut}},
            fill == 'o'   ? Tear::Fill::kOld
            : fill == 'z' ? Tear::Fill::kZeros
                          : Tear::Fill::kGarbage,
            seed};
  return TornState(base, tear);
}

CrashState DrawState(const Trace& trace, size_t position,
                     const SpaceConfig& config, Choices& choices) {
  CrashState state = Baseline(trace, position);
  state.kind = "drawn";
  const auto has = [&](Model m) {
    return std::find(config.models.begin(), config.models.end(), m) !=
           config.models.end();
  };
  if (has(Model::kPrefix) && choices.Pick(4) == 0) {
    // Sometimes the device kept everything: the prefix state.
    state.dropped.clear();
    state.torn.clear();
    return state;
  }
  if (has(Model::kReorder)) {
    const std::vector<uint32_t> pending = state.dropped;
    auto kept = DrawSubset(trace, pending, config.flags.sequential,
                           [&](uint64_t n) { return choices.Pick(n); });
    state.dropped.clear();
    for (size_t i = 0; i < pending.size(); ++i) {
      if (!kept[i]) state.dropped.push_back(pending[i]);
    }
  }
  if (has(Model::kTorn) && !state.dropped.empty() && choices.Pick(2) == 1) {
    std::vector<uint32_t> writes;
    for (uint32_t i : state.dropped) {
      if (trace.records[i].op == Op::kWrite && trace.records[i].data.size() > 1) {
        writes.push_back(i);
      }
    }
    if (!writes.empty()) {
      const uint32_t index = writes[choices.Pick(writes.size())];
      const Record& w = trace.records[index];
      const auto cuts = CutPoints(w, config.flags, choices.Pick(1 << 30));
      if (!cuts.empty()) {
        const bool append = w.offset + w.data.size() > SizeBefore(trace, index, w.file);
        const auto fills = Fills(append, config.flags);
        Tear tear{index, {{0, cuts[choices.Pick(cuts.size())]}},
                  fills[choices.Pick(fills.size())], choices.Pick(1000000)};
        const std::string kind = state.kind;
        state = TornState(state, tear);
        state.kind = kind;
      }
    }
  }
  state.detail.clear();
  return state;
}

}  // namespace crashlab
