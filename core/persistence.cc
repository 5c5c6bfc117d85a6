#include "core/persistence.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

namespace crashlab {

const char* ModelName(Model m) {
  switch (m) {
    case Model::kPrefix:
      return "prefix";
    case Model::kDropUnsynced:
      return "drop-unsynced";
    case Model::kReorder:
      return "reorder";
    case Model::kTorn:
      return "torn";
  }
  return "?";
}

Result<std::vector<Model>> ParseModels(const std::string& list) {
  std::vector<Model> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    Model m;
    if (item == "prefix") {
      m = Model::kPrefix;
    } else if (item == "drop-unsynced") {
      m = Model::kDropUnsynced;
    } else if (item == "reorder") {
      m = Model::kReorder;
    } else if (item == "torn") {
      m = Model::kTorn;
    } else {
      return Status::InvalidArgument(
          "unknown persistence model '" + item +
          "' (known: prefix, drop-unsynced, reorder, torn)");
    }
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  if (out.empty()) {
    return Status::InvalidArgument("no persistence model given");
  }
  return out;
}

std::string CrashState::KindName() const {
  return kind.empty() ? ModelName(model) : kind;
}

std::string CrashState::Id() const {
  return KindName() + "@" + std::to_string(position) +
         (detail.empty() ? "" : "#" + detail);
}

nlohmann::json CrashStateToJson(const CrashState& s) {
  nlohmann::json torn = nlohmann::json::array();
  for (const Tear& t : s.torn) {
    torn.push_back({{"index", t.index},
                    {"keep", t.keep},
                    {"fill", static_cast<int>(t.fill)},
                    {"garbage_seed", t.garbage_seed}});
  }
  return {{"id", s.Id()},         {"model", ModelName(s.model)},
          {"kind", s.kind},       {"detail", s.detail},
          {"position", s.position}, {"dropped", s.dropped},
          {"torn", torn}};
}

Result<CrashState> CrashStateFromJson(const nlohmann::json& j) {
  CrashState s;
  try {
    CRASHLAB_ASSIGN_OR_RETURN(auto models,
                              ParseModels(j.at("model").get<std::string>()));
    s.model = models.front();
    s.kind = j.value("kind", "");
    s.detail = j.value("detail", "");
    s.position = j.at("position").get<size_t>();
    s.dropped = j.at("dropped").get<std::vector<uint32_t>>();
    for (const auto& t : j.at("torn")) {
      Tear tear;
      tear.index = t.at("index").get<uint32_t>();
      tear.keep = t.at("keep").get<std::vector<std::pair<uint64_t, uint64_t>>>();
      const int fill = t.value("fill", 0);
      if (fill < 0 || fill > 2) return Status::BadInput("bad tear fill");
      tear.fill = static_cast<Tear::Fill>(fill);
      tear.garbage_seed = t.value("garbage_seed", uint64_t{0});
      s.torn.push_back(std::move(tear));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::BadInput(std::string("bad crash state: ") + e.what());
  }
  if (!std::is_sorted(s.dropped.begin(), s.dropped.end())) {
    return Status::BadInput("bad crash state: dropped records are not sorted");
  }
  return s;
}

void SyncTracker::PendingSet::Insert(uint32_t i) {
  if (i >= in_.size()) in_.resize(std::max(size_t{i} + 1, 2 * in_.size()));
  if (in_[i]) return;
  in_[i] = true;
  ascending_ = ascending_ && (order_.empty() || order_.back() < i);
  order_.push_back(i);
  ++count_;
}

bool SyncTracker::PendingSet::Erase(uint32_t i) {
  if (i >= in_.size() || !in_[i]) return false;
  in_[i] = false;
  --count_;
  // Drop the erased from the list once they are most of it: amortized
  // O(1) per erase.
  if (order_.size() > 2 * count_ + 64) {
    std::erase_if(order_, [this](uint32_t k) { return !in_[k]; });
  }
  return true;
}

void SyncTracker::PendingSet::Clear() {
  order_.clear();
  in_.clear();
  count_ = 0;
  ascending_ = true;
}

std::vector<uint32_t> SyncTracker::PendingSet::Sorted() const {
  std::vector<uint32_t> out;
  out.reserve(count_);
  for (uint32_t i : order_) {
    if (in_[i]) out.push_back(i);
  }
  if (!ascending_) std::sort(out.begin(), out.end());
  return out;
}

void SyncTracker::Settle(std::vector<uint32_t>* list) {
  for (uint32_t i : *list) {
    pending_.Erase(i);
    torn_.erase(i);  // a later sync makes a torn write whole
  }
  list->clear();
}

std::vector<Tear> SyncTracker::Torn() const {
  std::vector<Tear> out;
  for (const auto& [index, tear] : torn_) out.push_back(tear);
  return out;
}

void SyncTracker::ObserveFault(const Record& r) {
  const nlohmann::json fault =
      nlohmann::json::parse(r.data, nullptr, /*allow_exceptions=*/false);
  if (!fault.is_object()) return;
  if (fault.value("settle_all", false)) {
    pending_.Clear();
    data_.clear();
    dirs_.clear();
    return;
  }
  // A record named as persisted (or torn) leaves the pending set; the
  // per-file lists may still name it, which is harmless: settling a file
  // erases whatever of its list is still pending.
  if (fault.contains("persist") && fault["persist"].is_array()) {
    for (const auto& i : fault["persist"]) {
      if (i.is_number_unsigned()) pending_.Erase(i.get<uint32_t>());
    }
  }
  if (fault.contains("keep") && fault["keep"].is_array()) {
    for (const auto& k : fault["keep"]) {
      if (!k.is_array() || k.size() != 3) continue;
      const uint32_t i = k[0].get<uint32_t>();
      // One record may keep several separate ranges (a torn-op persisting
      // parts 1 and 3): later ranges extend the tear the first one began.
      if (!pending_.Erase(i) && !torn_.count(i)) continue;
      Tear& t = torn_[i];
      t.index = i;
      t.keep.emplace_back(k[1].get<uint64_t>(), k[2].get<uint64_t>());
    }
  }
}

void SyncTracker::Observe(uint32_t index, const Record& r) {
  if (r.op == Op::kFault) {
    ObserveFault(r);
    return;
  }
  if (IsSyncOp(r.op) && (r.tags & kTagNoBarrier)) return;
  if (IsDataOp(r.op)) {
    data_[r.file].push_back(index);
    pending_.Insert(index);
  } else if (IsNamespaceOp(r.op)) {
    dirs_[r.parent].push_back(index);
    if (r.op == Op::kRename && r.new_parent != r.parent) {
      dirs_[r.new_parent].push_back(index);
    }
    pending_.Insert(index);
  } else if (r.op == Op::kFsync || r.op == Op::kFdatasync) {
    Settle(&data_[r.file]);
  } else if (r.op == Op::kFsyncDir) {
    Settle(&dirs_[r.file]);
  }
}

std::vector<CrashState> GenerateStates(const Trace& trace, Model model) {
  std::vector<CrashState> out;
  SyncTracker tracker;
  for (size_t p = trace.first_op;; ++p) {
    CrashState s{model, p, {}, {}};
    if (model == Model::kDropUnsynced) {
      s.dropped = tracker.Unsynced();
      s.torn = tracker.Torn();
    }
    out.push_back(std::move(s));
    if (p == trace.records.size()) break;
    tracker.Observe(static_cast<uint32_t>(p), trace.records[p]);
  }
  return out;
}

CrashState StateAt(const Trace& trace, Model model, size_t position) {
  CrashState s{model, position, {}, {}};
  if (model == Model::kDropUnsynced) {
    SyncTracker tracker;
    for (size_t i = trace.first_op; i < position && i < trace.records.size();
         ++i) {
      tracker.Observe(static_cast<uint32_t>(i), trace.records[i]);
    }
    s.dropped = tracker.Unsynced();
    s.torn = tracker.Torn();
  }
  return s;
}

void ImageBuilder::ApplyRange(size_t from, size_t to,
                              const CrashState& state) {
  const auto& drop = state.dropped;
  auto d = std::lower_bound(drop.begin(), drop.end(), from);
  auto t = std::lower_bound(
      state.torn.begin(), state.torn.end(), from,
      [](const Tear& tear, size_t i) { return tear.index < i; });
  for (size_t i = from; i < to; ++i) {
    ++applied_;
    if (d != drop.end() && *d == i) {
      ++d;
      continue;
    }
    if (t != state.torn.end() && t->index == i) {
      if (!image_.ApplyPartialWrite(trace_.records[i], *t)) ++inexact_;
      ++t;
      continue;
    }
    if (!image_.Apply(trace_.records[i])) ++inexact_;
  }
}

void ImageBuilder::AdvancePrefix(size_t position) {
  if (!prefix_started_ || prefix_position_ < trace_.first_op ||
      prefix_position_ > position) {
    prefix_started_ = true;
    prefix_ = base_;
    prefix_position_ = trace_.first_op;
    undo_.clear();
    namespace_.clear();
    named_.clear();
  }
  for (; prefix_position_ < position; ++prefix_position_) {
    const uint32_t i = static_cast<uint32_t>(prefix_position_);
    const Record& r = trace_.records[i];
    ++applied_;
    bool exact;
    if (FsImage::ChangesData(r.op)) {
      auto [u, fresh] = undo_.try_emplace(r.file);
      if (fresh) u->second.first = u->second.horizon = i;
      exact = prefix_.ApplyUndoable(r, i, &u->second.log.emplace_back());
    } else {
      exact = prefix_.Apply(r);
    }
    if (!exact) ++inexact_;
    if (IsNamespaceOp(r.op)) {
      namespace_.push_back(i);
      // The inodes FsImage::Apply makes (Get) for it.
      named_.insert(r.parent);
      if (r.op == Op::kRename) named_.insert(r.new_parent);
      if (r.op == Op::kCreate || r.op == Op::kMkdir || r.op == Op::kSymlink) {
        named_.insert(r.file);
      }
    }
    // Past a real fsync of the file, no state drops its earlier records.
    if ((r.op == Op::kFsync || r.op == Op::kFdatasync) &&
        !(r.tags & kTagNoBarrier)) {
      auto u = undo_.find(r.file);
      if (u != undo_.end()) {
        u->second.log.clear();
        u->second.horizon = i + 1;
      }
    }
  }
}

bool ImageBuilder::RollBack(const CrashState& state) {
  if (prefix_position_ != state.position) return false;
  // Each file's first dropped or torn record; whether names are dropped.
  std::map<FileId, size_t> from;
  bool names = false;
  auto note = [&](uint32_t i) {
    const Record& r = trace_.records[i];
    if (FsImage::ChangesData(r.op)) {
      auto [f, fresh] = from.try_emplace(r.file, i);
      if (!fresh) f->second = std::min<size_t>(f->second, i);
    }
    names = names || IsNamespaceOp(r.op);
  };
  for (uint32_t i : state.dropped) note(i);
  for (const Tear& t : state.torn) note(t.index);
  for (const auto& [file, i] : from) {
    auto u = undo_.find(file);
    if (u == undo_.end() || i < u->second.horizon) return false;
  }
  const auto dropped = [&](size_t i) {
    return std::binary_search(state.dropped.begin(), state.dropped.end(), i);
  };
  image_ = prefix_;
  for (const auto& [file, start] : from) {
    const auto& log = undo_.at(file).log;
    const auto first = std::lower_bound(
        log.begin(), log.end(), start,
        [](const FsImage::DataUndo& u, size_t i) { return u.index < i; });
    for (auto u = log.end(); u != first;) image_.Undo(file, *--u);
    for (auto u = first; u != log.end(); ++u) {
      applied_ += 2;  // undone and redone
      if (dropped(u->index)) continue;
      const Record& r = trace_.records[u->index];
      const auto t = std::lower_bound(
          state.torn.begin(), state.torn.end(), u->index,
          [](const Tear& tear, size_t i) { return tear.index < i; });
      const bool exact = t != state.torn.end() && t->index == u->index
                             ? image_.ApplyPartialWrite(r, *t)
                             : image_.ApplyContents(r);
      if (!exact) ++inexact_;
    }
  }
  // Whether a kept record changed the contents of `id` (which makes it).
  const auto written = [&](FileId id) {
    auto u = undo_.find(id);
    if (u == undo_.end()) return false;
    auto f = from.find(id);
    if (f == from.end() || u->second.first < f->second) return true;
    for (const auto& d : u->second.log) {
      if (d.index >= f->second && !dropped(d.index)) return true;
    }
    return false;
  };
  if (!names) {
    FsImage::Kind kind;
    for (const auto& [file, start] : from) {
      if (!written(file) && !named_.count(file) && !base_.KindOf(file, &kind)) {
        image_.Forget(file);
      }
    }
    return true;
  }
  // The tree as the kept namespace records alone make it.
  FsImage tree = base_;
  for (uint32_t i : namespace_) {
    ++applied_;
    if (!dropped(i) && !tree.Apply(trace_.records[i])) ++inexact_;
  }
  image_.AdoptNamespace(tree, written);
  return true;
}

FsImage ImageBuilder::Replay(const Trace& trace, const FsImage& base,
                             const CrashState& state) {
  ImageBuilder plain(trace, base);
  plain.ApplyRange(trace.first_op, state.position, state);
  return std::move(plain.image_);
}

const FsImage& ImageBuilder::Build(const CrashState& state) {
  // Reusable when the new state only adds records after the current
  // position and drops nothing the current image already holds.
  const auto old_end = std::lower_bound(state.dropped.begin(),
                                        state.dropped.end(), position_);
  const auto old_torn_end = std::lower_bound(
      state.torn.begin(), state.torn.end(), position_,
      [](const Tear& tear, size_t i) { return tear.index < i; });
  const bool extends =
      state.position >= position_ &&
      std::equal(state.dropped.begin(), old_end, dropped_.begin(),
                 dropped_.end()) &&
      std::equal(state.torn.begin(), old_torn_end, torn_.begin(), torn_.end());
  if (extends) {
    ApplyRange(position_, state.position, state);
  } else {
    AdvancePrefix(std::max(state.position, trace_.first_op));
    if (!RollBack(state)) {
      image_ = base_;
      ApplyRange(trace_.first_op, state.position, state);
    }
  }
  position_ = state.position;
  dropped_ = state.dropped;
  torn_ = state.torn;
  return image_;
}

}  // namespace crashlab
