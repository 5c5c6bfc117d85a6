#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/proc_tree.h"

namespace crashlab {

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ProcessAlive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  const std::optional<ProcStat> s = ReadProcStat(pid);
  return s && s->state != 'Z' && s->state != 'X';
}

namespace {

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const SpawnOptions& o, char** argv, char** envp,
                            int in_rd, int out_wr, int err_fd,
                            pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, o.death_signal);
  if (::getppid() != parent) ::_exit(127);  // parent already gone
  if (in_rd >= 0) ::dup2(in_rd, 0);
  else {
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
  }
  if (out_wr >= 0) ::dup2(out_wr, 1);
  else if (err_fd >= 0 && o.stdout_to_stderr_path) ::dup2(err_fd, 1);
  if (err_fd >= 0) ::dup2(err_fd, 2);
  if (o.inherit_fd >= 0) {
    int flags = ::fcntl(o.inherit_fd, F_GETFD);
    ::fcntl(o.inherit_fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) ::_exit(126);
  if (o.gid >= 0 && ::setgid(o.gid) != 0) ::_exit(126);
  if (o.uid >= 0 && ::setuid(o.uid) != 0) ::_exit(126);
  ::execve(argv[0], argv, envp);
  ::execvpe(argv[0], argv, envp);
  ::_exit(127);
}

}  // namespace

Result<std::unique_ptr<Subprocess>> Subprocess::Spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return Status::InvalidArgument("empty command");
  // Everything the child needs is built before fork.
  std::vector<char*> argv;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    if (!o.env.count(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : o.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
  if (o.pipe_stdin && ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return Status::FromErrno("pipe", errno);
  }
  if (o.pipe_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::FromErrno("pipe", errno);
  }
  int err_fd = -1;
  if (!o.stderr_path.empty()) {
    err_fd = ::open(o.stderr_path.c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      return Status::FromErrno("cannot open " + o.stderr_path, errno);
    }
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    ExecChild(o, argv.data(), envp.data(), in_pipe[0], out_pipe[1], err_fd,
              parent);
  }
  ::setpgid(pid, pid);  // also done in the child; whichever runs first wins
  auto p = std::unique_ptr<Subprocess>(new Subprocess());
  p->pid_ = pid;
  if (in_pipe[0] >= 0) ::close(in_pipe[0]);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  if (err_fd >= 0) ::close(err_fd);
  p->in_fd_ = in_pipe[1];
  p->out_fd_ = out_pipe[0];
  return p;
}

Subprocess::~Subprocess() {
  if (!reaped_ && pid_ > 0) {
    Kill(SIGKILL);
    (void)Wait(5000);
  }
  if (in_fd_ >= 0) ::close(in_fd_);
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Subprocess::running() {
  if (reaped_) return false;
  // Look without reaping first: while the leader is a zombie its pid cannot
  // be reused, so its group can still be signalled safely. Whatever it left
  // behind in its group goes with it.
  siginfo_t info{};
  if (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid_) {
    return true;
  }
  ::kill(-pid_, SIGKILL);
  int st = 0;
  if (::waitpid(pid_, &st, 0) == pid_) {
    reaped_ = true;
    wait_status_ = st;
  }
  return false;
}

void Subprocess::Kill(int sig) {
  // Once reaped, the pid may belong to someone else: never signal it. (The
  // group was emptied when the exit was noticed, in running().)
  if (pid_ <= 0 || reaped_) return;
  // One signal per process: a second SIGTERM racing a clean shutdown could
  // kill it half way.
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

Result<int> Subprocess::Wait(int timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  int delay_us = 200;
  while (running()) {
    if (MonotonicMs() >= deadline) {
      return Status::Timeout("process " + std::to_string(pid_) +
                             " did not exit within " +
                             std::to_string(timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    delay_us = std::min(delay_us * 2, 20000);
  }
  return wait_status_;
}

int Subprocess::Stop(int grace_ms) {
  if (!running()) return wait_status_;
  Kill(SIGTERM);
  auto st = Wait(grace_ms);
  if (st.ok()) return *st;
  Kill(SIGKILL);
  auto killed = Wait(10000);
  return killed.ok() ? *killed : -1;
}

Status Subprocess::WriteLine(const std::string& line) {
  if (in_fd_ < 0) return Status::Engine("child stdin is closed");
  std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(in_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Engine(std::string("child stdin: ") +
                                     std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> Subprocess::ReadLine(int timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_fd_ < 0) return Status::Engine("child stdout is not a pipe");
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) {
      return Status::Timeout("no reply within " + std::to_string(timeout_ms) +
                             " ms");
    }
    pollfd pfd = {out_fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;
    char buf[65536];
    ssize_t n = ::read(out_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Engine("process closed its output");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void Subprocess::CloseStdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

std::string Subprocess::DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "status " + std::to_string(status);
}

}  // namespace crashlab
