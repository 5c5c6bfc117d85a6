// Every engine crashlab knows: the list, and the validation they share.
//
// Adding an engine: write engines/<name>/<name>_engine.cc exporting an
// EngineDef (its settings with defaults and allowed values, availability on
// this machine, a DurabilityClaim quoting the engine's documentation, and a
// factory), declare it in engine_def.h and add it to Defs() below.
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "core/files.h"
#include "engines/engine.h"
#include "engines/engine_def.h"

namespace crashlab {

namespace {

std::vector<EngineDef> Defs() {
  return {SqliteEngineDef(), ExternalEngineDef(), LeveldbEngineDef(),
          LmdbEngineDef(), SkytableEngineDef(), RedisEngineDef(),
          PostgresEngineDef()};
}

}  // namespace

std::string JoinNames(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool ProgramAvailable(const std::string& program, std::string* found) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) != 0) return false;
    if (found) *found = program;
    return true;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = JoinPath(dir, program);
    if (::access(candidate.c_str(), X_OK) == 0) {
      if (found) *found = candidate;
      return true;
    }
  }
  return false;
}

// Every setting of `info`, from `given` or its default; InvalidArgument
// naming what is allowed for anything unknown.
Result<Settings> ResolveSettings(const EngineInfo& info,
                                 const Settings& given) {
  Settings resolved;
  for (const auto& spec : info.settings) {
    resolved[spec.name] = spec.default_value;
  }
  for (const auto& [name, value] : given) {
    const SettingSpec* spec = nullptr;
    for (const auto& s : info.settings) {
      if (s.name == name) spec = &s;
    }
    if (!spec) {
      std::vector<std::string> names;
      for (const auto& s : info.settings) names.push_back(s.name);
      return Status::InvalidArgument("engine " + info.name +
                                     " has no setting '" + name +
                                     "'; its settings: " + JoinNames(names));
    }
    bool allowed = spec->allowed.empty();
    for (const auto& a : spec->allowed) allowed = allowed || a == value;
    if (!allowed) {
      return Status::InvalidArgument(
          "engine " + info.name + ": " + name + "=" + value +
          " is not allowed; allowed values: " + JoinNames(spec->allowed));
    }
    resolved[name] = value;
  }
  return resolved;
}

std::vector<EngineInfo> ListEngines(const EngineEnv& env) {
  std::vector<EngineInfo> out;
  for (const EngineDef& def : Defs()) out.push_back(def.info(env));
  return out;
}

Result<std::unique_ptr<Engine>> MakeEngine(const std::string& name,
                                           const Settings& settings,
                                           const EngineEnv& env) {
  std::vector<std::string> names;
  for (const EngineDef& def : Defs()) {
    const EngineInfo info = def.info(env);
    names.push_back(info.name);
    if (info.name != name) continue;
    CRASHLAB_ASSIGN_OR_RETURN(Settings resolved,
                              ResolveSettings(info, settings));
    if (!info.available && !def.settings_decide_availability) {
      return Status::NotFound("engine " + name + " is not available here: " +
                              info.availability);
    }
    return def.make(info, resolved, env);
  }
  return Status::InvalidArgument("unknown engine '" + name +
                                 "'; known engines: " + JoinNames(names));
}

}  // namespace crashlab
