// RedisServer: redis-server started by crashlab on one data directory.
//
// Start writes a configuration file (0600) into a private directory (0700)
// and runs `redis-server CONFIG --dir DATA`: the password lives only in that
// file and in memory, never on a command line. The server listens on
// 127.0.0.1 on a free port and on a unix socket in the private directory,
// which is how crashlab talks to it. Its log (and stderr) go to
// LOG_DIR/<log_name>, or into the private directory when there is no log
// directory. What is written (RedisConfigText) is:
//   bind 127.0.0.1, protected-mode yes, port, unixsocket (0700),
//   requirepass, daemonize no, set-proc-title no (the command line, with
//   the data directory, stays visible in ps, for the server and its fork
//   children alike), logfile, databases 1;
//   appendonly, appendfsync, aof-use-rdb-preamble from the settings;
//   save: the `save` setting with appendonly=no; with appendonly=yes, none
//   (Redis loads the AOF alone at startup, so snapshots would only add
//   fork children and files that recovery never reads).
// Everything else keeps Redis's defaults (aof-load-truncated yes,
// auto-aof-rewrite 100% / 64mb, hz 10, ...): those are what users run.
//
// Ready means: the unix socket accepts a connection and AUTH + PING answer
// (-LOADING while an AOF or RDB loads means not yet). A port someone took
// between our probe and the server's bind is retried with a new port.
//
// Stop: SHUTDOWN (Redis fsyncs the AOF, or SAVEs with save points set),
// then waits for the exit. Kill: SIGKILL to the process group, which holds
// the fork children of BGSAVE/BGREWRITEAOF as well.
//
// Ownership: owns the process, its private directory and the connection.
// Not thread-safe.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_SERVER_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "engines/redis/redis_client.h"
#include "engines/server/server_process.h"
#include "engines/server/server_util.h"

namespace crashlab {

struct RedisServerOptions {
  std::string server_bin;  // redis-server
  Settings settings;       // resolved engine settings
  std::string password;
  std::string log_dir;  // "" = the private directory
  // One file per engine instance and use, so servers started at once by
  // parallel recovery workers never interleave their lines.
  std::string log_name = "redis-server.log";
  int ready_timeout_ms = 30000;
  int request_timeout_ms = 30000;
};

// The configuration file for `settings` (without the data directory, which
// goes on the command line).
std::string RedisConfigText(const Settings& settings, int port,
                            const std::string& socket_path,
                            const std::string& password,
                            const std::string& log_path);

// A string as a double-quoted redis.conf argument.
std::string QuoteRedisConfig(const std::string& s);

// The Redis log lines that explain a failed start (warnings, '#').
std::vector<std::string> RedisProblemLines(const std::vector<std::string>& l);

class RedisServer {
 public:
  // Starts redis-server on `dir`; null with *failure set when it did not
  // come up.
  static std::unique_ptr<RedisServer> Start(const RedisServerOptions& o,
                                            const std::string& dir,
                                            StartFailure* failure);
  ~RedisServer();

  RedisClient& client() { return *client_; }
  // Another authenticated connection (concurrent clients), owned by the
  // caller and closed before the server stops.
  Result<std::unique_ptr<RedisClient>> Connect();
  // SHUTDOWN and wait for the exit; the server is gone afterwards either
  // way (killed if it did not stop cleanly).
  Status Shutdown();
  // SIGKILL to the process group; reaps.
  void Kill();
  bool running() { return process_ && process_->running(); }
  // What went wrong, in the server's own words (for a server that died).
  std::string Explain();
  int process_group() const { return process_ ? process_->pid() : -1; }

 private:
  RedisServer() = default;
  static std::unique_ptr<RedisServer> StartOnce(const RedisServerOptions& o,
                                                const std::string& dir,
                                                StartFailure* failure);
  ProbeResult Probe();

  std::unique_ptr<PrivateDir> private_dir_;
  std::unique_ptr<ServerProcess> process_;
  std::unique_ptr<RedisClient> client_;
  std::string socket_path_;
  std::string password_;
  int request_timeout_ms_ = 30000;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_SERVER_H_
