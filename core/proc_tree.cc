#include "core/proc_tree.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace crashlab {

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses,
  // so the fields start after the last ')'.
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr || close[1] != ' ') return std::nullopt;
  ProcStat s;
  int ppid = 0, pgrp = 0;
  if (std::sscanf(close + 2, "%c %d %d", &s.state, &ppid, &pgrp) != 3) {
    return std::nullopt;
  }
  s.ppid = ppid;
  s.pgrp = pgrp;
  return s;
}

namespace {

bool Contains(const std::vector<pid_t>& v, pid_t p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

// Bounds a parent-chain walk: chains are short, but /proc changes under
// the walk and must not make it loop.
constexpr int kMaxDepth = 64;

}  // namespace

std::vector<pid_t> ProcessTreeOfGroups(const std::vector<pid_t>& groups) {
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
  std::vector<pid_t> out;
  for (const auto& [pid, stat] : all) {
    pid_t p = pid;
    for (int depth = 0; depth < kMaxDepth && p > 1; ++depth) {
      auto it = all.find(p);
      if (it == all.end()) break;
      if (Contains(groups, it->second.pgrp)) {
        out.push_back(pid);
        break;
      }
      p = it->second.ppid;
    }
  }
  return out;  // std::map iterates in pid order
}

bool DescendsFrom(pid_t pid, const std::vector<pid_t>& pids,
                  const std::vector<pid_t>& groups) {
  pid_t p = pid;
  for (int depth = 0; depth < kMaxDepth && p > 1; ++depth) {
    if (std::binary_search(pids.begin(), pids.end(), p)) return true;
    const std::optional<ProcStat> s = ReadProcStat(p);
    if (!s) return false;
    if (Contains(groups, s->pgrp)) return true;
    p = s->ppid;
  }
  return false;
}

}  // namespace crashlab
