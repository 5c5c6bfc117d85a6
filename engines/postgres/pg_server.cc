#include "engines/postgres/pg_server.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/files.h"
#include "engines/postgres/pg_txn.h"

namespace crashlab {

namespace {

namespace fs = std::filesystem;

constexpr int kPortAttempts = 3;
constexpr size_t kFallbackLines = 10;
constexpr int kGoneWaitMs = 5000;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
  return buf;
}

// "2026-11-26 15:46:26.164 UTC [1] FATAL:  msg" -> "FATAL:  msg"; lines
// without that prefix (stderr of unshare, setpriv, a crash) stay whole.
bool StripPrefix(const std::string& line, std::string* msg) {
  const size_t open = line.find(" [");
  const size_t close = line.find("] ", open == std::string::npos ? 0 : open);
  if (line.size() < 20 || line[4] != '-' || line[7] != '-' ||
      open == std::string::npos || close == std::string::npos) {
    *msg = line;
    return false;
  }
  *msg = line.substr(close + 2);
  return true;
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool Contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

// Connection attempts while the server starts or stops: our own probes.
bool IsProbeNoise(const std::string& msg) {
  return Contains(msg, "the database system is starting up") ||
         Contains(msg, "the database system is shutting down") ||
         Contains(msg, "the database system is not yet accepting") ||
         Contains(msg, "the database system is in recovery mode") ||
         Contains(msg, "terminating connection due to administrator command");
}

// Recovery workers start servers from several threads: the _r form.
std::string CurrentUserName() {
  passwd pw;
  passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof(buf), &found) != 0 ||
      found == nullptr) {
    return std::to_string(::geteuid());
  }
  return found->pw_name;
}

// The postmaster: the one child of unshare.
pid_t ChildOf(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/task/" +
                           std::to_string(pid) + "/children";
  auto text = ReadFileToString(path);
  if (!text.ok()) return -1;
  try {
    return static_cast<pid_t>(std::stol(*text));
  } catch (...) {
    return -1;
  }
}

// Reads the child's stdout to the end (initdb talks a lot), appending it
// to `log_path`; false on timeout.
bool DrainStdout(Subprocess& p, const std::string& log_path, int64_t deadline) {
  std::string out;
  for (;;) {
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) return false;
    auto line = p.ReadLine(static_cast<int>(left));
    if (!line.ok()) {
      if (line.status().code() == Code::kTimeout) return false;
      break;  // closed its output
    }
    out += *line + "\n";
  }
  if (std::FILE* f = std::fopen(log_path.c_str(), "a")) {
    std::fwrite(out.data(), 1, out.size(), f);
    std::fclose(f);
  }
  return true;
}

}  // namespace

std::vector<std::string> PgSettingArgs(const Settings& s, bool recovering) {
  std::vector<std::string> args;
  auto set = [&args](const std::string& kv) {
    args.push_back("-c");
    args.push_back(kv);
  };
  // Recovery reads the same WAL and pages with fsync off; what it skips is
  // the fsync of every file before replay and the checkpoint's fsyncs,
  // which only matter for an image that is kept (ours is thrown away).
  set("fsync=" + (recovering ? std::string("off") : s.at("fsync")));
  set("synchronous_commit=" + s.at("synchronous_commit"));
  set("full_page_writes=" + s.at("full_page_writes"));
  set("wal_sync_method=" + s.at("wal_sync_method"));
  set("default_transaction_isolation=" + PgIsolationLevel(s.at("isolation")));
  set("wal_writer_delay=200ms");
  set("checkpoint_timeout=" + s.at("checkpoint_timeout"));
  set("max_wal_size=" + s.at("max_wal_size"));
  set("shared_buffers=16MB");
  set("max_connections=10");
  set("dynamic_shared_memory_type=sysv");
  set("huge_pages=off");
  set("autovacuum=off");
  set("deadlock_timeout=20ms");
  set("jit=off");
  set("lc_messages=C");
  return args;
}

std::vector<std::string> PgProblemLines(const std::vector<std::string>& l) {
  std::vector<std::string> problems, all;
  bool in_problem = false;
  for (const std::string& line : l) {
    std::string msg;
    const bool prefixed = StripPrefix(line, &msg);
    all.push_back(msg);
    if (!prefixed) {
      problems.push_back(msg);
      in_problem = false;
      continue;
    }
    const bool detail = StartsWith(msg, "DETAIL:") || StartsWith(msg, "HINT:");
    if (detail) {
      if (in_problem) problems.push_back(msg);
      continue;
    }
    in_problem = (StartsWith(msg, "FATAL:") || StartsWith(msg, "PANIC:") ||
                  StartsWith(msg, "ERROR:")) &&
                 !IsProbeNoise(msg);
    in_problem = in_problem || (StartsWith(msg, "LOG:") &&
                                (Contains(msg, "terminated by signal") ||
                                 Contains(msg, "exited with exit code") ||
                                 Contains(msg, "aborting startup")));
    if (in_problem) problems.push_back(msg);
  }
  if (!problems.empty()) return problems;
  const size_t from =
      all.size() > kFallbackLines ? all.size() - kFallbackLines : 0;
  return {all.begin() + static_cast<long>(from), all.end()};
}

Status PreparePgDataDir(const std::string& dir, uid_t uid, gid_t gid) {
  const fs::path abs = fs::path(AbsolutePath(dir));
  for (fs::path p = abs.parent_path();; p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      return Status::FromErrno("cannot inspect " + p.string(), errno);
    }
    const bool enters = (st.st_uid == uid && (st.st_mode & S_IXUSR)) ||
                        (st.st_gid == gid && (st.st_mode & S_IXGRP)) ||
                        (st.st_mode & S_IXOTH);
    if (!enters) {
      return Status::InvalidArgument(
          "PostgreSQL runs as the system user postgres, which cannot enter " +
          p.string() + " (mode " + Octal(st.st_mode) +
          "): put the run where other users can enter every parent "
          "directory (not under /root or another private directory)");
    }
    if (p == p.parent_path()) break;
  }
  auto own = [uid, gid](const std::string& path) -> Status {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      return Status::FromErrno("cannot inspect " + path, errno);
    }
    if ((st.st_uid != uid || st.st_gid != gid) &&
        ::lchown(path.c_str(), uid, gid) != 0) {
      return Status::FromErrno("cannot hand " + path + " to postgres", errno);
    }
    return Status::Ok();
  };
  CRASHLAB_RETURN_IF_ERROR(own(abs.string()));
  std::error_code ec;
  for (fs::recursive_directory_iterator it(abs, ec), end; !ec && it != end;
       it.increment(ec)) {
    CRASHLAB_RETURN_IF_ERROR(own(it->path().string()));
  }
  if (ec) return Status::IoError("cannot walk " + dir + ": " + ec.message());
  struct stat st;
  if (::stat(abs.c_str(), &st) != 0) {
    return Status::FromErrno("cannot inspect " + dir, errno);
  }
  if ((st.st_mode & 07777) != 0700 && ::chmod(abs.c_str(), 0700) != 0) {
    return Status::FromErrno("cannot make " + dir + " private (0700)", errno);
  }
  return Status::Ok();
}

Status PgInitDb(const PgServerOptions& o, const std::string& dir) {
  CRASHLAB_RETURN_IF_ERROR(PreparePgDataDir(dir, o.uid, o.gid));
  CRASHLAB_ASSIGN_OR_RETURN(auto priv,
                            PrivateDir::Create("crashlab-pg", o.uid, o.gid));
  CRASHLAB_ASSIGN_OR_RETURN(std::string password, RandomSecret(24));
  CRASHLAB_RETURN_IF_ERROR(priv->WriteSecretFile("pwfile", password + "\n"));
  std::string log_path = priv->File("initdb.log");
  if (!o.log_dir.empty()) {
    CRASHLAB_RETURN_IF_ERROR(MakeDirs(o.log_dir));
    log_path = JoinPath(o.log_dir, "postgres-initdb.log");
  }
  SpawnOptions so;
  so.argv = {"setpriv",
             "--reuid=" + std::to_string(o.uid),
             "--regid=" + std::to_string(o.gid),
             "--clear-groups",
             "--pdeathsig=SIGKILL",
             "--",
             JoinPath(o.bin_dir, "initdb"),
             "-D",
             dir,
             "--auth=scram-sha-256",
             "--pwfile=" + priv->File("pwfile"),
             "-U",
             kPgSuperuser,
             "--encoding=UTF8",
             "--locale=C",
             "--no-instructions"};
  so.cwd = "/";
  so.pipe_stdout = true;
  so.stderr_path = log_path;
  CRASHLAB_ASSIGN_OR_RETURN(auto p, Subprocess::Spawn(so));
  const int timeout_ms = o.request_timeout_ms + 120000;
  const bool drained = DrainStdout(*p, log_path, MonotonicMs() + timeout_ms);
  auto st = drained ? p->Wait(timeout_ms) : Result<int>(Status::Timeout(""));
  if (!st.ok()) {
    p->Kill(SIGKILL);
    return Status::Timeout("initdb did not finish within " +
                           std::to_string(timeout_ms) +
                           " ms (log: " + log_path + ")");
  }
  if (!WIFEXITED(*st) || WEXITSTATUS(*st) != 0) {
    auto log = ReadFileToString(log_path);
    std::vector<std::string> lines;
    std::string text = log.ok() ? *log : "";
    for (size_t a = 0, b; a < text.size(); a = b + 1) {
      b = text.find('\n', a);
      if (b == std::string::npos) b = text.size();
      lines.push_back(text.substr(a, b - a));
    }
    return Status::Engine("initdb " + Subprocess::DescribeWaitStatus(*st) +
                          ": " + JoinLastLines(lines, 10));
  }
  return Status::Ok();
}

PgConnParams PgServer::Params() const {
  return {{"host", private_dir_->path()},   {"port", std::to_string(port_)},
          {"user", kPgSuperuser},           {"dbname", kPgDatabase},
          {"application_name", "crashlab"}, {"connect_timeout", "10"}};
}

std::unique_ptr<PgServer> PgServer::Start(const PgServerOptions& o,
                                          const std::string& dir,
                                          bool recovering, int ready_timeout_ms,
                                          StartFailure* failure) {
  for (int attempt = 1;; ++attempt) {
    auto server = StartOnce(o, dir, recovering, ready_timeout_ms, failure);
    if (server) return server;
    // A port taken between our probe and the server's bind: "FATAL:  could
    // not create any TCP/IP sockets" after "could not bind ... Address
    // already in use".
    if (attempt >= kPortAttempts ||
        failure->message.find("could not create any TCP/IP sockets") ==
            std::string::npos) {
      return nullptr;
    }
  }
}

std::unique_ptr<PgServer> PgServer::StartOnce(const PgServerOptions& o,
                                              const std::string& dir,
                                              bool recovering, int timeout_ms,
                                              StartFailure* failure) {
  auto fail = [failure](const Status& s) -> std::unique_ptr<PgServer> {
    failure->stage = Recovery::Stage::kCrashed;
    failure->message = s.message();
    return nullptr;
  };
  auto server = std::unique_ptr<PgServer>(new PgServer());
  server->request_timeout_ms_ = o.request_timeout_ms;
  auto priv = PrivateDir::Create("crashlab-pg", o.uid, o.gid);
  if (!priv.ok()) return fail(priv.status());
  server->private_dir_ = std::move(priv).value();
  const PrivateDir& pd = *server->private_dir_;
  auto port = FreeLoopbackPort();
  if (!port.ok()) return fail(port.status());
  server->port_ = *port;
  Status files = pd.WriteSecretFile(
      "pg_hba.conf",
      std::string(
          "# crashlab: its own socket (0700 directory), peer-mapped\n") +
          "local all " + kPgSuperuser + " peer map=crashlab\n" +
          "host all all 127.0.0.1/32 scram-sha-256\n");
  if (files.ok()) {
    files =
        pd.WriteSecretFile("pg_ident.conf", "crashlab " + CurrentUserName() +
                                                " " + kPgSuperuser + "\n");
  }
  if (!files.ok()) return fail(files);
  std::string log_path = pd.File(o.log_name);
  if (!o.log_dir.empty()) {
    Status made = MakeDirs(o.log_dir);
    if (!made.ok()) return fail(made);
    log_path = JoinPath(o.log_dir, o.log_name);
  }
  ServerSpawn spawn;
  spawn.name = "postgres";
  spawn.argv = {"unshare",
                "--pid",
                "--ipc",
                "--fork",
                "--kill-child=SIGKILL",
                "setpriv",
                "--reuid=" + std::to_string(o.uid),
                "--regid=" + std::to_string(o.gid),
                "--clear-groups",
                "--pdeathsig=SIGKILL",
                "--",
                JoinPath(o.bin_dir, "postgres"),
                "-D",
                dir,
                "-p",
                std::to_string(*port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=" + pd.path(),
                "-c",
                "unix_socket_permissions=0700",
                "-c",
                "hba_file=" + pd.File("pg_hba.conf"),
                "-c",
                "ident_file=" + pd.File("pg_ident.conf")};
  for (std::string& a : PgSettingArgs(o.settings, recovering)) {
    spawn.argv.push_back(std::move(a));
  }
  spawn.log_path = log_path;
  spawn.cwd = "/";
  auto process = ServerProcess::Spawn(spawn);
  if (!process.ok()) return fail(process.status());
  server->process_ = std::move(process).value();
  const PgConnParams params = server->Params();
  auto failed = server->process_->WaitReady(
      timeout_ms,
      [&params] {
        return PgConnection::Ping(params) ? ProbeResult::kReady
                                          : ProbeResult::kNotYet;
      },
      PgProblemLines);
  if (failed) {
    *failure = *failed;
    return nullptr;
  }
  server->postmaster_ = ChildOf(server->process_->pid());
  auto conn = PgConnection::Connect(params, o.request_timeout_ms);
  if (!conn.ok()) {
    failure->stage = Recovery::Stage::kDumpFailed;
    failure->message = conn.status().message();
    server->Kill();
    return nullptr;
  }
  server->conn_ = std::move(conn).value();
  return server;
}

PgServer::~PgServer() {
  if (process_) Kill();
}

Status PgServer::Stop() {
  if (!process_) return Status::Ok();
  conn_.reset();
  process_->Signal(SIGINT);
  auto exited = process_->Wait(request_timeout_ms_);
  if (!exited.ok()) {
    Kill();
    return Status::Timeout("postgres did not finish its fast shutdown within " +
                           std::to_string(request_timeout_ms_) + " ms");
  }
  Status st;
  if (!WIFEXITED(*exited) || WEXITSTATUS(*exited) != 0) {
    st = Status::Engine("postgres " + Subprocess::DescribeWaitStatus(*exited) +
                        " on fast shutdown: " + Explain());
  }
  Kill();  // reaps, and waits for the namespace to be gone
  return st;
}

void PgServer::Kill() {
  if (process_) process_->Kill();
  conn_.reset();
  // The postmaster dies with the group; the kernel empties its namespace
  // before it is gone, so waiting for it waits for every backend.
  const int64_t deadline = MonotonicMs() + kGoneWaitMs;
  while (postmaster_ > 0 && ProcessAlive(postmaster_) &&
         MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  postmaster_ = -1;
}

std::string PgServer::Explain() {
  return process_ ? process_->Explain(PgProblemLines) : "";
}

}  // namespace crashlab
