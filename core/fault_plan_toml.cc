// TOML plans: cpptoml (header-only, throws) turns the text into tables,
// which become JSON and go through the one JSON rule reader, so a TOML
// plan and its JSON twin parse to the same FaultPlan. cpptoml keeps no
// line numbers for values, so semantic errors are located by finding the
// rule's table header and the key inside it in the text.
#include <cpptoml.h>

#include <sstream>

#include "core/fault_plan_internal.h"

namespace crashlab::fault_plan_internal {
namespace {

using nlohmann::json;

Result<json> ToJson(const std::shared_ptr<cpptoml::base>& v,
                    const std::string& key);

Result<json> TableToJson(const cpptoml::table& t, const std::string& key) {
  json out = json::object();
  for (const auto& [k, v] : t) {
    CRASHLAB_ASSIGN_OR_RETURN(out[k],
                              ToJson(v, key.empty() ? k : key + "." + k));
  }
  return out;
}

Result<json> ToJson(const std::shared_ptr<cpptoml::base>& v,
                    const std::string& key) {
  if (v->is_table()) return TableToJson(*v->as_table(), key);
  if (v->is_table_array()) {
    json out = json::array();
    for (const auto& t : v->as_table_array()->get()) {
      CRASHLAB_ASSIGN_OR_RETURN(json item, TableToJson(*t, key));
      out.push_back(std::move(item));
    }
    return out;
  }
  if (v->is_array()) {
    json out = json::array();
    for (const auto& item : v->as_array()->get()) {
      CRASHLAB_ASSIGN_OR_RETURN(json j, ToJson(item, key));
      out.push_back(std::move(j));
    }
    return out;
  }
  if (auto s = v->as<std::string>()) return json(s->get());
  if (auto i = v->as<int64_t>()) {
    return i->get() >= 0 ? json(static_cast<uint64_t>(i->get()))
                         : json(i->get());
  }
  if (auto d = v->as<double>()) return json(d->get());
  if (auto b = v->as<bool>()) return json(b->get());
  return Status::BadInput("key '" + key +
                          "': dates and times have no meaning in a plan");
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

bool IsHeader(const std::string& trimmed, const std::string& name) {
  if (trimmed.rfind("[[", 0) != 0) return false;
  const size_t end = trimmed.find("]]");
  return end != std::string::npos && Trim(trimmed.substr(2, end - 2)) == name;
}

// 1-based line of `key_path`'s leaf key inside the index-th [[array]]
// table, or of the table's header; 0 when not found.
size_t LineOf(std::string_view text, const std::string& array, size_t index,
              const std::string& key_path) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::string leaf = key_path.substr(key_path.rfind('.') + 1);
  const std::regex key_re(
      "(^|[\\s{,])\"?" +
      std::regex_replace(leaf, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
      "\"?\\s*=");
  size_t seen = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!IsHeader(Trim(lines[i]), array) || seen++ != index) continue;
    if (leaf.empty()) return i + 1;
    for (size_t k = i + 1; k < lines.size(); ++k) {
      const std::string t = Trim(lines[k]);
      if (t.rfind("[[", 0) == 0) break;
      if (!t.empty() && t[0] == '[' && t.rfind("[" + array + ".", 0) != 0)
        break;
      if (std::regex_search(lines[k], key_re)) return k + 1;
    }
    return i + 1;
  }
  return 0;
}

size_t TopLevelLine(std::string_view text, const std::string& key) {
  std::istringstream in{std::string(text)};
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    const std::string t = Trim(line);
    if (t.rfind(key, 0) == 0 && Trim(t.substr(key.size())).rfind('=', 0) == 0) {
      return n;
    }
  }
  return 0;
}

Status AtLine(size_t line, const Status& s) {
  return line ? s.Annotate("line " + std::to_string(line)) : s;
}

}  // namespace

Result<FaultPlan> ParseTomlPlan(std::string_view text) {
  std::shared_ptr<cpptoml::table> root;
  try {
    std::istringstream in{std::string(text)};
    cpptoml::parser parser(in);
    root = parser.parse();
  } catch (const cpptoml::parse_exception& e) {
    return Status::BadInput(std::string("plan is not valid TOML: ") + e.what());
  } catch (const std::exception& e) {
    return Status::BadInput(std::string("plan is not valid TOML: ") + e.what());
  }
  CRASHLAB_ASSIGN_OR_RETURN(json doc, TableToJson(*root, ""));
  FaultPlan plan;
  for (const auto& [k, v] : doc.items()) {
    if (k == "seed") {
      if (!v.is_number_unsigned()) {
        return AtLine(
            TopLevelLine(text, "seed"),
            Status::BadInput("key 'seed': must be a non-negative integer"));
      }
      plan.seed = v.get<uint64_t>();
    } else if (k == "rule" || k == "injection") {
      if (!v.is_array()) {
        return AtLine(TopLevelLine(text, k),
                      Status::BadInput("key '" + k + "': write it as [[" + k +
                                       "]] tables"));
      }
    } else if (k != "faults" && k != "cache" && k != "filesystem" &&
               k != "description") {
      return AtLine(
          TopLevelLine(text, k),
          Status::BadInput("key '" + k +
                           "': unknown (known: seed, [[rule]], "
                           "LazyFS's [[injection]], [faults], [cache], "
                           "[filesystem])"));
    }
  }
  if (doc.contains("rule")) {
    for (size_t i = 0; i < doc["rule"].size(); ++i) {
      std::string bad_key;
      auto rule = ParseRuleJson(doc["rule"][i], i, &bad_key);
      if (!rule.ok())
        return AtLine(LineOf(text, "rule", i, bad_key), rule.status());
      plan.rules.push_back(std::move(*rule));
    }
  }
  if (doc.contains("injection")) {
    for (size_t i = 0; i < doc["injection"].size(); ++i) {
      std::string bad_key;
      auto rule = RuleFromLazyFsInjection(doc["injection"][i], i, &bad_key);
      if (!rule.ok()) {
        return AtLine(LineOf(text, "injection", i, bad_key), rule.status());
      }
      plan.rules.push_back(std::move(*rule));
    }
  }
  CRASHLAB_RETURN_IF_ERROR(ValidatePlan(plan));
  return plan;
}

}  // namespace crashlab::fault_plan_internal
