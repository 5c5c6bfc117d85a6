// ControlClient: talks to a running crashlab-faultfs over its control
// socket (faultfs --control-socket PATH).
//
// Protocol: JSON lines over a Unix stream socket; one request object per
// line, one reply object per line, in order. Every reply has "ok"; errors
// carry "error" (a message saying what to fix). Requests:
//   {"cmd":"mark","label":L}               append a MARK record
//   {"cmd":"target","pgid":P}              the engine's process group, for
//                                          kill/crash actions (0 = none)
//   {"cmd":"kill-at","after_ops":K}        SIGKILL the target group when the
//                                          K-th state-changing operation from
//                                          now arrives, before performing it
//                                          (it fails with EIO); records a
//                                          kFault "kill"
//   {"cmd":"disarm"}                       cancel a pending kill-at
//   {"cmd":"crash"}                        SIGKILL the target now; kFault
//                                          "crash"
//   {"cmd":"inject","rule":{...}}          add a fault rule (plan syntax)
//   {"cmd":"inject","lazyfs":"lazyfs::..."} add a LazyFS-syntax fault
//   {"cmd":"clear-cache"}                  drop every file's unsynced data
//                                          now (engine keeps running)
//   {"cmd":"checkpoint"}                   make everything durable now
//   {"cmd":"unsynced"}                     -> {"ok":true,"total":N,
//                                             "files":{"path":bytes,...}}
//   {"cmd":"status"}                       -> {"ok":true,"records":N,
//                                             "fired":[{rule,count},...],
//                                             "killed":bool}
//   {"cmd":"flush"}                        write buffered trace records
// Raw LazyFS FIFO lines ("lazyfs::clear-cache", ...) are accepted too.
//
// Not thread-safe; one client per connection.
#ifndef CRASHLAB_FAULTFS_CLIENT_CONTROL_CLIENT_H_
#define CRASHLAB_FAULTFS_CLIENT_CONTROL_CLIENT_H_

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashlab {

class ControlClient {
 public:
  static Result<std::unique_ptr<ControlClient>> Connect(
      const std::string& socket_path, int timeout_ms = 10000);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Sends one request, returns the reply object; a reply with "ok": false
  // becomes an error Status carrying the daemon's message.
  Result<nlohmann::json> Call(const nlohmann::json& request);

 private:
  explicit ControlClient(int fd, int timeout_ms)
      : fd_(fd), timeout_ms_(timeout_ms) {}
  int fd_;
  int timeout_ms_;
  std::string buffer_;
};

}  // namespace crashlab

#endif  // CRASHLAB_FAULTFS_CLIENT_CONTROL_CLIENT_H_
