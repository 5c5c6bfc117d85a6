// The machinery of one live crash round, shared by the auth workload's
// LiveRun (harness/live/live_run.h) and the transactional workloads'
// TxnLiveRun (harness/live/txn_live_run.h).
//
// A round copies the data directory to OUT/rounds/NNN/base, mounts faultfs
// over it with a fresh trace and a control socket, and starts the engine,
// which recovers from whatever the previous crash left (StartLiveRound).
// After the workload and the crash, CrashLiveRound unmounts, reads the
// trace and turns it into the crash state the next round starts from:
//   process  every record up to the crash persisted (state "process@P");
//   power    the drop-unsynced state at the crash, optionally tearing the
//            last unsynced write (state "power@P").
// The state is saved under OUT/rounds/NNN/states/ so `crashlab replay
// OUT/rounds/NNN --state ID --to DIR` rebuilds it. With `cut_at_kill` the
// crash position is the kill itself, not the end of the trace: file
// operations after it (a client process that was still being opened) are
// not part of the state, and the data directory is rewritten to the state
// in process mode too when there were any.
//
// Not thread-safe; a LiveRound belongs to the thread that started it.
#ifndef CRASHLAB_HARNESS_LIVE_LIVE_ROUND_H_
#define CRASHLAB_HARNESS_LIVE_LIVE_ROUND_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/data_model.h"
#include "core/persistence.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/trace.h"
#include "engines/engine.h"
#include "faultfs/client/control_client.h"
#include "faultfs/client/faultfs_mount.h"
#include "harness/live/crash_plan.h"

namespace crashlab {

struct LiveRoundEnv {
  std::string out;          // OUT: .work/data is the live data directory
  std::string scratch;      // short private directory (control socket)
  std::string bin_dir;      // crashlab-faultfs
  std::string faults_path;  // fault plan for faultfs, "" = none
  uint64_t seed = 0;
  bool power = false;  // false: process
  TearGranularity tear = TearGranularity::kNone;
  bool backing_fsync = false;  // faultfs --backing-fsync

  std::string data() const;            // OUT/.work/data
  std::string round_dir(int r) const;  // OUT/rounds/NNN
  std::string socket() const;          // the control socket
};

// One mounted round; the destructor kills the engine and unmounts.
struct LiveRound {
  int number = 0;
  std::string dir;
  std::unique_ptr<FaultfsMount> mount;
  std::unique_ptr<ControlClient> control;
  std::unique_ptr<Session> session;  // null when the engine did not start
  Status open_status;                // why it did not
  std::string trigger;  // set when the crash was not the planned one

  ~LiveRound();
};

Result<std::unique_ptr<LiveRound>> StartLiveRound(const LiveRoundEnv& env,
                                                  Engine& engine,
                                                  const Schema& schema, int r,
                                                  bool with_faults);

struct RoundCrash {
  Trace trace;
  size_t position = 0;  // records before the crash
  CrashState state;
  Hash128 image;          // content hash of the crash image
  uint64_t crash_ns = 0;  // on faultfs's clock
  std::string tear;       // what TearLastWrite did, "" = nothing
};

// The engine must be dead (killed, or its session already destroyed).
Result<RoundCrash> CrashLiveRound(const LiveRoundEnv& env, LiveRound& round,
                                  Rng& rng, bool cut_at_kill);

// faultfs's clock when the engine was killed: the kill or crash fault
// record, else the last record.
uint64_t CrashTimeNs(const Trace& trace);

// Sends "crash" to faultfs after a delay unless destroyed first. Uses its
// own connection: the round's ControlClient belongs to the round's thread.
class CrashTimer {
 public:
  CrashTimer(const std::string& socket, int64_t after_ms);
  ~CrashTimer();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::thread thread_;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_LIVE_LIVE_ROUND_H_
