// Subprocess: a child program with pipes, in its own process group.
//
// Used for every process crashlab starts (faultfs, engine drivers, servers).
// The child gets its own process group so Kill() reaches everything it
// spawned, and PR_SET_PDEATHSIG (SIGKILL unless asked otherwise) so it dies
// with the thread that started it: a killed harness leaves no engine behind. Because the death
// signal follows the *thread*, start long-lived children from a thread that
// outlives them. The group lives and dies with the child: when its exit is
// noticed (before it is reaped, so its pid cannot have been reused) the
// rest of its group is killed; a reaped child is never signalled.
//
// Line I/O (WriteLine/ReadLine) is for the JSON-lines driver protocol; every
// read takes a timeout so a hung child cannot hang crashlab.
//
// Not thread-safe: one owner drives a Subprocess.
#ifndef CRASHLAB_CORE_SUBPROCESS_H_
#define CRASHLAB_CORE_SUBPROCESS_H_

#include <signal.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace crashlab {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the inherited env
  std::string cwd;                         // "" = inherit
  bool pipe_stdin = false;
  bool pipe_stdout = false;
  // stderr goes to this file (appended) if set, else is inherited.
  std::string stderr_path;
  // With stderr_path and without pipe_stdout: stdout goes to that file too
  // (servers that print to stdout must not write over crashlab's output).
  bool stdout_to_stderr_path = false;
  // Extra descriptor to leave open in the child under the same number.
  int inherit_fd = -1;
  // Run as this uid/gid (when crashlab runs as root), -1 = unchanged.
  int uid = -1;
  int gid = -1;
  // PR_SET_PDEATHSIG: what the child gets when the thread that started it
  // dies. SIGKILL unless the child must clean up after itself (faultfs
  // unmounts on SIGTERM).
  int death_signal = SIGKILL;
};

class Subprocess {
 public:
  static Result<std::unique_ptr<Subprocess>> Spawn(const SpawnOptions& opts);
  ~Subprocess();  // kills the process group if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` to the whole process group.
  void Kill(int sig);
  // Waits up to `timeout_ms` for exit; returns the wait status, or Timeout.
  Result<int> Wait(int timeout_ms);
  // SIGTERM, wait `grace_ms`, then SIGKILL; returns the wait status.
  int Stop(int grace_ms);

  Status WriteLine(const std::string& line);
  // Reads one line (without '\n'); Timeout if none within `timeout_ms`,
  // Engine error if the child closed its stdout.
  Result<std::string> ReadLine(int timeout_ms);
  void CloseStdin();

  // "exit code 1" / "killed by signal 9".
  static std::string DescribeWaitStatus(int status);

 private:
  Subprocess() = default;
  pid_t pid_ = -1;
  int in_fd_ = -1;   // child's stdin
  int out_fd_ = -1;  // child's stdout
  std::string buffer_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

// True if `pid` names a live process (zombies count as dead).
bool ProcessAlive(pid_t pid);

// Milliseconds on a monotonic clock.
int64_t MonotonicMs();

}  // namespace crashlab

#endif  // CRASHLAB_CORE_SUBPROCESS_H_
