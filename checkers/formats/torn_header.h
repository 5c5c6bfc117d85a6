// Torn-header check: after a crash, were the headers of the engine's files
// whole, and what did the engine make of the ones that were not?
//
// For every file of a crash image whose format inspect.h recognises (by name
// or magic), the header is classified:
//   intact   every header byte is there and valid;
//   torn     a prefix of it persisted (the file stops inside it, or the
//            rest of it is zeros);
//   corrupt  all of it is there but a field is invalid;
//   missing  the file exists with no byte at all (its first write was lost;
//            normal for a SQLite WAL or a new LevelDB log, so not damage).
// A file absent from the image is not seen here: durability checks cover
// what its loss did to the data.
// Then, for a crash state with at least one damaged header, the engine's
// reaction from its recovery (Observation) and the state's other findings:
//   detected   it refused to start or to read (or crashed, or hung);
//   recovered  it started and every acknowledged write was there;
//   silent     it started with acknowledged data missing or changed.
// A torn or corrupt header accepted silently is a `torn_header` finding; one
// the engine refuses is counted as detected, not a finding.
//
// Knows no engine: inputs are file bytes, an Observation and findings.
// Pure functions and a plain summary value; not thread-safe to share a
// HeaderSummary being added to.
#ifndef CRASHLAB_CHECKERS_FORMATS_TORN_HEADER_H_
#define CRASHLAB_CHECKERS_FORMATS_TORN_HEADER_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkers/check.h"
#include "checkers/formats/inspect.h"
#include "core/fs_image.h"

namespace crashlab::formats {

enum class HeaderState : uint8_t { kIntact, kTorn, kCorrupt, kMissing };
const char* HeaderStateName(HeaderState s);

struct FileHeader {
  std::string path;  // relative to the image root, '/'-separated
  Format format = Format::kAuto;
  HeaderState state = HeaderState::kIntact;
  std::string field, detail;  // what is wrong, when not intact
};

// The header of one file, or nullopt when its format is not recognised.
std::optional<FileHeader> ClassifyHeader(const std::string& path,
                                         std::string_view data);
// Every recognised file of a crash image, sorted by path.
std::vector<FileHeader> ScanHeaders(const FsImage& image);
// The same for a materialized image (a directory).
Result<std::vector<FileHeader>> ScanHeaderDir(const std::string& dir);

enum class HeaderReaction : uint8_t { kNone, kDetected, kRecovered, kSilent };
const char* HeaderReactionName(HeaderReaction r);

struct HeaderCheck {
  std::vector<FileHeader> files;
  HeaderReaction reaction = HeaderReaction::kNone;  // kNone: no damage
  std::vector<Finding> findings;                    // torn_header findings
};

// Judges one crash state: `files` from ScanHeaders, `seen` what recovery
// gave, `state_findings` what the other checkers found in that state.
HeaderCheck CheckHeaders(std::vector<FileHeader> files,
                         const Observation& seen,
                         const std::vector<Finding>& state_findings);

// The same for a materialized crash image; an unreadable directory counts
// as holding no recognised file.
HeaderCheck CheckHeaderDir(const std::string& dir, const Observation& seen,
                           const std::vector<Finding>& state_findings);

// Counts over the crash states of a run: files by header state and by
// format, and the engine's reaction to states with damaged headers.
struct HeaderSummary {
  uint64_t states = 0;                        // crash states scanned
  std::map<std::string, uint64_t> by_state;   // intact/torn/corrupt/missing
  std::map<std::string, std::map<std::string, uint64_t>> by_kind;
  std::map<std::string, uint64_t> reactions;  // detected/recovered/silent

  void Add(const HeaderCheck& check);
  void Merge(const HeaderSummary& other);  // shards of one run
  nlohmann::json ToJson() const;
  static HeaderSummary FromJson(const nlohmann::json& j);
};

}  // namespace crashlab::formats

#endif  // CRASHLAB_CHECKERS_FORMATS_TORN_HEADER_H_
