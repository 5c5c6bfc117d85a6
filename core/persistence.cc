#include "core/persistence.h"

#include <algorithm>
#include <sstream>

namespace crashlab {

const char* ModelName(Model m) {
  switch (m) {
    case Model::kPrefix:
      return "prefix";
    case Model::kDropUnsynced:
      return "drop-unsynced";
  }
  return "?";
}

Result<std::vector<Model>> ParseModels(const std::string& list) {
  std::vector<Model> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "prefix") {
      out.push_back(Model::kPrefix);
    } else if (item == "drop-unsynced") {
      out.push_back(Model::kDropUnsynced);
    } else {
      return Status::InvalidArgument("unknown persistence model '" + item +
                                     "' (known: prefix, drop-unsynced)");
    }
  }
  if (out.empty()) {
    return Status::InvalidArgument("no persistence model given");
  }
  return out;
}

std::string CrashState::Id() const {
  return std::string(ModelName(model)) + "@" + std::to_string(position);
}

bool ParseStateId(const std::string& id, Model* model, size_t* position) {
  auto at = id.find('@');
  if (at == std::string::npos) return false;
  auto models = ParseModels(id.substr(0, at));
  if (!models.ok() || models->size() != 1) return false;
  const std::string digits = id.substr(at + 1);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    return false;
  }
  *model = models->front();
  *position = std::stoull(digits);
  return true;
}

void SyncTracker::Settle(std::vector<uint32_t>* list) {
  for (uint32_t i : *list) pending_.erase(i);
  list->clear();
}

void SyncTracker::Observe(uint32_t index, const Record& r) {
  if (IsDataOp(r.op)) {
    data_[r.file].push_back(index);
    pending_.insert(index);
  } else if (IsNamespaceOp(r.op)) {
    dirs_[r.parent].push_back(index);
    if (r.op == Op::kRename && r.new_parent != r.parent) {
      dirs_[r.new_parent].push_back(index);
    }
    pending_.insert(index);
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
    CrashState s{model, p, {}};
    if (model == Model::kDropUnsynced) s.dropped = tracker.Unsynced();
    out.push_back(std::move(s));
    if (p == trace.records.size()) break;
    tracker.Observe(static_cast<uint32_t>(p), trace.records[p]);
  }
  return out;
}

CrashState StateAt(const Trace& trace, Model model, size_t position) {
  CrashState s{model, position, {}};
  if (model == Model::kDropUnsynced) {
    SyncTracker tracker;
    for (size_t i = trace.first_op; i < position && i < trace.records.size();
         ++i) {
      tracker.Observe(static_cast<uint32_t>(i), trace.records[i]);
    }
    s.dropped = tracker.Unsynced();
  }
  return s;
}

void ImageBuilder::ApplyRange(size_t from, size_t to,
                              const std::vector<uint32_t>& drop) {
  auto d = std::lower_bound(drop.begin(), drop.end(), from);
  for (size_t i = from; i < to; ++i) {
    if (d != drop.end() && *d == i) {
      ++d;
      continue;
    }
    if (!image_.Apply(trace_.records[i])) ++inexact_;
  }
}

const FsImage& ImageBuilder::Build(const CrashState& state) {
  // Reusable when the new state only adds records after the current
  // position and drops nothing the current image already holds.
  const auto old_end = std::lower_bound(state.dropped.begin(),
                                        state.dropped.end(), position_);
  const bool extends =
      state.position >= position_ &&
      std::equal(state.dropped.begin(), old_end, dropped_.begin(),
                 dropped_.end());
  if (!extends) {
    image_ = base_;
    position_ = trace_.first_op;
    dropped_.clear();
  }
  ApplyRange(position_, state.position, state.dropped);
  position_ = state.position;
  dropped_ = state.dropped;
  return image_;
}

}  // namespace crashlab
