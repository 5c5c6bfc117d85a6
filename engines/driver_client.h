// DriverClient: crashlab's end of one driver process (engines/PROTOCOL.md).
//
// Owns the driver's Subprocess. Call() sends one request and waits up to the
// timeout for its reply. Failures of the channel itself are Status codes,
// kept apart from the driver's own error replies (which are ordinary JSON):
//   kTimeout  - no reply in time: the driver hangs;
//   kEngine   - the driver died (message: "driver killed by signal 9 ...");
//   kBadInput - the driver wrote something that is not a reply to this
//               request (not JSON, wrong id).
// After any of them the client is broken(): replies could no longer be
// matched to requests, so every later Call fails at once. The owner then
// kills it and, if it wants, starts a new one.
//
// Not thread-safe: one owner.
#ifndef CRASHLAB_ENGINES_DRIVER_CLIENT_H_
#define CRASHLAB_ENGINES_DRIVER_CLIENT_H_

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"

namespace crashlab {

// The error object of a failed reply.
struct DriverError {
  std::string kind;
  std::string message;
  std::optional<bool> definite;  // apply only
  // "kind: message", for people.
  std::string ToString() const { return kind + ": " + message; }
};

class DriverClient {
 public:
  struct Options {
    std::vector<std::string> argv;
    std::string stderr_path;  // "" = inherit crashlab's stderr
    int timeout_ms = 30000;   // per request
  };

  // Spawns the driver and checks it speaks the protocol (hello).
  static Result<std::unique_ptr<DriverClient>> Start(const Options& options);

  // Sends `request` with a fresh id; returns the whole reply object.
  Result<nlohmann::json> Call(nlohmann::json request);

  // Reads the error of a reply whose "ok" is false.
  static DriverError ErrorOf(const nlohmann::json& reply);

  const nlohmann::json& hello() const { return hello_; }
  bool broken() const { return broken_; }
  bool running() { return process_->running(); }
  pid_t pid() const { return process_->pid(); }

  // SIGKILL to the driver's process group; reaps the driver.
  void Kill();
  // Ends the driver politely: quit, then wait; SIGKILL if it lingers.
  Status Quit();

 private:
  DriverClient(std::unique_ptr<Subprocess> process, int timeout_ms)
      : process_(std::move(process)), timeout_ms_(timeout_ms) {}
  // Marks the client broken with `status`, adding why the driver died.
  Status Break(const Status& status);

  std::unique_ptr<Subprocess> process_;
  int timeout_ms_;
  uint64_t next_id_ = 1;
  bool broken_ = false;
  Status broken_status_;
  nlohmann::json hello_;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_DRIVER_CLIENT_H_
