// Any program speaking engines/PROTOCOL.md: --engine external
// --set driver='PROGRAM ARGS'.
#include <cstdlib>
#include <sstream>

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
       {},  // checked by ParseExternalClaim
       "what the engine promises about acknowledged writes on power loss: "
       "none, every-ack, or a comma-separated list of window:SECONDS, "
       "window-ops:N, prefix (global order), prefix-per-client, "
       "sync-barrier (e.g. prefix,sync-barrier)"},
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

Result<DurabilityClaim> ParseExternalClaim(const std::string& value) {
  using Kind = DurabilityClaim::Kind;
  DurabilityClaim claim{Kind::kNone, 0,
                        "external engine: as stated by the user with --set "
                        "claim=" +
                            value};
  if (value == "none") return claim;
  if (value == "every-ack") {
    claim.kind = Kind::kEveryAck;
    return claim;
  }
  std::string order_words;
  std::istringstream in(value);
  for (std::string word; std::getline(in, word, ',');) {
    const std::string window = "window:";
    if (word.rfind(window, 0) != 0) {
      order_words += (order_words.empty() ? "" : ",") + word;
      continue;
    }
    char* end = nullptr;
    const std::string number = word.substr(window.size());
    const double s = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(s > 0) || s > 86400) {
      return Status::InvalidArgument(
          "engine external: claim word '" + word +
          "' needs a window in seconds, 0 < S <= 86400 (e.g. window:2)");
    }
    claim.kind = Kind::kWindow;
    claim.window_s = s;
  }
  auto order = ParseOrderPromise(order_words);
  if (!order.ok()) {
    return Status::InvalidArgument(
        "engine external: claim=" + value + ": " + order.status().message() +
        "; or claim=none, claim=every-ack alone, or window:SECONDS");
  }
  claim.order = *order;
  if (claim.order.window_ops > 0) claim.kind = Kind::kWindow;
  return claim;
}

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
    CRASHLAB_ASSIGN_OR_RETURN(config.claim,
                              ParseExternalClaim(resolved.at("claim")));
    return std::unique_ptr<Engine>(new DriverEngine(std::move(config)));
  };
  return def;
}

}  // namespace crashlab
