#include "workloads/txn_runner.h"

#include <chrono>
#include <thread>
#include <vector>

namespace crashlab {

using nlohmann::json;

uint64_t TxnRunner::NowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() -
         start_ns_;
}

json TxnRunner::EventValue(const TxnRequest& req, const TxnResult* result) {
  json mops = json::array();
  for (size_t i = 0; i < req.mops.size(); ++i) {
    const TxnMop& m = req.mops[i];
    if (m.fn == TxnMop::Fn::kAppend) {
      mops.push_back({"append", m.key, m.value});
    } else if (m.fn == TxnMop::Fn::kWrite) {
      mops.push_back({"w", m.key, m.value});
    } else {
      json read = nullptr;
      if (result != nullptr && i < result->reads.size() && result->reads[i]) {
        const std::vector<int64_t>& v = *result->reads[i];
        if (req.workload == TxnWorkload::kListAppend) {
          read = v;
        } else if (!v.empty()) {
          read = v[0];
        }
      }
      mops.push_back({"r", m.key, std::move(read)});
    }
  }
  return mops;
}

bool TxnRunner::Record(EventType type, uint64_t process, uint64_t op,
                       json value, const std::string& error) {
  Event e;
  e.type = type;
  e.process = process;
  e.f = "txn";
  e.value = std::move(value);
  e.time_ns = NowNs();
  e.op = op;
  e.error = error;
  const Event& added = history_->Add(std::move(e));
  if (writer_ != nullptr && write_error_.ok()) {
    write_error_ = writer_->Write(added);
    if (!write_error_.ok()) Stop("the history could not be written");
  }
  return write_error_.ok();
}

void TxnRunner::Stop(const std::string& why) {
  stop_ = true;
  if (stats_.stopped_because.empty()) stats_.stopped_because = why;
}

void TxnRunner::Enqueue(std::vector<TxnRequest> requests) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.insert(queue_.end(), std::make_move_iterator(requests.begin()),
                std::make_move_iterator(requests.end()));
}

void TxnRunner::Worker(int client, std::unique_ptr<TxnClient> txn_client) {
  for (;;) {
    TxnRequest req;
    uint64_t op = 0, process = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (o_.interrupted != nullptr && o_.interrupted->load()) {
        Stop("interrupted");
      }
      if (stop_) return;
      if (queue_head_ < queue_.size()) {
        req = std::move(queue_[queue_head_++]);
      } else if (generated_ < budget_) {
        req = gen_.Next();
        ++generated_;
      } else {
        return;
      }
      process = process_[client];
      op = ++next_op_;
      ++stats_.invoked;
      if (!Record(EventType::kInvoke, process, op, EventValue(req, nullptr),
                  "")) {
        return;
      }
      if (on_invoke_) on_invoke_(stats_.invoked);
    }
    const TxnResult r = txn_client->Transact(req);
    {
      std::lock_guard<std::mutex> lock(mu_);
      EventType type = EventType::kOk;
      if (r.outcome == ApplyResult::Outcome::kOk) {
        ++stats_.ok;
      } else if (r.outcome == ApplyResult::Outcome::kFail) {
        type = EventType::kFail;
        ++stats_.fail;
      } else {
        type = EventType::kInfo;
        ++stats_.info;
      }
      const bool ok = type == EventType::kOk;
      if (!Record(type, process, op, EventValue(req, ok ? &r : nullptr),
                  r.error)) {
        return;
      }
    }
    if (r.outcome != ApplyResult::Outcome::kInfo) continue;
    // Unknown outcome: this process may still be running the transaction.
    {
      std::lock_guard<std::mutex> lock(mu_);
      process_[client] += static_cast<uint64_t>(o_.clients);
    }
    txn_client.reset();
    Result<std::unique_ptr<TxnClient>> fresh = [this] {
      std::lock_guard<std::mutex> lock(factory_mu_);
      return factory_();
    }();
    std::lock_guard<std::mutex> lock(mu_);
    if (!fresh.ok()) {
      // The others go on while they can; a dead engine stops them all.
      if (stats_.stopped_because.empty()) {
        stats_.stopped_because = "client " + std::to_string(client) +
                                 " could not reconnect after an unknown "
                                 "outcome: " +
                                 fresh.status().message();
      }
      return;
    }
    ++stats_.reconnects;
    txn_client = std::move(fresh).value();
  }
}

Result<TxnRunStats> TxnRunner::Run(History* history, uint64_t txns) {
  if (o_.clients < 1)
    return Status::InvalidArgument("--clients must be at least 1");
  stats_ = TxnRunStats();
  budget_ = txns;
  generated_ = 0;
  stop_ = false;
  if (process_.empty()) {
    for (int i = 0; i < o_.clients; ++i) process_.push_back(i);
  }
  std::vector<std::unique_ptr<TxnClient>> clients;
  for (int i = 0; i < o_.clients; ++i) {
    auto c = factory_();
    if (!c.ok()) {
      return c.status().Annotate("opening client " + std::to_string(i + 1) +
                                 " of " + std::to_string(o_.clients));
    }
    clients.push_back(std::move(c).value());
  }
  history_ = history;
  if (!started_) {
    start_ns_ = 0;
    start_ns_ = NowNs();
    started_ = true;
  }
  const uint64_t run_start_ns = NowNs();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < o_.clients; ++i) {
      threads.emplace_back(&TxnRunner::Worker, this, i, std::move(clients[i]));
    }
    for (std::thread& t : threads) t.join();
  }
  stats_.seconds = static_cast<double>(NowNs() - run_start_ns) / 1e9;
  queue_.erase(queue_.begin(), queue_.begin() + queue_head_);
  queue_head_ = 0;
  if (!write_error_.ok()) return write_error_;
  return stats_;
}

}  // namespace crashlab
