#include "harness/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/subprocess.h"

namespace crashlab {

Result<std::unique_ptr<ControlClient>> ControlClient::Connect(
    const std::string& socket_path, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("control socket path too long: " +
                                   socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int64_t deadline = MonotonicMs() + timeout_ms;
  for (;;) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::FromErrno("socket", errno);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      return std::unique_ptr<ControlClient>(new ControlClient(fd, timeout_ms));
    }
    const int err = errno;
    ::close(fd);
    // The daemon may still be creating its socket.
    if ((err != ENOENT && err != ECONNREFUSED) || MonotonicMs() >= deadline) {
      return Status::Infrastructure("cannot reach faultfs at " + socket_path +
                                    ": " + std::strerror(err));
    }
    ::usleep(10000);
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<nlohmann::json> ControlClient::Call(const nlohmann::json& request) {
  const std::string line = request.dump() + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::send(fd_, line.data() + done, line.size() - done,
                       MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::Infrastructure(std::string("faultfs control socket: ") +
                                    std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  const int64_t deadline = MonotonicMs() + timeout_ms_;
  for (;;) {
    const auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      const std::string reply = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
      if (!j.is_object()) {
        return Status::Infrastructure("faultfs sent a reply that is not a "
                                      "JSON object: " + reply);
      }
      if (!j.value("ok", false)) {
        return Status::InvalidArgument("faultfs refused " + request.dump() +
                                       ": " + j.value("error", reply));
      }
      return j;
    }
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) return Status::Timeout("faultfs did not answer " + request.dump());
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Infrastructure("faultfs closed its control socket");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace crashlab
