#include "harness/record/finding_set.h"

#include <algorithm>

#include "reports/wording.h"

namespace crashlab {

void FindingSet::Add(const Finding& f, const FindingContext& where) {
  auto [it, inserted] = entries_.try_emplace(f.Key());
  Entry& e = it->second;
  const auto weight = [](const CrashState& s, uint64_t ordinal) {
    return std::make_pair(s.dropped.size() + s.torn.size(), ordinal);
  };
  if (inserted ||
      weight(where.state, where.ordinal) < weight(e.state, e.ordinal)) {
    e.finding = f;
    e.state = where.state;
    e.image = where.image;
    e.round = where.round;
    e.run_dir = where.run_dir;
    e.ordinal = where.ordinal;
    e.ops.clear();
    for (uint64_t id : f.ops) {
      for (size_t i = 0; i < where.ops.size(); ++i) {
        if (where.ops[i].id != id) continue;
        e.ops.push_back({id, where.ops[i].f, where.ops[i].args,
                         OpStatusName(where.status[i])});
        break;
      }
    }
  }
  ++e.states;
  e.models.insert(where.state.KindName());
}

std::map<std::string, uint64_t> FindingSet::CountByKind() const {
  std::map<std::string, uint64_t> out;
  for (FindingKind k : kAllFindingKinds) out[FindingKindName(k)] = 0;
  for (const auto& [key, e] : entries_) ++out[FindingKindName(e.finding.kind)];
  return out;
}

std::vector<const FindingSet::Entry*> FindingSet::Ordered(size_t limit) const {
  std::vector<const Entry*> order;
  for (const auto& [key, e] : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::make_tuple(a->finding.kind, a->round, a->state.position,
                           a->finding.Key()) <
           std::make_tuple(b->finding.kind, b->round, b->state.position,
                           b->finding.Key());
  });
  if (limit && order.size() > limit) order.resize(limit);
  return order;
}

std::vector<std::pair<std::string, CrashState>> FindingSet::Representatives(
    size_t limit) const {
  std::vector<std::pair<std::string, CrashState>> out;
  for (const Entry* e : Ordered(limit)) {
    out.emplace_back(e->finding.Key(), e->state);
  }
  return out;
}

void FindingSet::SetMinimal(const std::string& fingerprint,
                            const CrashState& minimal, const Hash128& image,
                            uint64_t tests, bool complete) {
  auto it = entries_.find(fingerprint);
  if (it == entries_.end()) return;
  it->second.minimized = true;
  it->second.minimal = minimal;
  it->second.minimal_image = image;
  it->second.minimize_tests = tests;
  it->second.minimize_complete = complete;
}

namespace {

StateRef MakeStateRef(const CrashState& s, const std::string& hash,
                      uint64_t ordinal) {
  StateRef r;
  r.id = s.Id();
  r.model = s.KindName();
  r.position = s.position;
  r.dropped = ToRanges(s.dropped);
  r.dropped_count = s.dropped.size();
  r.torn_count = s.torn.size();
  r.image_hash = hash;
  r.ordinal = ordinal;
  return r;
}

}  // namespace

std::vector<ReportFinding> FindingSet::ToReport(
    size_t limit, const ReplayCommandFn& replay) const {
  std::vector<ReportFinding> out;
  for (const Entry* e : Ordered(limit)) {
    ReportFinding r;
    r.id = "F" + std::to_string(out.size() + 1);
    r.fingerprint = e->finding.Key();
    r.run_dir = e->run_dir;
    r.kind = e->finding.kind;
    r.summary = e->finding.summary;
    r.explanation = ExplainKind(r.kind);
    r.cells = e->finding.cells;
    r.message = e->finding.message;
    r.ops = e->ops;
    r.round = e->round;
    r.state = MakeStateRef(e->state, e->image.ToHex(), e->ordinal);
    r.states_affected = e->states;
    r.models.assign(e->models.begin(), e->models.end());
    r.minimized = e->minimized;
    if (e->minimized) {
      r.minimal = MakeStateRef(e->minimal, e->minimal_image.ToHex(), e->ordinal);
      r.minimize_tests = e->minimize_tests;
      r.minimize_complete = e->minimize_complete;
    }
    // The replay command rebuilds the simplest state known.
    r.replay = replay(e->run_dir, e->minimized ? r.minimal.id : r.state.id,
                      r.id);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crashlab
