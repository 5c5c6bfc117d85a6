// WorkloadRunner: drives a workload through a live engine session and
// records what every client was told.
//
// For each operation: history `invoke`, MARK invoke:ID through faultfs, the
// engine applies it, history ok/fail/info, MARK ok|fail|info:ID. The marks
// put acknowledgements into the trace in their true order relative to the
// engine's file operations. Not thread-safe.
#ifndef CRASHLAB_HARNESS_RECORD_WORKLOAD_RUNNER_H_
#define CRASHLAB_HARNESS_RECORD_WORKLOAD_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/history.h"
#include "engines/engine.h"
#include "workloads/workload.h"

namespace crashlab {

struct WorkloadStats {
  uint64_t invoked = 0, ok = 0, failed = 0, unknown = 0;
  bool interrupted = false;
  std::string stopped_because;  // why the run stopped early, if it did
};

using MarkFn = std::function<Status(const std::string& label)>;
// Called right after each mark is written (label as written), before the
// runner goes on: where live crash triggers hook in.
using AfterMarkFn = std::function<Status(const std::string& label)>;

class WorkloadRunner {
 public:
  WorkloadRunner(Workload& workload, HistoryWriter& history, MarkFn mark,
                 const std::atomic<bool>* interrupted)
      : workload_(workload), history_(history), mark_(std::move(mark)),
        interrupted_(interrupted), start_ms_(NowNs()) {}

  void set_after_mark(AfterMarkFn fn) { after_mark_ = std::move(fn); }
  // Paces clients like a service under steady load: within each Run(), the
  // i-th operation starts no earlier than i / ops_per_s seconds in (0: as
  // fast as the engine answers). Engines that flush on a timer (Skytable's
  // rs_window, Redis everysec) only show their window at a real pace.
  void set_rate(double ops_per_s) { rate_ = ops_per_s; }
  // Nanoseconds since the runner was made (the history's clock).
  uint64_t Elapsed() const { return NowNs() - start_ms_; }

  // Runs `count` operations on `session`, appending them to `ops`.
  // Stops early (and says why in the stats) if the engine stops answering
  // or the run is interrupted; fails only on crashlab's own errors.
  Result<WorkloadStats> Run(Session& session, uint64_t count,
                            std::vector<LogicalOp>* ops);

 private:
  static uint64_t NowNs();
  Status Record(EventType type, const LogicalOp& op, const std::string& err);
  Status Mark(const std::string& label);

  Workload& workload_;
  HistoryWriter& history_;
  MarkFn mark_;
  AfterMarkFn after_mark_;
  const std::atomic<bool>* interrupted_;
  uint64_t start_ms_;
  uint64_t next_index_ = 0;
  double rate_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_WORKLOAD_RUNNER_H_
