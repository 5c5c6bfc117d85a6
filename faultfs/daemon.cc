#include "faultfs/daemon.h"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/fault_plan.h"
#include "core/files.h"
#include "faultfs/base_walk.h"
#include "faultfs/control_commands.h"
#include "faultfs/control_socket.h"
#include "faultfs/fault_engine.h"
#include "faultfs/ops.h"
#include "faultfs/recorder.h"
#include "faultfs/undo_log.h"

namespace crashlab::faultfs {
namespace {

// realpath(3) of an existing path, or "" if it cannot be resolved.
std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : "";
}

bool IsInside(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

Status CheckDirectory(const char* what, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::InvalidArgument(std::string(what) + " " + path +
                                   " does not exist");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(std::string(what) + " " + path +
                                   " is not a directory");
  }
  return Status::Ok();
}

Status CheckPaths(const Options& o) {
  CRASHLAB_RETURN_IF_ERROR(CheckDirectory("BACKING", o.backing));
  CRASHLAB_RETURN_IF_ERROR(CheckDirectory("MOUNT", o.mount));
  const std::string backing = RealPath(o.backing);
  if (IsInside(RealPath(o.mount), backing)) {
    return Status::InvalidArgument("MOUNT " + o.mount +
                                   " must not be BACKING or inside it");
  }
  struct stat st;
  if (::lstat(o.trace.c_str(), &st) == 0) {
    return Status::InvalidArgument("trace file " + o.trace +
                                   " already exists; refusing to overwrite it");
  }
  std::string dir = o.trace.substr(0, o.trace.rfind('/') + 1);
  const std::string real_dir = RealPath(dir.empty() ? "." : dir);
  if (real_dir.empty()) {
    return Status::InvalidArgument("the directory of trace file " + o.trace +
                                   " does not exist");
  }
  if (IsInside(real_dir, backing) || IsInside(real_dir, RealPath(o.mount))) {
    return Status::InvalidArgument("trace file " + o.trace +
                                   " must not be inside BACKING or MOUNT");
  }
  if (o.ready_fd >= 0) {
    const int flags = ::fcntl(o.ready_fd, F_GETFD);
    if (flags < 0) {
      return Status::InvalidArgument("--ready-fd " +
                                     std::to_string(o.ready_fd) +
                                     " is not an open file descriptor");
    }
    // Keep it out of fusermount3 (which outlives us with auto_unmount), so
    // the reader sees EOF when we die before saying ready.
    ::fcntl(o.ready_fd, F_SETFD, flags | FD_CLOEXEC);
  }
  return Status::Ok();
}

Status CheckFuseDevice() {
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno == ENOENT) {
    return Status::Infrastructure(
        "cannot mount: /dev/fuse is missing; load the fuse module or run the "
        "container with --device /dev/fuse");
  }
  return Status::Infrastructure(
      std::string("cannot mount: cannot open /dev/fuse (") +
      std::strerror(errno) +
      "); run as root or give this user read/write access to /dev/fuse");
}

// A mounted FUSE session; unmounts and destroys it when it goes away.
class Session {
 public:
  ~Session() {
    if (se_ == nullptr) return;
    fuse_remove_signal_handlers(se_);
    if (mounted_) fuse_session_unmount(se_);
    fuse_session_destroy(se_);
  }

  Status Mount(const Options& o, const fuse_lowlevel_ops& ops, void* ctx) {
    std::string opts =
        "fsname=crashlab-faultfs,auto_unmount,"
        "default_permissions";
    if (o.allow_other) opts += ",allow_other";
    const char* argv[] = {"crashlab-faultfs", "-o", opts.c_str()};
    fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
    se_ = fuse_session_new(&args, &ops, sizeof(ops), ctx);
    if (se_ == nullptr) {
      return Status::Infrastructure("cannot create the FUSE session");
    }
    if (fuse_set_signal_handlers(se_) != 0) {
      return Status::Infrastructure("cannot install signal handlers");
    }
    if (fuse_session_mount(se_, o.mount.c_str()) != 0) {
      return Status::Infrastructure(
          "cannot mount " + o.mount +
          " (see the fuse message above): check that it is a directory this "
          "user may mount on, that fusermount3 is installed" +
          (o.allow_other ? ", and that /etc/fuse.conf has user_allow_other"
                         : ""));
    }
    mounted_ = true;
    return Status::Ok();
  }

  fuse_session* get() const { return se_; }

  Status Loop(int threads) {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_clone_fd(config, 0);
    if (threads > 0) fuse_loop_cfg_set_max_threads(config, threads);
    const int rc = fuse_session_loop_mt(se_, config);
    fuse_loop_cfg_destroy(config);
    // Stopping has begun: a repeated SIGTERM must not kill the daemon
    // between unmount and the last trace flush.
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, SIG_IGN);
    // A positive value is the signal that ended the loop: a clean stop.
    if (rc < 0) {
      return Status::Infrastructure(std::string("FUSE session failed: ") +
                                    std::strerror(-rc));
    }
    return Status::Ok();
  }

 private:
  fuse_session* se_ = nullptr;
  bool mounted_ = false;
};

void SayReady(int fd) {
  if (fd < 0) return;
  const char kReady[] = "ready\n";
  (void)!::write(fd, kReady, sizeof(kReady) - 1);
  ::close(fd);
}

// Mounts, serves until stopped, unmounts. `*mounted` tells whether the
// mount ever happened. The control socket (if any) serves while the
// session does, and stops before it is unmounted.
Status Serve(const Options& o, FsContext* ctx, ControlSocket* control,
             bool* mounted) {
  const fuse_lowlevel_ops ops = MakeOps(o.xattrs);
  Session session;
  CRASHLAB_RETURN_IF_ERROR(session.Mount(o, ops, ctx));
  *mounted = true;
  ctx->session = session.get();
  std::unique_ptr<ControlCommands> commands;
  if (control != nullptr) {
    commands = std::make_unique<ControlCommands>(ctx);
    control->Start(commands.get());
  }
  SayReady(o.ready_fd);
  Status served = session.Loop(o.threads);
  if (control != nullptr) control->Stop();
  ctx->session = nullptr;
  return served;
}

// The fault plan of --faults (empty without), with --seed applied.
Result<FaultPlan> LoadPlan(const Options& o) {
  FaultPlan plan;
  if (!o.faults.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(plan, LoadFaultPlan(o.faults));
  }
  if (o.seed) plan.seed = *o.seed;
  return plan;
}

// --stats FILE: what this run served and what the trace thread did.
Status WriteStats(const Options& o, FsContext& ctx) {
  if (o.stats.empty()) return Status::Ok();
  const TraceThread::Stats t = ctx.recorder.trace_stats();
  const nlohmann::json stats = {
      {"requests", ctx.requests.ToJson()},
      {"backing_fsyncs", ctx.backing_syncs.load()},
      {"cpu", ProcessCpuJson()},
      {"trace",
       {{"records", t.records},
        {"writes", t.writes},
        {"peak_buffered_bytes", t.peak_buffered_bytes},
        {"stalls", t.stalls}}}};
  return WriteStringToFile(o.stats, stats.dump() + "\n")
      .Annotate("--stats " + o.stats);
}

}  // namespace

Status RunDaemon(const Options& o) {
  CRASHLAB_RETURN_IF_ERROR(CheckPaths(o));
  CRASHLAB_ASSIGN_OR_RETURN(FaultPlan plan, LoadPlan(o));
  CRASHLAB_RETURN_IF_ERROR(CheckFuseDevice());
  // Fault injection (and its undo log) only when asked for: a plain
  // recording run pays nothing for it.
  const bool inject = !o.faults.empty() || !o.control_socket.empty();
  std::unique_ptr<ControlSocket> control;
  if (!o.control_socket.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(control, ControlSocket::Listen(o.control_socket));
  }
  const int root_fd =
      ::open(o.backing.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return Status::FromErrno("cannot open " + o.backing, errno);
  auto base = WalkBase(root_fd, o.backing);
  if (!base.ok()) {
    ::close(root_fd);
    return base.status();
  }
  InodeTable table(root_fd, base->root);
  auto recorder = Recorder::Create(o.trace, o.base, *base);
  if (!recorder.ok()) {
    struct stat st;
    if (::lstat(o.trace.c_str(), &st) == 0) {  // appeared since CheckPaths
      return Status::InvalidArgument(
          "trace file " + o.trace +
          " already exists; refusing to overwrite it");
    }
    return recorder.status();
  }
  FsContext ctx(&table, recorder->get());
  ctx.chown_new_files = ::geteuid() == 0;
  ctx.backing_fsync = o.backing_fsync;
  std::unique_ptr<FaultEngine> faults;
  std::unique_ptr<UndoLog> undo;
  if (inject) {
    faults = std::make_unique<FaultEngine>(std::move(plan));
    undo = std::make_unique<UndoLog>();
    ctx.faults = faults.get();
    ctx.undo = undo.get();
  }
  // The kernel applies the caller's umask before a create reaches us.
  ::umask(0);
  bool mounted = false;
  Status served = Serve(o, &ctx, control.get(), &mounted);
  if (!mounted) {
    recorder->reset();
    ::unlink(o.trace.c_str());  // this run's, holding only the base
    return served;
  }
  Status closed = (*recorder)->Close();
  if (faults != nullptr && faults->fenced_ops() > 0) {
    std::fprintf(stderr,
                 "crashlab-faultfs: refused %llu file operations of the "
                 "killed engine's processes after the kill (fault_engine.h)\n",
                 static_cast<unsigned long long>(faults->fenced_ops()));
  }
  if (!served.ok()) return served;
  CRASHLAB_RETURN_IF_ERROR(closed.Annotate("trace " + o.trace));
  return WriteStats(o, ctx);
}

}  // namespace crashlab::faultfs
