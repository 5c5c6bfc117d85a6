// What /proc says about processes: one process's parent and group, and the
// processes a kill of some process groups takes down with it, directly or
// as their descendants (PostgreSQL's backends call setsid(): they are not
// in the postmaster's group, yet die with it).
//
// Linux only. Every call reads /proc afresh; a process that is gone reads
// as std::nullopt, never as an error.
#ifndef CRASHLAB_CORE_PROC_TREE_H_
#define CRASHLAB_CORE_PROC_TREE_H_

#include <sys/types.h>

#include <optional>
#include <vector>

namespace crashlab {

struct ProcStat {
  pid_t ppid = 0;
  pid_t pgrp = 0;
  char state = '?';  // R, S, D, Z, ...
};

// /proc/PID/stat, or nullopt when there is no such process.
std::optional<ProcStat> ReadProcStat(pid_t pid);

// Every process now in one of `groups` or descended from one that is,
// sorted. A process whose parent chain passes through a member counts even
// after it moved to a group of its own.
std::vector<pid_t> ProcessTreeOfGroups(const std::vector<pid_t>& groups);

// True when `pid` or one of its ancestors (by the parent chain as it is
// now) is in `pids` (sorted) or in one of `groups`.
bool DescendsFrom(pid_t pid, const std::vector<pid_t>& pids,
                  const std::vector<pid_t>& groups);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_PROC_TREE_H_
