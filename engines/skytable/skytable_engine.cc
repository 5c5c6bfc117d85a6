#include "engines/skytable/skytable_engine.h"

#include <charconv>
#include <cstdlib>
#include <memory>

#include "core/files.h"
#include "engines/engine_def.h"
#include "engines/server/server_util.h"
#include "engines/skytable/blueql_ddl.h"
#include "engines/skytable/skyd_server.h"
#include "engines/skytable/skytable_txn.h"

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;
using skyhash::Response;

constexpr int kMaxWindowS = 365 * 24 * 3600;
// What a flush adds to rs_window before a write is on disk (SkytableClaim).
constexpr double kFlushSlackS = 1.0;

std::string Describe(const blueql::Statement& s) { return "`" + s.query + "`"; }

// --- Session -----------------------------------------------------------------

class SkytableSession : public Session {
 public:
  SkytableSession(std::unique_ptr<SkydServer> server,
                  std::unique_ptr<SkyhashConnection> conn, Schema schema,
                  int timeout_ms)
      : server_(std::move(server)),
        conn_(std::move(conn)),
        schema_(std::move(schema)),
        timeout_ms_(timeout_ms) {}
  ~SkytableSession() override {
    if (!done_) Kill();
  }

  ApplyResult Apply(const LogicalOp& op) override {
    if (done_) return {Outcome::kInfo, "session is closed"};
    return ApplyOpStatements(schema_, op, Sender());
  }

  Result<Rows> Dump() override {
    if (done_) return Status::Engine("dump: session is closed");
    return DumpTables(schema_, Sender());
  }

  Status Close() override {
    if (done_) return Status::Ok();
    done_ = true;
    conn_.reset();
    Status stopped = server_->Stop();
    server_.reset();
    return stopped;
  }

  void Kill() override {
    done_ = true;
    conn_.reset();
    if (server_) server_->Kill();
  }

  int process_group() const override {
    return done_ || !server_ ? -1 : server_->pid();
  }

  // One more connection per client; the txn space and models on first use.
  Result<std::unique_ptr<TxnClient>> OpenTxnClient(TxnWorkload w) override {
    (void)w;
    if (done_ || !server_->running()) {
      return Status::Engine("skyd is not running");
    }
    if (!txn_storage_) {
      CRASHLAB_RETURN_IF_ERROR(CreateSkytableTxnStorage(Sender()));
      txn_storage_ = true;
    }
    CRASHLAB_ASSIGN_OR_RETURN(auto conn, server_->Connect());
    std::shared_ptr<SkyhashConnection> shared = std::move(conn);
    const int timeout_ms = timeout_ms_;
    return MakeSkytableTxnClient(
        [shared, timeout_ms](const blueql::Statement& s) -> Result<Response> {
          return shared->Query(s.query, s.params, timeout_ms);
        });
  }

 private:
  // Queries over the session's connection, reconnecting once if an earlier
  // failure (a timeout) closed it while skyd lives on.
  StatementSender Sender() {
    return [this](const blueql::Statement& s) -> Result<Response> {
      if (!conn_ || conn_->broken()) {
        if (!server_->running()) return Status::Engine("skyd is not running");
        CRASHLAB_ASSIGN_OR_RETURN(conn_, server_->Connect());
      }
      return conn_->Query(s.query, s.params, timeout_ms_);
    };
  }

  std::unique_ptr<SkydServer> server_;
  std::unique_ptr<SkyhashConnection> conn_;
  Schema schema_;
  int timeout_ms_;
  bool done_ = false;
  bool txn_storage_ = false;
};

// --- Engine ------------------------------------------------------------------

class SkytableEngine : public Engine {
 public:
  // `env.credential` is the root password of every skyd this engine starts.
  SkytableEngine(SkytableOptions options, Settings settings, EngineEnv env,
                 std::string instance)
      : options_(std::move(options)),
        settings_(std::move(settings)),
        env_(std::move(env)),
        instance_(std::move(instance)) {}

  std::string name() const override { return "skytable"; }
  const Settings& settings() const override { return settings_; }
  DurabilityClaim Claim() const override {
    return SkytableClaim(options_.rs_window_s);
  }
  Result<std::vector<SchemaChangeKind>> SchemaChanges() override {
    return blueql::SchemaChangeKinds();
  }

  Result<std::string> Version() override {
    if (version_.empty()) {
      CRASHLAB_ASSIGN_OR_RETURN(
          version_, SkydVersion(options_.skyd, env_.request_timeout_ms));
    }
    return version_;
  }

  Status Init(const std::string& dir, const Schema& schema) override {
    CRASHLAB_ASSIGN_OR_RETURN(auto ddl, blueql::SchemaDdl(schema, true));
    SkydServer::Started s = SkydServer::Start(Config(), dir);
    if (!s.server) return Status::Engine("init " + dir + ": " + s.message);
    for (const std::string& q : ddl) {
      auto r = s.conn->Query(q, {}, env_.request_timeout_ms);
      const bool ok = r.ok() && (r->kind == Response::Kind::kEmpty ||
                                 (r->kind == Response::Kind::kValue &&
                                  r->value.type == skyhash::CellType::kBool));
      if (!ok) {
        s.server->Kill();
        return Status::Engine(
            "init " + dir + ": `" + q +
            "`: " + (r.ok() ? r->DebugString() : r.status().message()));
      }
    }
    s.conn.reset();
    return s.server->Stop().Annotate("init " + dir);
  }

  Result<std::unique_ptr<Session>> Open(const std::string& dir,
                                        const Schema& schema) override {
    SkydServer::Started s = SkydServer::Start(Config(), dir);
    // As an operator would: when skyd refuses its data (0.8.0 refuses any
    // journal an unclean stop left open), run the repair and start again.
    // Never before a start that works: a clean restart stays untouched.
    if (!s.server && s.failure == SkydServer::Failure::kExited &&
        !options_.repair.empty()) {
      CRASHLAB_RETURN_IF_ERROR(RunRepair(options_.repair, options_.skyd, dir,
                                         LogPath(), env_.request_timeout_ms)
                                   .Annotate("skyd refused " + dir +
                                             " (" + s.message + "); then"));
      s = SkydServer::Start(Config(), dir);
    }
    if (!s.server) {
      const std::string why = "skyd did not start on " + dir + ": " + s.message;
      return s.failure == SkydServer::Failure::kHung ? Status::Timeout(why)
                                                     : Status::Engine(why);
    }
    return std::unique_ptr<Session>(
        new SkytableSession(std::move(s.server), std::move(s.conn), schema,
                            env_.request_timeout_ms));
  }

  Recovery Recover(const std::string& dir, const Schema& schema) override;

 private:
  // One log per engine object: explore's parallel recoveries would
  // otherwise interleave lines, and a refusal would quote another skyd.
  std::string LogPath() const {
    return env_.log_dir.empty()
               ? ""
               : JoinPath(env_.log_dir, "skytable-" + instance_ + ".log");
  }
  SkydConfig Config() const {
    return {options_.skyd, env_.credential, options_.rs_window_s, LogPath(),
            env_.request_timeout_ms};
  }

  SkytableOptions options_;
  Settings settings_;
  EngineEnv env_;
  std::string instance_;  // names this object's log
  std::string version_;
};

Recovery SkytableEngine::Recover(const std::string& dir, const Schema& schema) {
  using Stage = Recovery::Stage;
  Recovery r;
  if (!options_.repair.empty()) {
    Status repaired = RunRepair(options_.repair, options_.skyd, dir, LogPath(),
                                env_.request_timeout_ms);
    if (!repaired.ok()) {
      r.stage =
          repaired.code() == Code::kTimeout ? Stage::kHung : Stage::kOpenFailed;
      r.message = repaired.message();
      return r;
    }
  }
  SkydServer::Started s = SkydServer::Start(Config(), dir);
  switch (s.failure) {
    case SkydServer::Failure::kNone:
      break;
    case SkydServer::Failure::kExited:
      r.stage = Stage::kOpenFailed;
      r.message = s.message;
      return r;
    case SkydServer::Failure::kHung:
      r.stage = Stage::kHung;
      r.message = s.message;
      return r;
    case SkydServer::Failure::kKilled:
    case SkydServer::Failure::kSetup:
      r.stage = Stage::kCrashed;
      r.message = s.message;
      return r;
  }
  const int timeout_ms = env_.request_timeout_ms;
  auto rows = DumpTables(schema, [&](const blueql::Statement& st) {
    return s.conn->Query(st.query, st.params, timeout_ms);
  });
  if (!rows.ok()) {
    const bool alive = s.server->running();
    r.stage = !alive                                   ? Stage::kCrashed
              : rows.status().code() == Code::kTimeout ? Stage::kHung
                                                       : Stage::kDumpFailed;
    r.message = rows.status().message();
    if (!alive) r.message += "\n" + s.server->LogTail();
    return r;  // the server is killed with `s`
  }
  r.rows = std::move(*rows);
  s.conn.reset();
  Status stopped = s.server->Stop();
  if (!stopped.ok()) r.message = "read back, then " + stopped.message();
  return r;
}

}  // namespace

// --- Outcome rules -----------------------------------------------------------

ApplyResult ApplyOpStatements(const Schema& schema, const LogicalOp& op,
                              const StatementSender& send) {
  std::vector<blueql::Statement> statements;
  // "row not found" is SQL's "0 rows affected" for these statements.
  std::vector<bool> none_affected_ok;
  for (const SchemaChange& c : op.schema_changes) {
    auto s = blueql::SchemaChangeStatement(c);
    if (!s.ok()) {
      return {Outcome::kFail, "nothing sent: " + s.status().message()};
    }
    statements.push_back(std::move(*s));
    none_affected_ok.push_back(false);
  }
  for (const Mutation& m : op.mutations) {
    auto s = blueql::MutationStatement(schema, m);
    if (!s.ok()) {
      return {Outcome::kFail, "nothing sent: " + s.status().message()};
    }
    statements.push_back(std::move(*s));
    none_affected_ok.push_back(m.kind != MutationKind::kInsert);
  }
  const size_t n = statements.size();
  for (size_t k = 0; k < n; ++k) {
    const std::string which = (n > 1 ? "statement " + std::to_string(k + 1) +
                                           " of " + std::to_string(n) + " "
                                     : std::string()) +
                              Describe(statements[k]);
    const std::string partial =
        k == 0 ? ""
               : "; the " + std::to_string(k) +
                     " statement(s) before it were applied and stay applied "
                     "(Skytable has no transactions)";
    auto reply = send(statements[k]);
    if (!reply.ok()) {
      return {Outcome::kInfo,
              which + ": " + reply.status().message() + partial};
    }
    if (reply->kind == Response::Kind::kEmpty) continue;
    const bool error = reply->kind == Response::Kind::kError;
    if (error && reply->error == skyhash::kErrRowNotFound &&
        none_affected_ok[k]) {
      continue;  // SQL's "0 rows affected": nothing changed, nothing failed
    }
    const std::string why = error ? skyhash::DescribeError(reply->error)
                                  : "unexpected reply " + reply->DebugString();
    if (k == 0 && error) return {Outcome::kFail, which + " refused: " + why};
    return {Outcome::kInfo, which + ": " + why + partial};
  }
  return {};
}

Result<Rows> DumpTables(const Schema& schema, const StatementSender& send) {
  Rows rows;
  for (const TableSchema& t : schema.tables) {
    if (t.name == kCatalogTable) {
      CRASHLAB_ASSIGN_OR_RETURN(rows[t.name], blueql::ReadCatalog(send));
      continue;
    }
    rows[t.name];
    CRASHLAB_ASSIGN_OR_RETURN(Response reply, send(blueql::DumpStatement(t)));
    CRASHLAB_RETURN_IF_ERROR(
        blueql::AddDumpRows(t, reply, blueql::kDumpLimit, &rows));
  }
  return rows;
}

// --- Settings, info, claim ---------------------------------------------------

Result<SkytableOptions> ParseSkytableSettings(const Settings& resolved) {
  SkytableOptions o;
  auto get = [&](const char* k) {
    auto it = resolved.find(k);
    return it == resolved.end() ? std::string() : it->second;
  };
  const std::string window = get("rs_window");
  int v = 0;
  auto [end, ec] =
      std::from_chars(window.data(), window.data() + window.size(), v);
  if (window.empty() || ec != std::errc() ||
      end != window.data() + window.size() || v < 1 || v > kMaxWindowS) {
    return Status::InvalidArgument(
        "engine skytable: rs_window=" + window +
        " is not allowed: skyd's service window is a whole number of seconds "
        "from 1 to " +
        std::to_string(kMaxWindowS));
  }
  o.rs_window_s = v;
  const std::string skyd = get("skyd");
  std::string found;
  if (skyd.empty()) {
    return Status::InvalidArgument(
        "engine skytable needs a skyd binary: set SKYD=/path/to/skyd "
        "(Skytable 0.8) or --set skyd=PATH");
  }
  if (!ProgramAvailable(skyd, &found)) {
    return Status::InvalidArgument("engine skytable: skyd=" + skyd +
                                   " is not an executable file");
  }
  o.skyd = AbsolutePath(found);
  o.repair = get("repair");
  return o;
}

EngineInfo SkytableInfo(const char* skyd_env) {
  const std::string skyd = skyd_env ? skyd_env : "";
  EngineInfo info;
  info.name = "skytable";
  info.description =
      "Skytable 0.8 server (skyd) over Skyhash 2 on 127.0.0.1; DIR is "
      "skyd's working directory";
  info.settings = {
      {"skyd", skyd, {}, "the skyd binary (Skytable 0.8); default $SKYD"},
      {"rs_window",
       "300",
       {},
       "seconds between skyd's background flushes (system.rs_window), >= 1"},
      {"repair",
       "",
       {},
       "shell command run in the data directory before skyd restarts on a "
       "crash image, e.g. 'skyd repair' (0.8.1+); empty: none"},
  };
  std::string found;
  if (skyd.empty()) {
    info.availability =
        "SKYD is not set: set SKYD=/path/to/skyd (a Skytable 0.8 server "
        "binary) or pass --set skyd=PATH";
  } else if (!ProgramAvailable(skyd, &found)) {
    info.availability = "SKYD=" + skyd + " is not an executable file";
  } else {
    info.available = true;
    info.availability = "skyd " + found + " (from $SKYD)";
  }
  return info;
}

DurabilityClaim SkytableClaim(int rs_window_s) {
  return {DurabilityClaim::Kind::kWindow, rs_window_s + kFlushSlackS,
          "Skytable 0.8 (server source, engines/skytable-0.8.md): DML is "
          "acknowledged before any disk I/O and written as a batch every "
          "rs_window (" +
              std::to_string(rs_window_s) +
              ") seconds, when queued changes pass a threshold computed from "
              "free memory at boot, or on clean shutdown, each batch fsynced "
              "once at its end; DDL (GNS events) is written and fsynced before "
              "the reply. Window rs_window + 1 s: the flush loop waits "
              "rs_window between flushes, and a write acknowledged just after "
              "a flush began waits for the next one to finish its fsyncs. "
              "Order: Skytable's documentation promises nothing about the "
              "order of what a crash loses (this window comes from the "
              "server source), so no order promise is checked"};
}

EngineDef SkytableEngineDef() {
  EngineDef def;
  def.info = [](const EngineEnv&) { return SkytableInfo(std::getenv("SKYD")); };
  def.make = [](const EngineInfo& info, const Settings& resolved,
                const EngineEnv& env) -> Result<std::unique_ptr<Engine>> {
    CRASHLAB_ASSIGN_OR_RETURN(SkytableOptions o,
                              ParseSkytableSettings(resolved));
    // One root password for every start: a new one would make skyd write
    // "root password changed via configuration" into the GNS each time.
    CRASHLAB_ASSIGN_OR_RETURN(EngineEnv with, WithRunCredential(env));
    CRASHLAB_ASSIGN_OR_RETURN(std::string instance, RandomSecret(3));
    return std::unique_ptr<Engine>(
        new SkytableEngine(o, resolved, with, std::move(instance)));
  };
  def.settings_decide_availability = true;  // --set skyd=PATH works alone
  return def;
}

}  // namespace crashlab
