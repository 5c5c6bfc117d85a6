#include "reports/finding_classes.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "reports/report.h"

namespace crashlab {

using nlohmann::json;

namespace {

// What members of a class of `kind` are, for the headline.
std::string Noun(FindingKind kind, size_t n) {
  const bool one = n == 1;
  switch (kind) {
    case FindingKind::kLostCommit:
      return one ? "acknowledged operation lost"
                 : "acknowledged operations lost";
    case FindingKind::kAtomicity:
      return one ? "operation partly applied" : "operations partly applied";
    case FindingKind::kCorruption:
      return one ? "corruption finding" : "corruption findings";
    case FindingKind::kRecoveryFailure:
      return one ? "recovery failure" : "recovery failures";
    case FindingKind::kLossWindowExceeded:
      return one ? "acknowledged operation lost beyond the promised window"
                 : "acknowledged operations lost beyond the promised window";
    case FindingKind::kInvariant:
      return one ? "auth invariant broken" : "auth invariants broken";
    case FindingKind::kTornHeader:
      return one ? "torn header accepted" : "torn headers accepted";
    case FindingKind::kOrderViolation:
      return one ? "acknowledged operation lost while a later one survived"
                 : "acknowledged operations lost while a later one survived";
    case FindingKind::kBarrierViolation:
      return one ? "acknowledged operation lost while a later synced one "
                   "survived"
                 : "acknowledged operations lost while a later synced one "
                   "survived";
  }
  return "findings";
}

}  // namespace

std::string FindingClass::Headline() const {
  std::string out =
      fmt::format("{} {}", members.size(), Noun(kind, members.size()));
  if (!cause.empty()) {
    out += (members.size() == 1 ? ": it " : ": each ") + cause;
  }
  return out;
}

json FindingClass::ToJson() const {
  json members_json = json::array();
  for (const ClassMember& m : members) {
    json mj = {{"fingerprint", m.fingerprint},
               {"ops", m.ops},
               {"states_affected", m.states_affected}};
    if (!m.finding.empty()) mj["finding"] = m.finding;
    members_json.push_back(std::move(mj));
  }
  return {{"id", id},
          {"kind", FindingKindName(kind)},
          {"shape", shape},
          {"cause", cause},
          {"headline", Headline()},
          {"count", members.size()},
          {"first", first},
          {"replay", replay},
          {"members", members_json}};
}

Result<FindingClass> FindingClass::FromJson(const json& j) {
  FindingClass c;
  c.id = j.at("id");
  if (!FindingKindFromName(j.at("kind"), &c.kind)) {
    return Status::BadInput("unknown finding kind " + j.at("kind").dump() +
                            " in class " + c.id);
  }
  c.shape = j.at("shape");
  c.cause = j.at("cause");
  c.first = j.at("first");
  c.replay = j.at("replay");
  for (const json& m : j.at("members")) {
    c.members.push_back({m.at("fingerprint"),
                         m.at("ops").get<std::vector<uint64_t>>(),
                         m.at("states_affected"), m.value("finding", "")});
  }
  if (j.at("count").get<uint64_t>() != c.members.size()) {
    return Status::BadInput("class " + c.id + " counts " +
                            j.at("count").dump() + " members but lists " +
                            std::to_string(c.members.size()));
  }
  return c;
}

std::vector<FindingClass> GroupIntoClasses(const std::vector<ClassInput>& in) {
  std::map<std::pair<FindingKind, std::string>, FindingClass> by_shape;
  std::vector<std::pair<FindingKind, std::string>> first_seen;
  for (const ClassInput& i : in) {
    auto [it, inserted] = by_shape.try_emplace({i.kind, i.shape});
    FindingClass& c = it->second;
    if (inserted) {
      c.kind = i.kind;
      c.shape = i.shape;
      c.cause = i.cause;
      first_seen.push_back(it->first);
    }
    if (c.first.empty() && !i.member.finding.empty()) {
      c.first = i.member.finding;
      c.replay = i.replay;
    }
    c.members.push_back(i.member);
  }
  std::vector<FindingClass> out;
  for (const auto& key : first_seen) out.push_back(std::move(by_shape[key]));
  std::stable_sort(out.begin(), out.end(),
                   [](const FindingClass& a, const FindingClass& b) {
                     return std::make_tuple(b.members.size(), a.kind, a.shape) <
                            std::make_tuple(a.members.size(), b.kind, b.shape);
                   });
  for (size_t i = 0; i < out.size(); ++i)
    out[i].id = "C" + std::to_string(i + 1);
  return out;
}

std::vector<FindingClass> MergeClasses(
    const std::vector<std::vector<FindingClass>>& shards,
    std::vector<ReportFinding>* findings) {
  struct Known {
    ClassInput input;
    bool listed = false;
  };
  std::map<std::string, Known> by_print;  // fingerprint -> member
  for (const std::vector<FindingClass>& classes : shards) {
    for (const FindingClass& c : classes) {
      for (const ClassMember& m : c.members) {
        auto [it, inserted] = by_print.try_emplace(m.fingerprint);
        ClassInput& in = it->second.input;
        if (inserted) {
          in = {c.kind, c.shape, c.cause, m, ""};
          in.member.states_affected = 0;
        }
        in.member.states_affected += m.states_affected;
        in.member.finding.clear();
      }
    }
  }
  std::vector<ClassInput> ordered;
  for (const ReportFinding& f : *findings) {
    auto it = by_print.find(f.fingerprint);
    if (it == by_print.end()) continue;  // a /1 shard: no class known
    it->second.listed = true;
    ClassInput in = it->second.input;
    in.member.finding = f.id;
    in.replay = f.replay;
    ordered.push_back(std::move(in));
  }
  for (auto& [print, known] : by_print) {
    if (!known.listed) ordered.push_back(known.input);
  }
  std::vector<FindingClass> out = GroupIntoClasses(ordered);
  std::map<std::string, std::string> class_of;
  for (const FindingClass& c : out) {
    for (const ClassMember& m : c.members) {
      if (!m.finding.empty()) class_of[m.finding] = c.id;
    }
  }
  for (ReportFinding& f : *findings) f.class_id = class_of[f.id];
  return out;
}

}  // namespace crashlab
