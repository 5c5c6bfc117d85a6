#include "engines/engine.h"

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

}  // namespace crashlab
