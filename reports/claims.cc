#include "reports/claims.h"

#include <algorithm>

#include <fmt/format.h>

namespace crashlab {

using nlohmann::json;

namespace {

constexpr const char* kOps[] = {"above", "at_least", "below", "at_most", "equals"};
constexpr const char* kOpSigns[] = {">", ">=", "<", "<=", "="};
constexpr const char* kOutcomeFields[] = {"states", "recovered", "with_findings",
                                          "refused"};

bool KnownMetric(const std::string& m) {
  if (m.empty()) return false;
  if (m[0] == '/' || m == "findings" || m.rfind("findings.", 0) == 0) return true;
  for (const char* simple : {"lost_acknowledged", "oldest_loss_s", "ops_acknowledged",
                             "states_checked", "recoveries"}) {
    if (m == simple) return true;
  }
  if (m.rfind("outcomes.", 0) != 0) return false;
  const size_t colon = m.find(':');
  if (colon == std::string::npos) return false;
  const std::string field = m.substr(9, colon - 9);
  return std::find(std::begin(kOutcomeFields), std::end(kOutcomeFields), field) !=
         std::end(kOutcomeFields);
}

Result<ClaimCheck> ParseCheck(const json& j, const std::string& where, bool measure) {
  if (!j.is_object()) return Status::InvalidArgument(where + ": a check is an object");
  ClaimCheck c;
  for (const auto& [k, v] : j.items()) {
    if (k == "where") {
      if (!v.is_object()) return Status::InvalidArgument(where + ": `where` is an object");
      for (const auto& [wk, wv] : v.items()) {
        c.where[wk] = wv.is_string() ? wv.get<std::string>() : wv.dump();
      }
    } else if (k == "metric") {
      c.metric = v.is_string() ? v.get<std::string>() : "";
    } else if (k == "label" && measure) {
      c.label = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (!measure &&
               std::find(std::begin(kOps), std::end(kOps), k) != std::end(kOps)) {
      if (!c.op.empty() || !v.is_number()) {
        return Status::InvalidArgument(where + ": give one comparison, with a number");
      }
      c.op = k;
      c.value = v.get<double>();
    } else {
      return Status::InvalidArgument(where + ": unknown key '" + k + "'");
    }
  }
  if (!KnownMetric(c.metric)) {
    return Status::InvalidArgument(
        where + ": unknown metric '" + c.metric +
        "' (findings, findings.KIND, lost_acknowledged, oldest_loss_s, "
        "ops_acknowledged, states_checked, recoveries, "
        "outcomes.states|recovered|with_findings|refused:FILES, /json/pointer)");
  }
  if (!measure && c.op.empty()) {
    return Status::InvalidArgument(where + ": needs one of above, at_least, below, "
                                           "at_most, equals");
  }
  return c;
}

bool Matches(const MatrixCell& cell, const std::map<std::string, std::string>& where) {
  for (const auto& [k, v] : where) {
    if (k == "engine") {
      if (cell.engine != v) return false;
    } else if (k == "crash") {
      if (cell.crash != v) return false;
    } else if (k == "workload") {
      if (cell.workload != v) return false;
    } else if (k == "cell") {
      if (cell.name.find(v) == std::string::npos) return false;
    } else {
      auto it = cell.settings.find(k);
      if (it == cell.settings.end() || it->second != v) return false;
    }
  }
  return true;
}

bool Compare(double x, const std::string& op, double v) {
  if (op == "above") return x > v;
  if (op == "at_least") return x >= v;
  if (op == "below") return x < v;
  if (op == "at_most") return x <= v;
  return x == v;
}

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  return fmt::format("{:.2f}", v);
}

std::string Describe(const ClaimCheck& c) {
  std::string where;
  for (const auto& [k, v] : c.where) where += (where.empty() ? "" : " ") + k + "=" + v;
  std::string out = c.label.empty() ? c.metric : c.label;
  if (!c.op.empty()) {
    const size_t i = std::find(std::begin(kOps), std::end(kOps), c.op) - std::begin(kOps);
    out += fmt::format(" {} {}", kOpSigns[i], Number(c.value));
  }
  return where.empty() ? out : out + " [" + where + "]";
}

CheckResult Evaluate(const ClaimCheck& c, const MatrixReport& m) {
  CheckResult r;
  r.what = Describe(c);
  for (const MatrixCell& cell : m.cells) {
    if (!Matches(cell, c.where) || !cell.raw) continue;
    r.cells.push_back(cell.name);
    const std::optional<double> v = CellMetric(*cell.raw, c.metric);
    if (!v) continue;
    r.value = !r.value ? *v
              : c.metric == "oldest_loss_s" ? std::max(*r.value, *v)
                                            : *r.value + *v;
  }
  r.holds = r.value && !c.op.empty() && Compare(*r.value, c.op, c.value);
  return r;
}

json CheckJson(const CheckResult& c) {
  return {{"check", c.what}, {"cells", c.cells},
          {"value", c.value ? json(*c.value) : json()}, {"holds", c.holds}};
}

}  // namespace

Result<std::vector<ClaimSpec>> ParseClaims(const json& claims) {
  if (!claims.is_array()) return Status::InvalidArgument("`claims` is a list");
  std::vector<ClaimSpec> out;
  for (const json& j : claims) {
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string() ||
        !j.contains("claim") || !j["claim"].is_string()) {
      return Status::InvalidArgument("every claim has a string `id` and `claim`");
    }
    ClaimSpec c;
    c.id = j["id"];
    c.claim = j["claim"];
    const std::string where = "claim " + c.id;
    for (const auto& [k, v] : j.items()) {
      if (k == "id" || k == "claim") continue;
      if (k == "source") {
        c.source = v.is_string() ? v.get<std::string>() : v.dump();
      } else if (k == "supports" || k == "refutes" || k == "measure") {
        if (!v.is_array()) return Status::InvalidArgument(where + ": `" + k + "` is a list");
        auto& list = k == "supports" ? c.supports : k == "refutes" ? c.refutes : c.measures;
        for (const json& check : v) {
          CRASHLAB_ASSIGN_OR_RETURN(ClaimCheck parsed,
                                    ParseCheck(check, where + " " + k, k == "measure"));
          list.push_back(std::move(parsed));
        }
      } else if (k == "verdicts") {
        if (!v.is_object()) return Status::InvalidArgument(where + ": `verdicts` is an object");
        for (const auto& [vk, vv] : v.items()) {
          if (vk != "confirmed" && vk != "partly" && vk != "refuted" && vk != "not shown") {
            return Status::InvalidArgument(where + ": no verdict '" + vk + "'");
          }
          c.verdicts[vk] = vv.is_string() ? vv.get<std::string>() : vv.dump();
        }
      } else {
        return Status::InvalidArgument(where + ": unknown key '" + k + "'");
      }
    }
    if (c.supports.empty() && c.refutes.empty()) {
      return Status::InvalidArgument(where + ": give `supports` or `refutes`");
    }
    out.push_back(std::move(c));
  }
  return out;
}

json ClaimsToJson(const std::vector<ClaimSpec>& specs) {
  json out = json::array();
  for (const ClaimSpec& c : specs) {
    auto checks = [](const std::vector<ClaimCheck>& list) {
      json a = json::array();
      for (const ClaimCheck& k : list) {
        json j = {{"where", k.where}, {"metric", k.metric}};
        if (!k.op.empty()) j[k.op] = k.value;
        if (!k.label.empty()) j["label"] = k.label;
        a.push_back(std::move(j));
      }
      return a;
    };
    out.push_back({{"id", c.id}, {"claim", c.claim}, {"source", c.source},
                   {"supports", checks(c.supports)}, {"refutes", checks(c.refutes)},
                   {"measure", checks(c.measures)}, {"verdicts", c.verdicts}});
  }
  return out;
}

std::optional<double> CellMetric(const json& report, const std::string& metric) {
  auto number = [](const json& v) -> std::optional<double> {
    if (v.is_number()) return v.get<double>();
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    return std::nullopt;
  };
  if (metric[0] == '/') {
    const json::json_pointer ptr(metric);
    return report.contains(ptr) ? number(report.at(ptr)) : std::nullopt;
  }
  const json& summary = report.value("summary", json::object());
  const json& by_kind = summary.value("by_kind", json::object());
  if (metric == "findings") {
    double sum = 0;
    for (const auto& [k, v] : by_kind.items()) sum += v.get<double>();
    return sum;
  }
  if (metric.rfind("findings.", 0) == 0) {
    const std::string kind = metric.substr(9);
    return by_kind.contains(kind) ? number(by_kind[kind]) : std::nullopt;
  }
  if (metric == "ops_acknowledged" || metric == "states_checked" ||
      metric == "recoveries") {
    return summary.contains(metric) ? number(summary[metric]) : std::nullopt;
  }
  if (metric == "lost_acknowledged" || metric == "oldest_loss_s") {
    const json& rounds = report.value("rounds", json::array());
    if (rounds.empty()) return std::nullopt;
    double v = metric == "oldest_loss_s" ? -1 : 0;
    for (const json& r : rounds) {
      const double x = r.value(metric, metric == "oldest_loss_s" ? -1.0 : 0.0);
      v = metric == "oldest_loss_s" ? std::max(v, x) : v + x;
    }
    return v;
  }
  // outcomes.FIELD:FILES
  const size_t colon = metric.find(':');
  const std::string field = metric.substr(9, colon - 9);
  const std::string files = metric.substr(colon + 1);
  const json& crash = report.value("crash", json::object());
  if (!crash.contains("outcomes")) return std::nullopt;
  double sum = 0;
  for (const json& row : crash["outcomes"]) {
    if (row.value("files", "").find(files) != std::string::npos) {
      sum += row.value(field, 0.0);
    }
  }
  return sum;
}

json ClaimResult::ToJson() const {
  json s = json::array(), r = json::array(), m = json::array();
  for (const auto& c : supports) s.push_back(CheckJson(c));
  for (const auto& c : refutes) r.push_back(CheckJson(c));
  for (const auto& c : measures) m.push_back(CheckJson(c));
  return {{"id", id},         {"claim", claim},    {"source", source},
          {"verdict", verdict}, {"words", words},  {"supports", s},
          {"refutes", r},       {"measures", m}};
}

std::vector<ClaimResult> DecideClaims(const std::vector<ClaimSpec>& specs,
                                      const MatrixReport& matrix) {
  std::vector<ClaimResult> out;
  for (const ClaimSpec& spec : specs) {
    ClaimResult r;
    r.id = spec.id;
    r.claim = spec.claim;
    r.source = spec.source;
    bool undecided = false, all_support = true, any_refute = false;
    for (const ClaimCheck& c : spec.supports) {
      r.supports.push_back(Evaluate(c, matrix));
      undecided |= !r.supports.back().value;
      all_support &= r.supports.back().holds;
    }
    for (const ClaimCheck& c : spec.refutes) {
      r.refutes.push_back(Evaluate(c, matrix));
      undecided |= !r.refutes.back().value;
      any_refute |= r.refutes.back().holds;
    }
    for (const ClaimCheck& c : spec.measures) r.measures.push_back(Evaluate(c, matrix));
    if (spec.supports.empty()) all_support = false;
    r.verdict = undecided                    ? "undecided"
                : all_support && !any_refute ? "confirmed"
                : all_support                ? "partly"
                : any_refute                 ? "refuted"
                                             : "not shown";
    auto words = spec.verdicts.find(r.verdict);
    if (words != spec.verdicts.end()) r.words = words->second;
    out.push_back(std::move(r));
  }
  return out;
}

std::string ClaimsMarkdown(const std::vector<ClaimResult>& results) {
  std::string out = "| Claim | Verdict | Evidence (measured) |\n|---|---|---|\n";
  auto cell = [](std::string s) {
    for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) {
      s.replace(i, 1, "\\|");
    }
    return s;
  };
  for (const ClaimResult& r : results) {
    std::string evidence;
    auto add = [&](const CheckResult& c, const char* tag) {
      evidence += (evidence.empty() ? "" : "<br>") + std::string(tag) + c.what + ": " +
                  (c.value ? Number(*c.value) : "no data");
    };
    for (const auto& c : r.supports) add(c, c.holds ? "✔ " : "✘ ");
    for (const auto& c : r.refutes) add(c, c.holds ? "refutes: " : "does not refute: ");
    for (const auto& c : r.measures) add(c, "");
    out += "| " + cell(r.claim) + " | **" + r.verdict + "**" +
           (r.words.empty() ? "" : " " + cell(r.words)) + " | " + cell(evidence) + " |\n";
  }
  return out;
}

}  // namespace crashlab
