// KvlogStore: Kvlog in the shape fuzz/crash_fuzz.h asks for, the two
// functions a developer writes to get a crash fuzzer for their store.
//
// Configuration only (which deliberate bug, if any); Apply and ReadAll each
// open the log from the file system, as a new process would.
// Thread-safety: none needed (no state).
#ifndef CRASHLAB_EXAMPLES_KVLOG_KVLOG_STORE_H_
#define CRASHLAB_EXAMPLES_KVLOG_KVLOG_STORE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "examples/kvlog/kvlog.h"
#include "fuzz/crash_fuzz.h"

namespace crashlab {

struct KvlogStore {
  KvlogBug bug = KvlogBug::kNone;

  // "Apply operations to my engine on this simfs."
  Status Apply(SimFs& fs, const std::vector<KvOp>& ops,
               const std::function<void(size_t)>& ack) const {
    CRASHLAB_ASSIGN_OR_RETURN(auto log, Kvlog::Open(&fs, {bug}));
    for (size_t i = 0; i < ops.size(); ++i) {
      CRASHLAB_RETURN_IF_ERROR(ops[i].kind == KvOp::Kind::kPut
                                   ? log->Put(ops[i].key, ops[i].value)
                                   : log->Delete(ops[i].key));
      ack(i);
    }
    return Status::Ok();
  }

  // "Read everything back."
  Result<std::map<std::string, std::string>> ReadAll(SimFs& fs) const {
    CRASHLAB_ASSIGN_OR_RETURN(auto log, Kvlog::Open(&fs, {bug}));
    return log->data();
  }
};

}  // namespace crashlab

#endif  // CRASHLAB_EXAMPLES_KVLOG_KVLOG_STORE_H_
