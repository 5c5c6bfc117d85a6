// Transactional clients of driver engines: each one a driver process of its
// own on the session's directory, speaking `txn` (engines/PROTOCOL.md).
// Outcomes as `apply`: ok, a definite error is kFail, anything else
// (unknown error, a dead or hung driver) kInfo.
#include "engines/driver_engine.h"

namespace crashlab {

using nlohmann::json;

namespace {

json MopsJson(const TxnRequest& req) {
  json mops = json::array();
  for (const TxnMop& m : req.mops) {
    switch (m.fn) {
      case TxnMop::Fn::kRead:
        mops.push_back({"r", m.key});
        break;
      case TxnMop::Fn::kAppend:
        mops.push_back({"append", m.key, m.value});
        break;
      case TxnMop::Fn::kWrite:
        mops.push_back({"w", m.key, m.value});
        break;
    }
  }
  return mops;
}

TxnResult Outcome(ApplyResult::Outcome o, std::string error) {
  TxnResult r;
  r.outcome = o;
  r.error = std::move(error);
  return r;
}

// The reads of an ok reply; an error message when they are malformed.
std::string ReadsOf(const TxnRequest& req, const json& reply, TxnResult* r) {
  const json reads = reply.value("reads", json());
  if (!reads.is_array() || reads.size() != req.mops.size()) {
    return "txn reply has no \"reads\" list with one entry per mop";
  }
  for (const json& v : reads) {
    if (v.is_null()) {
      r->reads.emplace_back();
    } else if (v.is_number_integer()) {
      r->reads.push_back(std::vector<int64_t>{v.get<int64_t>()});
    } else if (v.is_array()) {
      std::vector<int64_t> list;
      for (const json& e : v) {
        if (!e.is_number_integer()) return "txn read holds a non-integer";
        list.push_back(e.get<int64_t>());
      }
      r->reads.push_back(std::move(list));
    } else {
      return "txn read is neither null, an integer nor a list: " + v.dump();
    }
  }
  return "";
}

class DriverTxnClient : public TxnClient {
 public:
  explicit DriverTxnClient(std::unique_ptr<DriverClient> client)
      : client_(std::move(client)) {}
  ~DriverTxnClient() override {
    if (client_->broken()) {
      client_->Kill();
    } else {
      (void)client_->Quit();
    }
  }

  TxnResult Transact(const TxnRequest& req) override {
    auto reply = client_->Call({{"cmd", "txn"},
                                {"workload", TxnWorkloadName(req.workload)},
                                {"mops", MopsJson(req)}});
    if (!reply.ok()) {
      return Outcome(ApplyResult::Outcome::kInfo, reply.status().message());
    }
    if (!(*reply)["ok"].get<bool>()) {
      const DriverError e = DriverClient::ErrorOf(*reply);
      return Outcome(e.definite.value_or(false) ? ApplyResult::Outcome::kFail
                                                : ApplyResult::Outcome::kInfo,
                     e.ToString());
    }
    TxnResult r;
    const std::string bad = ReadsOf(req, *reply, &r);
    if (!bad.empty()) return Outcome(ApplyResult::Outcome::kInfo, bad);
    return r;
  }

  // The driver runs SQLite itself: it is part of the engine a crash kills.
  int process_group() const override { return client_->pid(); }

 private:
  std::unique_ptr<DriverClient> client_;
};

}  // namespace

Result<std::unique_ptr<TxnClient>> DriverSession::OpenTxnClient(TxnWorkload w) {
  if (done_ || !factory_ ||
      client_->hello().value("txn", nlohmann::json(false)) != true) {
    return Session::OpenTxnClient(w);  // refused: no `txn` in its hello
  }
  CRASHLAB_ASSIGN_OR_RETURN(auto client, factory_());
  // An empty transaction: creates the tables now, one client at a time, and
  // finds out whether the driver has `txn` at all.
  auto reply = client->Call({{"cmd", "txn"},
                             {"workload", TxnWorkloadName(w)},
                             {"mops", json::array()}});
  if (!reply.ok()) return reply.status().Annotate("txn");
  if (!(*reply)["ok"].get<bool>()) {
    const DriverError e = DriverClient::ErrorOf(*reply);
    client->Kill();
    if (e.kind == "protocol") {
      return Status::InvalidArgument(
          "this engine's driver does not run transactional workloads (" +
          std::string(TxnWorkloadName(w)) + "): " + e.message);
    }
    return Status::Engine("txn: " + e.ToString());
  }
  return std::unique_ptr<TxnClient>(new DriverTxnClient(std::move(client)));
}

}  // namespace crashlab
