#include "harness/explore/recovery_pool.h"

#include <chrono>
#include <utility>

#include "core/files.h"

namespace crashlab {

Observation ToObservation(Recovery r) {
  using Outcome = Observation::Outcome;
  Observation o;
  o.message = std::move(r.message);
  o.rows = std::move(r.rows);
  o.engine_check = std::move(r.engine_check);
  switch (r.stage) {
    case Recovery::Stage::kOk:
      o.outcome = Outcome::kOk;
      break;
    case Recovery::Stage::kOpenFailed:
      o.outcome = Outcome::kRefused;
      break;
    case Recovery::Stage::kDumpFailed:
      o.outcome = Outcome::kReadFailed;
      break;
    case Recovery::Stage::kHung:
      o.outcome = Outcome::kHung;
      break;
    case Recovery::Stage::kCrashed:
      o.outcome = Outcome::kCrashed;
      break;
  }
  return o;
}

RecoveryPool::RecoveryPool(int jobs, EngineFactory factory, Schema schema,
                           size_t kept_rows)
    : jobs_(std::max(1, jobs)), factory_(std::move(factory)),
      schema_(std::move(schema)), by_digest_(kept_rows) {
  for (int i = 0; i < jobs_; ++i) workers_.emplace_back([this] { Work(); });
}

RecoveryPool::~RecoveryPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  for (const Job& j : queue_) (void)RemoveTree(j.dir);
}

void RecoveryPool::Submit(const Hash128& image, std::string dir) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return queue_.size() < static_cast<size_t>(2 * jobs_) || !error_.ok();
  });
  queue_.push_back({image, std::move(dir)});
  cv_.notify_all();
}

Status RecoveryPool::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return (queue_.empty() && busy_ == 0) || !error_.ok();
  });
  return error_;
}

std::vector<std::pair<Hash128, std::shared_ptr<const Observation>>>
RecoveryPool::TakeFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(finished_, {});
}

void RecoveryPool::Work() {
  // The engine lives in this thread: its processes die with it.
  auto engine = factory_();
  if (!engine.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = engine.status();
    cv_.notify_all();
    return;
  }
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    cv_.notify_all();  // room for the producer
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<const Observation> seen =
        by_digest_.Recover(**engine, job.dir, schema_);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    (void)RemoveTree(job.dir);
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_.emplace_back(job.image, std::move(seen));
      ++recoveries_;
      recover_seconds_ += took;
      --busy_;
    }
    cv_.notify_all();
  }
}

}  // namespace crashlab
