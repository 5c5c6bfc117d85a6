// Transactions with reads on Redis, for the isolation workloads
// (engines/engine.h TxnRequest): every mop queued between MULTI and EXEC,
// sent in one pipeline, so the whole transaction runs atomically in Redis's
// single command loop (serializable by construction: the control that the
// recorder and checker add nothing).
//   list-append  append k x: RPUSH la:k x;  read k: LRANGE la:k 0 -1
//                (an empty list reads as a missing key: nil)
//   rw-register  write k x:  SET rr:k x;    read k: GET rr:k
// Outcomes: EXEC answered with one reply per mop: kOk. MULTI or a queued
// command refused (-ERR before EXEC): EXEC answers -EXECABORT and nothing
// ran: kFail. A broken connection or timeout: kInfo.
// Not done: reads before MULTI guarded by WATCH (optimistic transactions).
//
// Thread-safety: a RedisTxnClient owns its connection; one thread each.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_TXN_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_TXN_H_

#include <memory>

#include "engines/engine.h"
#include "engines/redis/redis_client.h"

namespace crashlab {

// The commands of one transaction, MULTI and EXEC included (pure).
std::vector<RedisCommand> RedisTxnCommands(const TxnRequest& request);

class RedisTxnClient : public TxnClient {
 public:
  explicit RedisTxnClient(std::unique_ptr<RedisClient> client)
      : client_(std::move(client)) {}
  TxnResult Transact(const TxnRequest& request) override;

 private:
  std::unique_ptr<RedisClient> client_;
};

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_TXN_H_
