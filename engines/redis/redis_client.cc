#include "engines/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

namespace crashlab {

namespace {

timeval ToTimeval(int ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  if (r->str) out.str.assign(r->str, r->len);
  out.integer = r->integer;
  for (size_t i = 0; i < r->elements; ++i) {
    out.elements.push_back(Copy(r->element[i]));
  }
  return out;
}

}  // namespace

std::string RedisReply::ToString() const {
  switch (type) {
    case Type::kString:
      return "\"" + str + "\"";
    case Type::kStatus:
      return "+" + str;
    case Type::kError:
      return "-" + str;
    case Type::kInteger:
      return ":" + std::to_string(integer);
    case Type::kNil:
      return "(nil)";
    case Type::kArray: {
      std::string out = "[";
      for (const auto& e : elements) {
        out += (out.size() > 1 ? ", " : "") + e.ToString();
      }
      return out + "]";
    }
  }
  return "?";
}

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(
    const std::string& path, int timeout_ms) {
  redisContext* c =
      redisConnectUnixWithTimeout(path.c_str(), ToTimeval(timeout_ms));
  if (c == nullptr) {
    return Status::Engine("cannot allocate a Redis connection");
  }
  if (c->err) {
    const std::string why = c->errstr;
    redisFree(c);
    return Status::Engine("cannot connect to " + path + ": " + why);
  }
  if (redisSetTimeout(c, ToTimeval(timeout_ms)) != REDIS_OK) {
    redisFree(c);
    return Status::Engine("cannot set the Redis connection timeout");
  }
  return std::unique_ptr<RedisClient>(new RedisClient(c));
}

RedisClient::~RedisClient() { redisFree(c_); }

void RedisClient::SetTimeout(int timeout_ms) {
  (void)redisSetTimeout(c_, ToTimeval(timeout_ms));
}

Status RedisClient::Failure(const std::string& doing) {
  broken_ = true;
  const std::string why = c_->errstr[0] ? c_->errstr : std::strerror(errno);
  const bool timeout =
      c_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  const std::string msg = "Redis connection lost during " + doing + ": " + why;
  return timeout ? Status::Timeout(msg) : Status::Engine(msg);
}

Result<RedisReply> RedisClient::Command(const RedisCommand& argv) {
  CRASHLAB_ASSIGN_OR_RETURN(auto replies, Pipeline({argv}));
  return std::move(replies[0]);
}

Result<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<RedisCommand>& commands) {
  const std::string doing = commands.empty() ? "nothing" : commands[0][0];
  if (broken_) return Status::Engine("Redis connection is broken");
  for (const RedisCommand& cmd : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(),
                               lens.data()) != REDIS_OK) {
      return Failure(doing);
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) {
      return Failure(doing);
    }
    replies.push_back(Copy(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

}  // namespace crashlab
