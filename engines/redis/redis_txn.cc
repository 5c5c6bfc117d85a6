#include "engines/redis/redis_txn.h"

#include <string>

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;

TxnResult Ended(Outcome outcome, std::string error) {
  TxnResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

std::string KeyOf(TxnWorkload w, int64_t key) {
  return (w == TxnWorkload::kListAppend ? "la:" : "rr:") + std::to_string(key);
}

// One integer of a reply element; false when it is not one.
bool ToInt(const std::string& s, int64_t* v) {
  try {
    size_t used = 0;
    *v = std::stoll(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::vector<RedisCommand> RedisTxnCommands(const TxnRequest& req) {
  std::vector<RedisCommand> cmds = {{"MULTI"}};
  for (const TxnMop& m : req.mops) {
    const std::string key = KeyOf(req.workload, m.key);
    switch (m.fn) {
      case TxnMop::Fn::kRead:
        cmds.push_back(req.workload == TxnWorkload::kListAppend
                           ? RedisCommand{"LRANGE", key, "0", "-1"}
                           : RedisCommand{"GET", key});
        break;
      case TxnMop::Fn::kAppend:
        cmds.push_back({"RPUSH", key, std::to_string(m.value)});
        break;
      case TxnMop::Fn::kWrite:
        cmds.push_back({"SET", key, std::to_string(m.value)});
        break;
    }
  }
  cmds.push_back({"EXEC"});
  return cmds;
}

TxnResult RedisTxnClient::Transact(const TxnRequest& req) {
  if (client_->broken()) {
    return Ended(Outcome::kInfo, "the Redis connection was lost earlier");
  }
  auto replies = client_->Pipeline(RedisTxnCommands(req));
  if (!replies.ok()) return Ended(Outcome::kInfo, replies.status().message());
  const RedisReply& exec = replies->back();
  if (exec.is_error() || exec.type != RedisReply::Type::kArray) {
    // -EXECABORT (a queued command was refused) or a nil EXEC: nothing ran.
    return Ended(Outcome::kFail, "EXEC answered " + exec.ToString());
  }
  if (exec.elements.size() != req.mops.size()) {
    return Ended(Outcome::kInfo, "EXEC answered " +
                                     std::to_string(exec.elements.size()) +
                                     " replies for " +
                                     std::to_string(req.mops.size()) + " mops");
  }
  TxnResult r;
  for (size_t i = 0; i < req.mops.size(); ++i) {
    const RedisReply& e = exec.elements[i];
    if (e.is_error()) {
      // Redis does not roll back: the others ran. Unknown for the history.
      return Ended(Outcome::kInfo, "a command failed inside EXEC: " + e.str);
    }
    r.reads.emplace_back();
    if (req.mops[i].fn != TxnMop::Fn::kRead ||
        e.type == RedisReply::Type::kNil) {
      continue;
    }
    std::vector<int64_t> values;
    const bool list = e.type == RedisReply::Type::kArray;
    for (const RedisReply& v : list ? e.elements : std::vector<RedisReply>{e}) {
      int64_t x = 0;
      if (!ToInt(v.str, &x)) {
        return Ended(Outcome::kInfo, "key " + std::to_string(req.mops[i].key) +
                                         " holds a non-integer: " + v.str);
      }
      values.push_back(x);
    }
    if (!values.empty()) r.reads.back() = std::move(values);
  }
  return r;
}

}  // namespace crashlab
