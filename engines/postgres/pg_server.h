// PgServer: a PostgreSQL postmaster started by crashlab on one data
// directory, as the `postgres` system user (the server refuses root).
//
// Processes. PostgreSQL makes every child of the postmaster a session
// leader (setsid() in InitPostmasterChild), so a process-group kill would
// reach the postmaster alone and leave its backends, WAL writer and
// checkpointer writing to the files after the "crash". Each server
// therefore runs as PID 1 of its own PID and IPC namespaces:
//   unshare --pid --ipc --fork --kill-child=SIGKILL
//     setpriv --reuid=postgres --regid=postgres --clear-groups
//             --pdeathsig=SIGKILL -- postgres -D DATA ...
// unshare and the postmaster share the process group crashlab kills; when
// the postmaster (the namespace's init) dies the kernel kills every other
// process of the namespace, and the IPC namespace takes its System V shared
// memory with it (dynamic_shared_memory_type=sysv, so nothing is left in
// /dev/shm either). If crashlab itself dies, PR_SET_PDEATHSIG takes
// unshare, --kill-child the postmaster, and the namespace the rest.
// unshare ignores SIGINT/SIGTERM while it waits, so a clean stop is SIGINT
// to the group (the postmaster's fast shutdown).
//
// Authentication. initdb gets --auth=scram-sha-256, a generated password
// (through a 0600 pwfile) and the superuser `crashlab`. Every start points
// hba_file/ident_file at files in the private directory: the TCP listener
// (127.0.0.1, a free port) keeps scram-sha-256, and crashlab connects over
// the unix socket in that 0700 directory with peer authentication mapped
// from the OS user it runs as. So any engine instance (recovery workers,
// other shards) can read any image of the cluster, and no secret is ever
// needed after initdb, stored in the data directory, or put on a command
// line.
//
// Server settings (every start; none changes what a commit promises):
//   shared_buffers=16MB, max_connections=10: small, a test server;
//   dynamic_shared_memory_type=sysv, huge_pages=off: see Processes;
//   autovacuum=off: no background writes unrelated to the workload (commit
//     durability is the WAL's, untouched);
//   deadlock_timeout=20ms (default 1 s): concurrent transactional clients
//     deadlock often, and each deadlock would stall them for a second;
//   jit=off, lc_messages=C, wal_writer_delay=200ms (the default, stated
//     because the synchronous_commit=off claim is 3 x this delay);
//   fsync=off for Recover only (whatever the fsync setting): replay reads
//     the same WAL and pages either way; what fsync=off skips is the fsync
//     of every file of the image before replay (SyncDataDirectory) and the
//     end-of-recovery checkpoint's fsyncs, which only matter for an image
//     that is kept, and the image is thrown away after the dump. The
//     settings under test apply to Init and Open, where crashes happen.
// Checkpoint settings keep PostgreSQL's defaults (checkpoint_timeout 5min,
// max_wal_size 1GB), so short runs see no timed checkpoint.
//
// Ownership: owns the process, the private directory and the connection.
// Not thread-safe.
#ifndef CRASHLAB_ENGINES_POSTGRES_PG_SERVER_H_
#define CRASHLAB_ENGINES_POSTGRES_PG_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/postgres/pg_client.h"
#include "engines/server/server_process.h"
#include "engines/server/server_util.h"

namespace crashlab {

constexpr char kPgSuperuser[] = "crashlab";
constexpr char kPgDatabase[] = "postgres";

struct PgServerOptions {
  std::string bin_dir;  // holds postgres and initdb
  Settings settings;    // resolved engine settings
  uid_t uid = 0;        // the postgres system user
  gid_t gid = 0;
  std::string log_dir;  // "" = the private directory
  // One file per engine instance and use, so servers started at once by
  // parallel recovery workers never interleave their lines.
  std::string log_name = "postgres.log";
  int request_timeout_ms = 30000;
};

// The server's -c options for `settings` (without port and directories).
std::vector<std::string> PgSettingArgs(const Settings& settings,
                                       bool recovering);

// PostgreSQL log lines that explain a failed start: FATAL, PANIC, ERROR
// and their DETAIL/HINT, a child process that died, unprefixed stderr.
std::vector<std::string> PgProblemLines(const std::vector<std::string>& l);

// Makes `dir` usable by the postgres user: every ancestor must let it in
// (else an error naming the ancestor), every entry is chowned to it (only
// those that are not yet: through faultfs each chown is a recorded
// operation), and `dir` gets mode 0700 (PostgreSQL refuses anything wider).
Status PreparePgDataDir(const std::string& dir, uid_t uid, gid_t gid);

// initdb on the empty directory `dir` (see the file comment).
Status PgInitDb(const PgServerOptions& o, const std::string& dir);

class PgServer {
 public:
  // Starts the postmaster on `dir` (already prepared) and connects; null
  // with *failure set when it did not come up within `ready_timeout_ms`.
  static std::unique_ptr<PgServer> Start(const PgServerOptions& o,
                                         const std::string& dir,
                                         bool recovering, int ready_timeout_ms,
                                         StartFailure* failure);
  ~PgServer();

  PgConnection& conn() { return *conn_; }
  // Another connection to this server (concurrent clients); owned by the
  // caller, closed before the server stops. At most max_connections (10)
  // connections at once, this server's own included.
  Result<std::unique_ptr<PgConnection>> Connect() const {
    return PgConnection::Connect(Params(), request_timeout_ms_);
  }
  // Fast shutdown (SIGINT): a shutdown checkpoint, then exit 0. The server
  // is gone afterwards either way.
  Status Stop();
  // SIGKILL to the process group; waits until the namespace is gone.
  void Kill();
  bool running() { return process_ && process_->running(); }
  std::string Explain();
  int process_group() const { return process_ ? process_->pid() : -1; }

 private:
  PgServer() = default;
  static std::unique_ptr<PgServer> StartOnce(const PgServerOptions& o,
                                             const std::string& dir,
                                             bool recovering, int timeout_ms,
                                             StartFailure* failure);
  PgConnParams Params() const;

  std::unique_ptr<PrivateDir> private_dir_;
  std::unique_ptr<ServerProcess> process_;
  std::unique_ptr<PgConnection> conn_;
  pid_t postmaster_ = -1;  // in crashlab's PID namespace
  int port_ = 0;
  int request_timeout_ms_ = 30000;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_POSTGRES_PG_SERVER_H_
