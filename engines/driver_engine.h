// DriverEngine: an Engine whose engine lives in a driver process speaking
// engines/PROTOCOL.md (SQLite now, any user program through `external`).
//
// Processes:
//   - Init and Open each start their own driver; a DriverSession owns its
//     driver until Close() (quit) or Kill() (SIGKILL to the process group).
//   - Each transactional client (OpenTxnClient) is one more driver on the
//     session's directory, owned by the client; the engine must outlive it.
//   - Recover reuses ONE long-lived driver across calls (open, dump, close
//     on it), because the explorer recovers thousands of images. It is
//     restarted only when it died, hung or broke the protocol. If a reused
//     driver turns out to have died while idle, the image is tried once
//     more on a fresh driver, so an idle death is not blamed on the image.
// Every request waits at most EngineEnv::request_timeout_ms. Driver stderr
// is appended to EngineEnv::log_dir/<engine>-driver.log when log_dir is set.
//
// Thread-safety: like every Engine, one thread. Child processes die with the
// thread that started them (PR_SET_PDEATHSIG), so use an engine from a
// thread that outlives its sessions.
#ifndef CRASHLAB_ENGINES_DRIVER_ENGINE_H_
#define CRASHLAB_ENGINES_DRIVER_ENGINE_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engines/driver_client.h"
#include "engines/engine.h"
#include "engines/engine_def.h"

namespace crashlab {

struct DriverEngineConfig {
  std::string name;               // engine name, as crashlab knows it
  std::vector<std::string> argv;  // the driver command
  Settings settings;              // every setting, resolved: settings()
  Settings driver_settings;       // what `open` passes to the driver
  DurabilityClaim claim;
  EngineEnv env;
};

class DriverSession : public Session {
 public:
  explicit DriverSession(std::unique_ptr<DriverClient> client)
      : client_(std::move(client)) {}
  ~DriverSession() override;  // kills the driver if still running

  ApplyResult Apply(const LogicalOp& op) override;
  Result<Rows> Dump() override;
  Status Close() override;
  void Kill() override;

  // The driver's pid (also its process group), for diagnostics and tests.
  pid_t pid() const { return client_->pid(); }
  int process_group() const override { return done_ ? -1 : pid(); }

  // The schema is needed to read dumps; set by DriverEngine::Open.
  void set_schema(const Schema& schema) { schema_ = schema; }

  // Transactional clients: one more driver each, opened on the same
  // directory (driver_txn.cc; PROTOCOL.md `txn`). The factory, set by
  // DriverEngine::Open, starts and opens such a driver.
  using ClientFactory =
      std::function<Result<std::unique_ptr<DriverClient>>()>;
  void set_client_factory(ClientFactory f) { factory_ = std::move(f); }
  Result<std::unique_ptr<TxnClient>> OpenTxnClient(TxnWorkload w) override;

 private:
  std::unique_ptr<DriverClient> client_;
  Schema schema_;
  ClientFactory factory_;
  bool done_ = false;  // closed or killed
};

class DriverEngine : public Engine {
 public:
  explicit DriverEngine(DriverEngineConfig config);
  ~DriverEngine() override;

  std::string name() const override { return config_.name; }
  const Settings& settings() const override { return config_.settings; }
  Result<std::string> Version() override;
  DurabilityClaim Claim() const override { return config_.claim; }

  Status Init(const std::string& dir, const Schema& schema) override;
  Result<std::unique_ptr<Session>> Open(const std::string& dir,
                                        const Schema& schema) override;
  Recovery Recover(const std::string& dir, const Schema& schema) override;
  // Asks for the rows' digest first when the driver's hello offers
  // "digest" (every driver built on engines/driver_main.h does).
  Recovery RecoverUnlessKnown(const std::string& dir, const Schema& schema,
                              const KnownRows& known) override;
  // What the driver's hello lists under "schema_changes".
  Result<std::vector<SchemaChangeKind>> SchemaChanges() override;
  // The hello's "row_writes": "whole" (known once a driver has started, as
  // Init, Open, Recover and Version start one).
  bool writes_whole_rows() const override { return whole_rows_; }

  // Pid of the driver Recover reuses, -1 when none is running.
  pid_t recovery_driver_pid() const;

 private:
  Result<std::unique_ptr<DriverClient>> StartDriver();
  // Sends open; returns the reply (channel failures as Status).
  Result<nlohmann::json> CallOpen(DriverClient& client, const std::string& dir,
                                  const Schema& schema, bool create);
  // CallOpen, with an error reply turned into a Status.
  Status OpenOn(DriverClient& client, const std::string& dir,
                const Schema& schema, bool create);
  // One recovery attempt on recovery_driver_ (started if needed).
  Recovery RecoverOnce(const std::string& dir, const Schema& schema,
                       const KnownRows& known, bool* idle_death);
  // With `known` set and a driver that offers digests: the digest dump,
  // filling r's digest, engine_check and rows_known. Channel failures only.
  static Status AskDigest(DriverClient& driver, const KnownRows& known,
                          Recovery* r);
  void DropRecoveryDriver();

  DriverEngineConfig config_;
  std::unique_ptr<DriverClient> recovery_driver_;
  std::string version_;
  std::vector<SchemaChangeKind> schema_changes_;  // from the hello
  bool whole_rows_ = false;                        // from the hello
};

// The EngineDef of an engine whose driver is built with crashlab (SQLite,
// LevelDB, LMDB): `driver` is its program in the bin directory, every
// resolved setting goes to `open`, and `claim` gives the durability the
// engine documents for them (an error for a setting it cannot read).
EngineDef BuiltinDriverEngineDef(
    std::function<EngineInfo(const EngineEnv&)> info, std::string driver,
    std::function<Result<DurabilityClaim>(const Settings&)> claim);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_DRIVER_ENGINE_H_
