#include "checkers/formats/inspect.h"

#include <fmt/format.h>

#include "checkers/formats/checksums.h"

namespace crashlab::formats {

namespace {

constexpr std::pair<Format, const char*> kFormatNames[] = {
    {Format::kAuto, "auto"},
    {Format::kSdss, "sdss"},
    {Format::kGns, "gns"},
    {Format::kBatch, "batch"},
    {Format::kSqlite, "sqlite"},
    {Format::kSqliteWal, "sqlite-wal"},
    {Format::kLevelDbLog, "leveldb-log"},
    {Format::kLevelDbManifest, "leveldb-manifest"},
    {Format::kLevelDbCurrent, "leveldb-current"},
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

const char* FormatName(Format f) {
  for (const auto& [format, name] : kFormatNames) {
    if (format == f) return name;
  }
  return "?";
}

Result<Format> ParseFormat(const std::string& name) {
  std::string known;
  for (const auto& [format, n] : kFormatNames) {
    if (name == n) return format;
    known += std::string(known.empty() ? "" : "|") + n;
  }
  return Status::InvalidArgument("unknown format '" + name + "' (" + known +
                                 ")");
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kIntact: return "intact";
    case Verdict::kTorn: return "torn";
    case Verdict::kCorrupt: return "corrupt";
  }
  return "?";
}

Verdict Worse(Verdict a, Verdict b) {
  return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b;
}

Verdict Inspection::verdict() const {
  Verdict v = Verdict::kIntact;
  for (const Element& e : elements) v = Worse(v, e.verdict);
  return v;
}

const Element* Inspection::header() const {
  if (!elements.empty() && elements.front().kind == "header") {
    return &elements.front();
  }
  return nullptr;
}

nlohmann::json Inspection::ToJson() const {
  nlohmann::json elems = nlohmann::json::array();
  nlohmann::json problems = nlohmann::json::array();
  for (const Element& e : elements) {
    nlohmann::json j = {{"kind", e.kind},       {"offset", e.offset},
                        {"length", e.length},   {"verdict", VerdictName(e.verdict)},
                        {"fields", e.fields}};
    if (e.index >= 0) j["index"] = e.index;
    if (e.verdict != Verdict::kIntact) {
      j["field"] = e.field;
      j["detail"] = e.detail;
      nlohmann::json p = {{"verdict", VerdictName(e.verdict)},
                          {"element", e.kind},
                          {"offset", e.offset},
                          {"field", e.field},
                          {"detail", e.detail}};
      if (e.index >= 0) p["index"] = e.index;
      problems.push_back(std::move(p));
    }
    elems.push_back(std::move(j));
  }
  return {{"format", FormatName(format)},
          {"size", size},
          {"header_size", header_size},
          {"verdict", VerdictName(verdict())},
          {"elements", elems},
          {"problems", problems},
          {"notes", notes}};
}

void ApplyChecks(std::string_view d, uint64_t zero_end,
                 const std::vector<FieldCheck>& checks, Element* h) {
  for (const FieldCheck& c : checks) {
    if (c.ok) continue;
    h->field = c.field;
    if (ZerosFrom(d, c.offset, zero_end)) {
      h->verdict = Verdict::kTorn;
      h->detail = fmt::format("bytes {}..{} are zeros: only a prefix of the "
                              "header persisted ({})", c.offset, zero_end - 1,
                              c.what);
    } else {
      h->verdict = Verdict::kCorrupt;
      h->detail = c.what;
    }
    return;
  }
}

uint64_t HeaderSize(Format f) {
  switch (f) {
    case Format::kSdss:
    case Format::kGns:
    case Format::kBatch: return 64;
    case Format::kSqlite: return 100;
    case Format::kSqliteWal: return 32;
    case Format::kLevelDbLog:
    case Format::kLevelDbManifest: return 7;
    case Format::kLevelDbCurrent: return 16;  // "MANIFEST-000001\n"
    case Format::kAuto: return 0;
  }
  return 0;
}

Format Detect(std::string_view name, std::string_view data) {
  const size_t slash = name.rfind('/');
  const std::string_view base =
      slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (StartsWith(data, std::string_view("\x21\x4e\x41\x59\x41\x53\x48\x4f", 8)) ||
      EndsWith(base, ".db-tlog") || EndsWith(base, ".db-btlog")) {
    return Format::kSdss;
  }
  if (StartsWith(data, std::string_view("SQLite format 3\0", 16))) {
    return Format::kSqlite;
  }
  if (EndsWith(base, "-wal")) return Format::kSqliteWal;
  if (data.size() >= 4 && (data.substr(0, 4) == std::string_view("\x37\x7f\x06\x82", 4) ||
                           data.substr(0, 4) == std::string_view("\x37\x7f\x06\x83", 4))) {
    return Format::kSqliteWal;
  }
  if (base == "CURRENT") return Format::kLevelDbCurrent;
  if (StartsWith(base, "MANIFEST-")) return Format::kLevelDbManifest;
  if (EndsWith(base, ".log") && AllDigits(base.substr(0, base.size() - 4))) {
    return Format::kLevelDbLog;
  }
  if (EndsWith(base, ".db") || EndsWith(base, ".sqlite")) return Format::kSqlite;
  return Format::kAuto;
}

Result<Inspection> Inspect(std::string_view name, std::string_view data,
                           Format f) {
  if (f == Format::kAuto) f = Detect(name, data);
  switch (f) {
    case Format::kAuto:
      return Status::BadInput(fmt::format(
          "{}: not a file format crashlab knows (Skytable .db-tlog/.db-btlog, "
          "SQLite database or -wal, LevelDB CURRENT/MANIFEST-*/NNNNNN.log); "
          "name one with --format",
          name));
    case Format::kSdss:
    case Format::kGns:
    case Format::kBatch: return InspectSkytable(data, f);
    case Format::kSqlite: return InspectSqliteDb(data);
    case Format::kSqliteWal: return InspectSqliteWal(data);
    case Format::kLevelDbLog:
    case Format::kLevelDbManifest: return InspectLevelDbLog(data, f);
    case Format::kLevelDbCurrent: return InspectLevelDbCurrent(data);
  }
  return Status::BadInput("unknown format");
}

}  // namespace crashlab::formats
