#include "engines/redis/redis_engine.h"

#include <sstream>

#include "core/subprocess.h"
#include "engines/engine_def.h"
#include "engines/redis/redis_codec.h"
#include "engines/redis/redis_ops.h"
#include "engines/redis/redis_server.h"
#include "engines/redis/redis_txn.h"
#include "engines/server/server_session.h"

namespace crashlab {

namespace {

constexpr char kDefaultSave[] = "1 1";

EngineInfo RedisInfo(const EngineEnv& env, const std::string& server_bin) {
  EngineInfo info{"redis",
                  "Redis (redis-server from the system) over hiredis; one "
                  "hash per row, one MULTI/EXEC per operation",
                  RedisSettingSpecs()};
  std::string found;
  info.available = ProgramAvailable(server_bin, &found);
  info.availability = info.available
                          ? "server " + found
                          : server_bin +
                                " not found (Debian: apt-get install "
                                "redis-server, or ci/install-deps.sh)";
  return info;
}

class RedisSession : public ServerSession<RedisServer> {
 public:
  RedisSession(std::unique_ptr<RedisServer> server, Schema schema)
      : ServerSession(std::move(server), std::move(schema), "redis-server") {}

  // MULTI/EXEC transactions on a connection of their own (redis_txn.h).
  Result<std::unique_ptr<TxnClient>> OpenTxnClient(TxnWorkload) override {
    if (!server_) return Status::Engine("session is closed");
    CRASHLAB_ASSIGN_OR_RETURN(auto client, server_->Connect());
    return std::unique_ptr<TxnClient>(new RedisTxnClient(std::move(client)));
  }

 private:
  ApplyResult ApplyOn(RedisServer& server, const LogicalOp& op) override {
    return ApplyRedisOp(server.client(), schema_, op);
  }
  Result<Rows> DumpOn(RedisServer& server) override {
    return DumpRedisRows(server.client(), schema_);
  }
  Status StopServer(RedisServer& server) override { return server.Shutdown(); }
};

class RedisEngine : public Engine {
 public:
  RedisEngine(Settings settings, EngineEnv env, RedisEngineOptions options,
              std::string password, const std::string& instance)
      : settings_(std::move(settings)),
        env_(std::move(env)),
        options_(std::move(options)) {
    server_options_.server_bin = options_.server_bin;
    server_options_.settings = settings_;
    server_options_.password = std::move(password);
    server_options_.log_dir = env_.log_dir;
    server_options_.request_timeout_ms = env_.request_timeout_ms;
    server_options_.ready_timeout_ms = options_.ready_timeout_ms > 0
                                           ? options_.ready_timeout_ms
                                           : env_.request_timeout_ms;
    recover_options_ = server_options_;
    recover_options_.log_name = "redis-server-recover-" + instance + ".log";
  }

  std::string name() const override { return "redis"; }
  const Settings& settings() const override { return settings_; }
  DurabilityClaim Claim() const override { return RedisClaim(settings_); }

  Result<std::string> Version() override {
    if (!version_.empty()) return version_;
    SpawnOptions o;
    o.argv = {options_.server_bin, "--version"};
    o.pipe_stdout = true;
    CRASHLAB_ASSIGN_OR_RETURN(auto p, Subprocess::Spawn(o));
    auto line = p->ReadLine(env_.request_timeout_ms);
    (void)p->Wait(env_.request_timeout_ms);
    if (!line.ok()) {
      return line.status().Annotate(options_.server_bin + " --version");
    }
    // "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 ..."
    const size_t v = line->find("v=");
    if (v == std::string::npos) {
      return Status::Engine(options_.server_bin +
                            " --version printed no version: " + *line);
    }
    version_ = line->substr(v + 2, line->find(' ', v) - v - 2);
    return version_;
  }

  Status Init(const std::string& dir, const Schema& schema) override {
    CRASHLAB_ASSIGN_OR_RETURN(auto server, StartOn(dir, schema, "init"));
    return server->Shutdown().Annotate("init " + dir);
  }

  Result<std::unique_ptr<Session>> Open(const std::string& dir,
                                        const Schema& schema) override {
    CRASHLAB_ASSIGN_OR_RETURN(auto server, StartOn(dir, schema, "open"));
    return std::unique_ptr<Session>(
        new RedisSession(std::move(server), schema));
  }

  Recovery Recover(const std::string& dir, const Schema& schema) override {
    Recovery r;
    StartFailure failure;
    auto server = RedisServer::Start(recover_options_, dir, &failure);
    if (!server) {
      r.stage = failure.stage;
      r.message = failure.message;
      return r;
    }
    return RecoveryFromDump(*server, "redis-server",
                            DumpRedisRows(server->client(), schema));
  }

 private:
  Result<std::unique_ptr<RedisServer>> StartOn(const std::string& dir,
                                               const Schema& schema,
                                               const std::string& what) {
    const std::string bad = CheckRedisSchema(schema);
    if (!bad.empty()) return Status::InvalidArgument("redis: " + bad);
    StartFailure failure;
    auto server = RedisServer::Start(server_options_, dir, &failure);
    if (!server) return failure.ToStatus(what + " " + dir);
    return server;
  }

  Settings settings_;
  EngineEnv env_;
  RedisEngineOptions options_;
  RedisServerOptions server_options_;
  RedisServerOptions recover_options_;
  std::string version_;
};

}  // namespace

std::vector<SettingSpec> RedisSettingSpecs() {
  return {
      {"appendonly",
       "yes",
       {"yes", "no"},
       "persist every write to the append-only file (AOF); no = RDB "
       "snapshots only (see save)"},
      {"appendfsync",
       "everysec",
       {"always", "everysec", "no"},
       "when Redis fsyncs the AOF: after every write batch, once a second, "
       "or never (the OS decides)"},
      {"aof-use-rdb-preamble",
       "yes",
       {"yes", "no"},
       "AOF base files in RDB format (yes) or as commands (no)"},
      {"save",
       kDefaultSave,
       {},
       "with appendonly=no: the RDB snapshot rule 'SECONDS CHANGES [...]' "
       "(snapshot after SECONDS if at least CHANGES writes), or 'off'; the "
       "default '1 1' snapshots every second something changed"},
      {"auto-aof-rewrite-min-size",
       "64mb",
       {},  // bytes, or N with kb, mb or gb; checked by CheckRedisSettings
       "the AOF size below which Redis never rewrites it (Redis' default "
       "64mb); past it, an AOF that doubled since the last rewrite is "
       "rewritten into a new base file and a new incremental file. 16kb "
       "rewrites every few hundred writes"},
  };
}

Status CheckRedisSettings(const Settings& s) {
  const std::string& min_size = s.at("auto-aof-rewrite-min-size");
  const size_t digits = min_size.find_first_not_of("0123456789");
  const std::string unit =
      digits == std::string::npos ? "" : min_size.substr(digits);
  if (min_size.empty() || digits == 0 || min_size.size() > 12 ||
      (unit != "" && unit != "kb" && unit != "mb" && unit != "gb")) {
    return Status::InvalidArgument(
        "engine redis: auto-aof-rewrite-min-size=" + min_size +
        " is not allowed; allowed: bytes, or N with kb, mb or gb (e.g. "
        "16kb)");
  }
  const std::string& save = s.at("save");
  if (s.at("appendonly") == "yes" && save != kDefaultSave) {
    return Status::InvalidArgument(
        "engine redis: save applies only with appendonly=no (with the AOF "
        "on, Redis recovers from the AOF alone and crashlab runs it without "
        "snapshots)");
  }
  if (save == "off") return Status::Ok();
  std::istringstream in(save);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  bool ok = !words.empty() && words.size() % 2 == 0;
  for (const std::string& w : words) {
    ok = ok && w.find_first_not_of("0123456789") == std::string::npos &&
         w.size() < 10 && std::stol(w) > 0;
  }
  if (!ok) {
    return Status::InvalidArgument(
        "engine redis: save='" + save +
        "' is not a snapshot rule; allowed values: 'SECONDS CHANGES "
        "[SECONDS CHANGES ...]' with positive integers (e.g. '1 1', "
        "'60 1000'), or 'off'");
  }
  return Status::Ok();
}

// The persistence docs on what the AOF is: one log, replayed in order.
constexpr char kAofOrderQuote[] =
    " Order: \"The AOF persistence logs every write operation received by "
    "the server. These operations can then be replayed again at server "
    "startup, reconstructing the original dataset\"; \"The AOF log is an "
    "append-only log, so there are no seeks, nor corruption problems if "
    "there is a power outage. Even if the log ends with a half-written "
    "command for some reason (disk full or other reasons) the "
    "redis-check-aof tool is able to fix it easily.\" A log appended in "
    "order and replayed from its start loses only its end: what survives "
    "is a prefix of the writes (checked as prefix, global).";

DurabilityClaim RedisClaim(const Settings& s) {
  using Kind = DurabilityClaim::Kind;
  if (s.at("appendonly") == "no") {
    DurabilityClaim claim{
        Kind::kNone, 0,
        "Redis persistence docs (redis.io/docs/management/persistence), "
        "RDB disadvantages: \"RDB is NOT good if you need to minimize the "
        "chance of data loss in case Redis stops working (for example "
        "after a power outage)\"; redis.conf: \"a power outage may "
        "result into a few minutes of writes lost (depending on the "
        "configured save points)\". Save rule here: " +
            (s.at("save") == "off" ? std::string("none")
                                   : "save " + s.at("save")) +
            ". Order: \"RDB persistence performs point-in-time snapshots "
            "of your dataset at specified intervals\": a snapshot holds "
            "the dataset as of one moment, so what survives is a prefix "
            "of the writes (checked as prefix, global)."};
    claim.order.prefix = PrefixScope::kGlobal;
    return claim;
  }
  const std::string& fsync = s.at("appendfsync");
  if (fsync == "always") {
    return {Kind::kEveryAck, 0,
            "Redis persistence docs: \"appendfsync always: fsync every time "
            "new commands are appended to the AOF. Very very slow, very "
            "safe. Note that the commands are appended to the AOF after a "
            "batch of commands from multiple clients or a pipeline are "
            "executed, so it means a single write and a single fsync (before "
            "sending the replies).\""};
  }
  if (fsync == "everysec") {
    DurabilityClaim claim{
        Kind::kWindow, 2.0,
        "Redis persistence docs: \"appendfsync everysec: fsync every "
        "second. Fast enough [...], and you may lose 1 second of data if "
        "there is a disaster\"; redis.conf: \"Redis can lose just one "
        "second of writes in a dramatic event like a server power "
        "outage\". Window 2 s = the documented second plus 1 s of slack: "
        "Redis starts the background fsync when its whole-second clock "
        "has passed the last fsync's second, from an event loop that "
        "ticks every 100 ms (hz 10), and the fsync then takes the disk's "
        "own time; when an earlier fsync is still running Redis "
        "postpones writing its buffer by up to 2 s more (it logs "
        "\"Asynchronous AOF fsync is taking too long\"), which this "
        "window deliberately does not excuse." +
            std::string(kAofOrderQuote)};
    claim.order.prefix = PrefixScope::kGlobal;
    return claim;
  }
  DurabilityClaim claim{
      Kind::kNone, 0,
      "Redis persistence docs: \"appendfsync no: Never fsync, just put your "
      "data in the hands of the Operating System. The faster and less safe "
      "method. Normally Linux will flush data every 30 seconds with this "
      "configuration, but it's up to the kernel's exact tuning.\"" +
          std::string(kAofOrderQuote)};
  claim.order.prefix = PrefixScope::kGlobal;
  return claim;
}

Result<std::unique_ptr<Engine>> MakeRedisEngine(const Settings& settings,
                                                const EngineEnv& env,
                                                RedisEngineOptions options) {
  const EngineInfo info = RedisInfo(env, options.server_bin);
  CRASHLAB_ASSIGN_OR_RETURN(Settings resolved, ResolveSettings(info, settings));
  CRASHLAB_RETURN_IF_ERROR(CheckRedisSettings(resolved));
  CRASHLAB_ASSIGN_OR_RETURN(std::string password, RandomSecret(24));
  CRASHLAB_ASSIGN_OR_RETURN(std::string instance, RandomSecret(3));
  return std::unique_ptr<Engine>(
      new RedisEngine(std::move(resolved), env, std::move(options),
                      std::move(password), instance));
}

EngineDef RedisEngineDef() {
  EngineDef def;
  def.info = [](const EngineEnv& env) {
    return RedisInfo(env, RedisEngineOptions().server_bin);
  };
  def.make = [](const EngineInfo&, const Settings& resolved,
                const EngineEnv& env) {
    return MakeRedisEngine(resolved, env, RedisEngineOptions());
  };
  return def;
}

}  // namespace crashlab
