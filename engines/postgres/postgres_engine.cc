#include "engines/postgres/postgres_engine.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/files.h"
#include "core/subprocess.h"
#include "engines/engine_def.h"
#include "engines/postgres/pg_ops.h"
#include "engines/postgres/pg_server.h"
#include "engines/postgres/pg_txn.h"
#include "engines/server/server_session.h"
#include "engines/sql_ddl.h"

namespace crashlab {

namespace {

namespace fs = std::filesystem;

constexpr char kPgRoot[] = "/usr/lib/postgresql";
constexpr uint64_t kWalBytesPerMs = 4096;  // 4 MiB/s: a slow replay

struct PgUser {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Engines are made from several threads (recovery workers): the _r form.
Result<PgUser> FindPostgresUser() {
  passwd pw;
  passwd* found = nullptr;
  char buf[4096];
  if (::getpwnam_r("postgres", &pw, buf, sizeof(buf), &found) != 0 ||
      found == nullptr) {
    return Status::NotFound(
        "no system user 'postgres' (the postgresql "
        "package creates it)");
  }
  return PgUser{found->pw_uid, found->pw_gid};
}

// Why this machine cannot run the engine, or "" when it can.
std::string Unavailable(const std::string& bin_dir) {
  if (::geteuid() != 0) {
    return "needs root: crashlab runs PostgreSQL as the system user postgres";
  }
  if (::access(JoinPath(bin_dir, "postgres").c_str(), X_OK) != 0 ||
      ::access(JoinPath(bin_dir, "initdb").c_str(), X_OK) != 0) {
    return "no postgres and initdb in " + bin_dir;
  }
  auto user = FindPostgresUser();
  if (!user.ok()) return user.status().message();
  for (const char* tool : {"unshare", "setpriv"}) {
    if (!ProgramAvailable(tool, nullptr)) {
      return std::string(tool) + " not found (util-linux)";
    }
  }
  return "";
}

EngineInfo PostgresInfo(const std::string& bin_dir_option) {
  EngineInfo info{"postgres",
                  "PostgreSQL (the system's server, run as user postgres) "
                  "over libpq; one table per schema table, one transaction "
                  "per operation",
                  PostgresSettingSpecs()};
  std::string bin_dir = bin_dir_option;
  if (bin_dir.empty()) {
    auto found = FindPostgresBinDir();
    if (!found.ok()) {
      info.availability = found.status().message();
      return info;
    }
    bin_dir = *found;
  }
  info.availability = Unavailable(bin_dir);
  info.available = info.availability.empty();
  if (info.available) info.availability = "server " + bin_dir + "/postgres";
  return info;
}

uint64_t WalBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(JoinPath(dir, "pg_wal"), ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

class PostgresSession : public ServerSession<PgServer> {
 public:
  PostgresSession(std::unique_ptr<PgServer> server, Schema schema,
                  std::string isolation)
      : ServerSession(std::move(server), std::move(schema), "postgres"),
        isolation_(std::move(isolation)) {}

  Result<std::unique_ptr<TxnClient>> OpenTxnClient(TxnWorkload w) override {
    if (!server_) return Status::Engine("session is closed");
    bool& created = tables_created_[static_cast<int>(w)];
    if (!created) {
      CRASHLAB_RETURN_IF_ERROR(CreatePgTxnTable(server_->conn(), w));
      created = true;
    }
    auto conn = server_->Connect();
    if (!conn.ok()) {
      return conn.status().Annotate(
          "another client connection (the server allows 10 in all)");
    }
    return std::unique_ptr<TxnClient>(
        new PgTxnClient(std::move(conn).value(), isolation_));
  }

 private:
  ApplyResult ApplyOn(PgServer& server, const LogicalOp& op) override {
    return ApplyPgOp(server.conn(), schema_, op);
  }
  Result<Rows> DumpOn(PgServer& server) override {
    return DumpPgRows(server.conn(), schema_);
  }
  Status StopServer(PgServer& server) override { return server.Stop(); }

  std::string isolation_;
  bool tables_created_[2] = {false, false};  // by TxnWorkload
};

class PostgresEngine : public Engine {
 public:
  PostgresEngine(Settings settings, EngineEnv env, PgServerOptions server,
                 int ready_timeout_ms, const std::string& instance)
      : settings_(std::move(settings)),
        env_(std::move(env)),
        server_(std::move(server)),
        ready_timeout_ms_(ready_timeout_ms) {
    recover_ = server_;
    recover_.log_name = "postgres-recover-" + instance + ".log";
  }

  std::string name() const override { return "postgres"; }
  const Settings& settings() const override { return settings_; }
  DurabilityClaim Claim() const override { return PostgresClaim(settings_); }
  bool runs_as_other_user() const override { return true; }
  Result<std::vector<SchemaChangeKind>> SchemaChanges() override {
    return SqlSchemaChanges(kPostgresDialect);
  }

  Result<std::string> Version() override {
    if (!version_.empty()) return version_;
    SpawnOptions o;
    o.argv = {JoinPath(server_.bin_dir, "postgres"), "--version"};
    o.pipe_stdout = true;
    CRASHLAB_ASSIGN_OR_RETURN(auto p, Subprocess::Spawn(o));
    auto line = p->ReadLine(env_.request_timeout_ms);
    (void)p->Wait(env_.request_timeout_ms);
    if (!line.ok()) return line.status().Annotate("postgres --version");
    // "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    const std::string marker = "(PostgreSQL) ";
    const size_t at = line->find(marker);
    if (at == std::string::npos) {
      return Status::Engine("postgres --version printed no version: " + *line);
    }
    version_ = line->substr(at + marker.size());
    return version_;
  }

  Status Init(const std::string& dir, const Schema& schema) override {
    CRASHLAB_RETURN_IF_ERROR(PgInitDb(server_, dir).Annotate("init " + dir));
    CRASHLAB_ASSIGN_OR_RETURN(auto server, StartOn(dir, false, "init"));
    Status created = CreatePgSchema(server->conn(), schema);
    if (!created.ok()) return created.Annotate("init " + dir);
    return server->Stop().Annotate("init " + dir);
  }

  Result<std::unique_ptr<Session>> Open(const std::string& dir,
                                        const Schema& schema) override {
    CRASHLAB_ASSIGN_OR_RETURN(auto server, StartOn(dir, false, "open"));
    return std::unique_ptr<Session>(
        new PostgresSession(std::move(server), schema,
                            settings_.at("isolation")));
  }

  Recovery Recover(const std::string& dir, const Schema& schema) override {
    Recovery r;
    Status prepared = PreparePgDataDir(dir, server_.uid, server_.gid);
    if (!prepared.ok()) {
      r.stage = Recovery::Stage::kOpenFailed;
      r.message = "crashlab could not hand the image to postgres: " +
                  prepared.message();
      return r;
    }
    StartFailure failure;
    auto server = PgServer::Start(recover_, dir, /*recovering=*/true,
                                  ReadyTimeoutMs(dir), &failure);
    if (!server) {
      r.stage = failure.stage;
      r.message = failure.message;
      return r;
    }
    return RecoveryFromDump(*server, "postgres",
                            DumpPgRows(server->conn(), schema));
  }

 private:
  int ReadyTimeoutMs(const std::string& dir) const {
    if (ready_timeout_ms_ > 0) return ready_timeout_ms_;
    return env_.request_timeout_ms +
           static_cast<int>(WalBytes(dir) / kWalBytesPerMs);
  }

  Result<std::unique_ptr<PgServer>> StartOn(const std::string& dir,
                                            bool recovering,
                                            const std::string& what) {
    CRASHLAB_RETURN_IF_ERROR(PreparePgDataDir(dir, server_.uid, server_.gid)
                                 .Annotate(what + " " + dir));
    StartFailure failure;
    auto server = PgServer::Start(server_, dir, recovering, ReadyTimeoutMs(dir),
                                  &failure);
    if (!server) return failure.ToStatus(what + " " + dir);
    return server;
  }

  Settings settings_;
  EngineEnv env_;
  PgServerOptions server_;
  PgServerOptions recover_;  // the same, logging to this instance's file
  int ready_timeout_ms_;
  std::string version_;
};

}  // namespace

std::vector<SettingSpec> PostgresSettingSpecs() {
  return {
      {"fsync",
       "on",
       {"on", "off"},
       "fsync: make updates physically durable (off: no fsync at all)"},
      {"synchronous_commit",
       "on",
       {"on", "off", "local", "remote_write"},
       "synchronous_commit: wait for the WAL flush before acknowledging a "
       "commit (off: acknowledge first, the WAL writer flushes later)"},
      {"full_page_writes",
       "on",
       {"on", "off"},
       "full_page_writes: log whole pages after a checkpoint, so torn page "
       "writes can be repaired"},
      {"wal_sync_method",
       "fdatasync",
       {"fdatasync", "fsync", "open_sync", "open_datasync"},
       "wal_sync_method: how WAL is forced to disk"},
      {"isolation",
       "read committed",
       {"read committed", "repeatable read", "serializable", "read-committed",
        "repeatable-read"},
       "default_transaction_isolation of every transaction (the "
       "transactional workloads BEGIN at this level)"},
      {"checkpoint_timeout",
       "5min",
       {},  // N with s, min, h or d; checked by CheckPgCheckpointSettings
       "checkpoint_timeout: the longest time between automatic checkpoints "
       "(PostgreSQL's default 5min; its least 30s). With max_wal_size it "
       "decides how often a run crosses a checkpoint and WAL recycling"},
      {"max_wal_size",
       "1GB",
       {},  // N with kB, MB or GB; checked by CheckPgCheckpointSettings
       "max_wal_size: WAL growth that triggers a checkpoint (PostgreSQL's "
       "default 1GB; its least two segments, 32MB): 32MB checkpoints every "
       "few thousand small transactions"},
  };
}

// Digits then one of `units` (PostgreSQL checks the range at start).
Status CheckPgQuantity(const Settings& s, const std::string& name,
                       const std::vector<std::string>& units) {
  const std::string& v = s.at(name);
  const size_t digits = v.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && digits <= 7) {
    const std::string unit = v.substr(digits);
    for (const std::string& u : units) {
      if (unit == u) return Status::Ok();
    }
  }
  std::string allowed;
  for (const std::string& u : units)
    allowed += (allowed.empty() ? "N" : ", N") + u;
  return Status::InvalidArgument("engine postgres: " + name + "=" + v +
                                 " is not allowed; allowed: " + allowed);
}

Status CheckPgCheckpointSettings(const Settings& s) {
  CRASHLAB_RETURN_IF_ERROR(
      CheckPgQuantity(s, "checkpoint_timeout", {"s", "min", "h", "d"}));
  return CheckPgQuantity(s, "max_wal_size", {"kB", "MB", "GB"});
}

DurabilityClaim PostgresClaim(const Settings& s) {
  using Kind = DurabilityClaim::Kind;
  if (s.at("fsync") == "off") {
    return {Kind::kNone, 0,
            "PostgreSQL docs, fsync (runtime-config-wal): \"While turning off "
            "fsync is often a performance benefit, this can result in "
            "unrecoverable data corruption in the event of a power failure "
            "or a system crash.\""};
  }
  if (s.at("full_page_writes") == "off") {
    return {Kind::kNone, 0,
            "PostgreSQL docs, full_page_writes (runtime-config-wal): "
            "\"Turning this parameter off speeds normal operation, but might "
            "lead to either unrecoverable data corruption, or silent data "
            "corruption, after a system failure. The risks are similar to "
            "turning off fsync, though smaller\""};
  }
  if (s.at("synchronous_commit") == "off") {
    DurabilityClaim claim{
        Kind::kWindow, 0.6,
        "PostgreSQL docs, Asynchronous Commit (wal-async-commit): \"a "
        "background process (the WAL writer) flushes unwritten WAL "
        "records to disk every wal_writer_delay milliseconds. The actual "
        "maximum duration of the risk window is three times "
        "wal_writer_delay because the WAL writer is designed to favor "
        "writing whole pages at a time during busy periods.\" crashlab "
        "runs wal_writer_delay=200ms (the default): 3 x 200 ms = 0.6 s. "
        "And: \"an operating system or database crash might result in "
        "some recent allegedly-committed transactions being lost, but "
        "the database state will be just the same as if those "
        "transactions had been aborted cleanly\". Recent ones, as if "
        "aborted: what survives is a prefix of the commit order (checked "
        "as prefix, global, with the 0.6 s window)."};
    claim.order.prefix = PrefixScope::kGlobal;
    return claim;
  }
  return {Kind::kEveryAck, 0,
          "PostgreSQL docs, synchronous_commit (runtime-config-wal): \"The "
          "local behavior of all non-off modes is to wait for local flush of "
          "WAL to disk\" (with no synchronous standbys, local and "
          "remote_write \"provide the same local synchronization level as "
          "on\"); fsync: \"This ensures that the database cluster can "
          "recover to a consistent state after an operating system or "
          "hardware crash.\" Asynchronous Commit: with synchronous commit "
          "\"the client is therefore guaranteed that a transaction reported "
          "to be committed will be preserved, even in the event of a server "
          "crash immediately after.\" (wal_sync_method=" +
              s.at("wal_sync_method") + ")"};
}

Result<std::string> FindPostgresBinDir() {
  int best = -1;
  std::error_code ec;
  for (fs::directory_iterator it(kPgRoot, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() ||
        name.find_first_not_of("0123456789") != std::string::npos ||
        name.size() > 4) {
      continue;
    }
    const std::string bin = JoinPath(it->path().string(), "bin");
    if (::access(JoinPath(bin, "postgres").c_str(), X_OK) == 0) {
      best = std::max(best, std::stoi(name));
    }
  }
  if (best < 0) {
    return Status::NotFound(
        std::string("no PostgreSQL server in ") + kPgRoot +
        "/<major>/bin (Debian: apt-get install postgresql, or "
        "ci/install-deps.sh)");
  }
  return JoinPath(JoinPath(kPgRoot, std::to_string(best)), "bin");
}

Result<std::unique_ptr<Engine>> MakePostgresEngine(
    const Settings& settings, const EngineEnv& env,
    PostgresEngineOptions options) {
  const EngineInfo info = PostgresInfo(options.bin_dir);
  CRASHLAB_ASSIGN_OR_RETURN(Settings resolved, ResolveSettings(info, settings));
  CRASHLAB_RETURN_IF_ERROR(CheckPgCheckpointSettings(resolved));
  if (options.bin_dir.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(options.bin_dir, FindPostgresBinDir());
  }
  CRASHLAB_ASSIGN_OR_RETURN(PgUser user, FindPostgresUser());
  PgServerOptions server;
  server.bin_dir = options.bin_dir;
  server.settings = resolved;
  server.uid = user.uid;
  server.gid = user.gid;
  server.log_dir = env.log_dir;
  server.request_timeout_ms = env.request_timeout_ms;
  CRASHLAB_ASSIGN_OR_RETURN(std::string instance, RandomSecret(3));
  return std::unique_ptr<Engine>(
      new PostgresEngine(std::move(resolved), env, std::move(server),
                         options.ready_timeout_ms, instance));
}

EngineDef PostgresEngineDef() {
  EngineDef def;
  def.info = [](const EngineEnv&) { return PostgresInfo(""); };
  def.make = [](const EngineInfo&, const Settings& resolved,
                const EngineEnv& env) {
    return MakePostgresEngine(resolved, env, PostgresEngineOptions());
  };
  return def;
}

}  // namespace crashlab
