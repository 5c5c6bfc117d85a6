#include "harness/cli/matrix_spec.h"

#include "reports/claims.h"

#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/files.h"
#include "core/hash.h"

namespace crashlab {

using nlohmann::json;

namespace {

// Budget keys and the `crashlab run` flag each becomes.
const std::pair<const char*, const char*> kBudgets[] = {
    {"max_states", "--max-states"},
    {"budget_s", "--budget-s"},
    {"timeout_s", "--timeout-s"},
    {"minimize_budget_s", "--minimize-budget-s"},
    {"minimize_tests", "--minimize-tests"},
    {"jobs", "--jobs"},
    {"rounds", "--rounds"},
    {"max_findings", "--max-findings"},
    {"clients", "--clients"},  // transactional workloads (list-append, ...)
    {"txns", "--txns"},
    {"rate", "--rate"},  // operations per second (timer-flushed engines)
};
// Crash-entry options and their flags.
const std::pair<const char*, const char*> kCrashOptions[] = {
    {"models", "--model"},        {"device", "--device"},
    {"tear", "--tear"},           {"faults", "--faults"},
    {"at_op", "--at-op"},         {"at_time_ms", "--at-time"},
    {"at_mark", "--at-mark"},     {"exhaustive_bound", "--exhaustive-bound"},
    {"samples", "--samples"},     {"torn_writes", "--torn-writes"},
};

bool IsBudget(const std::string& k) {
  for (const auto& [key, flag] : kBudgets) {
    if (k == key) return true;
  }
  return false;
}

Status CheckKeys(const json& obj, const std::string& where,
                 std::initializer_list<const char*> allowed, bool budgets) {
  if (!obj.is_object()) return Status::InvalidArgument(where + " must be an object");
  for (const auto& [k, v] : obj.items()) {
    bool ok = budgets && IsBudget(k);
    for (const char* a : allowed) ok |= k == a;
    if (!ok) return Status::InvalidArgument(fmt::format("unknown key '{}' in {}", k, where));
  }
  return Status::Ok();
}

std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

Result<std::string> ExpandEnv(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "${") != 0) {
      out += s[i];
      continue;
    }
    const size_t end = s.find('}', i);
    if (end == std::string::npos) return Status::InvalidArgument("unclosed ${ in '" + s + "'");
    const std::string var = s.substr(i + 2, end - i - 2);
    const char* value = std::getenv(var.c_str());
    if (!value) {
      return Status::InvalidArgument("setting value names $" + var + ", which is not set");
    }
    out += value;
    i = end;
  }
  return out;
}

// A list that may be given as one item.
std::vector<json> Items(const json& j) {
  if (j.is_array()) return j.get<std::vector<json>>();
  return {j};
}

std::string Slug(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const bool keep = std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
                      ch == '-' || ch == '=';
    out += keep ? ch : '_';
  }
  return out;
}

struct Scopes {
  const json* crash;
  const json* workload;
  const json* engine;
  const json* defaults;
  // The most specific value of `key`, or null.
  const json* Find(const char* key) const {
    for (const json* s : {crash, workload, engine, defaults}) {
      if (s && s->is_object() && s->contains(key)) return &(*s)[key];
    }
    return nullptr;
  }
};

Status AddCrashArgs(const json& crash, const std::string& mode, const Scopes& scopes,
                    std::vector<std::string>* args) {
  const bool live = mode == "process" || mode == "power";
  // Paths (faults) stay as written: children run in crashlab's directory.
  for (const auto& [key, flag] : kCrashOptions) {
    if (!crash.is_object() || !crash.contains(key)) continue;
    args->insert(args->end(), {flag, Scalar(crash[key])});
  }
  for (const auto& [key, flag] : kBudgets) {
    const json* v = scopes.Find(key);
    if (!v) continue;
    if (std::string(key) == "rounds" && !live) continue;  // explore has none
    if (!v->is_number() || v->get<double>() < 0) {
      return Status::InvalidArgument(fmt::format("{} must be a number >= 0", key));
    }
    args->insert(args->end(), {flag, Scalar(*v)});
  }
  return Status::Ok();
}

struct Workload {
  std::string name;
  uint64_t ops;
  json entry;
};

Result<std::vector<Workload>> Workloads(const json& list, const json& defaults) {
  std::vector<Workload> out;
  for (const json& w : Items(list)) {
    Workload wl{defaults.value("workload", "auth"), defaults.value("ops", uint64_t{300}),
                json::object()};
    if (w.is_string()) {
      wl.name = w.get<std::string>();
    } else {
      CRASHLAB_RETURN_IF_ERROR(CheckKeys(w, "a workloads entry", {"name", "ops"}, true));
      wl.name = w.value("name", wl.name);
      wl.ops = w.value("ops", wl.ops);
      wl.entry = w;
    }
    out.push_back(std::move(wl));
  }
  return out;
}

Status ExpandEngine(const json& e, const json& top, const json& defaults,
                    MatrixSpec* spec) {
  CRASHLAB_RETURN_IF_ERROR(CheckKeys(
      e, "an engines entry", {"engine", "settings", "crash", "workloads", "seeds", "when_env"},
      true));
  if (!e.contains("engine") || !e["engine"].is_string()) {
    return Status::InvalidArgument("every engines entry needs \"engine\"");
  }
  if (e.contains("when_env")) {
    const char* v = std::getenv(e["when_env"].get<std::string>().c_str());
    if (!v || !*v) return Status::Ok();  // e.g. Skytable only when $SKYD is given
  }
  const std::string engine = e["engine"];
  const json settings_list = e.value("settings", json::array({json::object()}));
  const json crash_list = e.value("crash", top.value("crash", json("explore")));
  const json seeds = e.value("seeds", top.value("seeds", defaults.value("seeds", json::array({1}))));
  const json workloads_json =
      e.value("workloads", top.value("workloads", json::array({json::object()})));
  CRASHLAB_ASSIGN_OR_RETURN(auto workloads, Workloads(workloads_json, defaults));
  for (const json& s : Items(settings_list)) {
    if (!s.is_object()) return Status::InvalidArgument("settings entries are objects");
    SettingMap settings;
    for (const auto& [k, v] : s.items()) {
      CRASHLAB_ASSIGN_OR_RETURN(settings[k], ExpandEnv(Scalar(v)));
    }
    for (const json& c : Items(crash_list)) {
      const std::string mode = c.is_string() ? c.get<std::string>() : c.value("mode", "");
      if (mode != "explore" && mode != "process" && mode != "power" && mode != "none") {
        return Status::InvalidArgument(
            "crash mode must be explore, process, power or none, got '" +
                                       mode + "'");
      }
      if (c.is_object()) {
        CRASHLAB_RETURN_IF_ERROR(CheckKeys(c, "a crash entry",
            {"mode", "models", "device", "tear", "faults", "at_op", "at_time_ms",
             "at_mark", "exhaustive_bound", "samples", "torn_writes"}, true));
      }
      for (const Workload& w : workloads) {
        for (const json& seed : Items(seeds)) {
          if (!seed.is_number_integer() || seed.get<int64_t>() < 0) {
            return Status::InvalidArgument("seeds are integers >= 0");
          }
          MatrixCell cell;
          cell.index = static_cast<int>(spec->cells.size());
          cell.engine = engine;
          cell.settings = settings;
          cell.crash = mode;
          cell.workload = w.name;
          cell.ops = w.ops;
          cell.seed = seed.get<uint64_t>();
          std::string name = engine;
          for (const auto& [k, v] : settings) name += "_" + k + "=" + v;
          name += fmt::format("_{}_{}-{}_seed-{}", mode, w.name, w.ops, cell.seed);
          cell.name = Slug(name);
          cell.dir = "cells/" + cell.name;
          cell.args = {"run", "--engine", engine};
          for (const auto& [k, v] : settings) cell.args.insert(cell.args.end(), {"--set", k + "=" + v});
          cell.args.insert(cell.args.end(),
                           {"--workload", w.name, "--ops", std::to_string(w.ops), "--seed",
                            std::to_string(cell.seed), "--crash", mode});
          Scopes scopes{&c, &w.entry, &e, &defaults};
          CRASHLAB_RETURN_IF_ERROR(AddCrashArgs(c, mode, scopes, &cell.args));
          spec->cells.push_back(std::move(cell));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<MatrixSpec> ParseMatrixSpec(const json& j) {
  try {
    CRASHLAB_RETURN_IF_ERROR(CheckKeys(
        j, "the matrix file",
        {"name", "defaults", "crash", "workloads", "seeds", "engines", "claims"},
        false));
    const json defaults = j.value("defaults", json::object());
    CRASHLAB_RETURN_IF_ERROR(
        CheckKeys(defaults, "defaults", {"workload", "ops", "seeds"}, true));
    if (!j.contains("engines") || !j["engines"].is_array() || j["engines"].empty()) {
      return Status::InvalidArgument("the matrix file needs a non-empty \"engines\" list");
    }
    MatrixSpec spec;
    spec.name = j.value("name", "matrix");
    for (const json& e : j["engines"]) {
      CRASHLAB_RETURN_IF_ERROR(ExpandEngine(e, j, defaults, &spec));
    }
    std::set<std::string> names;
    Hasher h;
    for (const MatrixCell& c : spec.cells) {
      if (!names.insert(c.name).second) {
        return Status::InvalidArgument("cell " + c.name + " is listed twice");
      }
      h.Update(json({c.index, c.name, c.args}).dump());
      h.Update("\n");
    }
    spec.hash = h.Digest().ToHex().substr(0, 16);
    if (j.contains("claims")) {
      spec.claims = j["claims"];
      // `where` values may name environment variables, as settings do
      // (`skyd: "${SKYD}"` selects the cells that ran that binary).
      for (json& claim : spec.claims) {
        for (const char* list : {"supports", "refutes", "measure"}) {
          if (!claim.is_object() || !claim.contains(list) || !claim[list].is_array()) {
            continue;
          }
          for (json& check : claim[list]) {
            if (!check.is_object() || !check.contains("where")) continue;
            for (auto& [k, v] : check["where"].items()) {
              if (v.is_string()) {
                CRASHLAB_ASSIGN_OR_RETURN(std::string expanded,
                                          ExpandEnv(v.get<std::string>()));
                v = expanded;
              }
            }
          }
        }
      }
      CRASHLAB_RETURN_IF_ERROR(ParseClaims(spec.claims).status());
    }
    return spec;
  } catch (const json::exception& ex) {
    return Status::InvalidArgument(std::string("matrix file: ") + ex.what());
  }
}

namespace {

json YamlNode(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const YAML::Node& item : n) a.push_back(YamlNode(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = YamlNode(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: always a string
      if (s == "true" || s == "false") return s == "true";
      char* end = nullptr;
      const unsigned long long u = std::strtoull(s.c_str(), &end, 10);
      if (!s.empty() && s[0] != '-' && *end == '\0') return static_cast<uint64_t>(u);
      const double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0') return d;
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

Result<json> YamlToJson(const std::string& text) {
  try {
    return YamlNode(YAML::Load(text));
  } catch (const YAML::Exception& ex) {
    return Status::InvalidArgument(std::string("matrix file is not valid YAML: ") + ex.what());
  }
}

Result<MatrixSpec> ReadMatrixSpec(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  const bool yaml = path.ends_with(".yaml") || path.ends_with(".yml");
  json j;
  if (yaml) {
    CRASHLAB_ASSIGN_OR_RETURN(j, YamlToJson(text));
  } else {
    j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::InvalidArgument(path + " is not valid JSON");
  }
  auto spec = ParseMatrixSpec(j);
  if (!spec.ok()) return spec.status().Annotate(path);
  return spec;
}

std::vector<MatrixCell> ShardCells(const MatrixSpec& spec, int index, int count) {
  std::vector<MatrixCell> out;
  for (const MatrixCell& c : spec.cells) {
    if (c.index % count == index) out.push_back(c);
  }
  return out;
}

}  // namespace crashlab
