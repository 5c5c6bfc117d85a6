// CauseNamer: why a finding happened, in the terms of its crash state.
//
// A finding's cause shape (reports/finding_classes.h) is read from the
// records its crash state lost (dropped or torn), placed relative to the
// finding's first operation (for an order or barrier violation, the lost
// one):
//   before-ack   some lost records were written before the operation was
//                acknowledged (by it, or earlier: a log's later records
//                are worthless without its earlier ones): it was
//                acknowledged after a write no fsync covered;
//   after-ack    none, but some lost records came after the
//                acknowledgement: the engine wrote it only after saying it
//                was done;
//   none         nothing was lost (a clean prefix, a process crash): the
//                operation had not reached any file.
// followed by the lost records' kinds and files, e.g.
// "before-ack:write auth.db-wal". Findings without operations (corruption
// of a cell nobody wrote, recovery failures, torn headers) are shaped by
// everything their state lost ("lost:torn write N.log").
//
// A namer keeps what it needs of one trace (each record's kind and file,
// the files' group names, each operation's invoke and answer positions),
// so it outlives the trace. Immutable after construction; thread-safe.
#ifndef CRASHLAB_HARNESS_RECORD_FINDING_CAUSE_H_
#define CRASHLAB_HARNESS_RECORD_FINDING_CAUSE_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checkers/check.h"
#include "core/persistence.h"
#include "core/trace.h"
#include "harness/record/timeline.h"

namespace crashlab {

struct Cause {
  std::string shape;  // stable key ("" when unknown)
  std::string text;   // follows "each" / "it": "was acknowledged after ..."
};

class CauseNamer {
 public:
  // `timeline` must be of `trace` and `ops`.
  CauseNamer(const Trace& trace, const std::vector<LogicalOp>& ops,
             const Timeline& timeline);

  Cause Of(const Finding& f, const CrashState& state) const;

 private:
  // Lost records of `state` in [from, to), by (kind, file), sorted.
  std::vector<std::string> LostIn(const CrashState& state, size_t from,
                                  size_t to) const;
  static std::string Phrase(const std::vector<std::string>& lost);

  std::vector<std::pair<Op, uint32_t>> records_;  // kind, file name index
  std::vector<std::string> names_;                // group names
  std::unordered_map<uint64_t, std::pair<size_t, size_t>>
      windows_;  // op id
                 // -> (invoke, answer)
};

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_FINDING_CAUSE_H_
