#include "core/files.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace crashlab {

namespace fs = std::filesystem;

Result<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("cannot open " + path, errno);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("cannot read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteStringToFile(const std::string& path, std::string_view data,
                         bool sync) {
  return WriteSpansToFile(path, {data}, sync);
}

Status WriteSpansToFile(const std::string& path,
                        const std::vector<std::string_view>& spans,
                        bool sync) {
  std::vector<iovec> iov;
  iov.reserve(spans.size());
  for (std::string_view s : spans) {
    if (!s.empty()) iov.push_back({const_cast<char*>(s.data()), s.size()});
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("cannot create " + path, errno);
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(what + path, err);
  };
  size_t next = 0;  // the first iovec not yet written whole
  while (next < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - next, IOV_MAX));
    ssize_t n = ::writev(fd, &iov[next], count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write ");
    // A short write: skip what went out, resume inside a partial iovec.
    for (size_t left = static_cast<size_t>(n); left > 0;) {
      const size_t step = std::min(left, iov[next].iov_len);
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + step;
      iov[next].iov_len -= step;
      left -= step;
      if (iov[next].iov_len == 0) ++next;
    }
  }
  if (sync && ::fsync(fd) != 0) return fail("cannot fsync ");
  if (::close(fd) != 0) return Status::FromErrno("cannot close " + path, errno);
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::IoError("cannot create directory " + path + ": " +
                                 ec.message());
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IoError("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

Status CopyTree(const std::string& src, const std::string& dst) {
  std::error_code ec;
  fs::copy(src, dst,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) {
    return Status::IoError("cannot copy " + src + " to " + dst + ": " +
                           ec.message());
  }
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() != fs::file_type::not_found &&
         !ec;
}

bool IsEmptyDir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec) && !ec;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  return p.lexically_normal().string();
}

}  // namespace crashlab
