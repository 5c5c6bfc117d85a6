// SkyhashConnection: one authenticated Skyhash 2 connection to a skyd on
// 127.0.0.1, with a deadline on every step.
//
// One query in flight: Query() sends a packet and reads until the whole
// response is decoded (skyhash::ResponseDecoder). Any failure on the way
// (timeout, connection closed, malformed bytes) closes the socket for good:
// the stream can no longer be trusted to line up with requests.
//
// Errors: IoError when the connection cannot be made (nothing listening
// yet), Timeout when a deadline passes, Engine when skyd closes the
// connection, refuses the handshake or sends bytes that are not Skyhash.
//
// Ownership: owns its socket. Thread-safety: one thread at a time.
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYHASH_CONN_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYHASH_CONN_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engines/skytable/skyhash.h"

namespace crashlab {

class SkyhashConnection {
 public:
  // Connects to 127.0.0.1:`port` and performs the handshake, all within
  // `timeout_ms`.
  static Result<std::unique_ptr<SkyhashConnection>> Open(
      int port, const std::string& user, const std::string& password,
      int timeout_ms);
  ~SkyhashConnection();
  SkyhashConnection(const SkyhashConnection&) = delete;
  SkyhashConnection& operator=(const SkyhashConnection&) = delete;

  // Sends one query and returns its whole response (an error response is
  // a response, not a failed Status).
  Result<skyhash::Response> Query(std::string_view query,
                                  const std::vector<skyhash::Param>& params,
                                  int timeout_ms);
  bool broken() const { return fd_ < 0; }
  void Close();

 private:
  explicit SkyhashConnection(int fd) : fd_(fd) {}
  Status SendAll(std::string_view data, int64_t deadline_ms);
  // Appends what arrives before the deadline to *out (at least one byte).
  Status ReceiveSome(int64_t deadline_ms, std::string* out);
  // Closes the connection and returns `s`.
  Status Fail(Status s);

  int fd_ = -1;
  skyhash::ResponseDecoder decoder_;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYHASH_CONN_H_
