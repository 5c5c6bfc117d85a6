#include "engines/driver_client.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <ctime>

namespace crashlab {

using nlohmann::json;

namespace {

// Writing to a dead driver raises SIGPIPE, whose default action would kill
// crashlab itself. The signal is sent to the writing thread, so blocking it
// here and discarding the one we caused turns it into the EPIPE that
// WriteLine reports, without touching process-wide signal dispositions.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~ScopedSigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero = {0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

std::string Shorten(const std::string& s) {
  return s.size() <= 200 ? s : s.substr(0, 200) + "...";
}

}  // namespace

Result<std::unique_ptr<DriverClient>> DriverClient::Start(
    const Options& options) {
  SpawnOptions spawn;
  spawn.argv = options.argv;
  spawn.pipe_stdin = true;
  spawn.pipe_stdout = true;
  spawn.stderr_path = options.stderr_path;
  CRASHLAB_ASSIGN_OR_RETURN(auto process, Subprocess::Spawn(spawn));
  std::unique_ptr<DriverClient> client(
      new DriverClient(std::move(process), options.timeout_ms));
  auto hello = client->Call({{"cmd", "hello"}});
  if (!hello.ok()) {
    // Keep the channel's code: the owner tells a hang from a death by it.
    return hello.status().Annotate("driver " + options.argv[0] +
                                   " did not answer hello");
  }
  if (!(*hello)["ok"].get<bool>()) {
    client->Kill();
    return Status::Engine("driver " + options.argv[0] +
                          " refused hello: " + ErrorOf(*hello).ToString());
  }
  client->hello_ = std::move(*hello);
  return client;
}

Result<json> DriverClient::Call(json request) {
  if (broken_) return broken_status_;
  const uint64_t id = next_id_++;
  request["id"] = id;
  Status written;
  {
    ScopedSigpipeBlock no_sigpipe;
    written = process_->WriteLine(
        request.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (!written.ok()) return Break(Status::Engine(written.message()));
  auto line = process_->ReadLine(timeout_ms_);
  if (!line.ok()) return Break(line.status());
  json reply = json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded() || !reply.is_object() || !reply.contains("ok") ||
      !reply["ok"].is_boolean()) {
    return Break(Status::BadInput("driver wrote a line that is not a reply: " +
                                  Shorten(*line)));
  }
  if (reply.value("id", json()) != json(id)) {
    return Break(Status::BadInput("driver replied with id " +
                                  reply.value("id", json()).dump() +
                                  " to request " + std::to_string(id)));
  }
  return reply;
}

DriverError DriverClient::ErrorOf(const json& reply) {
  DriverError e;
  const json error = reply.value("error", json::object());
  if (!error.is_object()) {
    e.kind = "protocol";
    e.message = "reply has ok=false and no error object";
    return e;
  }
  const json kind = error.value("kind", json("other"));
  const json message = error.value("message", json(""));
  e.kind = kind.is_string() ? kind.get<std::string>() : kind.dump();
  e.message = message.is_string() ? message.get<std::string>() : message.dump();
  if (error.contains("definite") && error["definite"].is_boolean()) {
    e.definite = error["definite"].get<bool>();
  }
  return e;
}

Status DriverClient::Break(const Status& status) {
  broken_ = true;
  if (status.code() == Code::kTimeout) {
    broken_status_ = Status::Timeout("driver did not answer within " +
                                     std::to_string(timeout_ms_) + " ms");
  } else if (status.code() == Code::kEngine) {
    // Its output closed: it is exiting or has exited; say how.
    auto st = process_->Wait(std::min(timeout_ms_, 2000));
    broken_status_ =
        st.ok()
            ? Status::Engine("driver " + Subprocess::DescribeWaitStatus(*st))
            : Status::Engine("driver closed its output (" + status.message() +
                             ")");
  } else {
    broken_status_ = status;
  }
  return broken_status_;
}

void DriverClient::Kill() {
  broken_ = true;
  if (broken_status_.ok()) broken_status_ = Status::Engine("driver was killed");
  process_->Kill(SIGKILL);
  (void)process_->Wait(5000);
}

Status DriverClient::Quit() {
  if (broken_) {  // it cannot be asked; do not wait for it
    const Status why = broken_status_;
    Kill();
    return why;
  }
  Status result;
  if (process_->running()) {
    auto reply = Call({{"cmd", "quit"}});
    if (!reply.ok()) {
      result = reply.status();
    } else if (!(*reply)["ok"].get<bool>()) {
      result = Status::Engine("quit: " + ErrorOf(*reply).ToString());
    }
  }
  process_->CloseStdin();
  auto st = process_->Wait(timeout_ms_);
  if (!st.ok()) {
    Kill();
    return Status::Timeout("driver did not exit after quit");
  }
  process_->Kill(SIGKILL);  // anything it left behind in its group
  broken_ = true;
  broken_status_ = Status::Engine("driver has quit");
  if (result.ok() && !(WIFEXITED(*st) && WEXITSTATUS(*st) == 0)) {
    result = Status::Engine("driver " + Subprocess::DescribeWaitStatus(*st));
  }
  return result;
}

}  // namespace crashlab
