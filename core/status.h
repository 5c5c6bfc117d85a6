// Status and Result<T>: how crashlab reports operating errors.
//
// Three kinds of failure are kept apart (see STYLE.md):
//   - injected faults are data (tagged records in a trace), never a Status;
//   - operating errors (bad input, a missing binary, a hung engine) are a
//     Status or a Result<T> that the caller must look at;
//   - programmer errors are asserts.
// Exceptions thrown by third-party libraries are caught where the library is
// called and turned into a Status whose message tells a user what to fix.
//
// Every Code maps to one process exit code (ExitCodeFor), so the CLI never
// decides exit codes ad hoc. Status is a cheap value type; not thread-safe to
// share mutable instances, like any value.
#ifndef CRASHLAB_CORE_STATUS_H_
#define CRASHLAB_CORE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace crashlab {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad usage or configuration: the user must change it
  kBadInput,         // a corrupt or malformed file given to us (trace, plan)
  kNotFound,         // a named thing does not exist
  kIoError,          // the local file system failed us
  kInfrastructure,   // mount, process start, engine start on a clean run
  kTimeout,          // something did not answer in time
  kEngine,           // the engine under test reported an error
};

// Process exit codes of every crashlab command.
enum ExitCode : int {
  kExitPass = 0,
  kExitFindings = 1,
  kExitUsage = 2,
  kExitInfrastructure = 3,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status BadInput(std::string msg) {
    return Status(Code::kBadInput, std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status IoError(std::string msg) {
    return Status(Code::kIoError, std::move(msg));
  }
  static Status Infrastructure(std::string msg) {
    return Status(Code::kInfrastructure, std::move(msg));
  }
  static Status Timeout(std::string msg) {
    return Status(Code::kTimeout, std::move(msg));
  }
  static Status Engine(std::string msg) {
    return Status(Code::kEngine, std::move(msg));
  }
  // An I/O error built from errno, naming what was being done.
  static Status FromErrno(const std::string& what, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Returns this status with `context` prepended to the message.
  Status Annotate(const std::string& context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// The exit code a command should end with when it fails with `s`.
int ExitCodeFor(const Status& s);
const char* CodeName(Code code);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "a Result built from a Status must be an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace crashlab

// Returns early from the enclosing function when `expr` is an error Status.
#define CRASHLAB_RETURN_IF_ERROR(expr)          \
  do {                                          \
    ::crashlab::Status _st = (expr);            \
    if (!_st.ok()) return _st;                  \
  } while (0)

#define CRASHLAB_CONCAT_INNER(a, b) a##b
#define CRASHLAB_CONCAT(a, b) CRASHLAB_CONCAT_INNER(a, b)

// `CRASHLAB_ASSIGN_OR_RETURN(auto x, MakeX());`
#define CRASHLAB_ASSIGN_OR_RETURN(lhs, expr) \
  CRASHLAB_ASSIGN_OR_RETURN_IMPL(CRASHLAB_CONCAT(_res_, __LINE__), lhs, expr)
#define CRASHLAB_ASSIGN_OR_RETURN_IMPL(res, lhs, expr) \
  auto res = (expr);                                   \
  if (!res.ok()) return res.status();                  \
  lhs = std::move(res).value()

#endif  // CRASHLAB_CORE_STATUS_H_
