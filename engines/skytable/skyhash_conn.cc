#include "engines/skytable/skyhash_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/subprocess.h"

namespace crashlab {

namespace {

// Waits for `events` on `fd` until the deadline; Timeout when it passes.
Status WaitFor(int fd, short events, int64_t deadline_ms, const char* what) {
  for (;;) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) {
      return Status::Timeout(std::string("skyd did not answer in time (") +
                             what + ")");
    }
    pollfd pfd = {fd, events, 0};
    const int r =
        ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      return Status::FromErrno(std::string("poll (") + what + ")", errno);
    if (r > 0) return Status::Ok();
  }
}

Result<int> ConnectLoopback(int port, int64_t deadline_ms) {
  const int fd =
      ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "connect 127.0.0.1:" + std::to_string(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      const int err = errno;
      ::close(fd);
      return Status::IoError(where + ": " + std::strerror(err));
    }
    Status ready = WaitFor(fd, POLLOUT, deadline_ms, "connect");
    int err = 0;
    socklen_t len = sizeof(err);
    if (ready.ok() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = errno;
    }
    if (!ready.ok() || err != 0) {
      ::close(fd);
      if (!ready.ok()) return ready;
      return Status::IoError(where + ": " + std::strerror(err));
    }
  }
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

SkyhashConnection::~SkyhashConnection() { Close(); }

void SkyhashConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status SkyhashConnection::Fail(Status s) {
  Close();
  return s;
}

Status SkyhashConnection::SendAll(std::string_view data, int64_t deadline_ms) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      CRASHLAB_RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline_ms, "send"));
      continue;
    }
    return Status::Engine(std::string("skyd connection lost while sending: ") +
                          std::strerror(errno));
  }
  return Status::Ok();
}

Status SkyhashConnection::ReceiveSome(int64_t deadline_ms, std::string* out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
      return Status::Ok();
    }
    if (n == 0) return Status::Engine("skyd closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      CRASHLAB_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline_ms, "receive"));
      continue;
    }
    return Status::Engine(std::string("skyd connection lost: ") +
                          std::strerror(errno));
  }
}

Result<std::unique_ptr<SkyhashConnection>> SkyhashConnection::Open(
    int port, const std::string& user, const std::string& password,
    int timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  CRASHLAB_ASSIGN_OR_RETURN(int fd, ConnectLoopback(port, deadline));
  std::unique_ptr<SkyhashConnection> conn(new SkyhashConnection(fd));
  CRASHLAB_RETURN_IF_ERROR(
      conn->SendAll(skyhash::EncodeHandshake(user, password), deadline));
  std::string reply;
  for (;;) {
    CRASHLAB_RETURN_IF_ERROR(conn->ReceiveSome(deadline, &reply));
    auto decoded = skyhash::DecodeHandshakeReply(reply);
    if (!decoded.ok()) return Status::Engine(decoded.status().message());
    if (!decoded->has_value()) continue;
    const skyhash::HandshakeReply r = **decoded;
    if (!r.accepted) {
      return Status::Engine(
          "skyd refused the handshake: " + skyhash::HandshakeErrorName(r.code) +
          " (code " + std::to_string(r.code) + ")");
    }
    if (reply.size() != 4) {
      return Status::Engine("skyd sent " + std::to_string(reply.size() - 4) +
                            " unexpected bytes after its handshake reply");
    }
    return conn;
  }
}

Result<skyhash::Response> SkyhashConnection::Query(
    std::string_view query, const std::vector<skyhash::Param>& params,
    int timeout_ms) {
  if (fd_ < 0) return Status::Engine("the connection to skyd is closed");
  const int64_t deadline = MonotonicMs() + timeout_ms;
  if (decoder_.buffered() != 0) {
    return Fail(Status::Engine("skyd sent bytes nobody asked for"));
  }
  Status sent = SendAll(skyhash::EncodeQuery(query, params), deadline);
  if (!sent.ok()) return Fail(sent);
  std::string chunk;
  for (;;) {
    auto next = decoder_.Next();
    if (!next.ok()) {
      return Fail(Status::Engine("skyd sent a malformed response: " +
                                 next.status().message()));
    }
    if (next->has_value()) {
      if (decoder_.buffered() != 0) {
        return Fail(Status::Engine("skyd sent more than one response"));
      }
      return std::move(**next);
    }
    chunk.clear();
    Status got = ReceiveSome(deadline, &chunk);
    if (!got.ok()) return Fail(got);
    Status fed = decoder_.Feed(chunk);
    if (!fed.ok()) return Fail(Status::Engine(fed.message()));
  }
}

}  // namespace crashlab
