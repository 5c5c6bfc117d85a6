// Test helpers: a real crashlab-faultfs daemon on a temporary directory.
//
// MountedFaultfs spawns the built binary with --ready-fd, waits (with a
// timeout) until it says ready, and on destruction makes sure nothing stays
// mounted: SIGTERM to the daemon, then SIGKILL, then `fusermount3 -u -z` as
// the last resort. One owner per object, like the Subprocess it wraps.
#ifndef CRASHLAB_FAULTFS_FAULTFS_TEST_UTIL_H_
#define CRASHLAB_FAULTFS_FAULTFS_TEST_UTIL_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"
#include "core/status.h"
#include "core/subprocess.h"
#include "tests/test_util.h"

namespace crashlab::faultfs::testing {

inline std::string FaultfsBinary() { return BinDir() + "/crashlab-faultfs"; }

// True when `path` (absolute, normal) is a mount point right now.
inline bool IsMounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    fields >> id >> parent >> devno >> root >> mount_point;
    if (mount_point == path) return true;
  }
  return false;
}

// Waits up to `timeout_ms` for `path` to stop being a mount point.
inline bool WaitUnmounted(const std::string& path, int timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  while (IsMounted(path)) {
    if (MonotonicMs() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// realpath(3), as /proc/self/mountinfo shows mount points.
inline std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

inline bool FuseDeviceMissing() { return !PathExists("/dev/fuse"); }

// Runs a program to completion; returns its wait status (or -1).
inline int RunProgram(const std::vector<std::string>& argv,
                      const std::string& stderr_path = "") {
  SpawnOptions opts;
  opts.argv = argv;
  opts.stderr_path = stderr_path;
  auto p = Subprocess::Spawn(opts);
  if (!p.ok()) return -1;
  auto st = (*p)->Wait(10000);
  return st.ok() ? *st : -1;
}

class MountedFaultfs {
 public:
  static Result<std::unique_ptr<MountedFaultfs>> Start(
      const std::string& backing, const std::string& mount,
      const std::string& trace, std::vector<std::string> extra = {}) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
    auto m = std::unique_ptr<MountedFaultfs>(new MountedFaultfs());
    m->mount_ = RealPath(mount);
    m->stderr_path_ = trace + ".stderr";
    SpawnOptions opts;
    opts.argv = {
        FaultfsBinary(),       backing, mount, "--trace", trace, "--ready-fd",
        std::to_string(fds[1])};
    opts.argv.insert(opts.argv.end(), extra.begin(), extra.end());
    opts.inherit_fd = fds[1];
    opts.stderr_path = m->stderr_path_;
    auto p = Subprocess::Spawn(opts);
    ::close(fds[1]);
    if (!p.ok()) {
      ::close(fds[0]);
      return p.status();
    }
    m->process_ = std::move(*p);
    Status ready = WaitReady(fds[0], 5000);
    ::close(fds[0]);
    if (!ready.ok()) {
      return Status::Infrastructure(ready.message() +
                                    "; stderr: " + m->StderrText());
    }
    return m;
  }

  ~MountedFaultfs() {
    if (process_ && process_->running()) {
      ::kill(process_->pid(), SIGTERM);
      if (!process_->Wait(3000).ok()) {
        ::kill(process_->pid(), SIGKILL);
        (void)process_->Wait(3000);
      }
    }
    if (!WaitUnmounted(mount_, 2000)) {
      RunProgram({"fusermount3", "-u", "-z", mount_});
    }
  }

  // SIGTERM to the daemon (only: auto_unmount's fusermount3 stays out of
  // it); it must exit 0 and leave nothing mounted.
  // Waits as long as crashlab's own FaultfsMount::Stop does (30 s): the
  // daemon fsyncs its trace on the way out, and with the rest of the suite
  // writing gigabytes beside it that once took more than 5 s.
  Status Stop() {
    ::kill(process_->pid(), SIGTERM);
    auto st = process_->Wait(30000);
    if (!st.ok()) return st.status();
    if (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0) {
      return Status::Infrastructure("faultfs ended with " +
                                    Subprocess::DescribeWaitStatus(*st) +
                                    "; stderr: " + StderrText());
    }
    if (!WaitUnmounted(mount_, 2000)) {
      return Status::Infrastructure(mount_ + " is still mounted");
    }
    return Status::Ok();
  }

  // Writes one command to the control file in one write().
  Status Control(const std::string& command) {
    const std::string path = mount_ + "/.crashlab-ctl";
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    const ssize_t n = ::write(fd, command.data(), command.size());
    const int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(command.size())) {
      return Status::FromErrno("write " + path, n < 0 ? err : EIO);
    }
    return Status::Ok();
  }

  Status Mark(const std::string& label) {
    return Control("mark " + label + "\n");
  }

  Subprocess& process() { return *process_; }
  const std::string& mount() const { return mount_; }
  std::string StderrText() const {
    auto text = ReadFileToString(stderr_path_);
    return text.ok() ? *text : "";
  }

 private:
  MountedFaultfs() = default;

  static Status WaitReady(int fd, int timeout_ms) {
    const int64_t deadline = MonotonicMs() + timeout_ms;
    std::string got;
    while (got.find('\n') == std::string::npos) {
      const int64_t left = deadline - MonotonicMs();
      if (left <= 0) return Status::Timeout("faultfs did not become ready");
      pollfd pfd = {fd, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
      char buf[64];
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return Status::Infrastructure("faultfs exited before ready");
      got.append(buf, static_cast<size_t>(n));
    }
    if (got != "ready\n") return Status::Infrastructure("faultfs said " + got);
    return Status::Ok();
  }

  std::unique_ptr<Subprocess> process_;
  std::string mount_;
  std::string stderr_path_;
};

// Every entry under `root`: relative path -> "d", "l:TARGET" or "f:CONTENTS".
inline std::map<std::string, std::string> TreeShape(const std::string& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = it->path().lexically_relative(root).string();
    if (it->is_symlink()) {
      out[rel] = "l:" + fs::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      out[rel] = "d";
    } else {
      auto data = ReadFileToString(it->path().string());
      out[rel] = "f:" + (data.ok() ? *data : "<unreadable>");
    }
  }
  return out;
}

// Empty when `got` equals `want`; otherwise one line per differing path
// (sizes and the first differing byte, not whole contents).
inline std::string DiffTrees(const std::map<std::string, std::string>& got,
                             const std::map<std::string, std::string>& want) {
  std::string out;
  for (const auto& [path, data] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      out += "missing " + path + "\n";
    } else if (it->second != data) {
      size_t i = 0;
      while (i < data.size() && i < it->second.size() &&
             data[i] == it->second[i]) {
        ++i;
      }
      out += "differs " + path + ": size " + std::to_string(it->second.size()) +
             " want " + std::to_string(data.size()) + ", first difference at " +
             std::to_string(i) + "\n";
    }
  }
  for (const auto& [path, data] : got) {
    if (!want.count(path)) out += "unexpected " + path + "\n";
  }
  return out;
}

// Regular files only, as FsImage::Files() reports them.
inline std::map<std::string, std::string> TreeFiles(const std::string& root) {
  std::map<std::string, std::string> out;
  for (auto& [path, shape] : TreeShape(root)) {
    if (shape.rfind("f:", 0) == 0) out[path] = shape.substr(2);
  }
  return out;
}

// One request line to a faultfs control socket (its own connection), the
// reply object; {"ok": false, "error": ...} when the socket fails.
inline nlohmann::json ControlCall(const std::string& socket_path,
                                  const std::string& line) {
  auto fail = [](const std::string& why) {
    return nlohmann::json{{"ok", false}, {"error", "test client: " + why}};
  };
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) return fail("path too long");
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return fail(std::string("connect: ") + std::strerror(errno));
  }
  const std::string out = line + "\n";
  if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(out.size())) {
    ::close(fd);
    return fail("send");
  }
  std::string in;
  const int64_t deadline = MonotonicMs() + 5000;
  while (in.find('\n') == std::string::npos && MonotonicMs() < deadline) {
    pollfd pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (in.find('\n') == std::string::npos) return fail("no reply");
  return nlohmann::json::parse(in.substr(0, in.find('\n')), nullptr, false);
}

inline nlohmann::json ControlCall(const std::string& socket_path,
                                  const nlohmann::json& request) {
  return ControlCall(socket_path, request.dump());
}

}  // namespace crashlab::faultfs::testing

#endif  // CRASHLAB_FAULTFS_FAULTFS_TEST_UTIL_H_
