#include "checkers/formats/torn_header.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "core/files.h"

namespace crashlab::formats {

namespace {

// Every header validator looks at no more than this many leading bytes.
constexpr size_t kHeaderScanBytes = 4096;

HeaderState FromVerdict(Verdict v) {
  switch (v) {
    case Verdict::kIntact: return HeaderState::kIntact;
    case Verdict::kTorn: return HeaderState::kTorn;
    case Verdict::kCorrupt: return HeaderState::kCorrupt;
  }
  return HeaderState::kCorrupt;
}

bool Damaged(HeaderState s) {
  return s == HeaderState::kTorn || s == HeaderState::kCorrupt;
}

// SQLite treats an empty WAL as no WAL, and LevelDB creates each new log
// empty: for them an empty file is a normal state, not a lost header.
bool EmptyIsNormal(Format f) {
  return f == Format::kSqliteWal || f == Format::kLevelDbLog;
}

// Findings that mean acknowledged data is missing or changed.
bool LosesData(const Finding& f) {
  return f.kind == FindingKind::kLostCommit || f.kind == FindingKind::kAtomicity ||
         f.kind == FindingKind::kCorruption ||
         f.kind == FindingKind::kLossWindowExceeded;
}

template <typename Fn>
void WalkImage(const FsImage& image, FileId dir, const std::string& prefix,
               Fn&& fn) {
  const auto* entries = image.Entries(dir);
  if (!entries) return;
  for (const auto& [name, id] : *entries) {
    FsImage::Kind kind;
    if (!image.KindOf(id, &kind)) continue;
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    if (kind == FsImage::Kind::kDir) {
      WalkImage(image, id, path, fn);
    } else if (kind == FsImage::Kind::kFile) {
      // Every header is within the first kHeaderScanBytes (ClassifyHeader
      // reads no further), so only those are copied out of the image.
      if (const FileData* data = image.Data(id)) {
        fn(path, data->Read(0, kHeaderScanBytes));
      }
    }
  }
}

}  // namespace

const char* HeaderStateName(HeaderState s) {
  switch (s) {
    case HeaderState::kIntact: return "intact";
    case HeaderState::kTorn: return "torn";
    case HeaderState::kCorrupt: return "corrupt";
    case HeaderState::kMissing: return "missing";
  }
  return "?";
}

const char* HeaderReactionName(HeaderReaction r) {
  switch (r) {
    case HeaderReaction::kNone: return "none";
    case HeaderReaction::kDetected: return "detected";
    case HeaderReaction::kRecovered: return "recovered";
    case HeaderReaction::kSilent: return "silent";
  }
  return "?";
}

std::optional<FileHeader> ClassifyHeader(const std::string& path,
                                         std::string_view data) {
  const Format format = Detect(path, data);
  if (format == Format::kAuto) return std::nullopt;
  FileHeader h{path, format};
  if (data.empty()) {
    h.state = HeaderState::kMissing;
    h.detail = "the file is empty: no byte of its header persisted";
    return h;
  }
  const uint64_t header_size = HeaderSize(format);
  if (format == Format::kLevelDbLog || format == Format::kLevelDbManifest) {
    // A log has no file header: its first record header stands for one.
    if (data.size() < header_size ||
        data.substr(0, header_size).find_first_not_of('\0') == std::string::npos) {
      h.state = HeaderState::kTorn;
      h.field = "record_header";
      h.detail = "the first record's 7-byte header did not persist whole";
    }
    return h;
  }
  auto inspected = Inspect(path, data.substr(0, kHeaderScanBytes), format);
  if (!inspected.ok()) return std::nullopt;
  h.format = inspected->format;
  if (const Element* e = inspected->header()) {
    h.state = FromVerdict(e->verdict);
    h.field = e->field;
    h.detail = e->detail;
  }
  return h;
}

std::vector<FileHeader> ScanHeaders(const FsImage& image) {
  std::vector<FileHeader> out;
  WalkImage(image, kRootId, "",
            [&](const std::string& path, const std::string& data) {
              if (auto h = ClassifyHeader(path, data)) out.push_back(*h);
            });
  std::sort(out.begin(), out.end(),
            [](const FileHeader& a, const FileHeader& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<FileHeader>> ScanHeaderDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<FileHeader> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    CRASHLAB_ASSIGN_OR_RETURN(std::string data,
                              ReadFileToString(it->path().string()));
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (auto h = ClassifyHeader(rel, data)) out.push_back(*h);
  }
  if (ec) return Status::IoError("cannot list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const FileHeader& a, const FileHeader& b) { return a.path < b.path; });
  return out;
}

HeaderCheck CheckHeaders(std::vector<FileHeader> files, const Observation& seen,
                         const std::vector<Finding>& state_findings) {
  HeaderCheck c;
  c.files = std::move(files);
  std::vector<const FileHeader*> damaged;
  for (const FileHeader& f : c.files) {
    if (Damaged(f.state) ||
        (f.state == HeaderState::kMissing && !EmptyIsNormal(f.format))) {
      damaged.push_back(&f);
    }
  }
  if (damaged.empty()) return c;
  std::set<uint64_t> ops;
  bool loses = false;
  for (const Finding& f : state_findings) {
    if (!LosesData(f)) continue;
    loses = true;
    ops.insert(f.ops.begin(), f.ops.end());
  }
  if (seen.outcome != Observation::Outcome::kOk) {
    c.reaction = HeaderReaction::kDetected;
    return c;
  }
  c.reaction = loses ? HeaderReaction::kSilent : HeaderReaction::kRecovered;
  if (!loses) return c;
  for (const FileHeader* f : damaged) {
    if (!Damaged(f->state)) continue;  // an empty file: durability covers it
    Finding t;
    t.kind = FindingKind::kTornHeader;
    t.summary = fmt::format(
        "the engine started on {} although its {} header was {} ({}{}), and "
        "acknowledged data was missing or changed",
        f->path, FormatName(f->format), HeaderStateName(f->state),
        f->field.empty() ? "" : "field " + f->field + ": ", f->detail);
    t.ops.assign(ops.begin(), ops.end());
    t.message = f->path;
    c.findings.push_back(std::move(t));
  }
  return c;
}

HeaderCheck CheckHeaderDir(const std::string& dir, const Observation& seen,
                           const std::vector<Finding>& state_findings) {
  auto files = ScanHeaderDir(dir);
  return CheckHeaders(files.ok() ? std::move(files).value()
                                 : std::vector<FileHeader>{},
                      seen, state_findings);
}

void HeaderSummary::Add(const HeaderCheck& check) {
  ++states;
  for (const FileHeader& f : check.files) {
    const char* state = HeaderStateName(f.state);
    ++by_state[state];
    ++by_kind[FormatName(f.format)][state];
  }
  if (check.reaction != HeaderReaction::kNone) {
    ++reactions[HeaderReactionName(check.reaction)];
  }
}

void HeaderSummary::Merge(const HeaderSummary& other) {
  states += other.states;
  for (const auto& [k, n] : other.by_state) by_state[k] += n;
  for (const auto& [kind, counts] : other.by_kind) {
    for (const auto& [k, n] : counts) by_kind[kind][k] += n;
  }
  for (const auto& [k, n] : other.reactions) reactions[k] += n;
}

nlohmann::json HeaderSummary::ToJson() const {
  nlohmann::json by_state_j = nlohmann::json::object();
  for (HeaderState s : {HeaderState::kIntact, HeaderState::kTorn,
                        HeaderState::kCorrupt, HeaderState::kMissing}) {
    auto it = by_state.find(HeaderStateName(s));
    by_state_j[HeaderStateName(s)] = it == by_state.end() ? 0 : it->second;
  }
  nlohmann::json reactions_j = nlohmann::json::object();
  for (HeaderReaction r : {HeaderReaction::kDetected, HeaderReaction::kRecovered,
                           HeaderReaction::kSilent}) {
    auto it = reactions.find(HeaderReactionName(r));
    reactions_j[HeaderReactionName(r)] = it == reactions.end() ? 0 : it->second;
  }
  return {{"states", states},
          {"files_by_state", by_state_j},
          {"files_by_kind", by_kind},
          {"damaged_states_by_reaction", reactions_j}};
}

HeaderSummary HeaderSummary::FromJson(const nlohmann::json& j) {
  HeaderSummary s;
  if (!j.is_object()) return s;
  s.states = j.value("states", uint64_t{0});
  s.by_state = j.value("files_by_state", decltype(s.by_state){});
  s.by_kind = j.value("files_by_kind", decltype(s.by_kind){});
  s.reactions = j.value("damaged_states_by_reaction", decltype(s.reactions){});
  return s;
}

}  // namespace crashlab::formats
