// IsolationResult as JSON (the report's `isolation` section) and as text.
#include <fmt/format.h>

#include "checkers/isolation/isolation.h"

namespace crashlab {

using nlohmann::json;

namespace {

json ModelNames(ModelSet s) {
  json out = json::array();
  for (IsolationModel m : ModelsIn(s)) out.push_back(ModelName(m));
  return out;
}

std::vector<std::string> TypeNames(uint32_t mask) {
  std::vector<std::string> out;
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (mask >> i & 1) out.push_back(AnomalyTypeName(static_cast<AnomalyType>(i)));
  }
  return out;
}

std::string ModelList(ModelSet s) {
  std::string out;
  for (IsolationModel m : ModelsIn(s)) out += (out.empty() ? "" : ", ") + std::string(ModelName(m));
  return out.empty() ? "(none)" : out;
}

}  // namespace

json Anomaly::ToJson() const {
  json j = {{"type", AnomalyTypeName(type)},
            {"violates", ModelNames(violates)},
            {"explanation", explanation}};
  if (!key.empty()) j["key"] = key;
  json txs = json::array();
  for (const AnomalyTxn& t : txns) {
    txs.push_back({{"name", t.name},
                   {"id", t.id},
                   {"process", t.process},
                   {"type", TxnTypeName(t.type)},
                   {"invoke_index", t.invoke_index},
                   {"complete_index", t.complete_index},
                   {"value", t.value}});
  }
  j["txns"] = std::move(txs);
  if (!steps.empty()) {
    json cycle = json::array();
    for (size_t i = 0; i < steps.size(); ++i) {
      cycle.push_back({{"from", txns[i].name},
                       {"to", txns[(i + 1) % txns.size()].name},
                       {"kind", EdgeKindName(steps[i].kind)},
                       {"explanation", steps[i].explanation}});
    }
    j["cycle"] = std::move(cycle);
  }
  return j;
}

uint32_t IsolationResult::anomaly_mask() const {
  uint32_t mask = 0;
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (anomaly_counts[i] > 0) mask |= uint32_t{1} << i;
  }
  return mask;
}

std::string IsolationResult::Verdict() const {
  const uint32_t mask = anomaly_mask();
  if (mask == 0) return "valid";
  const uint32_t dup = uint32_t{1} << static_cast<int>(AnomalyType::kDuplicateWrite);
  return mask == dup ? "unknown" : "invalid";
}

json IsolationResult::ToJson() const {
  const std::string verdict = Verdict();
  json j = {{"schema", kIsolationSchemaId},
            {"verdict", verdict},
            {"workload", workload},
            {"options",
             {{"process", options.process},
              {"realtime", options.realtime},
              {"sequential_keys", options.sequential_keys},
              {"linearizable_keys", options.linearizable_keys},
              {"max_examples", options.max_examples},
              {"search_budget", options.search_budget}}}};
  if (verdict == "unknown") j["valid"] = "unknown";
  else j["valid"] = verdict == "valid";
  json edges = json::object();
  for (int k = 0; k < kEdgeKindCount; ++k) {
    edges[EdgeKindName(static_cast<EdgeKind>(k))] = counts.edges[k];
  }
  j["counts"] = {{"txns", counts.txns}, {"ok", counts.ok},
                 {"fail", counts.fail}, {"info", counts.info},
                 {"mops", counts.mops}, {"keys", counts.keys},
                 {"edges", edges},      {"components", counts.components}};
  json types = json::array(), by_type = json::object(), omitted = json::object();
  json anomalies = json::object();
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (anomaly_counts[i] == 0) continue;
    const char* name = AnomalyTypeName(static_cast<AnomalyType>(i));
    types.push_back(name);
    by_type[name] = anomaly_counts[i];
    anomalies[name] = json::array();
  }
  for (const Anomaly& a : examples) {
    anomalies[AnomalyTypeName(a.type)].push_back(a.ToJson());
  }
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (anomaly_counts[i] == 0) continue;
    const char* name = AnomalyTypeName(static_cast<AnomalyType>(i));
    const uint64_t shown = anomalies[name].size();
    if (anomaly_counts[i] > shown) omitted[name] = anomaly_counts[i] - shown;
  }
  j["anomaly_types"] = std::move(types);
  j["anomaly_counts"] = std::move(by_type);
  j["not"] = ModelNames(models.weakest_violated);
  j["also_not"] = ModelNames(models.violated & ~models.weakest_violated);
  j["consistent_with"] = ModelNames(models.consistent);
  j["strongest_consistent"] = ModelNames(models.strongest_consistent);
  j["unchecked"] = ModelNames(models.unchecked);
  j["truncated"] = truncated;
  if (truncated) {
    j["truncation"] = {
        {"components", truncated_components},
        {"classes", TypeNames(truncated_classes)},
        {"budget", options.search_budget},
        {"meaning",
         "these cycle searches ran out of edge visits in some components: "
         "the classes may be present there without being reported"}};
  }
  j["anomalies"] = std::move(anomalies);
  j["examples_omitted"] = std::move(omitted);
  return j;
}

std::string IsolationResult::Summary() const {
  std::string s = fmt::format(
      "isolation: {}, {} transactions ({} ok, {} fail, {} info), {} keys\n",
      workload, counts.txns, counts.ok, counts.fail, counts.info, counts.keys);
  std::string edges;
  for (int k = 0; k < kEdgeKindCount; ++k) {
    if (counts.edges[k] == 0) continue;
    edges += fmt::format("{}{} {}", edges.empty() ? "" : ", ",
                         EdgeKindName(static_cast<EdgeKind>(k)), counts.edges[k]);
  }
  s += fmt::format("edges: {}; {} cyclic component(s)\n",
                   edges.empty() ? "none" : edges, counts.components);
  if (truncated) {
    std::string cut;
    for (const std::string& n : TypeNames(truncated_classes)) {
      cut += (cut.empty() ? "" : ", ") + n;
    }
    s += fmt::format(
        "cycle search truncated: {} search ran out of its {} edge visits in "
        "{} component(s); those classes may be present unreported "
        "(--search-budget raises the bound)\n",
        cut, options.search_budget, truncated_components);
  }
  s += fmt::format("verdict: {}\n", Verdict());
  if (anomaly_mask() != 0) {
    std::string list;
    for (int i = 0; i < kAnomalyTypeCount; ++i) {
      if (anomaly_counts[i] == 0) continue;
      list += fmt::format("{}{} x{}", list.empty() ? "" : ", ",
                          AnomalyTypeName(static_cast<AnomalyType>(i)),
                          anomaly_counts[i]);
    }
    s += "anomalies: " + list + "\n";
    s += "not: " + ModelList(models.weakest_violated) + "\n";
    const ModelSet also = models.violated & ~models.weakest_violated;
    if (also) s += "also not: " + ModelList(also) + "\n";
  }
  s += "consistent with: " + ModelList(models.strongest_consistent) +
       (models.consistent ? " (and every weaker model)" : "") + "\n";
  if (models.unchecked) {
    s += "not checked: " + ModelList(models.unchecked) +
         " (needs --process / --realtime)\n";
  }
  for (const Anomaly& a : examples) {
    s += fmt::format("\n{}: {}\n", AnomalyTypeName(a.type), a.explanation);
    for (const AnomalyTxn& t : a.txns) {
      s += fmt::format("  {} = {} (process {}, history index {}..{}): {}\n",
                       t.name, TxnTypeName(t.type), t.process, t.invoke_index,
                       t.complete_index, t.edn);
    }
  }
  return s;
}

}  // namespace crashlab
