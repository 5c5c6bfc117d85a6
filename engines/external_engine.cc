// Any program speaking engines/PROTOCOL.md: --engine external
// --set driver='PROGRAM ARGS'.
#include "core/files.h"
#include "engines/driver_engine.h"
#include "engines/engine_def.h"

namespace crashlab {

namespace {

std::vector<SettingSpec> ExternalSettings() {
  return {
      {"driver",
       "",
       {},
       "the driver command: program and arguments separated by spaces (no "
       "shell, no quoting); the program speaks engines/PROTOCOL.md"},
      {"claim",
       "none",
       {"none", "every-ack"},
       "what the engine promises about acknowledged writes on power loss"},
  };
}

EngineInfo ExternalInfo(const EngineEnv&) {
  EngineInfo info{"external",
                  "any program speaking engines/PROTOCOL.md "
                  "(--set driver='PROGRAM ARGS')",
                  ExternalSettings()};
  info.available = true;
  info.availability = "runs the program given as the driver setting";
  return info;
}

std::vector<std::string> SplitOnSpaces(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  for (char c : command + " ") {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return words;
}

}  // namespace

EngineDef ExternalEngineDef() {
  EngineDef def;
  def.info = ExternalInfo;
  def.make = [](const EngineInfo& info, const Settings& resolved,
                const EngineEnv& env) -> Result<std::unique_ptr<Engine>> {
    DriverEngineConfig config;
    config.name = info.name;
    config.settings = resolved;
    config.env = env;
    config.argv = SplitOnSpaces(resolved.at("driver"));
    if (config.argv.empty()) {
      return Status::InvalidArgument(
          "engine external needs its driver command: --set "
          "driver='PROGRAM ARGS'");
    }
    const std::string& program = config.argv[0];
    if (program.find('/') != std::string::npos && !PathExists(program)) {
      return Status::NotFound("external driver program not found: " + program);
    }
    const bool every_ack = resolved.at("claim") == "every-ack";
    config.claim = {every_ack ? DurabilityClaim::Kind::kEveryAck
                              : DurabilityClaim::Kind::kNone,
                    0,
                    "external engine: as stated by the user with --set claim=" +
                        resolved.at("claim")};
    return std::unique_ptr<Engine>(new DriverEngine(std::move(config)));
  };
  return def;
}

}  // namespace crashlab
