// MakeAckOrder: the acknowledgement order of a recorded run, and which of
// its operations were synced (checkers/check.h, AckOrder), read from the
// trace alone.
//
// Acknowledgements are the "ok:ID" marks the harness wrote through faultfs,
// ordered with the engine's file operations (harness/record/timeline.h). An
// operation is synced when, between its invoke and ok marks, a thread
// wrote to a file (write, truncate, fallocate) and the same thread then
// fsynced or fdatasynced that file, or changed a directory's entries
// (create, link, unlink, rename, mkdir, rmdir, symlink) and then fsynced
// the directory. Lying fsyncs (kTagNoBarrier) and injected records do not
// count. The same thread: a background thread syncing its own files (a
// LevelDB compaction, Redis' everysec fsync) during an operation does not
// make it synced. One pass over the trace; O(records x operations in
// flight at once).
#ifndef CRASHLAB_HARNESS_RECORD_ACK_ORDER_H_
#define CRASHLAB_HARNESS_RECORD_ACK_ORDER_H_

#include <vector>

#include "checkers/check.h"
#include "core/data_model.h"
#include "core/trace.h"
#include "harness/record/timeline.h"

namespace crashlab {

// `timeline` must be of `trace` and `ops`.
AckOrder MakeAckOrder(const Trace& trace, const std::vector<LogicalOp>& ops,
                      const Timeline& timeline);

// Time of the crash at `position` (records [0, position) happened) on the
// trace's clock: the last record's time, 0 when there is none.
uint64_t CrashTimeNs(const Trace& trace, size_t position);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_ACK_ORDER_H_
