// Applying a LogicalOp to Redis, and reading every row back.
//
// Apply (one op = one MULTI/EXEC; see redis_codec.h for the encoding):
//   WATCH the op's row keys, EXISTS each, plan; a conflict (insert of an
//   existing row) is kFail with nothing sent but UNWATCH. Otherwise
//   MULTI, the planned commands, EXEC, pipelined. Outcomes:
//     EXEC -> array without errors            kOk
//     EXEC -> nil (a watched key changed)     planned again (bounded), then
//                                             kFail: nothing was applied
//     EXEC -> -EXECABORT (a command was        kFail: Redis discards the
//             refused while queued: MISCONF,   whole transaction
//             OOM, syntax)
//     EXEC -> array holding an error          kInfo: Redis does not roll
//             (WRONGTYPE, not an integer)     back, the rest was applied
//     any other error reply to EXEC,          kInfo: it may have run
//     or the connection lost or timed out
// Dump: SCAN every key matching "auth:*" (never KEYS, which blocks the
// server), HGETALL each (pipelined in batches), decode by the schema.
// Every schema table is present in the result, empty or not.
//
// Thread-safety: as the RedisClient given.
#ifndef CRASHLAB_ENGINES_REDIS_REDIS_OPS_H_
#define CRASHLAB_ENGINES_REDIS_REDIS_OPS_H_

#include "core/data_model.h"
#include "engines/engine.h"
#include "engines/redis/redis_client.h"

namespace crashlab {

ApplyResult ApplyRedisOp(RedisClient& client, const Schema& schema,
                         const LogicalOp& op);

Result<Rows> DumpRedisRows(RedisClient& client, const Schema& schema);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_REDIS_REDIS_OPS_H_
