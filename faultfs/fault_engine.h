// FaultEngine: decides, operation by operation, which injected fault (if
// any) happens, and owns the engine-under-test's process group.
//
// It holds the plan's rules (one Matcher each, in plan order, plus rules
// injected later through the control socket), the kill-at countdown and the
// target process group. Decide() is called once per operation, before it is
// performed: every rule sees the operation (so nth/every counts do not
// depend on other rules), delay rules that fire add up, and the first other
// rule that fires (plan order) is the one that acts. kill-at counts
// state-changing operations and wins over every rule.
//
// The engine only decides; faultfs's fault points carry decisions out, and
// the control socket changes the engine's settings.
//
// A kill fences the killed processes off the file system: a power cut or a
// process crash happens at one instant, but SIGKILL reaches an engine's
// processes one after another (PostgreSQL's backends die only once the
// postmaster, pid 1 of their namespace, has), and a backend still running
// could fsync its commit after the crash point and acknowledge it, a
// commit the crash state does not hold. So from the kill on, every
// state-changing operation of a process that was in the killed groups'
// process tree at the kill (known by pid and start time, so a reused pid is
// not), or descends from one, fails with EIO and is not performed
// (Fenced); a new target lifts the fence. Other processes go on as before.
//
// Ownership: owns its Matchers. Thread-safety: all methods are
// thread-safe (one internal mutex). Lock order: taken inside the recording
// mutex (Recorder::Scope) or alone; never held while calling out, except
// kill(2) and reads of /proc.
#ifndef CRASHLAB_FAULTFS_FAULT_ENGINE_H_
#define CRASHLAB_FAULTFS_FAULT_ENGINE_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/fault_plan.h"
#include "core/proc_tree.h"
#include "core/status.h"

namespace crashlab::faultfs {

// What happens to one operation.
struct FaultDecision {
  bool kill_at = false;  // the kill-at countdown ended on this operation
  uint32_t delay_ms = 0;
  std::vector<std::pair<std::string, uint32_t>> delays;  // (rule id, ms)
  bool fires = false;  // `rule_id`'s `action` acts on this operation
  std::string rule_id;
  FaultAction action;
  // kTorn / kTornOp: ranges [offset, offset + length) of the write's data
  // that reach the backing file.
  std::vector<std::pair<uint64_t, uint64_t>> keep;
};

class FaultEngine {
 public:
  // `plan.seed` seeds every rule (the --seed override already applied).
  explicit FaultEngine(FaultPlan plan);

  // Adds a rule; fails when its id is taken. Its Matcher is seeded with
  // the plan's seed.
  Status AddRule(FaultRule rule);
  // Default id for the next injected rule without one.
  std::string NextRuleId();

  // True when some rule watches `op` or kill-at is armed: only then does a
  // fault point need the operation's path.
  bool Interested(FaultOp op, bool state_changing) const;
  // `offset`/`length`: the write's range (kWrite only).
  FaultDecision Decide(const OpEvent& e, bool state_changing, uint64_t offset,
                       uint64_t length);
  // Milliseconds since the engine started (the mount).
  uint64_t ElapsedMs() const;

  // The target process group for kill/crash actions; 0 clears it (and
  // every group added). Refuses this process's own group and pids below 2.
  Status SetTarget(pid_t pgid);
  // One more group killed with the target: an engine that runs in several
  // process groups (an embedded engine's client drivers) dies at once.
  Status AddTarget(pid_t pgid);
  // SIGKILLs the target group and the added ones. Returns JSON for the
  // kFault record: {"pgid": P, "also": [...]} or {"no_target": true}. An
  // added group that is already gone is not an error.
  nlohmann::json KillTarget();
  // True when `pid`'s state-changing operations are refused: a kill
  // happened and `pid` was in its process tree (core/proc_tree.h). Cheap
  // until the first kill. Counts the refusals (StatusJson "fenced").
  bool Fenced(pid_t pid);
  uint64_t fenced_ops();
  // kill-at: the `after_ops`-th state-changing operation from now is
  // killed before it is performed. 0 disarms.
  void ArmKillAt(uint64_t after_ops);

  // {"fired": [{"rule": id, "count": n}, ...], "killed": bool, ...}
  nlohmann::json StatusJson();
  uint64_t seed() const { return seed_; }

 private:
  void UpdateInterest();  // mu_ held

  const uint64_t seed_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Matcher>> rules_;
  uint64_t injected_ = 0;  // rules added after start, for default ids
  uint64_t kill_at_ = 0;   // ops left until the kill; 0: disarmed
  pid_t target_ = 0;
  std::vector<pid_t> also_;  // AddTarget
  bool killed_ = false;
  uint64_t kills_ = 0;
  // The fence (Fenced): every process in the killed groups' tree at the
  // kill, sorted; set by KillTarget, cleared by SetTarget.
  std::vector<ProcId> fenced_;
  uint64_t fenced_ops_ = 0;
  std::atomic<bool> fence_up_{false};
  // Ops some rule watches (FaultOpSet), read without the mutex.
  std::atomic<uint32_t> watched_{0};
  std::atomic<bool> kill_armed_{false};
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_FAULT_ENGINE_H_
