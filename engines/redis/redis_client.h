// RedisClient: one hiredis connection (unix socket), with replies copied
// into values and every failure a Status.
//
// Failures: an I/O error or timeout breaks the connection for good
// (broken() is then true): whatever was sent may or may not have been
// executed, which is what callers need to know to report kInfo. A Redis
// error reply ("-ERR ...") is not a failure here: it is a reply of type
// kError, for the caller to judge.
//
// Ownership: owns the redisContext. Not thread-safe.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_CLIENT_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "engines/redis/redis_codec.h"

struct redisContext;

namespace crashlab {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // string, status and error text
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::kError; }
  // "+OK", "-ERR ...", ":3", "(nil)", "[...]": for messages.
  std::string ToString() const;
};

class RedisClient {
 public:
  // Connects to the unix socket at `path`; every later read or write waits
  // at most `timeout_ms`.
  static Result<std::unique_ptr<RedisClient>> Connect(const std::string& path,
                                                      int timeout_ms);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, one reply.
  Result<RedisReply> Command(const RedisCommand& argv);
  // Sends every command in one write, then reads one reply per command.
  Result<std::vector<RedisReply>> Pipeline(
      const std::vector<RedisCommand>& commands);

  // True after an I/O error or timeout: the connection is unusable.
  bool broken() const { return broken_; }
  // How long later reads and writes wait.
  void SetTimeout(int timeout_ms);

 private:
  explicit RedisClient(redisContext* c) : c_(c) {}
  Status Failure(const std::string& doing);
  redisContext* c_;
  bool broken_ = false;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_CLIENT_H_
