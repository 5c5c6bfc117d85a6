// The PostgreSQL engine (`--engine postgres`): the real server from
// /usr/lib/postgresql/<major>/bin (the highest major installed), spoken to
// with libpq, one table per schema table and one transaction per op
// (pg_sql.h, pg_ops.h), one postmaster per Init, Open and Recover, run as
// the `postgres` system user in its own PID namespace (pg_server.h).
//
// Settings (each passed as -c to the server):
//   fsync                on | off (default on)
//   synchronous_commit   on | off | local | remote_write (default on)
//   full_page_writes     on | off (default on)
//   wal_sync_method      fdatasync | fsync | open_sync | open_datasync
//                        (default fdatasync)
//   isolation            read committed | repeatable read | serializable
//                        (default read committed; the server's
//                        default_transaction_isolation)
//
// Lifecycle: Init runs initdb (durably: no --no-sync), starts the server,
// creates the tables and stops it with a fast shutdown. Open starts a
// server for a session (Close = fast shutdown, Kill = SIGKILL to the group,
// which empties the namespace). Recover starts one on the crash image,
// which replays the WAL; it is ready when it accepts connections (the
// timeout grows with the WAL: 1 ms per 4 KiB on top of the request
// timeout), then every table is read and the server SIGKILLed (the image
// is thrown away; SIGKILL stops it faster than any shutdown mode and the
// namespace guarantees no process is left).
//
// Crash images and power-cut rewrites are written by root: Open and
// Recover hand the directory to postgres (chown of what is not yet its,
// mode 0700) before starting. runs_as_other_user() is true, so faultfs
// mounts with allow_other. Needs root (to become postgres) and util-linux's
// unshare and setpriv.
//
// Logs: LOG_DIR/postgres-initdb.log, LOG_DIR/postgres.log for Init and
// Open, and one LOG_DIR/postgres-recover-<random>.log per engine instance
// for Recover (parallel recovery workers each have their own).
//
// Thread-safety: one thread, like every Engine.
#ifndef CRASHLAB_ENGINES_POSTGRES_POSTGRES_ENGINE_H_
#define CRASHLAB_ENGINES_POSTGRES_POSTGRES_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"

namespace crashlab {

struct PostgresEngineOptions {
  // Directory with postgres and initdb; "" = the highest
  // /usr/lib/postgresql/<major>/bin. Tests point it at stand-ins.
  std::string bin_dir;
  // How long a start may take before it counts as hung; 0 = the request
  // timeout plus time for the WAL (see above).
  int ready_timeout_ms = 0;
};

std::vector<SettingSpec> PostgresSettingSpecs();
// checkpoint_timeout (N s/min/h/d) and max_wal_size (N kB/MB/GB); the
// server checks their ranges when it starts.
Status CheckPgCheckpointSettings(const Settings& resolved);
// The claim for resolved settings, quoting PostgreSQL's documentation.
DurabilityClaim PostgresClaim(const Settings& resolved);
// The highest installed /usr/lib/postgresql/<major>/bin, or NotFound.
Result<std::string> FindPostgresBinDir();

Result<std::unique_ptr<Engine>> MakePostgresEngine(
    const Settings& settings, const EngineEnv& env,
    PostgresEngineOptions options);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_POSTGRES_ENGINE_H_
