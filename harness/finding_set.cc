#include "harness/finding_set.h"

#include <algorithm>

#include "reports/wording.h"

namespace crashlab {

void FindingSet::Add(const Finding& f, const CrashState& state,
                     const Hash128& image) {
  auto [it, inserted] = entries_.try_emplace(f.Key());
  Entry& e = it->second;
  if (inserted || state.dropped.size() < e.state.dropped.size()) {
    e.finding = f;
    e.state = state;
    e.image = image;
  }
  ++e.states;
  e.models.insert(ModelName(state.model));
}

std::map<std::string, uint64_t> FindingSet::CountByKind() const {
  std::map<std::string, uint64_t> out;
  for (FindingKind k : kAllFindingKinds) out[FindingKindName(k)] = 0;
  for (const auto& [key, e] : entries_) ++out[FindingKindName(e.finding.kind)];
  return out;
}

std::vector<ReportFinding> FindingSet::ToReport(
    const std::vector<LogicalOp>& ops, const Timeline& timeline, size_t limit,
    const std::function<std::string(const std::string&, const std::string&)>&
        replay) const {
  std::vector<const Entry*> order;
  for (const auto& [key, e] : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    if (a->finding.kind != b->finding.kind) return a->finding.kind < b->finding.kind;
    if (a->state.position != b->state.position) {
      return a->state.position < b->state.position;
    }
    return a->finding.Key() < b->finding.Key();
  });
  if (limit && order.size() > limit) order.resize(limit);

  std::unordered_map<uint64_t, size_t> index;
  for (size_t i = 0; i < ops.size(); ++i) index[ops[i].id] = i;
  std::vector<ReportFinding> out;
  for (const Entry* e : order) {
    ReportFinding r;
    r.id = "F" + std::to_string(out.size() + 1);
    r.kind = e->finding.kind;
    r.summary = e->finding.summary;
    r.explanation = ExplainKind(r.kind);
    r.cells = e->finding.cells;
    r.message = e->finding.message;
    const auto status = timeline.StatusesAt(e->state.position);
    for (uint64_t id : e->finding.ops) {
      const LogicalOp& op = ops[index.at(id)];
      r.ops.push_back({id, op.f, op.args, OpStatusName(status[index.at(id)])});
    }
    r.state.id = e->state.Id();
    r.state.model = ModelName(e->state.model);
    r.state.position = e->state.position;
    r.state.dropped = ToRanges(e->state.dropped);
    r.state.dropped_count = e->state.dropped.size();
    r.state.image_hash = e->image.ToHex();
    r.states_affected = e->states;
    r.models.assign(e->models.begin(), e->models.end());
    r.replay = replay(r.state.id, r.id);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crashlab
