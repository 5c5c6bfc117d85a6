// Helpers for the server engines' tests (Redis, PostgreSQL): expected rows
// from the data model, processes and mounts a test must not leave behind,
// seeded garbage for corrupting images.
#ifndef CRASHLAB_ENGINES_SERVER_SERVER_TEST_UTIL_H_
#define CRASHLAB_ENGINES_SERVER_SERVER_TEST_UTIL_H_

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/data_model.h"
#include "core/files.h"
#include "core/rng.h"
#include "core/subprocess.h"

namespace crashlab {
namespace testing_servers {

// A fresh directory, mode 0755 (the postgres user must get in), in
// /dev/shm when it is writable (crash images live there in real runs, and
// a loaded disk makes fsync-heavy servers slow), else under $TMPDIR or
// /tmp; removed with everything in it at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    const std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                             : tmp && *tmp                   ? tmp
                                                             : "/tmp";
    std::string tmpl = base + "/crashlab-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) {
      path_ = tmpl;
      ::chmod(path_.c_str(), 0755);
    }
  }
  ~ScratchDir() {
    if (!path_.empty()) (void)RemoveTree(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// What `ops` leave when each is one transaction with SQL semantics: an op
// whose insert meets an existing key leaves nothing (engines report it
// kFail). Every schema table is present, empty or not.
inline Rows ExpectedRows(const Schema& schema,
                         const std::vector<LogicalOp>& ops) {
  Rows rows;
  for (const TableSchema& t : schema.tables) rows[t.name];
  for (const LogicalOp& op : ops) {
    Rows after = rows;
    bool conflict = false;
    for (const Mutation& m : op.mutations) {
      const bool changed = ApplyMutation(schema, m, &after);
      conflict = conflict || (m.kind == MutationKind::kInsert && !changed);
    }
    if (!conflict) rows = std::move(after);
  }
  return rows;
}

// Pids (other than ours) whose command line mentions `needle` or whose
// working directory lies under it, or which hold a file under it open.
inline std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  while (dirent* e = ::readdir(proc)) {
    const std::string name = e->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid() || !ProcessAlive(pid)) continue;
    std::ifstream in("/proc/" + name + "/cmdline", std::ios::binary);
    std::stringstream cmdline;
    cmdline << in.rdbuf();
    char cwd[4096];
    const ssize_t n =
        ::readlink(("/proc/" + name + "/cwd").c_str(), cwd, sizeof(cwd) - 1);
    const std::string dir =
        n > 0 ? std::string(cwd, static_cast<size_t>(n)) : "";
    bool open_below = false;  // a file below `needle` open (drivers)
    if (DIR* fds = ::opendir(("/proc/" + name + "/fd").c_str())) {
      while (dirent* fd = ::readdir(fds)) {
        char target[4096];
        const ssize_t len = ::readlink(
            ("/proc/" + name + "/fd/" + fd->d_name).c_str(), target,
            sizeof(target) - 1);
        if (len > 0 && std::string(target, static_cast<size_t>(len))
                               .rfind(needle, 0) == 0) {
          open_below = true;
        }
      }
      ::closedir(fds);
    }
    if (cmdline.str().find(needle) != std::string::npos ||
        dir.rfind(needle, 0) == 0 || open_below) {
      found.push_back(pid);
    }
  }
  ::closedir(proc);
  return found;
}

// Waits up to `timeout_ms` for ProcessesMentioning(needle) to be empty;
// returns what is left.
inline std::vector<pid_t> SurvivorsAfter(const std::string& needle,
                                         int timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  std::vector<pid_t> left = ProcessesMentioning(needle);
  while (!left.empty() && MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    left = ProcessesMentioning(needle);
  }
  return left;
}

// Mount points at or under `path` (/proc/self/mountinfo).
inline std::vector<std::string> MountsUnder(const std::string& path) {
  std::vector<std::string> found;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string id, parent, dev, root, mount_point;
    words >> id >> parent >> dev >> root >> mount_point;
    if (mount_point.rfind(path, 0) == 0) found.push_back(mount_point);
  }
  return found;
}

// `size` seeded pseudo-random bytes in place of `path`.
inline Status WriteGarbage(const std::string& path, size_t size,
                           uint64_t seed) {
  Rng rng(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng.Uniform(256));
  return WriteStringToFile(path, data);
}

// A command line for the process `pid` (NULs as spaces), for messages.
inline std::string CommandLineOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return std::to_string(pid) + ": " + text;
}

}  // namespace testing_servers
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SERVER_SERVER_TEST_UTIL_H_
