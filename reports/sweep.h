// Reading a corruption sweep's results (sweep.json, written by
// `crashlab corrupt-sweep`) for the table and the HTML coverage map.
//
// A sweep corrupts one region of one file at a time, restarts the engine
// and classifies its reaction. This reader is deliberately tolerant of
// field names, because the sweep's writer evolves separately: a file entry
// names its file by "path", "file" or "name" and lists "regions" (or
// "results"); a region gives "offset" (or "start"), "length" (or "len",
// "size", or an "end"), its reaction as "result", "outcome",
// "classification", "class", "reaction" or "verdict", and optionally the
// damage "mode" (flip, truncate, zero). The top level is {"files": [...]} or
// the array itself. Anything else is rejected, never guessed.
#ifndef CRASHLAB_REPORTS_SWEEP_H_
#define CRASHLAB_REPORTS_SWEEP_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashlab {

struct SweepRegion {
  uint64_t offset = 0, length = 0;
  std::string outcome;  // as the sweep wrote it, e.g. "detected", "silent_loss"
  std::string mode;     // how it was damaged, "" if not given
};

struct SweepFile {
  std::string path;
  uint64_t size = 0;  // 0 when not given: the end of the last region
  std::vector<SweepRegion> regions;
};

// How a reaction counts for the "checksummed in practice" property.
enum class SweepClass { kProtected, kSilent, kFailed, kOther };
SweepClass ClassifyOutcome(const std::string& outcome);

Result<std::vector<SweepFile>> ParseSweep(const nlohmann::json& j);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_SWEEP_H_
