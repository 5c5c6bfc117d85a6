#include "core/proc_tree.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace crashlab {

namespace {

// Bounds a parent-chain walk: chains are short, but /proc changes under
// the walk and must not make it loop.
constexpr int kMaxDepth = 64;

// The first `size - 1` bytes of /proc/PID/NAME, or "" when unreadable.
std::string ReadProcFile(pid_t pid, const char* name, size_t size) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return "";
  std::string buf(size, '\0');
  buf.resize(std::fread(buf.data(), 1, size - 1, f));
  std::fclose(f);
  return buf;
}

}  // namespace

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string buf = ReadProcFile(pid, "stat", 1024);
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
  // majflt cmajflt utime stime cutime cstime priority nice threads
  // itrealvalue starttime ...": comm may hold spaces and parentheses, so
  // the fields start after the last ')'.
  const size_t close = buf.rfind(')');
  if (close == std::string::npos || close + 2 >= buf.size()) {
    return std::nullopt;
  }
  ProcStat s;
  int ppid = 0, pgrp = 0;
  unsigned long long start = 0;
  if (std::sscanf(buf.c_str() + close + 2,
                  "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                  "%*d %*d %*d %*d %llu",
                  &s.state, &ppid, &pgrp, &start) != 4) {
    return std::nullopt;
  }
  s.ppid = ppid;
  s.pgrp = pgrp;
  s.start_time = start;
  return s;
}

std::optional<pid_t> ThreadGroupOf(pid_t tid) {
  if (tid <= 0) return std::nullopt;
  const std::string status = ReadProcFile(tid, "status", 4096);
  const size_t at = status.find("\nTgid:");
  if (at == std::string::npos) return std::nullopt;
  const long tgid = std::strtol(status.c_str() + at + 6, nullptr, 10);
  if (tgid <= 0) return std::nullopt;
  return static_cast<pid_t>(tgid);
}

std::vector<ProcId> ProcessTreeOfGroups(const std::vector<pid_t>& groups) {
  std::map<pid_t, ProcStat> all;
  if (DIR* d = ::opendir("/proc")) {
    while (const dirent* e = ::readdir(d)) {
      char* end = nullptr;
      const long pid = std::strtol(e->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      if (auto s = ReadProcStat(static_cast<pid_t>(pid))) all[pid] = *s;
    }
    ::closedir(d);
  }
  std::vector<ProcId> out;
  for (const auto& [pid, stat] : all) {
    pid_t p = pid;
    for (int depth = 0; depth < kMaxDepth && p > 1; ++depth) {
      auto it = all.find(p);
      if (it == all.end()) break;
      if (std::find(groups.begin(), groups.end(), it->second.pgrp) !=
          groups.end()) {
        out.push_back({pid, stat.start_time});
        break;
      }
      p = it->second.ppid;
    }
  }
  return out;  // std::map iterates in pid order
}

bool DescendsFrom(pid_t tid, const std::vector<ProcId>& tree) {
  const std::optional<pid_t> process = ThreadGroupOf(tid);
  if (!process) return false;
  pid_t p = *process;
  for (int depth = 0; depth < kMaxDepth && p > 1; ++depth) {
    const std::optional<ProcStat> s = ReadProcStat(p);
    if (!s) return false;
    if (std::binary_search(tree.begin(), tree.end(), ProcId{p, s->start_time})) {
      return true;
    }
    p = s->ppid;
  }
  return false;
}

}  // namespace crashlab
