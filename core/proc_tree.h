// What /proc says about processes: one process's parent, group and start
// time, and the processes a kill of some process groups takes down with
// it, directly or as their descendants (PostgreSQL's backends call
// setsid(): they are not in the postmaster's group, yet die with it).
//
// A process is named by its pid AND its start time, so a pid the kernel
// hands to a new process later never passes for the old one.
//
// Linux only. Every call reads /proc afresh; a process that is gone reads
// as std::nullopt, never as an error.
#ifndef CRASHLAB_CORE_PROC_TREE_H_
#define CRASHLAB_CORE_PROC_TREE_H_

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

namespace crashlab {

struct ProcStat {
  pid_t ppid = 0;
  pid_t pgrp = 0;
  char state = '?';         // R, S, D, Z, ...
  uint64_t start_time = 0;  // clock ticks after boot
};

// /proc/PID/stat, or nullopt when there is no such process. Also reads a
// thread's own entry given its id.
std::optional<ProcStat> ReadProcStat(pid_t pid);

// The process a thread belongs to (a process's id is its first thread's).
std::optional<pid_t> ThreadGroupOf(pid_t tid);

struct ProcId {
  pid_t pid = 0;
  uint64_t start_time = 0;
  auto operator<=>(const ProcId&) const = default;
};

// Every process now in one of `groups` or descended from one that is,
// sorted. A process whose parent chain passes through a member counts even
// after it moved to a group of its own.
std::vector<ProcId> ProcessTreeOfGroups(const std::vector<pid_t>& groups);

// True when the process of thread `tid`, or one of its ancestors (by the
// parent chain as it is now), is in `tree` (sorted).
bool DescendsFrom(pid_t tid, const std::vector<ProcId>& tree);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_PROC_TREE_H_
