#include "engines/driver_engine.h"

#include "core/files.h"

namespace crashlab {

using nlohmann::json;

namespace {

// ApplyResult for a reply (see PROTOCOL.md): only a definite error is kFail.
ApplyResult ApplyResultOf(const json& reply) {
  if (reply["ok"].get<bool>()) return {};
  const DriverError e = DriverClient::ErrorOf(reply);
  return {e.definite.value_or(false) ? ApplyResult::Outcome::kFail
                                     : ApplyResult::Outcome::kInfo,
          e.ToString()};
}

// The engine's words for a failed open or dump: the message alone when the
// kind only says where it failed, else "kind: message".
std::string RecoveryMessage(const DriverError& e) {
  if (e.kind == "open" || e.kind == "corrupt" || e.kind == "io") {
    return e.message;
  }
  return e.ToString();
}

// The "tables" of a dump reply, moved out of it (a dump holds every row;
// null when absent).
json TakeTables(json& reply) {
  const auto it = reply.find("tables");
  return it == reply.end() ? json() : std::move(*it);
}

}  // namespace

// --- DriverSession ---------------------------------------------------------

DriverSession::~DriverSession() {
  if (!done_) client_->Kill();
}

ApplyResult DriverSession::Apply(const LogicalOp& op) {
  if (done_) return {ApplyResult::Outcome::kInfo, "session is closed"};
  auto reply = client_->Call({{"cmd", "apply"}, {"op", op.ToJson()}});
  if (!reply.ok()) {
    return {ApplyResult::Outcome::kInfo, reply.status().message()};
  }
  return ApplyResultOf(*reply);
}

Result<Rows> DriverSession::Dump() {
  if (done_) return Status::Engine("dump: session is closed");
  CRASHLAB_ASSIGN_OR_RETURN(json reply, client_->Call({{"cmd", "dump"}}));
  if (!reply["ok"].get<bool>()) {
    return Status::Engine("dump: " + DriverClient::ErrorOf(reply).ToString());
  }
  return RowsFromDump(TakeTables(reply), schema_);
}

Status DriverSession::Close() {
  if (done_) return Status::Ok();
  done_ = true;
  Status closed;
  auto reply = client_->Call({{"cmd", "close"}});
  if (!reply.ok()) {
    closed = reply.status();
  } else if (!(*reply)["ok"].get<bool>()) {
    closed =
        Status::Engine("close: " + DriverClient::ErrorOf(*reply).ToString());
  }
  const Status quit = client_->Quit();
  return closed.ok() ? quit : closed;
}

void DriverSession::Kill() {
  done_ = true;
  client_->Kill();
}

// --- DriverEngine ----------------------------------------------------------

DriverEngine::DriverEngine(DriverEngineConfig config)
    : config_(std::move(config)) {}

DriverEngine::~DriverEngine() {
  // Idle between recoveries with nothing open: SIGKILL loses nothing.
  if (recovery_driver_) recovery_driver_->Kill();
}

pid_t DriverEngine::recovery_driver_pid() const {
  return recovery_driver_ && !recovery_driver_->broken()
             ? recovery_driver_->pid()
             : -1;
}

Result<std::unique_ptr<DriverClient>> DriverEngine::StartDriver() {
  DriverClient::Options options;
  options.argv = config_.argv;
  options.timeout_ms = config_.env.request_timeout_ms;
  if (!config_.env.log_dir.empty()) {
    CRASHLAB_RETURN_IF_ERROR(MakeDirs(config_.env.log_dir));
    options.stderr_path =
        JoinPath(config_.env.log_dir, config_.name + "-driver.log");
  }
  CRASHLAB_ASSIGN_OR_RETURN(auto client, DriverClient::Start(options));
  const json version = client->hello().value("version", json());
  if (version_.empty() && version.is_string()) {
    version_ = version;
    for (const json& k : client->hello().value("schema_changes", json::array())) {
      SchemaChangeKind kind;
      if (k.is_string() && SchemaChangeKindFromName(k.get<std::string>(), &kind)) {
        schema_changes_.push_back(kind);
      }
    }
    whole_rows_ = client->hello().value("row_writes", json()) == "whole";
  }
  return client;
}

Result<json> DriverEngine::CallOpen(DriverClient& client,
                                    const std::string& dir,
                                    const Schema& schema, bool create) {
  json settings = json::object();
  for (const auto& [k, v] : config_.driver_settings) settings[k] = v;
  return client.Call({{"cmd", "open"},
                      {"dir", dir},
                      {"settings", settings},
                      {"schema", schema.ToJson()},
                      {"create", create}});
}

Status DriverEngine::OpenOn(DriverClient& client, const std::string& dir,
                            const Schema& schema, bool create) {
  CRASHLAB_ASSIGN_OR_RETURN(json reply, CallOpen(client, dir, schema, create));
  if (reply["ok"].get<bool>()) return Status::Ok();
  const DriverError e = DriverClient::ErrorOf(reply);
  if (e.kind == "settings") return Status::InvalidArgument(e.message);
  return Status::Engine(e.ToString());
}

Result<std::string> DriverEngine::Version() {
  if (version_.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(auto client, StartDriver());
    client->Kill();
  }
  if (version_.empty()) {
    return Status::Engine("driver " + config_.argv[0] +
                          " reported no version in its hello");
  }
  return version_;
}

Result<std::vector<SchemaChangeKind>> DriverEngine::SchemaChanges() {
  CRASHLAB_RETURN_IF_ERROR(Version().status());
  return schema_changes_;
}

Status DriverEngine::Init(const std::string& dir, const Schema& schema) {
  CRASHLAB_ASSIGN_OR_RETURN(auto client, StartDriver());
  CRASHLAB_RETURN_IF_ERROR(
      OpenOn(*client, dir, schema, /*create=*/true).Annotate("init " + dir));
  CRASHLAB_ASSIGN_OR_RETURN(json reply, client->Call({{"cmd", "close"}}));
  if (!reply["ok"].get<bool>()) {
    return Status::Engine(
        "init " + dir + ": close: " + DriverClient::ErrorOf(reply).ToString());
  }
  return client->Quit().Annotate("init " + dir);
}

Result<std::unique_ptr<Session>> DriverEngine::Open(const std::string& dir,
                                                    const Schema& schema) {
  CRASHLAB_ASSIGN_OR_RETURN(auto client, StartDriver());
  CRASHLAB_RETURN_IF_ERROR(
      OpenOn(*client, dir, schema, /*create=*/false).Annotate("open " + dir));
  auto session = std::make_unique<DriverSession>(std::move(client));
  session->set_schema(schema);
  session->set_client_factory(
      [this, dir, schema]() -> Result<std::unique_ptr<DriverClient>> {
        CRASHLAB_ASSIGN_OR_RETURN(auto txn_client, StartDriver());
        CRASHLAB_RETURN_IF_ERROR(OpenOn(*txn_client, dir, schema, false)
                                     .Annotate("open " + dir));
        return txn_client;
      });
  return std::unique_ptr<Session>(std::move(session));
}

void DriverEngine::DropRecoveryDriver() {
  if (recovery_driver_) recovery_driver_->Kill();
  recovery_driver_.reset();
}

namespace {

// A recovery that ended because the channel to the driver failed.
Recovery ChannelFailure(const Status& s) {
  Recovery r;
  switch (s.code()) {
    case Code::kTimeout:
      r.stage = Recovery::Stage::kHung;
      r.message = s.message();
      break;
    case Code::kBadInput:
      r.stage = Recovery::Stage::kCrashed;
      r.message = "driver broke the protocol: " + s.message();
      break;
    default:  // died, or could not be started
      r.stage = Recovery::Stage::kCrashed;
      r.message = s.message();
      break;
  }
  return r;
}

// A dump's "check" as text.
std::string CheckText(const json& check) {
  return check.is_string() ? check.get<std::string>() : check.dump();
}

// A dump reply into r's stage, message, rows and engine check.
void ReadDump(json dump, const Schema& schema, Recovery* r) {
  if (!dump["ok"].get<bool>()) {
    r->stage = Recovery::Stage::kDumpFailed;
    r->message = RecoveryMessage(DriverClient::ErrorOf(dump));
    return;
  }
  auto rows = RowsFromDump(TakeTables(dump), schema);
  if (!rows.ok()) {
    r->stage = Recovery::Stage::kDumpFailed;
    r->message = "driver's dump is malformed: " + rows.status().message();
    return;
  }
  r->rows = std::move(*rows);
  r->engine_check = CheckText(dump.value("check", json("")));
}

}  // namespace

Recovery DriverEngine::Recover(const std::string& dir, const Schema& schema) {
  return RecoverUnlessKnown(dir, schema, nullptr);
}

Recovery DriverEngine::RecoverUnlessKnown(const std::string& dir,
                                          const Schema& schema,
                                          const KnownRows& known) {
  bool idle_death = false;
  Recovery r = RecoverOnce(dir, schema, known, &idle_death);
  if (idle_death) r = RecoverOnce(dir, schema, known, &idle_death);
  return r;
}

Status DriverEngine::AskDigest(DriverClient& driver, const KnownRows& known,
                               Recovery* r) {
  if (!known || driver.hello().value("digest", json(false)) != true) {
    return Status::Ok();
  }
  auto reply = driver.Call({{"cmd", "dump"}, {"digest", true}});
  if (!reply.ok()) return reply.status();
  // A failed read is reported by the plain dump that follows, as without
  // digests; so is a reply without a well-formed digest.
  const json digest = reply->value("digest", json());
  if (!(*reply)["ok"].get<bool>() || !digest.is_string() ||
      !Hash128::FromHex(digest.get<std::string>(), &r->digest)) {
    return Status::Ok();
  }
  r->has_digest = true;
  r->engine_check = CheckText(reply->value("check", json("")));
  r->rows_known = known(r->digest, r->engine_check);
  return Status::Ok();
}

Recovery DriverEngine::RecoverOnce(const std::string& dir, const Schema& schema,
                                   const KnownRows& known, bool* idle_death) {
  *idle_death = false;
  const bool reused = recovery_driver_ && !recovery_driver_->broken() &&
                      recovery_driver_->running();
  if (!reused) {
    DropRecoveryDriver();
    auto started = StartDriver();
    if (!started.ok()) return ChannelFailure(started.status());
    recovery_driver_ = std::move(*started);
  }
  DriverClient& driver = *recovery_driver_;

  auto opened = CallOpen(driver, dir, schema, /*create=*/false);
  if (!opened.ok()) {
    // Died before answering the first request on this image: if it had been
    // sitting idle, the death may predate the image (see the header).
    *idle_death = reused && opened.status().code() == Code::kEngine;
    DropRecoveryDriver();
    return ChannelFailure(opened.status());
  }
  Recovery r;
  if (!(*opened)["ok"].get<bool>()) {
    r.stage = Recovery::Stage::kOpenFailed;
    r.message = RecoveryMessage(DriverClient::ErrorOf(*opened));
    return r;
  }

  if (Status asked = AskDigest(driver, known, &r); !asked.ok()) {
    DropRecoveryDriver();
    return ChannelFailure(asked);
  }
  if (!r.rows_known) {  // else: the rows recovered before under r.digest
    auto dump = driver.Call({{"cmd", "dump"}});
    if (!dump.ok()) {
      DropRecoveryDriver();
      return ChannelFailure(dump.status());
    }
    ReadDump(std::move(*dump), schema, &r);
  }

  auto closed = driver.Call({{"cmd", "close"}});
  if (!closed.ok() || !(*closed)["ok"].get<bool>()) {
    // The data is read, so the stage stands; keep what went wrong as
    // evidence, and do not trust this driver with the next image.
    const std::string why = closed.ok()
                                ? DriverClient::ErrorOf(*closed).ToString()
                                : closed.status().message();
    r.message += (r.message.empty() ? "" : "; ") + ("close failed: " + why);
    DropRecoveryDriver();
  }
  return r;
}

EngineDef BuiltinDriverEngineDef(
    std::function<EngineInfo(const EngineEnv&)> info, std::string driver,
    std::function<Result<DurabilityClaim>(const Settings&)> claim) {
  EngineDef def;
  def.info = std::move(info);
  def.make = [driver = std::move(driver), claim = std::move(claim)](
                 const EngineInfo& info, const Settings& resolved,
                 const EngineEnv& env) -> Result<std::unique_ptr<Engine>> {
    DriverEngineConfig config;
    config.name = info.name;
    config.settings = resolved;
    config.env = env;
    config.argv = {JoinPath(env.bin_dir, driver)};
    config.driver_settings = resolved;
    CRASHLAB_ASSIGN_OR_RETURN(config.claim, claim(resolved));
    return std::unique_ptr<Engine>(new DriverEngine(std::move(config)));
  };
  return def;
}

}  // namespace crashlab
