// TxnRunner: drives a transactional workload (txn_generator.h) through N
// concurrent clients of one running engine and records a Jepsen-style
// history that checkers/isolation reads (f = "txn").
//
// Each client is one thread with one TxnClient (engines/engine.h; for
// PostgreSQL one libpq connection, for SQLite one driver process). A client
// draws the next transaction from the shared generator, records `invoke`
// (value: its mops, reads as null), runs it, and records the completion:
// `ok` with what each read saw, `fail` (the engine rolled it back: a
// serialization failure, a busy lock) or `info` (unknown). Events are
// numbered and timed under one lock, in the order they happen, so an
// event's index is a sound real-time order. After an `info` the client's
// process is considered crashed, as in Jepsen: the client reconnects and
// continues as process p + N, so process order never follows an
// indeterminate transaction.
//
// Event values, as history_io.h reads them:
//   list-append  [["append", 3, 7], ["r", 3, [1, 2, 7]], ["r", 4, null]]
//   rw-register  [["w", 3, 7], ["r", 3, 7], ["r", 4, null]]
//
// Rounds: Run() may be called again (a live crash run calls it once per
// crash round, with a new factory for the recovered engine). Operation ids,
// event times, each client's process and the history go on where they
// stopped; each call's stats are its own. Requests queued with Enqueue()
// run first, before the call's `txns` generated ones (a recovered engine's
// first reads).
//
// Thread-safety: Run() is called from one thread, which opens the clients
// (and outlives them: driver processes die with the thread that started
// them); it runs the clients on threads of its own. The factory is called
// from the workers too (reconnects) but never concurrently.
#ifndef CRASHLAB_WORKLOADS_TXN_RUNNER_H_
#define CRASHLAB_WORKLOADS_TXN_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/history.h"
#include "core/status.h"
#include "engines/engine.h"
#include "workloads/txn_generator.h"

namespace crashlab {

struct TxnRunOptions {
  int clients = 4;
  uint64_t txns = 1000;  // in all, over every client
  const std::atomic<bool>* interrupted = nullptr;
};

struct TxnRunStats {
  uint64_t invoked = 0, ok = 0, fail = 0, info = 0;
  uint64_t reconnects = 0;
  double seconds = 0;           // from the first invoke to the last reply
  std::string stopped_because;  // why it stopped early; "" when it did not
  double TxnsPerSecond() const {
    return seconds > 0 ? static_cast<double>(ok + fail + info) / seconds : 0;
  }
};

using TxnClientFactory = std::function<Result<std::unique_ptr<TxnClient>>()>;

class TxnRunner {
 public:
  // `writer` (may be null) gets every event as it happens, so a killed run
  // still leaves its history behind.
  TxnRunner(TxnGenerator& generator, TxnClientFactory factory,
            HistoryWriter* writer, const TxnRunOptions& options)
      : gen_(generator),
        factory_(std::move(factory)),
        writer_(writer),
        o_(options) {}

  // Runs until `txns` transactions completed, every client stopped, or an
  // interrupt. Fails when a client cannot be opened at the start or the
  // history cannot be written; stops early (saying why) otherwise.
  Result<TxnRunStats> Run(History* history) { return Run(history, o_.txns); }
  Result<TxnRunStats> Run(History* history, uint64_t txns);

  // For the next Run()s: where clients come from.
  void set_factory(TxnClientFactory f) { factory_ = std::move(f); }
  // Called under the runner's lock right after the n-th invocation of a
  // Run() (1-based, queued requests included) was recorded.
  void set_on_invoke(std::function<void(uint64_t n)> f) {
    on_invoke_ = std::move(f);
  }
  // Requests the next Run() sends before generating any.
  void Enqueue(std::vector<TxnRequest> requests);

  // A transaction's mops as an event value; `result` fills in the reads.
  static nlohmann::json EventValue(const TxnRequest& req,
                                   const TxnResult* result);

 private:
  void Worker(int client, std::unique_ptr<TxnClient> txn_client);
  // Records an event under mu_; false when the history cannot be written.
  bool Record(EventType type, uint64_t process, uint64_t op,
              nlohmann::json value, const std::string& error);
  void Stop(const std::string& why);  // under mu_
  uint64_t NowNs() const;

  TxnGenerator& gen_;
  TxnClientFactory factory_;
  HistoryWriter* writer_;
  TxnRunOptions o_;

  std::function<void(uint64_t)> on_invoke_;

  std::mutex mu_;  // guards everything below, the generator and the history
  History* history_ = nullptr;
  TxnRunStats stats_;      // this Run()'s
  uint64_t budget_ = 0;    // generated transactions this Run() may invoke
  uint64_t generated_ = 0;
  std::vector<TxnRequest> queue_;
  size_t queue_head_ = 0;
  std::vector<uint64_t> process_;  // per client, across Run()s
  uint64_t next_op_ = 0;           // across Run()s
  Status write_error_;
  bool stop_ = false;
  bool started_ = false;
  uint64_t start_ns_ = 0;
  std::mutex factory_mu_;  // serialises reconnects
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_TXN_RUNNER_H_
