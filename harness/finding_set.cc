#include "harness/finding_set.h"

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

std::vector<ReportFinding> FindingSet::ToReport(
    size_t limit, const ReplayCommandFn& replay) const {
  std::vector<const Entry*> order;
  for (const auto& [key, e] : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::make_tuple(a->finding.kind, a->round, a->state.position,
                           a->finding.Key()) <
           std::make_tuple(b->finding.kind, b->round, b->state.position,
                           b->finding.Key());
  });
  if (limit && order.size() > limit) order.resize(limit);

  std::vector<ReportFinding> out;
  for (const Entry* e : order) {
    ReportFinding r;
    r.id = "F" + std::to_string(out.size() + 1);
    r.kind = e->finding.kind;
    r.summary = e->finding.summary;
    r.explanation = ExplainKind(r.kind);
    r.cells = e->finding.cells;
    r.message = e->finding.message;
    r.ops = e->ops;
    r.round = e->round;
    r.state.id = e->state.Id();
    r.state.model = e->state.KindName();
    r.state.position = e->state.position;
    r.state.dropped = ToRanges(e->state.dropped);
    r.state.dropped_count = e->state.dropped.size();
    r.state.torn_count = e->state.torn.size();
    r.state.image_hash = e->image.ToHex();
    r.states_affected = e->states;
    r.models.assign(e->models.begin(), e->models.end());
    r.replay = replay(e->run_dir, r.state.id, r.id);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crashlab
