// FaultfsMount: one running crashlab-faultfs, from mount to unmount.
//
// Start() launches the daemon as a child (its own process group; if
// crashlab dies the daemon gets SIGTERM and unmounts, and auto_unmount
// covers a daemon that is itself killed), waits for its ready signal, and
// opens the control file. Mark() appends a MARK
// record ordered with every file operation the engine did before it.
// Stop() unmounts and waits for the trace to be closed; the destructor does
// the same if Stop() was not called, so no path leaves a mount behind.
//
// Not thread-safe.
#ifndef CRASHLAB_FAULTFS_CLIENT_FAULTFS_MOUNT_H_
#define CRASHLAB_FAULTFS_CLIENT_FAULTFS_MOUNT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/subprocess.h"

namespace crashlab {

struct MountOptions {
  std::string faultfs_bin;  // path of crashlab-faultfs
  std::string backing;      // real directory holding the data
  std::string mount_point;  // empty directory to mount on
  std::string trace_path;   // trace file to create
  std::string base_name = "base";  // base image, relative to the trace
  std::string log_path;     // daemon stderr ("" = inherit)
  std::string control_socket;  // --control-socket ("" = none)
  std::string faults_path;     // --faults PLAN ("" = none)
  uint64_t seed = 0;           // --seed, for fault rules
  bool allow_other = false;
  bool backing_fsync = false;  // --backing-fsync: real fsync latency
  std::string stats_path;      // --stats FILE: request counts at exit
  int threads = 0;             // --threads N (0: faultfs's default)
  int ready_timeout_ms = 15000;
};

class FaultfsMount {
 public:
  static Result<std::unique_ptr<FaultfsMount>> Start(const MountOptions& o);
  ~FaultfsMount();
  FaultfsMount(const FaultfsMount&) = delete;
  FaultfsMount& operator=(const FaultfsMount&) = delete;

  const std::string& mount_point() const { return options_.mount_point; }
  Status Mark(const std::string& label);
  // Unmounts, waits for the daemon to close its trace.
  Status Stop();

 private:
  explicit FaultfsMount(MountOptions o) : options_(std::move(o)) {}
  MountOptions options_;
  std::unique_ptr<Subprocess> daemon_;
  int control_fd_ = -1;
};

// True if `path` is a mount point right now (from /proc/self/mountinfo).
bool IsMountPoint(const std::string& path);
// Lazily unmounts a FUSE mount left behind (fusermount3 -u -z).
void ForceUnmount(const std::string& path);
// Checks that FUSE can be used here; the error says what to fix.
Status CheckFuseAvailable();

}  // namespace crashlab

#endif  // CRASHLAB_FAULTFS_CLIENT_FAULTFS_MOUNT_H_
