#include "engines/engine.h"

#include "engines/server/server_util.h"

namespace crashlab {

const char* DurabilityKindName(DurabilityClaim::Kind k) {
  switch (k) {
    case DurabilityClaim::Kind::kNone:
      return "none";
    case DurabilityClaim::Kind::kWindow:
      return "window";
    case DurabilityClaim::Kind::kEveryAck:
      return "every-ack";
  }
  return "?";
}

const char* RecoveryStageName(Recovery::Stage s) {
  switch (s) {
    case Recovery::Stage::kOk:
      return "ok";
    case Recovery::Stage::kOpenFailed:
      return "open-failed";
    case Recovery::Stage::kDumpFailed:
      return "dump-failed";
    case Recovery::Stage::kHung:
      return "hung";
    case Recovery::Stage::kCrashed:
      return "crashed";
  }
  return "?";
}

const char* TxnWorkloadName(TxnWorkload w) {
  return w == TxnWorkload::kListAppend ? "list-append" : "rw-register";
}

Result<std::unique_ptr<TxnClient>> Session::OpenTxnClient(TxnWorkload w) {
  return Status::InvalidArgument(
      std::string("this engine does not run transactional workloads (") +
      TxnWorkloadName(w) +
      " needs transactions with reads; engines that run them: postgres, "
      "sqlite, redis, skytable)");
}

Result<EngineEnv> WithRunCredential(EngineEnv env) {
  if (env.credential.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(env.credential, RandomSecret(16));
  }
  return env;
}

}  // namespace crashlab
