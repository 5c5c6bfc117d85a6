// EngineDef: how an engine plugs into the registry (engines/registry.cc).
//
// Each engine lives in its own file and exports one function returning its
// EngineDef; the registry lists them. `info` describes the engine, its
// settings and whether it can run on this machine; `make` builds it from
// settings already validated against `info.settings` (defaults filled in).
#ifndef CRASHLAB_ENGINES_ENGINE_DEF_H_
#define CRASHLAB_ENGINES_ENGINE_DEF_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"

namespace crashlab {

struct EngineDef {
  std::function<EngineInfo(const EngineEnv& env)> info;
  std::function<Result<std::unique_ptr<Engine>>(
      const EngineInfo& info, const Settings& resolved, const EngineEnv& env)>
      make;
  // When a setting can supply what `info` found missing (Skytable: --set
  // skyd=PATH without $SKYD), `make` judges availability itself.
  bool settings_decide_availability = false;
};

// Every setting of `info`, from `given` or its default; InvalidArgument
// naming what is allowed for anything unknown or not allowed.
Result<Settings> ResolveSettings(const EngineInfo& info,
                                 const Settings& given);

// "a, b, c"
std::string JoinNames(const std::vector<std::string>& names);

// True when `program` is an executable file, or is found on $PATH.
bool ProgramAvailable(const std::string& program, std::string* found);

// The engines, one per file.
EngineDef SqliteEngineDef();
EngineDef LeveldbEngineDef();
EngineDef LmdbEngineDef();
EngineDef ExternalEngineDef();
EngineDef SkytableEngineDef();
EngineDef RedisEngineDef();
EngineDef PostgresEngineDef();

// The external engine's `claim` setting: "none", "every-ack", or a
// comma-separated list of window:SECONDS and order promise words
// (core/order_promise.h). InvalidArgument names what is allowed.
Result<DurabilityClaim> ParseExternalClaim(const std::string& value);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_ENGINE_DEF_H_
