#include "checkers/formats/skytable_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "checkers/formats/checksums.h"
#include "checkers/formats/inspect.h"
#include "core/files.h"

namespace crashlab::formats {

using nlohmann::json;

namespace {

constexpr uint8_t kEarlyExit = 0x03;
constexpr uint8_t kStringKeyTag = 3;
constexpr int kMaxListDepth = 8;

// A bounds-checked cursor over a batch's row bytes; the first failure
// sticks and says where.
class Cursor {
 public:
  explicit Cursor(std::string_view d) : d_(d) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= d_.size(); }
  uint8_t Peek() const { return at_end() ? 0 : uint8_t(d_[pos_]); }

  uint8_t U8(const char* what) {
    if (!Need(1, what)) return 0;
    return uint8_t(d_[pos_++]);
  }
  uint64_t U64(const char* what) {
    if (!Need(8, what)) return 0;
    const uint64_t v = LoadLe64(d_, pos_);
    pos_ += 8;
    return v;
  }
  std::string Bytes(const char* what) {
    const uint64_t n = U64(what);
    if (!ok() || !Need(n, what)) return "";
    std::string s(d_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  void Fail(std::string why) {
    if (ok()) error_ = fmt::format("at row byte {}: {}", pos_, std::move(why));
  }

 private:
  bool Need(uint64_t n, const char* what) {
    if (!ok()) return false;
    if (n > d_.size() - pos_) {
      Fail(fmt::format("{} needs {} bytes, {} left", what, n, d_.size() - pos_));
      return false;
    }
    return true;
  }

  std::string_view d_;
  uint64_t pos_ = 0;
  std::string error_;
};

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

json Cell(Cursor& c, int depth) {
  const uint8_t tag = c.U8("cell type");
  if (!c.ok()) return json();
  switch (tag) {
    case 0x00:
      return json();
    case 0x01:
      return c.U8("bool cell") != 0;
    case 0x02: case 0x03: case 0x04: case 0x05:  // unsigned
      return c.U64("unsigned cell");
    case 0x06: case 0x07: case 0x08: case 0x09:  // signed
      return static_cast<int64_t>(c.U64("signed cell"));
    case 0x0A: case 0x0B: {
      const uint64_t bits = c.U64("float cell");
      double v;
      std::memcpy(&v, &bits, sizeof(v));
      return v;
    }
    case 0x0C:
      return json{{"hex", Hex(c.Bytes("binary cell"))}};
    case 0x0D: {
      std::string s = c.Bytes("string cell");
      return json(std::move(s));
    }
    case 0x0E: {
      const uint64_t n = c.U64("list length");
      json list = json::array();
      if (depth >= kMaxListDepth) c.Fail("lists nested too deep");
      for (uint64_t i = 0; c.ok() && i < n; ++i) list.push_back(Cell(c, depth + 1));
      return list;
    }
    default:
      c.Fail(fmt::format("cell type 0x{:02x} is not a Skytable 0.8 cell", tag));
      return json();
  }
}

}  // namespace

Result<json> DecodeSkytableBatchRows(std::string_view rows,
                                     uint64_t expected_rows,
                                     uint8_t pk_type_tag, uint64_t columns,
                                     bool* early_exit) {
  *early_exit = false;
  if (pk_type_tag != kStringKeyTag) {
    return Status::BadInput(fmt::format(
        "primary-key type tag {} is not decoded (only string keys, tag 3, "
        "are known from recordings)",
        pk_type_tag));
  }
  Cursor c(rows);
  json out = json::array();
  static const char* kKinds[] = {"delete", "insert", "update"};
  for (uint64_t i = 0; c.ok() && i < expected_rows; ++i) {
    if (c.Peek() == kEarlyExit) {
      (void)c.U8("early exit");
      *early_exit = true;
      break;
    }
    const uint8_t kind = c.U8("row kind");
    if (c.ok() && kind > 2) {
      c.Fail(fmt::format("row kind {} (0 delete, 1 insert, 2 update)", kind));
    }
    json row = {{"kind", c.ok() ? kKinds[kind] : ""},
                {"version", c.U64("delta version")},
                {"key", c.Bytes("key")}};
    json cells = json::array();
    for (uint64_t k = 0; c.ok() && kind != 0 && k < columns; ++k) {
      cells.push_back(Cell(c, 0));
    }
    row["cells"] = std::move(cells);
    if (c.ok()) out.push_back(std::move(row));
  }
  const uint64_t actual = c.U64("actual row count");
  if (c.ok() && !c.at_end()) {
    c.Fail(fmt::format("{} bytes after the actual row count",
                       rows.size() - c.pos()));
  }
  if (c.ok() && actual != out.size()) {
    c.Fail(fmt::format("actual row count {} but {} rows decoded", actual,
                       out.size()));
  }
  if (!c.ok()) return Status::BadInput(c.error());
  return out;
}

namespace {

// "users" from "mdl_users-625a2101-952a-428c-982f-e68504aee754": the name
// before the 36-character UUID.
std::string NameBeforeUuid(const std::string& dir, const std::string& prefix) {
  constexpr size_t kUuid = 36;
  if (dir.rfind(prefix, 0) != 0 || dir.size() < prefix.size() + kUuid + 1) {
    return "";
  }
  return dir.substr(prefix.size(), dir.size() - prefix.size() - kUuid - 1);
}

Status ReplayModel(const std::string& path, SkytableModel* m) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string data, ReadFileToString(path));
  const Inspection in = InspectSkytable(data, Format::kBatch);
  for (const Element& e : in.elements) {
    if (e.verdict != Verdict::kIntact) {
      m->closed = false;
      m->stopped_at = fmt::format("{} {} at byte {} is {}: {}", e.kind,
                                  e.index, e.offset, VerdictName(e.verdict),
                                  e.detail);
      break;
    }
    m->closed = e.kind == "driver" && e.fields.value("closed", false);
    if (e.kind != "batch") continue;
    if (!e.fields.contains("rows")) {
      m->stopped_at = fmt::format("batch {} at byte {}: rows not decoded: {}",
                                  e.index, e.offset,
                                  e.fields.value("rows_error", ""));
      break;
    }
    for (const json& row : e.fields["rows"]) {
      const std::string key = row["key"];
      if (row["kind"] == "delete") {
        m->rows.erase(key);
      } else {
        m->rows[key] = row["cells"];
      }
    }
    ++m->batches;
  }
  return Status::Ok();
}

}  // namespace

Result<SkytableDisk> ReadSkytableDisk(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string gns_path = JoinPath(dir, "gns.db-tlog");
  auto gns = ReadFileToString(gns_path);
  if (!gns.ok()) {
    return Status::BadInput(dir +
                            " is not a Skytable 0.8 data directory: no "
                            "readable gns.db-tlog");
  }
  SkytableDisk disk;
  const Inspection g = InspectSkytable(*gns, Format::kGns);
  for (const Element& e : g.elements) {
    if (e.verdict != Verdict::kIntact && disk.gns_damage.empty()) {
      disk.gns_damage = fmt::format("{} {} at byte {} is {}: {}", e.kind,
                                    e.index, e.offset, VerdictName(e.verdict),
                                    e.detail);
    }
    disk.gns_closed = e.kind == "driver" && e.fields.value("closed", false);
  }
  std::error_code ec;
  std::vector<fs::path> journals;
  for (const auto& space : fs::directory_iterator(JoinPath(dir, "data"), ec)) {
    for (const auto& model : fs::directory_iterator(space.path(), ec)) {
      const fs::path journal = model.path() / "data.db-btlog";
      if (fs::exists(journal, ec)) journals.push_back(journal);
    }
  }
  std::sort(journals.begin(), journals.end());
  for (const fs::path& journal : journals) {
    const std::string space =
        NameBeforeUuid(journal.parent_path().parent_path().filename(), "");
    const std::string model =
        NameBeforeUuid(journal.parent_path().filename(), "mdl_");
    if (space.empty() || model.empty()) continue;  // not a model directory
    SkytableModel& m = disk.models[space + "." + model];
    m.file = fs::relative(journal, dir, ec).string();
    CRASHLAB_RETURN_IF_ERROR(ReplayModel(journal.string(), &m));
  }
  return disk;
}

}  // namespace crashlab::formats
