#include "faultfs/control_commands.h"

#include <string>

#include "core/fault_plan.h"
#include "faultfs/fault_engine.h"
#include "faultfs/fault_point.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {
namespace {

using nlohmann::json;

constexpr char kKnown[] =
    "mark, target, kill-at, disarm, crash, inject, clear-cache, checkpoint, "
    "unsynced, status, flush";

json Error(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

json Ok() { return {{"ok", true}}; }

// A non-negative integer field of a request.
bool UintField(const json& request, const char* key, uint64_t* out) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_number_unsigned()) return false;
  *out = it->get<uint64_t>();
  return true;
}

}  // namespace

json ControlCommands::Execute(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.remove_suffix(1);
  }
  if (line.rfind("lazyfs::", 0) == 0) return InjectLazyFs(std::string(line));
  const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) {
    return Error(
        "a request is one JSON object per line, e.g. {\"cmd\":\"status\"}");
  }
  if (!request.contains("cmd") || !request["cmd"].is_string()) {
    return Error(std::string("missing \"cmd\" (known: ") + kKnown + ")");
  }
  try {
    return Dispatch(request);
  } catch (const json::exception& e) {
    return Error(std::string("malformed request: ") + e.what());
  }
}

json ControlCommands::Dispatch(const json& request) {
  const std::string cmd = request["cmd"].get<std::string>();
  FaultEngine& faults = *ctx_.faults;
  if (cmd == "mark") {
    if (!request.contains("label") || !request["label"].is_string() ||
        request["label"].get<std::string>().empty()) {
      return Error("mark needs a non-empty \"label\"");
    }
    // Exactly what the control file's "mark LABEL" does.
    ctx_.recorder.Mark(request["label"].get<std::string>(), 0);
    return Ok();
  }
  if (cmd == "target") {
    uint64_t pgid = 0;
    if (!UintField(request, "pgid", &pgid) || pgid > INT32_MAX) {
      return Error("target needs \"pgid\": a process group id (0 clears it)");
    }
    const bool add = request.value("add", false);
    Status s = add ? faults.AddTarget(static_cast<pid_t>(pgid))
                   : faults.SetTarget(static_cast<pid_t>(pgid));
    return s.ok() ? Ok() : Error(s.message());
  }
  if (cmd == "kill-at") {
    uint64_t k = 0;
    if (!UintField(request, "after_ops", &k) || k == 0) {
      return Error("kill-at needs \"after_ops\": a count from 1");
    }
    faults.ArmKillAt(k);
    return Ok();
  }
  if (cmd == "disarm") {
    faults.ArmKillAt(0);
    return Ok();
  }
  if (cmd == "crash") return Crash();
  if (cmd == "inject") return Inject(request);
  if (cmd == "clear-cache") return ClearCache();
  if (cmd == "checkpoint") return Checkpoint();
  if (cmd == "unsynced") return Unsynced();
  if (cmd == "status") {
    json reply = faults.StatusJson();
    reply["ok"] = true;
    reply["records"] = ctx_.recorder.records();
    return reply;
  }
  if (cmd == "flush") {
    Status s = ctx_.recorder.Flush();
    return s.ok() ? Ok() : Error(s.message());
  }
  return Error("unknown command \"" + cmd + "\" (known: " + kKnown + ")");
}

json ControlCommands::Inject(const json& request) {
  if (request.contains("lazyfs") && request["lazyfs"].is_string()) {
    return InjectLazyFs(request["lazyfs"].get<std::string>());
  }
  if (!request.contains("rule") || !request["rule"].is_object()) {
    return Error(
        "inject needs \"rule\": {...} (plan syntax) or \"lazyfs\": "
        "\"lazyfs::...\"");
  }
  json rule_json = request["rule"];
  if (!rule_json.contains("id")) rule_json["id"] = ctx_.faults->NextRuleId();
  auto rule = ParseRuleJson(rule_json, 0);
  if (!rule.ok()) return Error("inject: " + rule.status().message());
  const std::string id = rule->id;
  Status s = ctx_.faults->AddRule(std::move(*rule));
  if (!s.ok()) return Error("inject: " + s.message());
  return {{"ok", true}, {"rule", id}};
}

json ControlCommands::InjectLazyFs(const std::string& line) {
  auto cmd = ParseLazyFsLine(line, 0);
  if (!cmd.ok()) return Error(cmd.status().message());
  switch (cmd->kind) {
    case LazyFsCommand::Kind::kClearCache:
      return ClearCache();
    case LazyFsCommand::Kind::kCheckpoint:
      return Checkpoint();
    case LazyFsCommand::Kind::kReport:
      return Unsynced();
    case LazyFsCommand::Kind::kRule:
      break;
  }
  cmd->rule.id = ctx_.faults->NextRuleId();
  const std::string id = cmd->rule.id;
  Status s = ctx_.faults->AddRule(std::move(cmd->rule));
  if (!s.ok()) return Error(s.message());
  return {{"ok", true}, {"rule", id}};
}

json ControlCommands::ClearCache() {
  UndoLog::Restore restore;
  {
    Recorder::Scope scope = ctx_.recorder.Lock(0);
    restore = ctx_.undo->DropAll();
    json extra = json::object();
    if (!restore.error.empty()) extra["restore_error"] = restore.error;
    AppendFault(scope, 0, 0, "control", "clear_cache", "", "", extra);
    AppendRestore(scope, restore);
  }
  InvalidateInodes(ctx_, restore.inodes);
  if (!restore.error.empty()) return Error(restore.error);
  return {{"ok", true}, {"files", restore.inodes.size()}};
}

json ControlCommands::Checkpoint() {
  Recorder::Scope scope = ctx_.recorder.Lock(0);
  ctx_.undo->SettleAll();
  AppendFault(scope, 0, 0, "control", "checkpoint", "", "",
              {{"settle_all", true}});
  return Ok();
}

json ControlCommands::Unsynced() {
  Recorder::Scope scope = ctx_.recorder.Lock(0);
  json files = json::object();
  uint64_t total = 0;
  for (const auto& [id, bytes] : ctx_.undo->UnsyncedBytes()) {
    std::string path = scope.PathOf(id);
    if (path.empty()) path = "#" + std::to_string(id);  // never named
    files[path] = bytes;
    total += bytes;
  }
  return {{"ok", true}, {"total", total}, {"files", files}};
}

json ControlCommands::Crash() {
  Recorder::Scope scope = ctx_.recorder.Lock(0);
  const json kill = ctx_.faults->KillTarget();
  AppendFault(scope, 0, 0, "control", "crash", "", "", kill);
  return {{"ok", true},
          {"killed", kill.contains("pgid") && !kill.contains("kill_error")}};
}

}  // namespace crashlab::faultfs
