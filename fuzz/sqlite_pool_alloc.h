// SQLite's memory from size-class free lists, for the crash fuzzers.
//
// Debian's libsqlite3 is built with SQLITE_OMIT_LOOKASIDE, so every small
// object SQLite makes (parse trees, VDBE cells, cursors, page headers) is a
// malloc: about half of a crash cycle's 3,400 allocations. Under ASan each
// one costs a stack trace, a quarantine slot, a fill and libFuzzer's malloc
// hook, which made SQLite's allocations a fifth of a sanitizer build's
// time. Installed, SQLite allocates from per-size-class free lists that
// reuse freed blocks (refilled from malloc in whole blocks, returned only
// when their thread ends: memory is bounded by SQLite's peak use, a few MB
// per cycle). The lists are per thread, so no allocation takes a lock.
//
// Memory statistics (SQLITE_CONFIG_MEMSTATUS) are turned off with it: they
// cost a mutex per allocation, and nothing reads sqlite3_memory_used().
//
// What changes for checking: nothing in crashlab's own memory, which keeps
// ASan's allocator; SQLite is not instrumented, so ASan never checked its
// accesses anyway. Blocks handed to SQLite carry no redzones of their own.
//
// Must be called before SQLite is first used in the process (it calls
// sqlite3_config); later calls return the first call's status.
// Thread-safe (lists per thread).
#ifndef CRASHLAB_FUZZ_SQLITE_POOL_ALLOC_H_
#define CRASHLAB_FUZZ_SQLITE_POOL_ALLOC_H_

#include "core/status.h"

namespace crashlab {

Status InstallSqlitePoolAllocator();

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SQLITE_POOL_ALLOC_H_
