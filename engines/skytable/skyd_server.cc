#include "engines/skytable/skyd_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "core/files.h"
#include "engines/server/server_util.h"

namespace crashlab {

namespace {

constexpr char kRootUser[] = "root";
constexpr char kHeaderPrefix[] = "=== crashlab: ";
constexpr size_t kTailLines = 4;
// skyd 0.8 refuses to start when config sources are mixed; a SKYDB_*
// variable in crashlab's environment would be one.
constexpr char kUnsetSkydbEnv[] =
    "unset SKYDB_AUTH_PLUGIN SKYDB_AUTH_ROOT_PASSWORD SKYDB_ENDPOINTS "
    "SKYDB_RUN_MODE SKYDB_SERVICE_WINDOW SKYDB_TLS_CERT SKYDB_TLS_KEY; ";

// A new mode-0700 directory under $TMPDIR (mkdtemp creates it so).
Result<std::string> MakePrivateDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/crashlab-skyd-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    return Status::FromErrno("cannot create a private directory " + tmpl,
                             errno);
  }
  return tmpl;
}

Status WritePrivateFile(const std::string& path, const std::string& data) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("cannot create " + path, errno);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("cannot write " + path, err);
    }
    done += static_cast<size_t>(n);
  }
  return ::close(fd) == 0 ? Status::Ok()
                          : Status::FromErrno("cannot write " + path, errno);
}

long FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : 0;
}

Status AppendLine(const std::string& path, const std::string& line) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << line << '\n';
  return f ? Status::Ok() : Status::IoError("cannot append to " + path);
}

// What was appended to `path` after `offset`, at most its last 64 KiB (the
// log of a long exploration is large; a tail is all a message needs).
std::string ReadFrom(const std::string& path, long offset) {
  constexpr long kMax = 64 * 1024;
  const long size = FileSize(path);
  offset = std::max(offset, size - kMax);
  if (size <= offset) return "";
  std::ifstream f(path, std::ios::binary);
  f.seekg(offset);
  std::string out(static_cast<size_t>(size - offset), '\0');
  f.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(f.gcount()));
  return out;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Yaml(int rs_window_s, const std::string& password, int port) {
  return fmt::format(
      "system:\n  mode: dev\n  rs_window: {}\n"
      "auth:\n  plugin: pwd\n  root_pass: \"{}\"\n"
      "endpoints:\n  insecure:\n    host: 127.0.0.1\n    port: {}\n",
      rs_window_s, password, port);
}

bool IsPortClash(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("os error 98") != std::string::npos;
}

}  // namespace

std::string SummarizeSkydLog(std::string_view log, size_t max_lines) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    std::string line(log.substr(start, end - start));
    start = end + 1;
    while (!line.empty() &&
           std::isspace(static_cast<unsigned char>(line.back()))) {
      line.pop_back();
    }
    if (line.empty() || line.rfind(kHeaderPrefix, 0) == 0) continue;
    // skyd's start banner (block letters, then "Skytable v0.8.0 | URL")
    // says nothing about why it stopped.
    if (line.find("\xe2\x96\x88") != std::string::npos ||
        (line.rfind("Skytable v", 0) == 0 &&
         line.find(" | ") != std::string::npos)) {
      continue;
    }
    // env_logger: "[2026-11-26T14:20:48Z ERROR skyd] ..."
    const size_t space = line.find(' ');
    if (line[0] == '[' && space != std::string::npos && space > 20 &&
        line[space - 1] == 'Z' && line.find('T') < space) {
      line = "[" + line.substr(space + 1);
    }
    lines.push_back(std::move(line));
  }
  const size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::string out;
  for (size_t k = first; k < lines.size(); ++k) {
    out += (out.empty() ? "" : "\n") + lines[k];
  }
  return ValidUtf8(out);  // skyd may print raw bytes of a damaged journal
}

// --- SkydServer --------------------------------------------------------------

SkydServer::Started SkydServer::Start(const SkydConfig& config,
                                      const std::string& dir) {
  constexpr int kAttempts = 3;
  Started out;
  for (int attempt = 1;; ++attempt) {
    out = Started();
    std::unique_ptr<SkydServer> s(new SkydServer());
    Status ready = s->Prepare(config, dir);
    if (ready.ok()) ready = s->Spawn(dir);
    if (!ready.ok()) {
      out.failure = Failure::kSetup;
      out.message = "could not start skyd: " + ready.message();
      return out;
    }
    const bool retry = s->AwaitReady(&out);
    if (out.failure == Failure::kNone) {
      out.server = std::move(s);
      return out;
    }
    if (!retry || attempt == kAttempts) return out;
  }
}

SkydServer::~SkydServer() {
  if (process_ && process_->running()) Kill();
  process_.reset();
  if (!private_dir_.empty()) (void)RemoveTree(private_dir_);
}

Status SkydServer::Prepare(const SkydConfig& config, const std::string& dir) {
  config_ = config;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("data directory " + dir + " does not exist");
  }
  CRASHLAB_ASSIGN_OR_RETURN(private_dir_, MakePrivateDir());
  if (config.password.size() < 16) {
    return Status::InvalidArgument(
        "skyd needs a root password of at least 16 characters");
  }
  password_ = config.password;
  CRASHLAB_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
  config_path_ = JoinPath(private_dir_, "skyd.yaml");
  CRASHLAB_RETURN_IF_ERROR(WritePrivateFile(
      config_path_, Yaml(config.rs_window_s, password_, port_)));
  log_path_ = config.log_path.empty() ? JoinPath(private_dir_, "skyd.log")
                                      : config.log_path;
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(DirName(log_path_)));
  log_offset_ = FileSize(log_path_);
  return AppendLine(log_path_, std::string(kHeaderPrefix) + config.skyd +
                                   " --config <private> in " + dir +
                                   " on 127.0.0.1:" + std::to_string(port_));
}

Status SkydServer::Spawn(const std::string& dir) {
  SpawnOptions o;
  o.argv = {"/bin/sh",
            "-c",
            std::string(kUnsetSkydbEnv) + "exec \"$@\" >>\"$0\" 2>&1",
            log_path_,
            config_.skyd,
            "--config",
            config_path_};
  o.cwd = dir;
  o.stderr_path = log_path_;  // the shell's own complaints, if any
  CRASHLAB_ASSIGN_OR_RETURN(process_, Subprocess::Spawn(o));
  return Status::Ok();
}

bool SkydServer::AwaitReady(Started* out) {
  const int64_t deadline = MonotonicMs() + config_.timeout_ms;
  // A refused connect costs microseconds, and skyd starts listening only
  // after its own bcrypt check of the root password (~0.4 s): poll often,
  // so no recovery waits on crashlab's backoff (it waited up to 200 ms).
  constexpr int kPollMs = 5;
  std::string last_error = "nothing tried";
  auto forget_config = [&] { (void)::unlink(config_path_.c_str()); };
  for (;;) {
    if (!process_->running()) {
      forget_config();
      auto st = process_->Wait(0);  // already reaped by running()
      const int status = st.ok() ? *st : -1;
      const std::string tail = LogTail();
      out->failure = WIFSIGNALED(status) ? Failure::kKilled : Failure::kExited;
      out->message = (tail.empty() ? "" : tail + "\n") + "(skyd " +
                     Subprocess::DescribeWaitStatus(status) +
                     " during startup)";
      return out->failure == Failure::kExited &&
             IsPortClash(ReadFrom(log_path_, log_offset_));
    }
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) break;
    auto conn = SkyhashConnection::Open(
        port_, kRootUser, password_,
        static_cast<int>(std::min<int64_t>(left, 2000)));
    if (conn.ok()) {
      forget_config();
      out->conn = std::move(*conn);
      out->failure = Failure::kNone;
      return false;
    }
    last_error = conn.status().message();
    if (last_error.find("refused the handshake") != std::string::npos) {
      Kill();
      forget_config();
      out->failure = Failure::kSetup;
      out->message = last_error + " (the password of its config file)";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  Kill();
  forget_config();
  const std::string tail = LogTail();
  out->failure = Failure::kHung;
  out->message =
      "skyd did not accept a connection on 127.0.0.1:" + std::to_string(port_) +
      " within " + std::to_string(config_.timeout_ms) +
      " ms (last attempt: " + last_error + ")" +
      (tail.empty() ? "" : "\n" + tail);
  return false;
}

Result<std::unique_ptr<SkyhashConnection>> SkydServer::Connect() {
  return SkyhashConnection::Open(port_, kRootUser, password_,
                                 config_.timeout_ms);
}

Status SkydServer::Stop() {
  if (!process_) return Status::Ok();
  if (!process_->running()) {
    auto st = process_->Wait(0);
    return Status::Engine("skyd had already exited (" +
                          Subprocess::DescribeWaitStatus(st.ok() ? *st : -1) +
                          "): " + LogTail());
  }
  const int st = process_->Stop(config_.timeout_ms);
  if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  const std::string how = st < 0 ? "it did not exit even after SIGKILL"
                                 : Subprocess::DescribeWaitStatus(st);
  return Status::Engine("skyd did not stop cleanly on SIGTERM (" + how +
                        "): " + LogTail());
}

void SkydServer::Kill() {
  if (!process_) return;
  process_->Kill(SIGKILL);
  (void)process_->Wait(10000);
}

bool SkydServer::running() { return process_ && process_->running(); }

std::string SkydServer::LogTail() const {
  return SummarizeSkydLog(ReadFrom(log_path_, log_offset_), kTailLines);
}

// --- One-shot commands -------------------------------------------------------

Result<std::string> SkydVersion(const std::string& skyd, int timeout_ms) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string dir, MakePrivateDir());
  ScopedDir guard(dir);
  const std::string out = JoinPath(dir, "version.out");
  SpawnOptions o;
  o.argv = {
      "/bin/sh", "-c", std::string(kUnsetSkydbEnv) + "exec \"$@\" >\"$0\" 2>&1",
      out,       skyd, "--version"};
  o.cwd = dir;  // in case it leaves anything behind
  CRASHLAB_ASSIGN_OR_RETURN(auto p, Subprocess::Spawn(o));
  auto st = p->Wait(timeout_ms);
  if (!st.ok()) {
    p->Kill(SIGKILL);
    return Status::Timeout("`" + skyd + " --version` did not finish within " +
                           std::to_string(timeout_ms) + " ms");
  }
  auto text = ReadFileToString(out);
  const std::string said = SummarizeSkydLog(text.ok() ? *text : "", 1);
  if (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0 || said.empty()) {
    return Status::Engine("`" + skyd + " --version` failed (" +
                          Subprocess::DescribeWaitStatus(*st) + "): " + said);
  }
  return said;
}

Status RunRepair(const std::string& command, const std::string& skyd,
                 const std::string& dir, const std::string& log_path,
                 int timeout_ms) {
  // `skyd` on the command's PATH is the configured binary, whatever its
  // file is called (skyd-0.8.0-repair): a private directory holding one
  // symlink leads PATH.
  CRASHLAB_ASSIGN_OR_RETURN(std::string bin, MakePrivateDir());
  ScopedDir bin_guard(bin);
  if (::symlink(skyd.c_str(), JoinPath(bin, "skyd").c_str()) != 0) {
    return Status::FromErrno("cannot link skyd into " + bin, errno);
  }
  std::string log = log_path;
  std::unique_ptr<ScopedDir> scratch;
  if (log.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(std::string tmp, MakePrivateDir());
    scratch = std::make_unique<ScopedDir>(tmp);
    log = JoinPath(tmp, "repair.log");
  }
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(DirName(log)));
  const long offset = FileSize(log);
  CRASHLAB_RETURN_IF_ERROR(AppendLine(
      log, std::string(kHeaderPrefix) + "repair `" + command + "` in " + dir));
  const char* path = std::getenv("PATH");
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "exec >>\"$0\" 2>&1; eval \"$1\"", log, command};
  o.env = {{"SKYD", skyd},
           {"PATH", bin + ":" + DirName(skyd) + ":" +
                        (path ? path : "/usr/bin:/bin")}};
  o.cwd = dir;
  o.stderr_path = log;
  CRASHLAB_ASSIGN_OR_RETURN(auto p, Subprocess::Spawn(o));
  auto st = p->Wait(timeout_ms);
  if (!st.ok()) {
    p->Kill(SIGKILL);
    (void)p->Wait(10000);
    return Status::Timeout("repair command `" + command +
                           "` did not finish within " +
                           std::to_string(timeout_ms) + " ms");
  }
  if (WIFEXITED(*st) && WEXITSTATUS(*st) == 0) return Status::Ok();
  return Status::Engine("repair command `" + command + "` failed (" +
                        Subprocess::DescribeWaitStatus(*st) + "): " +
                        SummarizeSkydLog(ReadFrom(log, offset), kTailLines));
}

}  // namespace crashlab
