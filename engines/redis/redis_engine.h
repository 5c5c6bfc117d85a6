// The Redis engine (`--engine redis`): the real redis-server, spoken to
// with hiredis, one hash per row (redis_codec.h), one MULTI/EXEC per op
// (redis_ops.h), one server process per Init, Open and Recover
// (redis_server.h).
//
// Settings:
//   appendonly            yes | no (default yes)
//   appendfsync           always | everysec | no (default everysec)
//   aof-use-rdb-preamble  yes | no (default yes)
//   save                  the RDB snapshot rule used with appendonly=no:
//                         "SECONDS CHANGES [SECONDS CHANGES ...]" or "off"
//                         (default "1 1": a snapshot each second in which
//                         something changed, the most a save rule can do,
//                         so a test sees snapshots during a short run)
//
// Lifecycle: Init starts a server on the empty directory and SHUTDOWNs it
// (Redis has no schema: the base image is whatever an empty server
// persists). Open starts one for a session; Close is SHUTDOWN, Kill is
// SIGKILL to the process group. Recover starts one on the crash image,
// dumps, and SIGKILLs it (the image is thrown away, so nothing is gained by
// a clean stop, and SIGKILL is the fastest stop that leaves no process).
//
// Logs: LOG_DIR/redis-server.log for Init and Open, and one
// LOG_DIR/redis-server-recover-<random>.log per engine instance for Recover
// (parallel recovery workers each have their own).
//
// The password is made once per engine (kernel randomness) and written
// only into each start's 0600 config file. Thread-safety: one thread, like
// every Engine.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_ENGINE_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"

namespace crashlab {

struct RedisEngineOptions {
  // The server binary; a bare name is looked up on $PATH. Tests point it at
  // stand-ins (a server that never answers).
  std::string server_bin = "redis-server";
  // How long a start may take before it counts as hung; 0 = the
  // environment's request timeout.
  int ready_timeout_ms = 0;
};

std::vector<SettingSpec> RedisSettingSpecs();
// The claim for resolved settings, quoting Redis's documentation.
DurabilityClaim RedisClaim(const Settings& resolved);
// Checks what ResolveSettings cannot (the save rule and its use).
Status CheckRedisSettings(const Settings& resolved);

// Builds the engine from settings (validated and resolved here).
Result<std::unique_ptr<Engine>> MakeRedisEngine(const Settings& settings,
                                                const EngineEnv& env,
                                                RedisEngineOptions options);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_ENGINE_H_
