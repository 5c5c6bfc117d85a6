// The Skytable 0.8 engine (`--engine skytable`): a real skyd, spoken to in
// Skyhash 2 (skyhash.h) with BlueQL (blueql.h) on 127.0.0.1.
//
// Settings:
//   skyd       the skyd binary; default $SKYD. Without an executable one the
//              engine is "not available" and says how to point at one.
//   rs_window  seconds, >= 1, default 300: skyd's system.rs_window.
//   repair     a shell command run in the data directory before skyd starts
//              on a crash image, e.g. `skyd repair` (0.8.1+; $SKYD names the
//              configured binary); "" = none. Recover runs it before
//              every start on a crash image; Open runs it only when skyd
//              refuses the directory, then starts again (what an operator
//              does, and a clean restart stays untouched).
//
// Lifecycle (skyd_server.h has the process details): Init starts skyd on
// the empty directory, runs the DDL, stops it with SIGTERM. Open starts it
// and hands out a Session that owns skyd and ONE connection (one query in
// flight). Recover runs `repair`, starts skyd, dumps every table, stops it;
// skyd exiting during startup (0.8.0 refuses any journal that does not end
// with a Closed event: exit code 1, "storage error ... loading gns ...") is
// Recovery::kOpenFailed with skyd's own last lines as the message. Every
// wait has EngineEnv::request_timeout_ms as its bound. skyd's output goes
// to EngineEnv::log_dir/skytable-<instance>.log, one file per Engine
// object (parallel recoveries must not interleave their lines).
//
// Atomicity: Skytable 0.8 has NO multi-statement transactions (and no
// batches). A LogicalOp is sent as one statement per mutation, in order:
//   - the first refused statement stops the op; later ones are not sent;
//   - the op is `fail` only if its FIRST statement was refused (nothing
//     applied); if a later one was refused, or the connection failed or
//     timed out, it is `info`: the earlier statements were applied and
//     acknowledged and nothing rolls them back;
//   - "row not found" (111) on an update, increment or delete is SQL's
//     "0 rows affected" (the data model's semantics): it changed nothing
//     and the op goes on.
// So a crash between two statements of one op, or skyd flushing one model's
// batch and not another's, leaves half an op behind: the atomicity checker
// reports exactly that. It is Skytable's behaviour, not an adapter bug.
//
// Durability claim: kWindow of rs_window seconds. DML is acknowledged
// before any disk I/O and written as a batch every rs_window seconds, past
// a memory threshold, or on clean shutdown; DDL is fsynced before its reply.
//
// Thread-safety: one thread, like every Engine; skyd dies with the thread
// that started it (PR_SET_PDEATHSIG).
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_ENGINE_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_ENGINE_H_

#include <functional>
#include <string>

#include "core/data_model.h"
#include "engines/engine.h"
#include "engines/skytable/blueql.h"
#include "engines/skytable/skyhash.h"

namespace crashlab {

struct SkytableOptions {
  std::string skyd;  // absolute path of an executable
  int rs_window_s = 300;
  std::string repair;
};

// Settings (resolved, defaults filled in) -> options. InvalidArgument for an
// rs_window that is not a whole number of seconds in [1, 31536000], or a
// skyd that is missing or not executable.
Result<SkytableOptions> ParseSkytableSettings(const Settings& resolved);

// The engine's description, settings and availability, for a given value
// of $SKYD (nullptr: unset). SkytableEngineDef().info passes getenv("SKYD").
EngineInfo SkytableInfo(const char* skyd_env);

DurabilityClaim SkytableClaim(int rs_window_s);

// Sends one statement and returns skyd's response (transport failures as
// Status). The live session sends over its connection; tests fake it.
using StatementSender =
    std::function<Result<skyhash::Response>(const blueql::Statement&)>;

// Applies `op` statement by statement with the outcome rules above.
ApplyResult ApplyOpStatements(const Schema& schema, const LogicalOp& op,
                              const StatementSender& send);

// Every table of `schema` (present even when empty) via select-all.
Result<Rows> DumpTables(const Schema& schema, const StatementSender& send);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_ENGINE_H_
