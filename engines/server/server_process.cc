#include "engines/server/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "engines/server/server_util.h"

namespace crashlab {

namespace {

constexpr size_t kMaxMessageLines = 20;
constexpr size_t kMaxLogBytes = 1 << 20;  // read at most the last 1 MiB

}  // namespace

Status StartFailure::ToStatus(const std::string& context) const {
  const std::string msg = context + ": " + message;
  return stage == Recovery::Stage::kHung ? Status::Timeout(msg)
                                         : Status::Engine(msg);
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Spawn(
    const ServerSpawn& spawn) {
  auto server = std::unique_ptr<ServerProcess>(new ServerProcess());
  server->name_ = spawn.name;
  server->log_path_ = spawn.log_path;
  struct stat st;
  if (::stat(spawn.log_path.c_str(), &st) == 0) {
    server->log_offset_ = static_cast<uint64_t>(st.st_size);
  }
  SpawnOptions o;
  o.argv = spawn.argv;
  o.stderr_path = spawn.log_path;
  o.stdout_to_stderr_path = true;  // redis-server prints load progress there
  o.cwd = spawn.cwd;
  auto process = Subprocess::Spawn(o);
  if (!process.ok()) {
    return process.status().Annotate("cannot start " + spawn.name);
  }
  server->process_ = std::move(process).value();
  return server;
}

std::vector<std::string> ServerProcess::NewLogLines() const {
  std::vector<std::string> lines;
  const int fd = ::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lines;
  struct stat st;
  uint64_t from = log_offset_;
  if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > from &&
      static_cast<uint64_t>(st.st_size) - from > kMaxLogBytes) {
    from = static_cast<uint64_t>(st.st_size) - kMaxLogBytes;
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n =
        ::pread(fd, buf, sizeof(buf), static_cast<off_t>(from + text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(ValidUtf8(line));
    start = nl + 1;
  }
  return lines;
}

std::string ServerProcess::Explain(const LogFilter& filter) {
  const std::vector<std::string> lines = NewLogLines();
  std::vector<std::string> picked = filter ? filter(lines) : lines;
  if (picked.empty()) picked = lines;
  return JoinLastLines(picked, kMaxMessageLines);
}

std::optional<StartFailure> ServerProcess::WaitReady(
    int timeout_ms, const std::function<ProbeResult()>& probe,
    const LogFilter& filter) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  int delay_us = 1000;
  for (;;) {
    if (!process_->running()) {
      auto status = process_->Wait(0);
      const int st = status.ok() ? *status : -1;
      StartFailure f;
      f.stage = WIFSIGNALED(st) ? Recovery::Stage::kCrashed
                                : Recovery::Stage::kOpenFailed;
      const std::string words = Explain(filter);
      const std::string how = name_ + " " + Subprocess::DescribeWaitStatus(st) +
                              " before accepting connections";
      f.message = words.empty()                          ? how
                  : f.stage == Recovery::Stage::kCrashed ? how + ":\n" + words
                                                         : words;
      return f;
    }
    if (probe() == ProbeResult::kReady) return std::nullopt;
    if (MonotonicMs() >= deadline) {
      Kill();
      StartFailure f;
      f.stage = Recovery::Stage::kHung;
      const std::string words = Explain(filter);
      f.message = name_ + " did not accept connections within " +
                  std::to_string(timeout_ms) + " ms" +
                  (words.empty() ? "" : "; its last words:\n" + words);
      return f;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    delay_us = std::min(delay_us * 3 / 2, 5000);
  }
}

void ServerProcess::Kill() {
  process_->Kill(SIGKILL);
  // Subprocess::Wait backs off to 20 ms sleeps; a SIGKILLed process is gone
  // in well under that, and Recover runs thousands of times.
  const int64_t deadline = MonotonicMs() + 10000;
  while (process_->running() && MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

}  // namespace crashlab
