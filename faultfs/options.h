// Command line of crashlab-faultfs.
//
//   crashlab-faultfs BACKING MOUNT --trace FILE [--base NAME] [--ready-fd N]
//                    [--allow-other] [--threads N] [--faults PLAN]
//                    [--seed S] [--control-socket PATH] [--backing-fsync]
//                    [--stats FILE] [--xattrs]
//
// ParseArgs only parses; the daemon checks the paths. Value types, no
// shared state.
#ifndef CRASHLAB_FAULTFS_OPTIONS_H_
#define CRASHLAB_FAULTFS_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab::faultfs {

struct Options {
  std::string backing;           // directory whose files the mount shows
  std::string mount;             // mount point
  std::string trace;             // trace file to create (must not exist)
  std::string base = "base";     // kBase record: where the harness keeps the
                                 // copy of BACKING, relative to the trace's dir
  int ready_fd = -1;             // gets "ready\n" once mounted, then is closed
  bool allow_other = false;      // let other users (engines) use the mount
  int threads = 0;               // max FUSE worker threads; 0 = libfuse default
  std::string faults;            // fault plan file (core/fault_plan.h); "" none
  std::optional<uint64_t> seed;  // overrides the plan's seed
  std::string control_socket;    // Unix socket for live control; "" none
  bool backing_fsync = false;    // pass fsyncs on to BACKING (ops.h)
  std::string stats;             // JSON counters written at exit; "" none
  bool xattrs = false;           // serve extended attributes (ops.h)
  bool help = false;
};

// Usage text, several lines, newline-terminated.
std::string_view UsageText();

// Parses the arguments after the program name. Errors are InvalidArgument
// with a one-line message.
Result<Options> ParseArgs(const std::vector<std::string>& args);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_OPTIONS_H_
