// SkydServer: one skyd (Skytable 0.8) process on one data directory.
//
// Start():
//   - the data directory is skyd's working directory (it has no flag for it);
//   - the root password of SkydConfig (the same at every start of a data
//     directory: skyd writes a GNS event whenever it differs from the
//     stored one) is written into a YAML config, mode 0600, inside a private mode-0700 directory under
//     $TMPDIR (never inside the data directory, never on a command line);
//     skyd gets only `--config FILE` (0.8 refuses mixed config sources, so
//     SKYDB_* variables are unset for it); the file is deleted once skyd
//     is up or gone;
//   - endpoint 127.0.0.1:<port>, the port found free by binding port 0 (a
//     lost race shows as "address in use" and is retried on a new port);
//   - system.mode dev, system.rs_window as configured;
//   - ready = a successful handshake, polled until the timeout while the
//     process lives. The connection that proved it is handed over.
// skyd's stdout and stderr are appended to SkydConfig::log_path (or a file
// in the private directory), after a header line per start; failures quote
// skyd's own last lines from this start.
// Stop() is SIGTERM (skyd flushes and exits 0), SIGKILL after the timeout;
// Kill() is SIGKILL to the process group. The destructor kills a running
// skyd and removes the private directory.
//
// Ownership: a SkydServer owns its Subprocess and private directory.
// Thread-safety: one thread; the process dies with the thread that started
// it (PR_SET_PDEATHSIG, core/subprocess.h).
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYD_SERVER_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYD_SERVER_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/subprocess.h"
#include "engines/skytable/skyhash_conn.h"

namespace crashlab {

struct SkydConfig {
  std::string skyd;        // the skyd binary
  std::string password;    // root password, >= 16 characters
  int rs_window_s = 300;   // system.rs_window
  std::string log_path;    // "" = a file in the private directory
  int timeout_ms = 30000;  // start, stop, and each query
};

class SkydServer {
 public:
  enum class Failure : uint8_t {
    kNone,
    kExited,  // skyd exited during startup (refused the data, bad config)
    kKilled,  // skyd died from a signal during startup
    kHung,    // alive but not accepting a handshake within the timeout
    kSetup,   // crashlab could not prepare or start it
  };
  struct Started {
    std::unique_ptr<SkydServer> server;       // set when failure == kNone
    std::unique_ptr<SkyhashConnection> conn;  // the connection that proved it
    Failure failure = Failure::kNone;
    std::string message;  // skyd's words when not kNone
  };
  static Started Start(const SkydConfig& config, const std::string& dir);

  ~SkydServer();
  SkydServer(const SkydServer&) = delete;
  SkydServer& operator=(const SkydServer&) = delete;

  // A new authenticated connection.
  Result<std::unique_ptr<SkyhashConnection>> Connect();
  // Clean stop: Ok only if skyd exited with code 0 after SIGTERM.
  Status Stop();
  // SIGKILL to the process group; reaps it.
  void Kill();
  bool running();
  int pid() const { return process_ ? process_->pid() : -1; }
  int port() const { return port_; }
  // skyd's last lines since this start (SummarizeSkydLog).
  std::string LogTail() const;

 private:
  SkydServer() = default;
  Status Prepare(const SkydConfig& config, const std::string& dir);
  Status Spawn(const std::string& dir);
  // Polls for a handshake; fills `started` on success or failure. Returns
  // true when a failure should be retried on another port.
  bool AwaitReady(Started* started);

  SkydConfig config_;
  std::string private_dir_;
  std::string config_path_;
  std::string log_path_;
  long log_offset_ = 0;
  std::string password_;
  int port_ = -1;
  std::unique_ptr<Subprocess> process_;
};

// `skyd --version`, trimmed ("Skytable v0.8.0").
Result<std::string> SkydVersion(const std::string& skyd, int timeout_ms);

// Runs `command` through /bin/sh in `dir` (e.g. `skyd repair`), with
// $SKYD = `skyd`, and `skyd` on $PATH naming that binary whatever its
// file is called (then skyd's directory, then $PATH); output appended to
// `log_path`. Timeout, or Engine naming the exit status and the last lines.
Status RunRepair(const std::string& command, const std::string& skyd,
                 const std::string& dir, const std::string& log_path,
                 int timeout_ms);

// The last `max_lines` non-empty lines of skyd output, env_logger
// timestamps removed ("[2026-11-26T14:20:48Z ERROR skyd] x" ->
// "[ERROR skyd] x") so equal failures read equal; crashlab's own header
// lines are skipped.
std::string SummarizeSkydLog(std::string_view log, size_t max_lines);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYD_SERVER_H_
