#include "faultfs/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace crashlab::faultfs {
namespace {

// A request line longer than this ends the connection (no sane request is).
constexpr size_t kMaxLine = 1 << 20;

bool FillAddress(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

// True when something accepts connections at `path`.
bool SocketIsLive(const sockaddr_un& addr) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr),
                              sizeof(addr)) == 0;
  ::close(fd);
  return live;
}

bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

struct Connection {
  int fd;
  std::string in;
};

// Reads what `c` has; answers every complete line. False: close it.
bool Serve(Connection& c, ControlCommands* commands) {
  char buf[4096];
  const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl;
  while ((nl = c.in.find('\n')) != std::string::npos) {
    const std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string reply =
        commands->Execute(line).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace) +
        "\n";
    if (!SendAll(c.fd, reply)) return false;
  }
  if (c.in.size() > kMaxLine) {
    (void)SendAll(c.fd, "{\"ok\":false,\"error\":\"request line too long\"}\n");
    return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<ControlSocket>> ControlSocket::Listen(
    const std::string& path) {
  sockaddr_un addr;
  if (!FillAddress(path, &addr)) {
    return Status::InvalidArgument(
        "--control-socket " + path + " must be 1 to " +
        std::to_string(sizeof(addr.sun_path) - 1) + " bytes long");
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status::InvalidArgument(
          "--control-socket " + path +
          " exists and is not a socket; refusing to replace it");
    }
    if (SocketIsLive(addr)) {
      return Status::InvalidArgument("--control-socket " + path +
                                     " is in use by another process");
    }
    ::unlink(path.c_str());  // stale: its daemon is gone
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("control socket", errno);
  // Owner-only from the start: no window in which others could connect.
  const mode_t old_umask = ::umask(077);
  const int rc =
      ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int bind_errno = errno;
  ::umask(old_umask);
  if (rc != 0) {
    ::close(fd);
    const Status s =
        Status::FromErrno("cannot bind --control-socket " + path, bind_errno);
    return s.code() == Code::kIoError ? Status::Infrastructure(s.message()) : s;
  }
  ::chmod(path.c_str(), 0600);
  int wake[2];
  if (::listen(fd, 16) != 0 || ::pipe2(wake, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return Status::Infrastructure(std::string("control socket: ") +
                                  std::strerror(err));
  }
  return std::unique_ptr<ControlSocket>(
      new ControlSocket(path, fd, wake[0], wake[1]));
}

ControlSocket::~ControlSocket() {
  Stop();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
  ::unlink(path_.c_str());
}

void ControlSocket::Start(ControlCommands* commands) {
  thread_ = std::thread([this, commands] { Run(commands); });
}

void ControlSocket::Stop() {
  if (!thread_.joinable()) return;
  (void)!::write(wake_write_, "x", 1);
  thread_.join();
}

void ControlSocket::Run(ControlCommands* commands) {
  std::vector<Connection> conns;
  for (;;) {
    std::vector<pollfd> fds = {{wake_read_, POLLIN, 0},
                               {listen_fd_, POLLIN, 0}};
    for (const Connection& c : conns) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    // Connections first: `conns` and fds[2..] line up until accept adds one.
    for (size_t i = conns.size(); i-- > 0;) {
      if (fds[i + 2].revents == 0) continue;
      if (!Serve(conns[i], commands)) {
        ::close(conns[i].fd);
        conns.erase(conns.begin() + static_cast<long>(i));
      }
    }
    if (fds[1].revents & POLLIN) {
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) conns.push_back({c, ""});
    }
  }
  for (const Connection& c : conns) ::close(c.fd);
}

}  // namespace crashlab::faultfs
