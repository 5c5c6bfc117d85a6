#include "faultfs/client/faultfs_mount.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/files.h"

namespace crashlab {

namespace {

constexpr char kControlFile[] = ".crashlab-ctl";

std::string LastLines(const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok() || text->empty()) return "";
  std::string s = *text;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// Unescapes the octal escapes of /proc/self/mountinfo paths.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

bool IsMountPoint(const std::string& path) {
  const std::string want = AbsolutePath(path);
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (Unescape(mount_point) == want) return true;
  }
  return false;
}

void ForceUnmount(const std::string& path) {
  if (!IsMountPoint(path)) return;
  auto p = Subprocess::Spawn({.argv = {"fusermount3", "-u", "-z", path}});
  if (p.ok()) (void)(*p)->Wait(10000);
}

Status CheckFuseAvailable() {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    return Status::Infrastructure(
        "/dev/fuse is missing or not usable (" + std::string(strerror(errno)) +
        "): load the fuse module, or run the container with --device "
        "/dev/fuse --cap-add SYS_ADMIN");
  }
  return Status::Ok();
}

Result<std::unique_ptr<FaultfsMount>> FaultfsMount::Start(
    const MountOptions& o) {
  CRASHLAB_RETURN_IF_ERROR(CheckFuseAvailable());
  if (::access(o.faultfs_bin.c_str(), X_OK) != 0) {
    return Status::Infrastructure("cannot run " + o.faultfs_bin +
                                  ": build crashlab-faultfs first");
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  std::vector<std::string> argv = {o.faultfs_bin, o.backing, o.mount_point,
                                   "--trace", o.trace_path, "--base",
                                   o.base_name, "--ready-fd",
                                   std::to_string(ready[1])};
  if (o.allow_other) argv.push_back("--allow-other");
  if (o.backing_fsync) argv.push_back("--backing-fsync");
  if (!o.stats_path.empty()) argv.insert(argv.end(), {"--stats", o.stats_path});
  if (o.threads > 0) {
    argv.insert(argv.end(), {"--threads", std::to_string(o.threads)});
  }
  if (!o.control_socket.empty()) {
    argv.insert(argv.end(), {"--control-socket", o.control_socket});
  }
  if (!o.faults_path.empty()) {
    argv.insert(argv.end(), {"--faults", o.faults_path, "--seed",
                             std::to_string(o.seed)});
  }
  auto mount = std::unique_ptr<FaultfsMount>(new FaultfsMount(o));
  // If crashlab dies, faultfs gets SIGTERM and unmounts itself, as on a
  // normal stop. auto_unmount alone is not enough: its fusermount3 helper
  // starts after the mount and resolves the mount point first, so a daemon
  // SIGKILLed in that window leaves the mount behind with nobody to remove
  // it (seen in about 1 of 20 runs killed mid-run).
  auto daemon = Subprocess::Spawn({.argv = argv,
                                   .stderr_path = o.log_path,
                                   .inherit_fd = ready[1],
                                   .death_signal = SIGTERM});
  ::close(ready[1]);
  if (!daemon.ok()) {
    ::close(ready[0]);
    return daemon.status();
  }
  mount->daemon_ = std::move(daemon).value();

  // The daemon writes "ready\n" after mounting, or exits saying why not.
  pollfd pfd = {ready[0], POLLIN, 0};
  int r = ::poll(&pfd, 1, o.ready_timeout_ms);
  char buf[16] = {0};
  ssize_t n = r > 0 ? ::read(ready[0], buf, sizeof(buf) - 1) : 0;
  ::close(ready[0]);
  if (n <= 0 || std::strncmp(buf, "ready", 5) != 0) {
    mount->daemon_->Kill(SIGKILL);
    auto st = mount->daemon_->Wait(5000);
    ForceUnmount(o.mount_point);
    std::string why = o.log_path.empty() ? "" : LastLines(o.log_path);
    if (why.empty() && st.ok()) why = Subprocess::DescribeWaitStatus(*st);
    if (r == 0) why = "no ready signal within " +
                      std::to_string(o.ready_timeout_ms) + " ms";
    return Status::Infrastructure("faultfs could not mount " +
                                  o.mount_point + ": " + why);
  }
  const std::string control = JoinPath(o.mount_point, kControlFile);
  mount->control_fd_ = ::open(control.c_str(), O_WRONLY | O_CLOEXEC);
  if (mount->control_fd_ < 0) {
    return Status::Infrastructure("cannot open faultfs control file " +
                                  control + ": " + strerror(errno));
  }
  return mount;
}

Status FaultfsMount::Mark(const std::string& label) {
  const std::string cmd = "mark " + label + "\n";
  ssize_t n = ::write(control_fd_, cmd.data(), cmd.size());
  if (n != static_cast<ssize_t>(cmd.size())) {
    return Status::Infrastructure("faultfs control file write failed: " +
                                  std::string(strerror(errno)));
  }
  return Status::Ok();
}

Status FaultfsMount::Stop() {
  if (!daemon_) return Status::Ok();
  if (control_fd_ >= 0) ::close(control_fd_);
  control_fd_ = -1;
  const int st = daemon_->Stop(/*grace_ms=*/30000);
  daemon_.reset();
  ForceUnmount(options_.mount_point);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    std::string why = options_.log_path.empty() ? "" : LastLines(options_.log_path);
    return Status::Infrastructure("faultfs ended with " +
                                  Subprocess::DescribeWaitStatus(st) +
                                  (why.empty() ? "" : ": " + why));
  }
  return Status::Ok();
}

FaultfsMount::~FaultfsMount() { (void)Stop(); }

}  // namespace crashlab
