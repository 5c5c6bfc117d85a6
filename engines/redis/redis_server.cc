#include "engines/redis/redis_server.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/files.h"

namespace crashlab {

namespace {

constexpr int kPortAttempts = 3;
constexpr int kProbeTimeoutMs = 500;
constexpr size_t kFallbackLines = 10;

// Splits a Redis log line "PID:R DD Mon YYYY HH:MM:SS.mmm L message" into
// its level character and message; false for lines of another shape
// (stderr output such as a config file error).
bool ParseLogLine(const std::string& line, char* level, std::string* msg) {
  std::istringstream in(line);
  std::string who, day, mon, year, time, lvl;
  if (!(in >> who >> day >> mon >> year >> time >> lvl)) return false;
  const size_t colon = who.find(':');
  if (colon == std::string::npos || colon + 2 != who.size() ||
      !std::isalpha(static_cast<unsigned char>(who.back())) ||
      lvl.size() != 1 ||
      std::string(".-*#").find(lvl[0]) == std::string::npos ||
      time.find(':') == std::string::npos) {
    return false;
  }
  *level = lvl[0];
  std::getline(in, *msg);
  const size_t start = msg->find_first_not_of(' ');
  *msg = start == std::string::npos ? "" : msg->substr(start);
  return true;
}

}  // namespace

std::string QuoteRedisConfig(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string RedisConfigText(const Settings& s, int port,
                            const std::string& socket_path,
                            const std::string& password,
                            const std::string& log_path) {
  const bool aof = s.at("appendonly") == "yes";
  const std::string save = s.at("save");
  std::string text;
  auto line = [&text](const std::string& l) { text += l + "\n"; };
  line("# Written by crashlab for one server start; removed when it stops.");
  line("bind 127.0.0.1");
  line("protected-mode yes");
  line("port " + std::to_string(port));
  line("unixsocket " + QuoteRedisConfig(socket_path));
  line("unixsocketperm 700");
  line("requirepass " + QuoteRedisConfig(password));
  line("daemonize no");
  line("supervised no");
  line("set-proc-title no");
  line("always-show-logo no");
  line("logfile " + QuoteRedisConfig(log_path));
  line("loglevel notice");
  line("databases 1");
  line("dbfilename dump.rdb");
  line("appendfilename \"appendonly.aof\"");
  line("appenddirname \"appendonlydir\"");
  line("appendonly " + s.at("appendonly"));
  line("appendfsync " + s.at("appendfsync"));
  line("aof-use-rdb-preamble " + s.at("aof-use-rdb-preamble"));
  line("auto-aof-rewrite-min-size " + s.at("auto-aof-rewrite-min-size"));
  // The rule's words are digits (CheckRedisSettings); Redis wants them as
  // separate arguments.
  line(!aof && save != "off" ? "save " + save : "save \"\"");
  return text;
}

std::vector<std::string> RedisProblemLines(const std::vector<std::string>& l) {
  std::vector<std::string> problems, all;
  for (const std::string& line : l) {
    char level = 0;
    std::string msg;
    if (!ParseLogLine(line, &level, &msg)) {
      problems.push_back(line);  // stderr: config errors, bug reports
      all.push_back(line);
      continue;
    }
    if (level == '#') problems.push_back(msg);
    all.push_back(msg);
  }
  if (!problems.empty()) return problems;
  const size_t from =
      all.size() > kFallbackLines ? all.size() - kFallbackLines : 0;
  return {all.begin() + static_cast<long>(from), all.end()};
}

std::unique_ptr<RedisServer> RedisServer::Start(const RedisServerOptions& o,
                                                const std::string& dir,
                                                StartFailure* failure) {
  for (int attempt = 1;; ++attempt) {
    auto server = StartOnce(o, dir, failure);
    if (server) return server;
    if (attempt >= kPortAttempts ||
        failure->message.find("Address already in use") == std::string::npos) {
      return nullptr;
    }
  }
}

std::unique_ptr<RedisServer> RedisServer::StartOnce(const RedisServerOptions& o,
                                                    const std::string& dir,
                                                    StartFailure* failure) {
  auto fail = [failure](const Status& s) -> std::unique_ptr<RedisServer> {
    failure->stage = Recovery::Stage::kCrashed;
    failure->message = s.message();
    return nullptr;
  };
  auto server = std::unique_ptr<RedisServer>(new RedisServer());
  server->password_ = o.password;
  server->request_timeout_ms_ = o.request_timeout_ms;
  auto priv = PrivateDir::Create("crashlab-redis");
  if (!priv.ok()) return fail(priv.status());
  server->private_dir_ = std::move(priv).value();
  const PrivateDir& pd = *server->private_dir_;
  auto port = FreeLoopbackPort();
  if (!port.ok()) return fail(port.status());
  std::string log_path = pd.File(o.log_name);
  if (!o.log_dir.empty()) {
    Status made = MakeDirs(o.log_dir);
    if (!made.ok()) return fail(made);
    log_path = JoinPath(o.log_dir, o.log_name);
  }
  server->socket_path_ = pd.File("redis.sock");
  Status written = pd.WriteSecretFile(
      "redis.conf", RedisConfigText(o.settings, *port, server->socket_path_,
                                    o.password, log_path));
  if (!written.ok()) return fail(written);

  ServerSpawn spawn;
  spawn.name = "redis-server";
  spawn.argv = {o.server_bin, pd.File("redis.conf"), "--dir", dir};
  spawn.log_path = log_path;
  auto process = ServerProcess::Spawn(spawn);
  if (!process.ok()) return fail(process.status());
  server->process_ = std::move(process).value();
  RedisServer* s = server.get();
  auto failed = server->process_->WaitReady(
      o.ready_timeout_ms, [s] { return s->Probe(); }, RedisProblemLines);
  if (failed) {
    *failure = *failed;
    server->process_->Kill();
    return nullptr;
  }
  server->client_->SetTimeout(o.request_timeout_ms);
  return server;
}

ProbeResult RedisServer::Probe() {
  auto client = RedisClient::Connect(socket_path_, kProbeTimeoutMs);
  if (!client.ok()) return ProbeResult::kNotYet;
  auto replies = (*client)->Pipeline({{"AUTH", password_}, {"PING"}});
  if (!replies.ok()) return ProbeResult::kNotYet;
  const RedisReply& pong = (*replies)[1];
  if ((*replies)[0].is_error() || pong.is_error()) return ProbeResult::kNotYet;
  client_ = std::move(client).value();
  return ProbeResult::kReady;
}

Result<std::unique_ptr<RedisClient>> RedisServer::Connect() {
  CRASHLAB_ASSIGN_OR_RETURN(
      auto client, RedisClient::Connect(socket_path_, request_timeout_ms_));
  CRASHLAB_ASSIGN_OR_RETURN(RedisReply auth,
                            client->Command({"AUTH", password_}));
  if (auth.is_error()) return Status::Engine("AUTH: " + auth.str);
  return client;
}

RedisServer::~RedisServer() {
  client_.reset();
  if (process_) process_->Kill();
}

Status RedisServer::Shutdown() {
  if (!process_) return Status::Ok();
  if (client_ && !client_->broken()) {
    auto reply = client_->Command({"SHUTDOWN"});
    // A clean SHUTDOWN closes the connection without a reply.
    if (reply.ok() && reply->is_error()) {
      const std::string why = reply->str;
      Kill();
      return Status::Engine("redis-server refused SHUTDOWN (" + why +
                            "): " + Explain());
    }
  } else {
    process_->Signal(SIGTERM);
  }
  client_.reset();
  auto exited = process_->Wait(request_timeout_ms_);
  if (!exited.ok()) {
    process_->Kill();
    return Status::Timeout("redis-server did not exit within " +
                           std::to_string(request_timeout_ms_) +
                           " ms of SHUTDOWN");
  }
  if (!WIFEXITED(*exited) || WEXITSTATUS(*exited) != 0) {
    return Status::Engine("redis-server " +
                          Subprocess::DescribeWaitStatus(*exited) +
                          " on SHUTDOWN: " + Explain());
  }
  return Status::Ok();
}

void RedisServer::Kill() {
  client_.reset();
  if (process_) process_->Kill();
}

std::string RedisServer::Explain() {
  return process_ ? process_->Explain(RedisProblemLines) : "";
}

}  // namespace crashlab
