#include "engines/server/server_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "core/files.h"

namespace crashlab {

using nlohmann::json;

Result<int> FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno("finding a free port on 127.0.0.1", err);
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<std::string> RandomSecret(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::getrandom(raw.data() + done, bytes - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("getrandom", errno);
    done += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::unique_ptr<PrivateDir>> PrivateDir::Create(
    const std::string& prefix, int uid, int gid) {
  // Unix socket paths hold at most 107 bytes: keep the base short.
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  if (base.size() > 48) base = "/tmp";
  std::string tmpl = JoinPath(base, prefix + "-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::FromErrno("cannot create a private directory in " + base,
                             errno);
  }
  auto dir = std::unique_ptr<PrivateDir>(new PrivateDir(tmpl, uid, gid));
  if ((uid >= 0 || gid >= 0) && ::chown(tmpl.c_str(), uid, gid) != 0) {
    return Status::FromErrno("cannot hand " + tmpl + " to its server's user",
                             errno);
  }
  return dir;
}

PrivateDir::~PrivateDir() { (void)RemoveTree(path_); }

std::string PrivateDir::File(const std::string& name) const {
  return JoinPath(path_, name);
}

Status PrivateDir::WriteSecretFile(const std::string& name,
                                   const std::string& data) const {
  const std::string path = File(name);
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("cannot create " + path, errno);
  size_t done = 0;
  Status st;
  while (done < data.size() && st.ok()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = Status::FromErrno("cannot write " + path, errno);
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (st.ok() && (uid_ >= 0 || gid_ >= 0) && ::fchown(fd, uid_, gid_) != 0) {
    st = Status::FromErrno("cannot hand " + path + " to its server's user",
                           errno);
  }
  ::close(fd);
  return st;
}


std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      uint32_t cp = c & (0xFF >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
      static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

bool ParseInt64(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  if (ec != std::errc() || ptr != end) return false;
  // from_chars takes "-0" and leading zeros; a stored "007" is not what
  // crashlab wrote, so it must not read back as 7.
  return std::to_string(*out) == s;
}

std::string JoinLastLines(const std::vector<std::string>& lines,
                          size_t max_lines) {
  std::string out;
  const size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); ++i) {
    out += (out.empty() ? "" : "\n") + lines[i];
  }
  return out;
}

}  // namespace crashlab
