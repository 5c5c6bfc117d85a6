// FaultPlan: names, the normalised JSON form, JSON plans, and the entry
// points that pick a syntax. The JSON rule reader is fault_rule_json.cc,
// TOML and LazyFS are fault_plan_toml.cc and fault_plan_lazyfs.cc, the
// Matcher is fault_matcher.cc.
#include "core/fault_plan.h"

#include <cerrno>
#include <cmath>
#include <set>

#include "core/fault_plan_internal.h"
#include "core/files.h"

namespace crashlab {
namespace {

using fault_plan_internal::KeyProblem;
using nlohmann::json;

constexpr const char* kOpNames[kFaultOpCount] = {
    "write",    "fsync",    "fdatasync", "open",    "create",
    "rename",   "unlink",   "read",      "mkdir",   "rmdir",
    "truncate", "fsyncdir", "link",      "symlink", "fallocate"};

struct ErrnoEntry {
  const char* name;
  int value;
};
constexpr ErrnoEntry kErrnos[] = {
    {"EIO", EIO},
    {"ENOSPC", ENOSPC},
    {"EDQUOT", EDQUOT},
    {"EROFS", EROFS},
    {"EACCES", EACCES},
    {"EPERM", EPERM},
    {"EFBIG", EFBIG},
    {"EINTR", EINTR},
    {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM},
    {"EBADF", EBADF},
    {"EINVAL", EINVAL},
    {"ENOENT", ENOENT},
    {"EEXIST", EEXIST},
    {"EMFILE", EMFILE},
    {"ENFILE", ENFILE},
    {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},
    {"EBUSY", EBUSY},
    {"ETIMEDOUT", ETIMEDOUT},
    {"EXDEV", EXDEV},
    {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOTEMPTY", ENOTEMPTY},
    {"EMLINK", EMLINK},
    {"ESTALE", ESTALE},
    {"ENODATA", ENODATA},
    {"EOVERFLOW", EOVERFLOW},
    {"ENOLCK", ENOLCK},
    {"ENOTSUP", ENOTSUP},
    {"ENXIO", ENXIO},
    {"ENODEV", ENODEV},
    {"ECANCELED", ECANCELED},
};

std::string PatternKey(PathPattern::Kind kind) {
  switch (kind) {
    case PathPattern::Kind::kGlob:
      return "path";
    case PathPattern::Kind::kRegex:
      return "regex";
    case PathPattern::Kind::kSuffix:
      return "file";
    case PathPattern::Kind::kSuffixRegex:
      return "from_regex";
    case PathPattern::Kind::kAny:
      break;
  }
  return "";
}

json ActionToJson(const FaultAction& a) {
  const char* timing = a.timing == Timing::kBefore ? "before" : "after";
  switch (a.kind) {
    case ActionKind::kErrno:
      return {{"errno", ErrnoName(a.err)}, {"persistent", a.persistent}};
    case ActionKind::kFsyncDrop:
      return {{"fsync_drop", true}};
    case ActionKind::kLie:
      return {{"lie", true}};
    case ActionKind::kDelay:
      return {{"delay_ms", a.delay_ms}};
    case ActionKind::kCrash:
      return {{"crash", {{"timing", timing}}}};
    case ActionKind::kClearCache:
      return {{"clear_cache", {{"timing", timing}, {"crash", a.crash}}}};
    case ActionKind::kTorn: {
      const char* g[] = {"sector", "page", "byte"};
      json t = {{"granularity", g[static_cast<int>(a.granularity)]},
                {"return", a.reply_ok}};
      if (a.keep_fraction) t["keep_fraction"] = *a.keep_fraction;
      return {{"torn", t}};
    }
    case ActionKind::kCorrupt: {
      const char* m[] = {"flip", "zero", "truncate"};
      return {{"corrupt",
               {{"mode", m[static_cast<int>(a.corrupt_mode)]},
                {"offset", a.offset},
                {"length", a.length}}}};
    }
    case ActionKind::kTornSeq:
      return {{"torn_seq",
               {{"group", a.group},
                {"persist", a.persist},
                {"return", a.reply_ok}}}};
    case ActionKind::kTornOp: {
      json t = {{"persist", a.persist}, {"return", a.reply_ok}};
      if (a.parts)
        t["parts"] = a.parts;
      else
        t["parts_bytes"] = a.parts_bytes;
      return {{"torn_op", t}};
    }
  }
  return json::object();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// True when the first line that is neither blank nor a comment is a LazyFS
// FIFO command.
bool FirstLineIsLazyFs(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    const size_t a = line.find_first_not_of(" \t\r");
    if (a != std::string_view::npos && line[a] != '#') {
      return line.substr(a).rfind("lazyfs::", 0) == 0;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace

namespace fault_plan_internal {

std::string KnownOps() {
  std::string known = "any";
  for (const char* n : kOpNames) known += std::string(", ") + n;
  return known;
}

std::string KnownErrnos() {
  std::string known;
  for (const auto& e : kErrnos)
    known += std::string(known.empty() ? "" : ", ") + e.name;
  return known;
}

std::string KeyProblem(const std::string& where, const std::string& key,
                       const std::string& problem) {
  return key.empty() ? where + ": " + problem
                     : where + ": key '" + key + "': " + problem;
}

Result<FaultPlan> ParseJsonPlan(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range 406
    return Status::BadInput(std::string("plan is not valid JSON: ") + e.what());
  }
  FaultPlan plan;
  const json* rules = &doc;
  if (doc.is_object()) {
    for (const auto& [k, v] : doc.items()) {
      if (k != "seed" && k != "rules" && k != "description") {
        return Status::BadInput("plan: key '" + k +
                                "': unknown (known: seed, rules, description)");
      }
    }
    if (doc.contains("seed")) {
      if (!doc["seed"].is_number_unsigned()) {
        return Status::BadInput(
            "plan: key 'seed': must be a non-negative integer");
      }
      plan.seed = doc["seed"].get<uint64_t>();
    }
    if (!doc.contains("rules"))
      return Status::BadInput("plan: key 'rules' is missing");
    rules = &doc["rules"];
  }
  if (!rules->is_array()) {
    return Status::BadInput("plan: 'rules' must be a list of rule objects");
  }
  for (size_t i = 0; i < rules->size(); ++i) {
    CRASHLAB_ASSIGN_OR_RETURN(FaultRule rule, ParseRuleJson((*rules)[i], i));
    plan.rules.push_back(std::move(rule));
  }
  CRASHLAB_RETURN_IF_ERROR(ValidatePlan(plan));
  return plan;
}

}  // namespace fault_plan_internal

const char* FaultOpName(FaultOp op) {
  const auto i = static_cast<int>(op);
  return i < kFaultOpCount ? kOpNames[i] : "?";
}

bool FaultOpFromName(std::string_view name, FaultOp* op) {
  for (int i = 0; i < kFaultOpCount; ++i) {
    if (name == kOpNames[i]) {
      *op = static_cast<FaultOp>(i);
      return true;
    }
  }
  return false;
}

bool ErrnoFromName(std::string_view name, int* err) {
  for (const auto& e : kErrnos) {
    if (name == e.name) {
      *err = e.value;
      return true;
    }
  }
  return false;
}

std::string ErrnoName(int err) {
  for (const auto& e : kErrnos) {
    if (e.value == err) return e.name;
  }
  return std::to_string(err);
}

const char* ActionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kErrno:
      return "errno";
    case ActionKind::kFsyncDrop:
      return "fsync_drop";
    case ActionKind::kLie:
      return "lie";
    case ActionKind::kTorn:
      return "torn";
    case ActionKind::kDelay:
      return "delay";
    case ActionKind::kCrash:
      return "crash";
    case ActionKind::kClearCache:
      return "clear_cache";
    case ActionKind::kCorrupt:
      return "corrupt";
    case ActionKind::kTornSeq:
      return "torn-seq";
    case ActionKind::kTornOp:
      return "torn-op";
  }
  return "?";
}

json RuleToJson(const FaultRule& r) {
  json j;
  j["id"] = r.id;
  if (r.ops == kAllFaultOps) {
    j["op"] = "any";
  } else {
    json ops = json::array();
    for (int i = 0; i < kFaultOpCount; ++i) {
      if (r.ops & (1u << i)) ops.push_back(kOpNames[i]);
    }
    j["op"] = ops;
  }
  if (r.path.kind != PathPattern::Kind::kAny)
    j[PatternKey(r.path.kind)] = r.path.text;
  if (r.to.kind != PathPattern::Kind::kAny) j["to_regex"] = r.to.text;
  if (r.nth) j["nth"] = r.nth;
  if (r.every) j["every"] = r.every;
  j["after_ms"] = r.after_ms;
  j["probability"] = r.probability;
  j["times"] = r.times;
  j["action"] = ActionToJson(r.action);
  return j;
}

json PlanToJson(const FaultPlan& plan) {
  json rules = json::array();
  for (const FaultRule& r : plan.rules) rules.push_back(RuleToJson(r));
  return {{"seed", plan.seed}, {"rules", rules}};
}

Status ValidatePlan(const FaultPlan& plan) {
  std::set<std::string> ids;
  for (size_t i = 0; i < plan.rules.size(); ++i) {
    if (!ids.insert(plan.rules[i].id).second) {
      return Status::BadInput(
          "rules[" + std::to_string(i) + "]: key 'id': \"" + plan.rules[i].id +
          "\" is used by an earlier rule; ids must be unique");
    }
    // Plans travel as JSON (the control socket, `faults --check`): every
    // id, path and regex must be text JSON can carry.
    try {
      (void)RuleToJson(plan.rules[i]).dump();
    } catch (const nlohmann::json::exception&) {
      return Status::BadInput("rules[" + std::to_string(i) +
                              "]: an id, path or regex is not valid UTF-8");
    }
  }
  return Status::Ok();
}

Result<FaultPlan> ParseFaultPlan(std::string_view text, std::string_view name) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return Status::BadInput("the plan is empty");
  }
  const std::string_view body = text.substr(start);
  // "[{...}]" and "[]" are JSON; "[faults]" and "[[rule]]" are TOML.
  const size_t second = body.find_first_not_of(" \t\r\n", 1);
  const bool json_array = body[0] == '[' && second != std::string_view::npos &&
                          (body[second] == '{' || body[second] == ']');
  if (EndsWith(name, ".json") || body[0] == '{' || json_array) {
    return fault_plan_internal::ParseJsonPlan(text);
  }
  if (!EndsWith(name, ".toml") && FirstLineIsLazyFs(body)) {
    return fault_plan_internal::ParseLazyFsLines(text);
  }
  return fault_plan_internal::ParseTomlPlan(text);
}

Result<FaultPlan> LoadFaultPlan(const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return Status::InvalidArgument(text.status().message());
  auto plan = ParseFaultPlan(*text, path);
  if (!plan.ok()) return plan.status().Annotate("fault plan " + path);
  return plan;
}

}  // namespace crashlab
