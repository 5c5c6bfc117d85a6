// kvlog_crash_fuzzer: libFuzzer target for the kvlog example, built from
// fuzz/crash_fuzz.h. Build with -DCRASHLAB_KVLOG_BUG=kNoChecksum (or any
// KvlogBug) to watch it catch a deliberate mistake.
#include "examples/kvlog/kvlog_store.h"

#ifndef CRASHLAB_KVLOG_BUG
#define CRASHLAB_KVLOG_BUG kNone
#endif

namespace {

struct FuzzedKvlog : crashlab::KvlogStore {
  FuzzedKvlog() { bug = crashlab::KvlogBug::CRASHLAB_KVLOG_BUG; }
};

}  // namespace

CRASHLAB_KV_CRASH_FUZZER(FuzzedKvlog)
