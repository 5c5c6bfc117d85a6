// Every engine crashlab knows, with its settings and durability claims.
//
// Adding an engine: a SettingSpec list, an EngineInfo with availability,
// a DurabilityClaim rule quoting the engine's documentation, and a branch in
// MakeEngine. Validation is shared (ResolveSettings).
#include <unistd.h>

#include "core/files.h"
#include "engines/driver_engine.h"
#include "engines/engine.h"

namespace crashlab {

namespace {

constexpr char kSqliteDriver[] = "crashlab-driver-sqlite";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<SettingSpec> SqliteSettings() {
  return {
      {"journal_mode",
       "delete",
       {"delete", "truncate", "persist", "wal"},
       "PRAGMA journal_mode: how SQLite makes commits atomic (rollback "
       "journal deleted/truncated/kept, or write-ahead log)"},
      {"synchronous",
       "full",
       {"off", "normal", "full", "extra"},
       "PRAGMA synchronous: how often SQLite calls fsync"},
  };
}

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

EngineInfo SqliteInfo(const EngineEnv& env) {
  EngineInfo info{"sqlite",
                  "SQLite (system libsqlite3) through " +
                      std::string(kSqliteDriver) + "; DIR/auth.db",
                  SqliteSettings()};
  const std::string path = JoinPath(env.bin_dir, kSqliteDriver);
  info.available = !env.bin_dir.empty() && ::access(path.c_str(), X_OK) == 0;
  info.availability = info.available
                          ? "driver " + path
                          : "driver not found at " + path +
                                " (build the target " + kSqliteDriver + ")";
  return info;
}

EngineInfo ExternalInfo() {
  EngineInfo info{"external",
                  "any program speaking engines/PROTOCOL.md "
                  "(--set driver='PROGRAM ARGS')",
                  ExternalSettings()};
  info.available = true;
  info.availability = "runs the program given as the driver setting";
  return info;
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
                                     "'; its settings: " + Join(names));
    }
    bool allowed = spec->allowed.empty();
    for (const auto& a : spec->allowed) allowed = allowed || a == value;
    if (!allowed) {
      return Status::InvalidArgument(
          "engine " + info.name + ": " + name + "=" + value +
          " is not allowed; allowed values: " + Join(spec->allowed));
    }
    resolved[name] = value;
  }
  return resolved;
}

// SQLite's durability, in the words of its documentation
// (https://www.sqlite.org/pragma.html#pragma_synchronous, wal.html).
DurabilityClaim SqliteClaim(const Settings& s) {
  using Kind = DurabilityClaim::Kind;
  const std::string& sync = s.at("synchronous");
  const bool wal = s.at("journal_mode") == "wal";
  if (sync == "off") {
    return {Kind::kNone, 0,
            "SQLite, PRAGMA synchronous: with synchronous OFF, SQLite "
            "continues without syncing as soon as it has handed data off to "
            "the operating system; the database might become corrupted if "
            "the operating system crashes or the computer loses power"};
  }
  if (sync == "normal" && wal) {
    return {Kind::kNone, 0,
            "SQLite, PRAGMA synchronous: WAL mode is always consistent with "
            "synchronous=NORMAL, but a transaction committed in WAL mode with "
            "synchronous=NORMAL might roll back following a power loss or "
            "system crash (it is durable across application crashes)"};
  }
  if (sync == "normal") {
    return {Kind::kNone, 0,
            "SQLite, PRAGMA synchronous: with NORMAL, SQLite syncs at the "
            "most critical moments but less often than in FULL mode; there "
            "is a very small chance that a power failure at the wrong time "
            "could corrupt the database with a rollback journal"};
  }
  if (sync == "extra") {
    return {Kind::kEveryAck, 0,
            "SQLite, PRAGMA synchronous: EXTRA is like FULL with the "
            "addition that the directory containing a rollback journal is "
            "synced after that journal is unlinked to commit a transaction "
            "in DELETE mode"};
  }
  if (wal) {
    return {Kind::kEveryAck, 0,
            "SQLite, WAL: with synchronous=FULL in WAL mode, an additional "
            "sync of the WAL file happens after each transaction commit"};
  }
  return {Kind::kEveryAck, 0,
          "SQLite, PRAGMA synchronous: FULL ensures all content is safely "
          "written to the disk surface before continuing; but SQLite "
          "documents that only EXTRA also syncs the directory after the "
          "rollback journal is unlinked to commit in DELETE mode (\"EXTRA "
          "provides additional durability if the commit is followed closely "
          "by a power loss\"), so with journal_mode=delete a commit "
          "acknowledged just before a power loss may roll back"};
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

std::vector<EngineInfo> ListEngines(const EngineEnv& env) {
  return {SqliteInfo(env), ExternalInfo()};
}

Result<std::unique_ptr<Engine>> MakeEngine(const std::string& name,
                                           const Settings& settings,
                                           const EngineEnv& env) {
  const std::vector<EngineInfo> engines = ListEngines(env);
  const EngineInfo* info = nullptr;
  std::vector<std::string> names;
  for (const auto& e : engines) {
    names.push_back(e.name);
    if (e.name == name) info = &e;
  }
  if (!info) {
    return Status::InvalidArgument("unknown engine '" + name +
                                   "'; known engines: " + Join(names));
  }
  CRASHLAB_ASSIGN_OR_RETURN(Settings resolved,
                            ResolveSettings(*info, settings));
  DriverEngineConfig config;
  config.name = name;
  config.settings = resolved;
  config.env = env;
  if (name == "sqlite") {
    if (!info->available)
      return Status::NotFound("sqlite: " + info->availability);
    config.argv = {JoinPath(env.bin_dir, kSqliteDriver)};
    config.driver_settings = resolved;
    config.claim = SqliteClaim(resolved);
  } else {  // external
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
  }
  return std::unique_ptr<Engine>(new DriverEngine(std::move(config)));
}

}  // namespace crashlab
