#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace crashlab {

Status Status::FromErrno(const std::string& what, int err) {
  // A path that does not exist is something the user named wrongly; every
  // other errno is the local system failing us.
  // Creating what already exists is a usage error too: crashlab never
  // overwrites.
  const Code code = err == ENOENT || err == ENOTDIR ? Code::kNotFound
                    : err == EEXIST                 ? Code::kInvalidArgument
                                                    : Code::kIoError;
  return Status(code, what + ": " + std::strerror(err));
}

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kBadInput:
      return "bad input";
    case Code::kNotFound:
      return "not found";
    case Code::kIoError:
      return "I/O error";
    case Code::kInfrastructure:
      return "infrastructure failure";
    case Code::kTimeout:
      return "timeout";
    case Code::kEngine:
      return "engine error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return message_;
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
      return kExitPass;
    case Code::kInvalidArgument:
    case Code::kBadInput:
    case Code::kNotFound:
      return kExitUsage;
    case Code::kIoError:
    case Code::kInfrastructure:
    case Code::kTimeout:
    case Code::kEngine:
      return kExitInfrastructure;
  }
  return kExitInfrastructure;
}

}  // namespace crashlab
