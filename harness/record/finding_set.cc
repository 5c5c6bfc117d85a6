#include "harness/record/finding_set.h"

#include <algorithm>
#include <map>
#include <set>

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
    e.cause = where.causes ? where.causes->Of(f, where.state) : Cause{};
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

std::vector<const FindingSet::Entry*> FindingSet::Detailed(size_t limit) const {
  const std::vector<const Entry*> all = Ordered(0);
  std::set<std::pair<FindingKind, std::string>> shown_class;
  std::vector<const Entry*> detailed;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto cls = std::make_pair(all[i]->finding.kind, ShapeOf(*all[i]));
    if (shown_class.insert(cls).second || limit == 0 || i < limit) {
      detailed.push_back(all[i]);
    }
  }
  return detailed;
}

std::vector<std::pair<std::string, CrashState>> FindingSet::Representatives(
    size_t limit) const {
  std::vector<std::pair<std::string, CrashState>> out;
  for (const Entry* e : Detailed(limit)) {
    if (!e->minimized) out.emplace_back(e->finding.Key(), e->state);
  }
  return out;
}

void FindingSet::SetMinimal(const std::string& fingerprint,
                            const CrashState& minimal, const Hash128& image,
                            uint64_t tests, bool complete,
                            const CauseNamer* causes) {
  auto it = entries_.find(fingerprint);
  if (it == entries_.end()) return;
  if (causes) it->second.cause = causes->Of(it->second.finding, minimal);
  it->second.minimized = true;
  it->second.minimal = minimal;
  it->second.minimal_image = image;
  it->second.minimize_tests = tests;
  it->second.minimize_complete = complete;
}

std::string FindingSet::ShapeOf(const Entry& e) {
  return e.cause.shape.empty() ? "unknown" : e.cause.shape;
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
    size_t limit, const ReplayCommandFn& replay,
    std::vector<FindingClass>* classes) const {
  const std::vector<const Entry*> all = Ordered(0);
  const std::vector<const Entry*> detailed = Detailed(limit);
  std::vector<ReportFinding> out;
  std::map<const Entry*, std::string> id_of;
  for (const Entry* e : detailed) {
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
    id_of[e] = r.id;
    out.push_back(std::move(r));
  }
  if (!classes) return out;
  std::vector<ClassInput> members;
  std::map<std::string, const ReportFinding*> by_id;
  for (const ReportFinding& r : out) by_id[r.id] = &r;
  for (const Entry* e : all) {
    ClassInput c;
    c.kind = e->finding.kind;
    c.shape = ShapeOf(*e);
    c.cause = e->cause.text;
    c.member = {e->finding.Key(), e->finding.ops, e->states, ""};
    if (auto it = id_of.find(e); it != id_of.end()) {
      c.member.finding = it->second;
      c.replay = by_id[it->second]->replay;
    }
    members.push_back(std::move(c));
  }
  *classes = GroupIntoClasses(members);
  std::map<std::string, std::string> class_of;  // finding id -> class id
  for (const FindingClass& c : *classes) {
    for (const ClassMember& m : c.members) {
      if (!m.finding.empty()) class_of[m.finding] = c.id;
    }
  }
  for (ReportFinding& r : out) r.class_id = class_of[r.id];
  return out;
}

}  // namespace crashlab
