// LazyFS's fault vocabulary, mapped onto crashlab rules.
//
//   torn-seq (reorder)      -> action torn_seq {group = occurrence, persist}
//   torn-op (split_write)   -> nth = occurrence, action torn_op {parts |
//                              parts_bytes, persist}
//   clear-cache (clear)     -> op, from/to, nth = occurrence, action
//                              clear_cache {timing, crash}
//   crash                   -> op, from/to, nth = occurrence, action crash
//                              {timing}
// Every LazyFS fault fires once (times = 1), as in LazyFS. `file` paths
// match by suffix, `from`/`to` (alias from_rgx/to_rgx) regexes likewise
// (fault_plan.h, "Paths"). "ocurrence" is accepted for "occurrence", and
// "return" (reply success before the crash) for torn faults.
#include <algorithm>
#include <sstream>

#include "core/fault_plan_internal.h"

namespace crashlab {
namespace {

using fault_plan_internal::KeyProblem;
using nlohmann::json;

class InjectionReader {
 public:
  InjectionReader(std::string where, std::string id, std::string* bad_key)
      : where_(std::move(where)), id_(std::move(id)), bad_key_(bad_key) {}

  Result<FaultRule> Read(const json& t);

 private:
  Status Bad(const std::string& key, const std::string& problem) {
    if (bad_key_ != nullptr) *bad_key_ = key;
    return Status::BadInput(KeyProblem(where_, key, problem));
  }
  Status Uint(const json& t, const char* key, uint64_t* out, bool* given);
  Status Numbers(const json& t, const char* key, std::vector<uint64_t>* out);
  Status Regex(const json& t, const char* key, const char* alias,
               PathPattern* out);
  Status Occurrence(const json& t, uint64_t* out, bool* given);

  std::string where_;
  std::string id_;
  std::string* bad_key_;
};

Status InjectionReader::Uint(const json& t, const char* key, uint64_t* out,
                             bool* given) {
  *given = t.contains(key);
  if (!*given) return Status::Ok();
  if (!t[key].is_number_unsigned() || t[key].get<uint64_t>() == 0) {
    return Bad(key, "must be a number from 1, got " + t[key].dump());
  }
  *out = t[key].get<uint64_t>();
  return Status::Ok();
}

Status InjectionReader::Numbers(const json& t, const char* key,
                                std::vector<uint64_t>* out) {
  if (!t.contains(key)) return Bad(key, "is required");
  const json& a = t[key];
  if (!a.is_array() || a.empty()) {
    return Bad(key, "must be a non-empty list of numbers from 1");
  }
  for (const json& v : a) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() == 0) {
      return Bad(key, "entries must be numbers from 1, got " + v.dump());
    }
    out->push_back(v.get<uint64_t>());
  }
  return Status::Ok();
}

Status InjectionReader::Regex(const json& t, const char* key, const char* alias,
                              PathPattern* out) {
  const char* found = t.contains(key)     ? key
                      : t.contains(alias) ? alias
                                          : nullptr;
  if (found == nullptr) return Status::Ok();
  if (t.contains(key) && t.contains(alias)) {
    return Bad(alias,
               std::string("give ") + key + " or " + alias + ", not both");
  }
  if (!t[found].is_string() || t[found].get<std::string>().empty()) {
    return Bad(found, "must be a non-empty path or regular expression");
  }
  out->kind = PathPattern::Kind::kSuffixRegex;
  out->text = t[found].get<std::string>();
  std::string error;
  if (fault_plan_internal::SuffixRegexes(out->text, &error).empty()) {
    return Bad(found, "bad regular expression \"" + out->text + "\": " + error);
  }
  return Status::Ok();
}

Status InjectionReader::Occurrence(const json& t, uint64_t* out, bool* given) {
  if (t.contains("occurrence") && t.contains("ocurrence")) {
    return Bad("ocurrence", "give occurrence once");
  }
  return Uint(t, t.contains("ocurrence") ? "ocurrence" : "occurrence", out,
              given);
}

Result<FaultRule> InjectionReader::Read(const json& t) {
  if (!t.is_object()) return Bad("", "an injection must be a table");
  if (!t.contains("type") || !t["type"].is_string()) {
    return Bad("type", "is required: torn-seq, torn-op, clear-cache or crash");
  }
  std::string type = t["type"].get<std::string>();
  if (type == "reorder") type = "torn-seq";
  if (type == "split_write") type = "torn-op";
  if (type == "clear") type = "clear-cache";
  std::vector<const char*> allowed = {"type", "occurrence", "ocurrence"};
  if (type == "torn-seq") {
    allowed.insert(allowed.end(), {"op", "file", "persist", "return"});
  } else if (type == "torn-op") {
    allowed.insert(allowed.end(),
                   {"op", "file", "persist", "parts", "parts_bytes", "return"});
  } else if (type == "clear-cache" || type == "crash") {
    allowed.insert(allowed.end(),
                   {"op", "from", "from_rgx", "to", "to_rgx", "timing"});
    if (type == "clear-cache") allowed.push_back("crash");
  } else {
    return Bad("type",
               "unknown injection type \"" + type +
                   "\" (known: torn-seq, reorder, torn-op, split_write, "
                   "clear-cache, clear, crash)");
  }
  for (const auto& [k, v] : t.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) return Bad(k, "unknown key for a " + type + " injection");
  }
  FaultRule rule;
  rule.id = id_;
  rule.times = 1;
  FaultAction& a = rule.action;
  uint64_t occurrence = 0;
  bool has_occurrence = false;
  CRASHLAB_RETURN_IF_ERROR(Occurrence(t, &occurrence, &has_occurrence));
  FaultOp op = FaultOp::kWrite;
  if (t.contains("op")) {
    if (!t["op"].is_string() ||
        !FaultOpFromName(t["op"].get<std::string>(), &op)) {
      return Bad("op", "unknown operation " + t["op"].dump());
    }
  } else if (type == "clear-cache" || type == "crash") {
    return Bad("op",
               "is required (the operation to " +
                   std::string(type == "crash" ? "crash" : "clear the cache") +
                   " at)");
  }
  if (auto ret = t.find("return"); ret != t.end()) {
    if (!ret->is_boolean()) return Bad("return", "must be true or false");
    a.reply_ok = ret->get<bool>();
  }
  if (type == "torn-seq" || type == "torn-op") {
    if (op != FaultOp::kWrite)
      return Bad("op", "must be \"write\" for " + type);
    if (!t.contains("file") || !t["file"].is_string() ||
        t["file"].get<std::string>().empty()) {
      return Bad("file", "is required: the file whose writes tear");
    }
    rule.ops = Bit(FaultOp::kWrite);
    rule.path = {PathPattern::Kind::kSuffix, t["file"].get<std::string>()};
    std::vector<uint64_t> persist;
    CRASHLAB_RETURN_IF_ERROR(Numbers(t, "persist", &persist));
    if (type == "torn-seq") {
      a.kind = ActionKind::kTornSeq;
      a.group = has_occurrence ? occurrence : 1;
    } else {
      a.kind = ActionKind::kTornOp;
      rule.nth = has_occurrence ? occurrence : 1;
      bool has_parts = false;
      uint64_t parts = 0;
      CRASHLAB_RETURN_IF_ERROR(Uint(t, "parts", &parts, &has_parts));
      if (has_parts == t.contains("parts_bytes")) {
        return Bad("parts", "give exactly one of parts and parts_bytes");
      }
      if (has_parts) {
        if (parts > 65536) return Bad("parts", "at most 65536");
        a.parts = static_cast<uint32_t>(parts);
      } else {
        CRASHLAB_RETURN_IF_ERROR(Numbers(t, "parts_bytes", &a.parts_bytes));
        parts = a.parts_bytes.size();
      }
      for (uint64_t p : persist) {
        if (p > parts) {
          return Bad("persist",
                     "part " + std::to_string(p) +
                         " is out of range (the write is split into " +
                         std::to_string(parts) + " parts)");
        }
      }
    }
    for (uint64_t p : persist) {
      if (p > UINT32_MAX) return Bad("persist", "number too large");
      a.persist.push_back(static_cast<uint32_t>(p));
    }
    std::sort(a.persist.begin(), a.persist.end());
    a.persist.erase(std::unique(a.persist.begin(), a.persist.end()),
                    a.persist.end());
    return rule;
  }
  rule.ops = Bit(op);
  rule.nth = has_occurrence ? occurrence : 0;
  a.kind = type == "crash" ? ActionKind::kCrash : ActionKind::kClearCache;
  CRASHLAB_RETURN_IF_ERROR(Regex(t, "from", "from_rgx", &rule.path));
  CRASHLAB_RETURN_IF_ERROR(Regex(t, "to", "to_rgx", &rule.to));
  if (rule.to.kind != PathPattern::Kind::kAny && op != FaultOp::kRename &&
      op != FaultOp::kLink && op != FaultOp::kSymlink) {
    return Bad(t.contains("to") ? "to" : "to_rgx",
               "only rename, link and symlink have a destination path");
  }
  if (t.contains("timing")) {
    if (t["timing"] == "before")
      a.timing = Timing::kBefore;
    else if (t["timing"] == "after")
      a.timing = Timing::kAfter;
    else
      return Bad("timing",
                 "must be \"before\" or \"after\", got " + t["timing"].dump());
  }
  if (t.contains("crash")) {
    if (!t["crash"].is_boolean()) return Bad("crash", "must be true or false");
    a.crash = t["crash"].get<bool>();
  }
  return rule;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit);
}

// "k=v" of a FIFO command -> the JSON a TOML injection table would give.
Status AddFifoValue(const std::string& key, const std::string& value, json* t,
                    const std::string& where) {
  if (key == "persist" || key == "parts_bytes") {
    json list = json::array();
    std::stringstream in(value);
    for (std::string item; std::getline(in, item, ',');) {
      if (!AllDigits(item)) {
        return Status::BadInput(KeyProblem(
            where, key,
            "must be numbers separated by commas, got \"" + value + "\""));
      }
      list.push_back(std::stoull(item));
    }
    (*t)[key] = list;
  } else if (key == "occurrence" || key == "ocurrence" || key == "parts") {
    if (!AllDigits(value) || value.size() > 18) {
      return Status::BadInput(
          KeyProblem(where, key, "must be a number, got \"" + value + "\""));
    }
    (*t)[key] = std::stoull(value);
  } else if (key == "return" || key == "crash") {
    if (value == "true" || value == "True")
      (*t)[key] = true;
    else if (value == "false" || value == "False")
      (*t)[key] = false;
    else
      return Status::BadInput(KeyProblem(where, key, "must be true or false"));
  } else {
    (*t)[key] = value;
  }
  return Status::Ok();
}

}  // namespace

namespace fault_plan_internal {

std::vector<std::regex> SuffixRegexes(const std::string& r,
                                      std::string* error) {
  try {
    std::regex whole(r, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    *error = e.what();
    return {};
  }
  // Top-level '/' positions: not escaped, not in a class or a group.
  std::vector<size_t> cuts;
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < r.size(); ++i) {
    const char c = r[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '/' && depth == 0) {
      cuts.push_back(i);
    }
  }
  // out[k-1]: the last k components; the last entry is R whole.
  std::vector<std::regex> out;
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    try {
      out.emplace_back(r.substr(*it + 1), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      out.emplace_back("[^\\s\\S]");  // not every cut of a regex is one
    }
  }
  out.emplace_back(r, std::regex::ECMAScript);
  return out;
}

Result<FaultPlan> ParseLazyFsLines(std::string_view text) {
  FaultPlan plan;
  std::istringstream in{std::string(text)};
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos || line[a] == '#') continue;
    auto cmd = ParseLazyFsLine(line, plan.rules.size());
    if (!cmd.ok()) return cmd.status().Annotate("line " + std::to_string(n));
    if (cmd->kind != LazyFsCommand::Kind::kRule) {
      return Status::BadInput(
          "line " + std::to_string(n) + ": " + line.substr(a) +
          " is a command, not a fault rule: send it to a running "
          "faultfs with `crashlab faults --socket PATH --cmd ...`");
    }
    plan.rules.push_back(std::move(cmd->rule));
  }
  CRASHLAB_RETURN_IF_ERROR(ValidatePlan(plan));
  return plan;
}

}  // namespace fault_plan_internal

Result<FaultRule> RuleFromLazyFsInjection(const json& table, size_t index,
                                          std::string* bad_key) {
  std::string where = "injection[" + std::to_string(index) + "]";
  if (table.is_object() && table.contains("type") &&
      table["type"].is_string()) {
    where += " (type " + table["type"].get<std::string>() + ")";
  }
  InjectionReader reader(where, "injection-" + std::to_string(index + 1),
                         bad_key);
  try {
    return reader.Read(table);
  } catch (const json::exception& e) {
    return Status::BadInput(where + ": malformed injection: " + e.what());
  }
}

Result<LazyFsCommand> ParseLazyFsLine(std::string_view line_in, size_t index) {
  std::string line(line_in);
  while (!line.empty() &&
         (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) {
    line.pop_back();
  }
  line.erase(0, line.find_first_not_of(" \t"));
  std::vector<std::string> parts;
  for (size_t pos = 0;;) {
    const size_t next = line.find("::", pos);
    parts.push_back(
        line.substr(pos, next == std::string::npos ? next : next - pos));
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  if (parts.size() < 2 || parts[0] != "lazyfs") {
    return Status::BadInput("\"" + line +
                            "\" is not a LazyFS command (lazyfs::...)");
  }
  LazyFsCommand cmd;
  const std::string& name = parts[1];
  const std::string where = "lazyfs::" + name;
  if (name == "clear-cache" || name == "cache-checkpoint" ||
      name == "unsynced-data-report") {
    if (parts.size() > 2) {
      return Status::BadInput(where + ": takes no parameters");
    }
    cmd.kind = name == "clear-cache"        ? LazyFsCommand::Kind::kClearCache
               : name == "cache-checkpoint" ? LazyFsCommand::Kind::kCheckpoint
                                            : LazyFsCommand::Kind::kReport;
    return cmd;
  }
  if (name != "crash" && name != "torn-op" && name != "torn-seq") {
    return Status::BadInput(
        where +
        ": unknown command (known: crash, torn-op, torn-seq, "
        "clear-cache, cache-checkpoint, unsynced-data-report)");
  }
  json t = {{"type", name}};
  for (size_t i = 2; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::BadInput(where + ": \"" + parts[i] +
                              "\" is not key=value");
    }
    CRASHLAB_RETURN_IF_ERROR(AddFifoValue(parts[i].substr(0, eq),
                                          parts[i].substr(eq + 1), &t, where));
  }
  InjectionReader reader(where, "lazyfs-" + std::to_string(index + 1), nullptr);
  try {
    CRASHLAB_ASSIGN_OR_RETURN(cmd.rule, reader.Read(t));
  } catch (const json::exception& e) {
    // Values that are not UTF-8 cannot be quoted back through json::dump().
    return Status::BadInput(where + ": malformed command: " + e.what());
  }
  return cmd;
}

}  // namespace crashlab
