// The JSON rule schema (fault_plan.h): one reader that every syntax goes
// through (TOML becomes JSON first), so every plan is checked the same way
// and every problem names the rule and the key path.
#include <set>

#include "core/fault_plan.h"
#include "core/fault_plan_internal.h"

namespace crashlab {
namespace {

using fault_plan_internal::KeyProblem;
using nlohmann::json;

constexpr const char* kActionKeys[] = {
    "errno", "fsync_drop",  "lie",     "torn",     "delay_ms",
    "crash", "clear_cache", "corrupt", "torn_seq", "torn_op"};

// Reads one rule; every problem names the rule and the key path.
class RuleReader {
 public:
  RuleReader(size_t index, std::string* bad_key)
      : index_(index), bad_key_(bad_key) {}

  Result<FaultRule> Read(const json& j);

 private:
  Status Bad(const std::string& key, const std::string& problem) {
    if (bad_key_ != nullptr) *bad_key_ = key;
    std::string where = "rules[" + std::to_string(index_) + "]";
    if (!id_.empty()) where += " (id \"" + id_ + "\")";
    return Status::BadInput(KeyProblem(where, key, problem));
  }
  Status Uint(const json& j, const std::string& key, uint64_t* out);
  Status Bool(const json& j, const std::string& key, bool* out);
  Status Keys(const json& obj, const std::string& key,
              std::initializer_list<const char*> allowed);
  Status Ops(const json& j);
  Status Pattern(const json& j, const std::string& key, PathPattern* out);
  Status Action(const json& j);
  Status ActionBody(const std::string& kind, const json& v, const json& obj);
  Status Persist(const json& j, const std::string& key, uint32_t max);
  Status CheckOps(FaultOpSet allowed, FaultOpSet fallback, const char* what);

  size_t index_;
  std::string* bad_key_;
  std::string id_;
  bool ops_given_ = false;
  FaultRule rule_;
};

Status RuleReader::Uint(const json& j, const std::string& key, uint64_t* out) {
  if (!j.is_number_unsigned()) {
    return Bad(key, "must be a non-negative integer, got " + j.dump());
  }
  *out = j.get<uint64_t>();
  return Status::Ok();
}

Status RuleReader::Bool(const json& j, const std::string& key, bool* out) {
  if (!j.is_boolean())
    return Bad(key, "must be true or false, got " + j.dump());
  *out = j.get<bool>();
  return Status::Ok();
}

Status RuleReader::Keys(const json& obj, const std::string& key,
                        std::initializer_list<const char*> allowed) {
  if (!obj.is_object()) return Bad(key, "must be an object, got " + obj.dump());
  for (const auto& [k, v] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed)
        list += std::string(list.empty() ? "" : ", ") + a;
      return Bad(key.empty() ? k : key + "." + k,
                 "unknown key (known: " + list + ")");
    }
  }
  return Status::Ok();
}

Status RuleReader::Ops(const json& j) {
  std::vector<json> items;
  if (j.is_string()) {
    items.push_back(j);
  } else if (j.is_array() && !j.empty()) {
    items.assign(j.begin(), j.end());
  } else {
    return Bad("op", "must be an operation name or a non-empty list of them");
  }
  FaultOpSet set = 0;
  for (const json& item : items) {
    FaultOp op;
    if (!item.is_string())
      return Bad("op", "must be a string, got " + item.dump());
    const std::string name = item.get<std::string>();
    if (name == "any") {
      set = kAllFaultOps;
    } else if (FaultOpFromName(name, &op)) {
      set |= Bit(op);
    } else {
      return Bad("op", "unknown operation \"" + name + "\" (known: " +
                           fault_plan_internal::KnownOps() + ")");
    }
  }
  rule_.ops = set;
  ops_given_ = true;
  return Status::Ok();
}

Status RuleReader::Pattern(const json& j, const std::string& key,
                           PathPattern* out) {
  if (!j.is_string() || j.get<std::string>().empty()) {
    return Bad(key, "must be a non-empty string");
  }
  if (out->kind != PathPattern::Kind::kAny) {
    return Bad(key, "give only one of path, regex, file, from_regex");
  }
  out->text = j.get<std::string>();
  if (key == "path") {
    out->kind = PathPattern::Kind::kGlob;
  } else if (key == "file") {
    out->kind = PathPattern::Kind::kSuffix;
  } else {
    out->kind = key == "regex" ? PathPattern::Kind::kRegex
                               : PathPattern::Kind::kSuffixRegex;
    try {
      std::regex re(out->text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Bad(key,
                 "bad regular expression \"" + out->text + "\": " + e.what());
    }
  }
  return Status::Ok();
}

Status RuleReader::Persist(const json& j, const std::string& key,
                           uint32_t max) {
  if (!j.is_array() || j.empty()) {
    return Bad(key, "must be a non-empty list of 1-based numbers");
  }
  std::set<uint32_t> seen;
  for (const json& v : j) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() == 0 ||
        v.get<uint64_t>() > UINT32_MAX) {
      return Bad(key, "entries must be numbers from 1, got " + v.dump());
    }
    const auto n = static_cast<uint32_t>(v.get<uint64_t>());
    if (max != 0 && n > max) {
      return Bad(key, "part " + std::to_string(n) +
                          " is out of range (the write is split into " +
                          std::to_string(max) + " parts)");
    }
    seen.insert(n);
  }
  rule_.action.persist.assign(seen.begin(), seen.end());
  return Status::Ok();
}

Status RuleReader::CheckOps(FaultOpSet allowed, FaultOpSet fallback,
                            const char* what) {
  if (!ops_given_ || rule_.ops == kAllFaultOps) {
    rule_.ops = fallback;
    return Status::Ok();
  }
  if (rule_.ops & ~allowed) {
    return Bad("op",
               std::string("action ") + what + " applies to " +
                   (allowed == Bit(FaultOp::kWrite) ? "write"
                                                    : "fsync and fdatasync") +
                   " only");
  }
  return Status::Ok();
}

Status RuleReader::ActionBody(const std::string& kind, const json& v,
                              const json& obj) {
  FaultAction& a = rule_.action;
  const std::string key = "action." + kind;
  auto timing = [&](const json& t, const std::string& k) -> Status {
    if (t == "before")
      a.timing = Timing::kBefore;
    else if (t == "after")
      a.timing = Timing::kAfter;
    else
      return Bad(k, "must be \"before\" or \"after\", got " + t.dump());
    return Status::Ok();
  };
  auto ret = [&](const json& o) -> Status {
    if (o.is_object() && o.contains("return")) {
      return Bool(o["return"], key + ".return", &a.reply_ok);
    }
    return Status::Ok();
  };
  if (kind == "errno") {
    a.kind = ActionKind::kErrno;
    CRASHLAB_RETURN_IF_ERROR(Keys(obj, "action", {"errno", "persistent"}));
    if (v.is_number_unsigned() && v.get<uint64_t>() > 0 &&
        v.get<uint64_t>() < 4096) {
      a.err = v.get<int>();
    } else if (!v.is_string() || !ErrnoFromName(v.get<std::string>(), &a.err)) {
      return Bad(key, "unknown errno " + v.dump() + " (known: " +
                          fault_plan_internal::KnownErrnos() + ")");
    }
    if (obj.contains("persistent")) {
      CRASHLAB_RETURN_IF_ERROR(
          Bool(obj["persistent"], "action.persistent", &a.persistent));
    }
    return Status::Ok();
  }
  if (obj.contains("persistent")) {
    return Bad("action.persistent", "belongs to an errno action only");
  }
  if (kind == "fsync_drop" || kind == "lie") {
    if (v != true) return Bad(key, "must be true");
    a.kind = kind == "lie" ? ActionKind::kLie : ActionKind::kFsyncDrop;
    const FaultOpSet syncs = Bit(FaultOp::kFsync) | Bit(FaultOp::kFdatasync);
    return CheckOps(syncs, syncs, kind.c_str());
  }
  if (kind == "delay_ms") {
    uint64_t ms = 0;
    CRASHLAB_RETURN_IF_ERROR(Uint(v, key, &ms));
    if (ms > 600000) return Bad(key, "at most 600000 (10 minutes)");
    a.kind = ActionKind::kDelay;
    a.delay_ms = static_cast<uint32_t>(ms);
    return Status::Ok();
  }
  if (kind == "crash") {
    a.kind = ActionKind::kCrash;
    if (v == true) return Status::Ok();
    CRASHLAB_RETURN_IF_ERROR(Keys(v, key, {"timing"}));
    if (v.contains("timing")) return timing(v["timing"], key + ".timing");
    return Status::Ok();
  }
  if (kind == "clear_cache") {
    a.kind = ActionKind::kClearCache;
    if (v == true) return Status::Ok();
    CRASHLAB_RETURN_IF_ERROR(Keys(v, key, {"timing", "crash"}));
    if (v.contains("timing")) {
      CRASHLAB_RETURN_IF_ERROR(timing(v["timing"], key + ".timing"));
    }
    if (v.contains("crash")) return Bool(v["crash"], key + ".crash", &a.crash);
    return Status::Ok();
  }
  if (kind == "torn") {
    a.kind = ActionKind::kTorn;
    CRASHLAB_RETURN_IF_ERROR(
        CheckOps(Bit(FaultOp::kWrite), Bit(FaultOp::kWrite), "torn"));
    if (v == true) return Status::Ok();
    CRASHLAB_RETURN_IF_ERROR(
        Keys(v, key, {"granularity", "keep_fraction", "return"}));
    if (v.contains("granularity")) {
      const json& g = v["granularity"];
      if (g == "sector")
        a.granularity = Granularity::kSector;
      else if (g == "page")
        a.granularity = Granularity::kPage;
      else if (g == "byte")
        a.granularity = Granularity::kByte;
      else
        return Bad(key + ".granularity",
                   "must be sector, page or byte, got " + g.dump());
    }
    if (v.contains("keep_fraction")) {
      const json& f = v["keep_fraction"];
      if (!f.is_number() || f.get<double>() < 0 || f.get<double>() > 1) {
        return Bad(key + ".keep_fraction",
                   "must be a number from 0 to 1, got " + f.dump());
      }
      a.keep_fraction = f.get<double>();
    }
    return ret(v);
  }
  if (kind == "corrupt") {
    a.kind = ActionKind::kCorrupt;
    CRASHLAB_RETURN_IF_ERROR(Keys(v, key, {"mode", "offset", "length"}));
    if (v.contains("mode")) {
      const json& m = v["mode"];
      if (m == "flip")
        a.corrupt_mode = CorruptMode::kFlip;
      else if (m == "zero")
        a.corrupt_mode = CorruptMode::kZero;
      else if (m == "truncate")
        a.corrupt_mode = CorruptMode::kTruncate;
      else
        return Bad(key + ".mode",
                   "must be flip, zero or truncate, got " + m.dump());
    }
    a.length = a.corrupt_mode == CorruptMode::kTruncate ? 0 : 1;
    if (v.contains("offset"))
      CRASHLAB_RETURN_IF_ERROR(Uint(v["offset"], key + ".offset", &a.offset));
    if (v.contains("length"))
      CRASHLAB_RETURN_IF_ERROR(Uint(v["length"], key + ".length", &a.length));
    if (a.corrupt_mode != CorruptMode::kTruncate && a.length == 0) {
      return Bad(key + ".length", "must be at least 1");
    }
    if (rule_.path.kind == PathPattern::Kind::kAny) {
      return Bad(
          "path",
          "a corrupt action needs the file(s) to corrupt: path, regex or file");
    }
    return Status::Ok();
  }
  if (kind == "torn_seq") {
    a.kind = ActionKind::kTornSeq;
    CRASHLAB_RETURN_IF_ERROR(
        CheckOps(Bit(FaultOp::kWrite), Bit(FaultOp::kWrite), "torn_seq"));
    CRASHLAB_RETURN_IF_ERROR(Keys(v, key, {"group", "persist", "return"}));
    if (v.contains("group"))
      CRASHLAB_RETURN_IF_ERROR(Uint(v["group"], key + ".group", &a.group));
    if (a.group == 0) return Bad(key + ".group", "groups are numbered from 1");
    if (!v.contains("persist")) return Bad(key + ".persist", "is required");
    CRASHLAB_RETURN_IF_ERROR(Persist(v["persist"], key + ".persist", 0));
    if (rule_.nth || rule_.every) {
      return Bad("nth", "torn_seq fires by group and persist, not nth/every");
    }
    return ret(v);
  }
  if (kind == "torn_op") {
    a.kind = ActionKind::kTornOp;
    CRASHLAB_RETURN_IF_ERROR(
        CheckOps(Bit(FaultOp::kWrite), Bit(FaultOp::kWrite), "torn_op"));
    CRASHLAB_RETURN_IF_ERROR(
        Keys(v, key, {"parts", "parts_bytes", "persist", "return"}));
    if (v.contains("parts") == v.contains("parts_bytes")) {
      return Bad(key + ".parts", "give exactly one of parts and parts_bytes");
    }
    if (v.contains("parts")) {
      uint64_t n = 0;
      CRASHLAB_RETURN_IF_ERROR(Uint(v["parts"], key + ".parts", &n));
      if (n == 0 || n > 65536)
        return Bad(key + ".parts", "must be from 1 to 65536");
      a.parts = static_cast<uint32_t>(n);
    } else {
      const json& pb = v["parts_bytes"];
      if (!pb.is_array() || pb.empty()) {
        return Bad(key + ".parts_bytes", "must be a non-empty list of sizes");
      }
      for (const json& s : pb) {
        if (!s.is_number_unsigned() || s.get<uint64_t>() == 0) {
          return Bad(key + ".parts_bytes",
                     "sizes must be positive, got " + s.dump());
        }
        a.parts_bytes.push_back(s.get<uint64_t>());
      }
    }
    if (!v.contains("persist")) return Bad(key + ".persist", "is required");
    const auto parts =
        a.parts ? a.parts : static_cast<uint32_t>(a.parts_bytes.size());
    CRASHLAB_RETURN_IF_ERROR(Persist(v["persist"], key + ".persist", parts));
    return ret(v);
  }
  return Bad(key, "unknown action");
}

Status RuleReader::Action(const json& j) {
  if (!j.is_object())
    return Bad("action", "must be an object such as {\"errno\": \"EIO\"}");
  std::vector<std::string> found;
  for (const char* k : kActionKeys) {
    if (j.contains(k)) found.push_back(k);
  }
  if (found.empty()) {
    std::string known;
    for (const char* k : kActionKeys)
      known += std::string(known.empty() ? "" : ", ") + k;
    for (const auto& [k, v] : j.items()) {
      if (k != "persistent")
        return Bad("action." + k, "unknown action (known: " + known + ")");
    }
    return Bad("action", "no action given (one of: " + known + ")");
  }
  if (found.size() > 1) {
    return Bad("action", "has two actions, " + found[0] + " and " + found[1] +
                             ": a rule does exactly one thing");
  }
  for (const auto& [k, v] : j.items()) {
    if (k != found[0] && k != "persistent") {
      return Bad("action." + k, "unknown key next to action " + found[0]);
    }
  }
  return ActionBody(found[0], j[found[0]], j);
}

Result<FaultRule> RuleReader::Read(const json& j) {
  if (!j.is_object()) return Bad("", "a rule must be an object");
  if (j.contains("id")) {
    if (!j["id"].is_string() || j["id"].get<std::string>().empty()) {
      return Bad("id", "must be a non-empty string");
    }
    id_ = j["id"].get<std::string>();
  }
  rule_.id = id_.empty() ? "rule-" + std::to_string(index_ + 1) : id_;
  CRASHLAB_RETURN_IF_ERROR(
      Keys(j, "",
           {"id", "op", "path", "regex", "file", "from_regex", "to_regex",
            "nth", "every", "after_ms", "probability", "times", "action"}));
  if (j.contains("op")) CRASHLAB_RETURN_IF_ERROR(Ops(j["op"]));
  for (const char* k : {"path", "regex", "file", "from_regex"}) {
    if (j.contains(k)) CRASHLAB_RETURN_IF_ERROR(Pattern(j[k], k, &rule_.path));
  }
  if (j.contains("to_regex")) {
    CRASHLAB_RETURN_IF_ERROR(Pattern(j["to_regex"], "to_regex", &rule_.to));
  }
  if (j.contains("nth"))
    CRASHLAB_RETURN_IF_ERROR(Uint(j["nth"], "nth", &rule_.nth));
  if (j.contains("every"))
    CRASHLAB_RETURN_IF_ERROR(Uint(j["every"], "every", &rule_.every));
  if (j.contains("nth") && rule_.nth == 0) return Bad("nth", "counts from 1");
  if (j.contains("every") && rule_.every == 0)
    return Bad("every", "must be at least 1");
  if (rule_.nth && rule_.every)
    return Bad("every", "give nth or every, not both");
  if (j.contains("after_ms")) {
    CRASHLAB_RETURN_IF_ERROR(Uint(j["after_ms"], "after_ms", &rule_.after_ms));
  }
  if (j.contains("probability")) {
    const json& p = j["probability"];
    if (!p.is_number() || !(p.get<double>() >= 0 && p.get<double>() <= 1)) {
      return Bad("probability",
                 "must be a number from 0 to 1, got " + p.dump());
    }
    rule_.probability = p.get<double>();
  }
  if (!j.contains("action")) return Bad("action", "is required");
  CRASHLAB_RETURN_IF_ERROR(Action(j["action"]));
  // One firing for nth, and for torn_seq (its group is an nth of groups).
  rule_.times = rule_.nth || rule_.action.kind == ActionKind::kTornSeq ? 1 : 0;
  if (j.contains("times"))
    CRASHLAB_RETURN_IF_ERROR(Uint(j["times"], "times", &rule_.times));
  return rule_;
}

}  // namespace

Result<FaultRule> ParseRuleJson(const json& j, size_t index,
                                std::string* bad_key) {
  RuleReader reader(index, bad_key);
  try {
    return reader.Read(j);
  } catch (const json::exception& e) {
    return Status::BadInput("rules[" + std::to_string(index) +
                            "]: malformed rule: " + e.what());
  }
}

}  // namespace crashlab
