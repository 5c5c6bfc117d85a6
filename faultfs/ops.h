// The faultfs FUSE low-level file system: a passthrough that records.
//
// Every operation is a free function (ops_*.cc) wired into one
// fuse_lowlevel_ops table by MakeOps(). They find their state in the one
// FsContext passed to fuse_session_new() as userdata; there is no other
// mutable state. Errors are answered with errno replies.
//
// Lock order (outermost first):
//   1. Recorder mutex (Recorder::Scope): held across "perform the backing
//      operation + append its record" by every recording operation
//      (create, mknod, mkdir, symlink, link, unlink, rmdir, rename, open
//      with O_TRUNC, write, setattr(size), fallocate, fsync, fsyncdir, and
//      control-file marks), so the trace order is the order they took
//      effect. Reads, lookups, getattr and readdir never take it.
//   2. FaultEngine mutex: short, taken inside (1) by fault points or alone
//      by the control socket; held while calling out only for kill(2).
//   3. InodeTable mutex: short, taken inside or outside (1) and (2), never
//      held while calling out.
//   4. TraceThread mutex (trace_thread.h): taken inside (1) to queue a
//      record; an append may wait there for the trace thread, which takes
//      no other lock.
// The UndoLog has no lock of its own: it is used only inside (1).
// Kernel cache invalidation (fuse_lowlevel_notify_inval_inode) is done
// with none of these held: it may wait for page locks that a request
// blocked on (1) holds.
// Directory handles are used by one request at a time (the kernel
// serialises readdir on an open directory), so they have no lock.
//
// Ownership: the FsContext owns none of its pointees; whoever runs the
// session (daemon.cc) owns the table, recorder, fault engine, undo log and
// session and keeps them alive until the session is destroyed.
#ifndef CRASHLAB_FAULTFS_OPS_H_
#define CRASHLAB_FAULTFS_OPS_H_

#include <fuse_lowlevel.h>

#include <atomic>
#include <cstdint>

#include "faultfs/control_file.h"
#include "faultfs/inode_table.h"
#include "faultfs/recorder.h"
#include "faultfs/request_stats.h"

namespace crashlab::faultfs {

class FaultEngine;
class UndoLog;

struct FsContext {
  FsContext(InodeTable* table_in, Recorder* recorder_in)
      : table(*table_in), recorder(*recorder_in), control(recorder_in) {}

  // The fuse_ino_t of the control file.
  fuse_ino_t control_ino() const {
    return reinterpret_cast<fuse_ino_t>(&control_inode);
  }

  InodeTable& table;
  Recorder& recorder;
  ControlFile control;
  // Stand-in Inode for the control file (no backing fd), so a stray
  // request naming it reaches no real file.
  Inode control_inode{-1, InodeKey{}};
  // How long the kernel may cache entries and attributes. Every change goes
  // through this daemon, so caching is safe.
  double timeout_s = 1.0;
  // Pass fsync, fdatasync and directory fsyncs on to BACKING (--backing-
  // fsync). Off by default: crash states come from the trace, and a killed
  // engine's writes stay in the page cache, so nothing relies on BACKING
  // being durable; the fsync is still recorded and still a fault point.
  bool backing_fsync = false;
  // Backing fsyncs done (only with backing_fsync), for --stats.
  std::atomic<uint64_t> backing_syncs{0};
  // Requests served, by kind (every operation counts itself; --stats).
  RequestStats requests;
  // Running as root: give new files to the requesting user and group (an
  // engine running as another user must own what it creates).
  bool chown_new_files = false;
  // Fault injection; both null when faultfs only records (no --faults and
  // no --control-socket), and then no operation pays for it.
  FaultEngine* faults = nullptr;
  UndoLog* undo = nullptr;
  // For kernel cache invalidation; set before requests are served.
  fuse_session* session = nullptr;
};

// The operations table to pass to fuse_session_new(). Extended attributes
// only with `xattrs` (--xattrs): they are not recorded, so crash images
// never hold them, and while a file system offers getxattr the kernel asks
// it for security.capability before every write (one more request per
// write). Without them, libfuse answers ENOSYS, the kernel stops asking and
// applications get EOPNOTSUPP.
fuse_lowlevel_ops MakeOps(bool xattrs);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_OPS_H_
