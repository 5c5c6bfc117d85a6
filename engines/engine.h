// Engine: the seam between crashlab and a storage engine under test.
//
// An Engine knows how to create a data directory (the base image), start
// the engine on a directory (which makes it recover whatever is there),
// apply logical operations, dump every row, stop cleanly and be killed.
// Engines know nothing of checkers, traces or FUSE: they are handed a
// directory (which may be a faultfs mount) and logical operations.
//
// Embedded engines (SQLite, LevelDB, LMDB, users' own code) run as a driver
// process speaking JSON lines (engines/PROTOCOL.md), so a crash is a real
// SIGKILL. Servers are spoken to over their own protocols on 127.0.0.1.
//
// Thread-safety: an Engine and its Sessions are used from one thread.
#ifndef CRASHLAB_ENGINES_ENGINE_H_
#define CRASHLAB_ENGINES_ENGINE_H_

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/hash.h"
#include "core/order_promise.h"
#include "core/status.h"

namespace crashlab {

using Settings = std::map<std::string, std::string>;

// What an engine promises about acknowledged writes under its settings, in
// the engine's own documentation's terms. Used to word reports and by the
// bounded-loss and order oracles; never to excuse a finding.
//
// A promise about order (core/order_promise.h: prefix, sync-barrier, a
// window counted in operations) may come alone (kind kNone: losses of any
// size, but ordered) or with a window (kind kWindow). `basis` quotes the
// documentation for every part, and says so where it promises no order.
struct DurabilityClaim {
  enum class Kind : uint8_t {
    kNone,      // acknowledged writes may be lost on power loss
    kWindow,    // lost writes lie within the last `window_s` seconds and/or
                // the last `order.window_ops` acknowledged operations
    kEveryAck,  // every acknowledged write survives power loss
  };
  Kind kind = Kind::kNone;
  double window_s = 0;  // kWindow: 0 = no window in seconds
  std::string basis;    // the documented rule this claim comes from
  OrderPromise order;   // kNone or kWindow only
};
const char* DurabilityKindName(DurabilityClaim::Kind k);

// The outcome of applying one logical operation, in history terms.
struct ApplyResult {
  enum class Outcome : uint8_t {
    kOk,    // acknowledged
    kFail,  // the engine says it did not happen (transaction rolled back)
    kInfo,  // unknown: connection lost, engine crashed, timeout
  };
  Outcome outcome = Outcome::kOk;
  std::string error;  // engine's message for kFail / kInfo
};

// What a recovery attempt on a crash image produced.
struct Recovery {
  enum class Stage : uint8_t {
    kOk,          // opened and dumped
    kOpenFailed,  // the engine refused to start on the image
    kDumpFailed,  // started, but reading the data back failed
    kHung,        // did not answer within the timeout
    kCrashed,     // the engine (or its driver) died during recovery
  };
  Stage stage = Stage::kOk;
  std::string message;   // the engine's own words when not kOk
  Rows rows;             // every row, when kOk
  // The engine's own consistency check, if it has one (SQLite
  // quick_check): "ok", or what it reported.
  std::string engine_check;
  // RecoverUnlessKnown only: the digest of the rows (core/rows_digest.h),
  // when the engine gave one, and whether `known` recognised it (rows is
  // then empty: they are the rows recovered before under that digest).
  bool has_digest = false;
  Hash128 digest;
  bool rows_known = false;
};
const char* RecoveryStageName(Recovery::Stage s);

// Transactions with reads, for the concurrent isolation workloads
// (workloads/txn_runner.h): Elle's list-append (append unique integers to
// lists, read whole lists) and rw-register (write unique integers, read
// them) over small integer keys. An engine maps them onto its own storage
// (PostgreSQL: tables `lists` and `registers`; SQLite: the same in its
// driver, engines/PROTOCOL.md `txn`), at its isolation setting.
enum class TxnWorkload : uint8_t { kListAppend, kRwRegister };
const char* TxnWorkloadName(TxnWorkload w);  // "list-append", "rw-register"

struct TxnMop {
  enum class Fn : uint8_t { kRead, kAppend, kWrite };
  Fn fn = Fn::kRead;
  int64_t key = 0;
  int64_t value = 0;  // append and write only
};

struct TxnRequest {
  TxnWorkload workload = TxnWorkload::kListAppend;
  std::vector<TxnMop> mops;  // executed in order, as one transaction
};

struct TxnResult {
  ApplyResult::Outcome outcome = ApplyResult::Outcome::kOk;  // as Apply
  std::string error;
  // kOk only: one entry per mop, in order. A read's value: the whole list
  // (list-append) or one element (rw-register); nullopt when the key does
  // not exist. Writes: nullopt.
  std::vector<std::optional<std::vector<int64_t>>> reads;
};

// One client connection to a running engine, running transactions one at
// a time. Each client is used from one thread; several clients of one
// session run concurrently (that is the point).
//
// Crashes: a live crash run (harness/live/txn_live_run.h) kills the session's
// process group and every client's process_group() at the same instant,
// opens new clients after the engine recovered, and expects a client whose
// engine died mid-transaction to answer kInfo (or kFail when the
// transaction certainly did not commit). That is all an engine needs to
// run the isolation workloads under --crash process|power.
class TxnClient {
 public:
  virtual ~TxnClient() = default;
  virtual TxnResult Transact(const TxnRequest& request) = 0;
  // The process group running this client's share of the engine when that
  // is not the session's (an embedded engine: one driver per client), so a
  // crash kills it with the engine; -1 when the client is a connection.
  virtual int process_group() const { return -1; }
};

// A running engine on one data directory.
class Session {
 public:
  virtual ~Session() = default;
  virtual ApplyResult Apply(const LogicalOp& op) = 0;
  virtual Result<Rows> Dump() = 0;
  // Clean stop: the engine flushes what it would flush on shutdown.
  virtual Status Close() = 0;
  // SIGKILL to the engine's process group; no cleanup of any kind.
  virtual void Kill() = 0;
  // The engine's process group (what a crash kills), or -1 when none.
  virtual int process_group() const = 0;
  // A new client of this running engine for transactional workloads (its
  // storage for `workload` is created on first use). Called from the
  // session's thread, or serialised by the caller; every client must be
  // destroyed before the session is closed. Engines without transactions
  // with reads answer InvalidArgument (the default).
  virtual Result<std::unique_ptr<TxnClient>> OpenTxnClient(
      TxnWorkload workload);
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  virtual const Settings& settings() const = 0;
  virtual Result<std::string> Version() = 0;
  virtual DurabilityClaim Claim() const = 0;

  // Creates the base image in `dir` (empty, existing): schema, no rows,
  // stopped cleanly.
  virtual Status Init(const std::string& dir, const Schema& schema) = 0;
  // Starts the engine on `dir` for a workload.
  virtual Result<std::unique_ptr<Session>> Open(const std::string& dir,
                                                const Schema& schema) = 0;
  // Starts the engine on a crash image, reads everything back and stops.
  // Never fails: every way recovery can go wrong is a Recovery::Stage.
  // It may change the image (journal rollback, checkpoints): give it a copy.
  virtual Recovery Recover(const std::string& dir, const Schema& schema) = 0;
  // Recover, but an engine that can fingerprint its rows before sending
  // them (drivers: PROTOCOL.md `dump` with "digest") first asks
  // known(digest, engine_check) and sends no rows when it answers true.
  // The default sends them every time.
  using KnownRows =
      std::function<bool(const Hash128& digest, const std::string& check)>;
  virtual Recovery RecoverUnlessKnown(const std::string& dir,
                                      const Schema& schema,
                                      const KnownRows& known) {
    (void)known;
    return Recover(dir, schema);
  }

  // The schema changes this engine runs (the ddl workload; core/
  // schema_change.h): applied by Session::Apply, the catalog dumped as the
  // kCatalogTable pseudo-table. None by default.
  virtual Result<std::vector<SchemaChangeKind>> SchemaChanges() {
    return std::vector<SchemaChangeKind>{};
  }

  // True when the engine runs as another user than crashlab, so a faultfs
  // mount must allow other users (PostgreSQL refuses to run as root).
  virtual bool runs_as_other_user() const { return false; }

  // True when the engine stores a row as one value (the key-value drivers:
  // engines/kv_rows.h), so changing one column rewrites the whole row and
  // a later write carries what earlier ones left (CheckInput::whole_rows).
  virtual bool writes_whole_rows() const { return false; }
};

// Where engines find their helper binaries, and how long they wait.
struct EngineEnv {
  std::string bin_dir;          // directory of crashlab-driver-* binaries
  int request_timeout_ms = 30000;
  std::string log_dir;          // engine stderr goes to files here ("" = inherit)
  // The run's credential. An engine that authenticates its clients uses
  // it at every start of every data directory of one run (all Engine
  // objects the run makes share it), so no restart changes what the engine
  // stores about its users: skyd writes a GNS event whenever its root
  // password differs from the stored one, which no real deployment does at
  // each restart. "" = the engine makes one per Engine object.
  std::string credential;
};

// `env` with a fresh credential when it has none: what a run does once,
// before it makes any engine.
Result<EngineEnv> WithRunCredential(EngineEnv env);

// One configurable setting of an engine.
struct SettingSpec {
  std::string name;
  std::string default_value;
  std::vector<std::string> allowed;  // empty: free-form (validated by engine)
  std::string help;
};

struct EngineInfo {
  std::string name;
  std::string description;
  std::vector<SettingSpec> settings;
  bool available = false;        // binary or library present on this machine
  std::string availability;      // why not, or what was found
};

// Every engine crashlab knows, with availability checked on this machine.
std::vector<EngineInfo> ListEngines(const EngineEnv& env);

// Builds an engine. Unknown engines, unknown setting names and values not
// allowed are InvalidArgument errors whose message lists what is allowed.
Result<std::unique_ptr<Engine>> MakeEngine(const std::string& name,
                                           const Settings& settings,
                                           const EngineEnv& env);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_ENGINE_H_
