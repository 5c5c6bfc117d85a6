#include "faultfs/client/control_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/subprocess.h"

namespace crashlab {
namespace {

// Waits until `fd` is ready for `events` or the deadline passes.
Status WaitFor(int fd, short events, int64_t deadline_ms, const char* what) {
  for (;;) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) {
      return Status::Timeout(std::string("faultfs control socket: no ") + what +
                             " in time");
    }
    pollfd pfd = {fd, events, 0};
    const int rc = ::poll(&pfd, 1, static_cast<int>(left));
    if (rc > 0) return Status::Ok();
    if (rc < 0 && errno != EINTR) {
      return Status::Infrastructure(
          std::string("faultfs control socket: poll: ") + std::strerror(errno));
    }
  }
}

}  // namespace

Result<std::unique_ptr<ControlClient>> ControlClient::Connect(
    const std::string& socket_path, int timeout_ms) {
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument(
        "control socket path " + socket_path + " must be 1 to " +
        std::to_string(sizeof(addr.sun_path) - 1) + " bytes long");
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  const int64_t deadline = MonotonicMs() + timeout_ms;
  for (;;) {
    const int fd =
        ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Status::FromErrno("control socket", errno);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) ==
        0) {
      return std::unique_ptr<ControlClient>(new ControlClient(fd, timeout_ms));
    }
    const int err = errno;
    ::close(fd);
    // A full backlog (EAGAIN) clears up; a missing or dead socket does not.
    if (err != EAGAIN && err != EINTR) {
      return Status::Infrastructure("cannot reach faultfs at " + socket_path +
                                    ": " + std::strerror(err) +
                                    " (is crashlab-faultfs running with "
                                    "--control-socket " +
                                    socket_path + "?)");
    }
    if (MonotonicMs() >= deadline) {
      return Status::Timeout("faultfs at " + socket_path +
                             " accepts no connection (backlog full)");
    }
    ::usleep(10000);
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<nlohmann::json> ControlClient::Call(const nlohmann::json& request) {
  if (fd_ < 0)
    return Status::Infrastructure("faultfs control connection is closed");
  const int64_t deadline = MonotonicMs() + timeout_ms_;
  const std::string line =
      request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n =
        ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      CRASHLAB_RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline, "room to send"));
    } else {
      return Status::Infrastructure(
          std::string("faultfs control socket: send: ") + std::strerror(errno));
    }
  }
  size_t nl;
  while ((nl = buffer_.find('\n')) == std::string::npos) {
    CRASHLAB_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline, "reply"));
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return Status::Infrastructure("faultfs closed the control connection");
    } else if (errno != EAGAIN && errno != EINTR) {
      return Status::Infrastructure(
          std::string("faultfs control socket: recv: ") + std::strerror(errno));
    }
  }
  const std::string reply_line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  nlohmann::json reply = nlohmann::json::parse(reply_line, nullptr, false);
  if (!reply.is_object() || !reply.contains("ok")) {
    return Status::Infrastructure("faultfs sent a malformed reply: " +
                                  reply_line);
  }
  if (reply["ok"] != true) {
    const std::string error =
        reply.contains("error") && reply["error"].is_string()
            ? reply["error"].get<std::string>()
            : reply.dump();
    return Status::InvalidArgument(
        "faultfs refused " + request.value("cmd", std::string("the request")) +
        ": " + error);
  }
  return reply;
}

}  // namespace crashlab
