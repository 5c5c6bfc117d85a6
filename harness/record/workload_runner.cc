#include "harness/record/workload_runner.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "harness/record/timeline.h"

namespace crashlab {

uint64_t WorkloadRunner::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status WorkloadRunner::Record(EventType type, const LogicalOp& op,
                              const std::string& err) {
  Event e;
  e.type = type;
  e.process = op.process;
  e.f = op.f;
  e.value = op.args;
  e.time_ns = NowNs() - start_ms_;
  e.index = next_index_++;
  e.op = op.id;
  e.error = err;
  return history_.Write(e);
}

Status WorkloadRunner::Mark(const std::string& label) {
  CRASHLAB_RETURN_IF_ERROR(mark_(label));
  return after_mark_ ? after_mark_(label) : Status::Ok();
}

Result<WorkloadStats> WorkloadRunner::Run(Session& session, uint64_t count,
                                          std::vector<LogicalOp>* ops) {
  WorkloadStats stats;
  const uint64_t run_start_ns = NowNs();
  for (uint64_t i = 0; i < count; ++i) {
    if (rate_ > 0) {
      const uint64_t due_ns = run_start_ns + static_cast<uint64_t>(i * 1e9 / rate_);
      for (uint64_t now = NowNs(); now < due_ns &&
                                   !(interrupted_ && interrupted_->load());
           now = NowNs()) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(
            std::min<uint64_t>(due_ns - now, 50'000'000)));
      }
    }
    if (interrupted_ && interrupted_->load()) {
      stats.interrupted = true;
      stats.stopped_because = "interrupted";
      break;
    }
    LogicalOp op = workload_.Next();
    CRASHLAB_RETURN_IF_ERROR(Record(EventType::kInvoke, op, ""));
    CRASHLAB_RETURN_IF_ERROR(Mark(InvokeMark(op.id)));
    ++stats.invoked;
    const ApplyResult r = session.Apply(op);
    const char* mark = "ok";
    EventType type = EventType::kOk;
    if (r.outcome == ApplyResult::Outcome::kFail) {
      mark = "fail";
      type = EventType::kFail;
      ++stats.failed;
    } else if (r.outcome == ApplyResult::Outcome::kInfo) {
      mark = "info";
      type = EventType::kInfo;
      ++stats.unknown;
    } else {
      ++stats.ok;
    }
    CRASHLAB_RETURN_IF_ERROR(Record(type, op, r.error));
    CRASHLAB_RETURN_IF_ERROR(Mark(CompletionMark(mark, op.id)));
    workload_.Complete(op, type == EventType::kOk);
    ops->push_back(std::move(op));
    if (type == EventType::kInfo) {
      // The engine stopped answering: nothing after this is meaningful.
      stats.stopped_because = "the engine stopped answering: " + r.error;
      break;
    }
  }
  return stats;
}

}  // namespace crashlab
