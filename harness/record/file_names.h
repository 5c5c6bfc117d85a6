// The names a trace's files go by: the last name each file had, and the
// group a name belongs to across runs ("000012.log" and "000013.log" are
// both "N.log"), for counting crash states (harness/explore/outcome_tally.h)
// and naming the cause of findings (harness/record/finding_cause.h).
#ifndef CRASHLAB_HARNESS_RECORD_FILE_NAMES_H_
#define CRASHLAB_HARNESS_RECORD_FILE_NAMES_H_

#include <map>
#include <string>

#include "core/trace.h"

namespace crashlab {

// "000012.log" -> "N.log", "mdl_t3-<uuid>" -> "mdl_tN-UUID": the name a
// file's group goes by (UUIDs, then digit runs, replaced).
std::string FileGroupName(const std::string& name);

// The last name each file of `trace` had (base entries, creates, links,
// renames).
std::map<FileId, std::string> LastFileNames(const Trace& trace);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_RECORD_FILE_NAMES_H_
