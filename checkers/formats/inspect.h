// Inspect: recognise an engine's on-disk file and validate its structure.
//
// Formats: Skytable 0.8's SDSS header and the two journals behind it (GNS
// event log, model batch journal; CRC-64/XZ), SQLite's database header and
// WAL (header and frames with their cumulative checksums), LevelDB's log
// records (32 KiB blocks, masked CRC-32C), its MANIFEST (the same log
// format) and CURRENT. The result is the parsed structure plus a verdict
// per element: intact, torn (the element stops short: a prefix of it
// reached the disk) or corrupt (it is all there but wrong), each with the
// field, the element's index and its byte offset.
//
// What it is not: a repair tool, and not a full decoder of engine data
// (SQLite b-tree pages are not interpreted; Skytable batches list their
// rows, skytable_rows.h). It never runs an engine. Pure functions over bytes; thread-safe.
#ifndef CRASHLAB_CHECKERS_FORMATS_INSPECT_H_
#define CRASHLAB_CHECKERS_FORMATS_INSPECT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashlab::formats {

enum class Format : uint8_t {
  kAuto,  // decide from the file's name and first bytes
  kSdss,  // a Skytable file: header, then the journal its class names
  kGns,
  kBatch,
  kSqlite,
  kSqliteWal,
  kLevelDbLog,
  kLevelDbManifest,
  kLevelDbCurrent,
};
const char* FormatName(Format f);
// "auto", "sdss", "gns", ... ; InvalidArgument listing the names otherwise.
Result<Format> ParseFormat(const std::string& name);

enum class Verdict : uint8_t { kIntact, kTorn, kCorrupt };
const char* VerdictName(Verdict v);
// The worse of two verdicts (corrupt > torn > intact).
Verdict Worse(Verdict a, Verdict b);

// One structural element: a header, an event, a batch, a frame, a record.
struct Element {
  std::string kind;     // "header", "event", "batch", "frame", "record", ...
  int64_t index = -1;   // event / frame / record number (-1: headers)
  uint64_t offset = 0;  // first byte in the file
  uint64_t length = 0;  // bytes present (a torn element: what is there)
  Verdict verdict = Verdict::kIntact;
  std::string field;    // the first bad field, when not intact
  std::string detail;   // what is wrong, in words
  nlohmann::json fields = nlohmann::json::object();  // parsed values
};

struct Inspection {
  Format format = Format::kAuto;
  uint64_t size = 0;
  // Bytes the format's header takes (64 SDSS, 100 SQLite, 32 WAL, 7 for a
  // LevelDB log's first record header, the whole line for CURRENT).
  uint64_t header_size = 0;
  std::vector<Element> elements;  // in file order; a header comes first
  std::vector<std::string> notes; // facts that are not damage
  Verdict verdict() const;        // the worst element's
  // The header element, or nullptr when the format has none.
  const Element* header() const;
  nlohmann::json ToJson() const;
};

// The format of a file from its name (base name) and first bytes, or kAuto
// when it is not recognised.
Format Detect(std::string_view name, std::string_view data);

// Validates `data` as format `f` (kAuto: Detect from `name`). A file of no
// recognised format is BadInput.
Result<Inspection> Inspect(std::string_view name, std::string_view data,
                           Format f);

// The header size of a format (0 when unknown), for callers that have only
// a file's first bytes.
uint64_t HeaderSize(Format f);

// For the validators: one check of a header field. ApplyChecks marks `h`
// from the first failing check: torn when bytes [offset, zero_end) are all
// zero (a prefix of the header persisted), corrupt otherwise.
struct FieldCheck {
  uint64_t offset;
  const char* field;
  bool ok;
  std::string what;
};
void ApplyChecks(std::string_view d, uint64_t zero_end,
                 const std::vector<FieldCheck>& checks, Element* h);

// Per-format validators (the Inspect dispatcher calls these).
Inspection InspectSkytable(std::string_view data, Format f);
Inspection InspectSqliteDb(std::string_view data);
Inspection InspectSqliteWal(std::string_view data);
Inspection InspectLevelDbLog(std::string_view data, Format f);
Inspection InspectLevelDbCurrent(std::string_view data);

}  // namespace crashlab::formats

#endif  // CRASHLAB_CHECKERS_FORMATS_INSPECT_H_
