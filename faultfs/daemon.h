// RunDaemon: the whole life of a crashlab-faultfs process.
//
// Checks the paths, loads the fault plan (--faults, --seed), binds the
// control socket (--control-socket), walks BACKING into the trace's base
// description, mounts MOUNT (fsname=crashlab-faultfs, auto_unmount,
// default_permissions, allow_other on request), says "ready" on the ready fd,
// serves requests on libfuse's multi-threaded loop until SIGTERM/SIGINT/SIGHUP
// or an unmount, then stops the control socket, unmounts and closes (fsyncs)
// the trace. A bad plan is BadInput (exit 2).
//
// Failure statuses map to exit codes through ExitCodeFor: InvalidArgument
// (bad paths, an existing trace: exit 2) and Infrastructure/IoError (no
// /dev/fuse, mount failed, trace not writable: exit 3). Nothing stays
// mounted after a failure, and a trace this run created is removed when
// the mount fails. Owns every object the FUSE session uses; installs
// libfuse's signal handlers for the duration of the session.
#ifndef CRASHLAB_FAULTFS_DAEMON_H_
#define CRASHLAB_FAULTFS_DAEMON_H_

#include "core/status.h"
#include "faultfs/options.h"

namespace crashlab::faultfs {

Status RunDaemon(const Options& options);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_DAEMON_H_
