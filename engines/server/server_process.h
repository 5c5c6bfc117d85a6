// ServerProcess: one database server crashlab started, from spawn to exit.
//
// The server is a Subprocess: its own process group, SIGKILLed if the thread
// that started it dies (core/subprocess.h). Its stderr is appended to one
// log file (the server may write its own log to the same file); the lines it
// wrote since this start are what failure messages quote, so a refusal is
// reported in the server's own words.
//
// WaitReady polls an engine-supplied probe (a real client connection) with
// a short, growing interval until the server answers, exits, or the timeout
// passes, and classifies a start that did not succeed in Recovery terms:
//   exited with a status      -> kOpenFailed (the server refused the image)
//   killed by a signal        -> kCrashed
//   still not answering       -> kHung (the server is then killed)
//
// Ownership: owns the Subprocess; destroying it kills the process group.
// Not thread-safe.
#ifndef CRASHLAB_ENGINES_SERVER_SERVER_PROCESS_H_
#define CRASHLAB_ENGINES_SERVER_SERVER_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"
#include "engines/engine.h"

namespace crashlab {

// Why a server did not come up.
struct StartFailure {
  Recovery::Stage stage = Recovery::Stage::kOpenFailed;
  std::string message;  // the server's own log lines, or what happened
  // The status for callers that are not recovering (Init, Open).
  Status ToStatus(const std::string& context) const;
};

struct ServerSpawn {
  std::string name;  // "redis-server", for messages
  std::vector<std::string> argv;
  std::string log_path;  // stderr is appended here
  std::string cwd;       // "" = inherit
};

// What a probe saw.
enum class ProbeResult {
  kReady,   // the server answers; stop waiting
  kNotYet,  // no answer yet (not listening, still loading)
};

class ServerProcess {
 public:
  // Keeps only the lines that make a good message out of a failed start
  // (warnings, fatal errors); gets every line written since the start.
  using LogFilter =
      std::function<std::vector<std::string>(const std::vector<std::string>&)>;

  static Result<std::unique_ptr<ServerProcess>> Spawn(const ServerSpawn& spawn);
  ~ServerProcess() = default;

  // Polls `probe` until it says ready (nullopt), the server exits, or
  // `timeout_ms` passes (the server is then killed).
  std::optional<StartFailure> WaitReady(
      int timeout_ms, const std::function<ProbeResult()>& probe,
      const LogFilter& filter);

  // Lines appended to the log since the spawn.
  std::vector<std::string> NewLogLines() const;
  // The server's words after it stopped unexpectedly: filtered log lines,
  // else the last lines, else how it ended.
  std::string Explain(const LogFilter& filter);

  bool running() { return process_->running(); }
  pid_t pid() const { return process_->pid(); }
  // Sends `sig` to the process group.
  void Signal(int sig) { process_->Kill(sig); }
  // Waits for the exit; Timeout if it did not exit in time.
  Result<int> Wait(int timeout_ms) { return process_->Wait(timeout_ms); }
  // SIGKILL to the group and reap.
  void Kill();
  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }

 private:
  ServerProcess() = default;
  std::string name_;
  std::string log_path_;
  uint64_t log_offset_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SERVER_SERVER_PROCESS_H_
