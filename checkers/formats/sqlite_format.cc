// SQLite's database header (the first 100 bytes of page 1) and its WAL
// file (32-byte header, then frames of a 24-byte header and one page),
// per SQLite's "Database File Format" document. Page contents carry no
// checksum in SQLite and are not decoded here: the database check is the
// header's fields plus whether the file holds the pages the header counts.
#include <fmt/format.h>

#include "checkers/formats/checksums.h"
#include "checkers/formats/inspect.h"

namespace crashlab::formats {

namespace {

constexpr uint64_t kDbHeaderSize = 100;
constexpr uint64_t kWalHeaderSize = 32;
constexpr uint64_t kFrameHeaderSize = 24;
constexpr std::string_view kDbMagic("SQLite format 3\0", 16);

bool ValidPageSize(uint32_t p) {
  return p >= 512 && p <= 65536 && (p & (p - 1)) == 0;
}

Element ShortHeader(std::string_view d, uint64_t header_size) {
  Element h{.kind = "header", .offset = 0, .length = d.size()};
  h.verdict = Verdict::kTorn;
  h.field = "magic";
  h.detail = fmt::format("the file ends at byte {} of the {}-byte header "
                         "(a prefix persisted)", d.size(), header_size);
  return h;
}

}  // namespace

Inspection InspectSqliteDb(std::string_view d) {
  Inspection out{.format = Format::kSqlite, .size = d.size(),
                 .header_size = kDbHeaderSize};
  if (d.empty()) {
    out.notes.push_back("empty file: SQLite opens it as an empty database");
    return out;
  }
  if (d.size() < kDbHeaderSize) {
    out.elements.push_back(ShortHeader(d, kDbHeaderSize));
    return out;
  }
  Element h{.kind = "header", .offset = 0, .length = kDbHeaderSize};
  const uint16_t raw_page = LoadBe16(d, 16);
  const uint32_t page_size = raw_page == 1 ? 65536 : raw_page;
  const uint32_t change = LoadBe32(d, 24), pages = LoadBe32(d, 28);
  const uint32_t valid_for = LoadBe32(d, 92);
  h.fields = {{"page_size", page_size},
              {"write_version", uint8_t(d[18])},
              {"read_version", uint8_t(d[19])},
              {"reserved_bytes", uint8_t(d[20])},
              {"file_change_counter", change},
              {"page_count", pages},
              {"freelist_trunk", LoadBe32(d, 32)},
              {"freelist_pages", LoadBe32(d, 36)},
              {"schema_cookie", LoadBe32(d, 40)},
              {"schema_format", LoadBe32(d, 44)},
              {"text_encoding", LoadBe32(d, 56)},
              {"user_version", LoadBe32(d, 60)},
              {"application_id", LoadBe32(d, 68)},
              {"version_valid_for", valid_for},
              {"sqlite_version", LoadBe32(d, 96)}};
  auto in = [](uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; };
  ApplyChecks(d, kDbHeaderSize,
              {{0, "magic", d.substr(0, 16) == kDbMagic,
                "not the magic \"SQLite format 3\\0\""},
               {16, "page_size", ValidPageSize(page_size),
                fmt::format("page size {} is not a power of two in 512..65536",
                            page_size)},
               {18, "write_version", in(d[18], 1, 2), "write version not 1 or 2"},
               {19, "read_version", in(d[19], 1, 2), "read version not 1 or 2"},
               {21, "payload_fractions",
                d[21] == 64 && d[22] == 32 && d[23] == 32,
                "payload fractions are not 64/32/32"},
               {44, "schema_format", in(LoadBe32(d, 44), 0, 4),
                "schema format not in 0..4"},
               {56, "text_encoding", in(LoadBe32(d, 56), 0, 3),
                "text encoding not in 0..3"},
               {72, "reserved", ZerosFrom(d, 72, 92),
                "bytes 72..91 (reserved for expansion) are not zero"}},
              &h);
  const bool header_ok = h.verdict == Verdict::kIntact;
  out.elements.push_back(std::move(h));
  if (!header_ok) return out;

  Element p{.kind = "pages", .offset = 0, .length = d.size()};
  const uint64_t whole = d.size() / page_size;
  p.fields = {{"pages_in_file", whole}, {"page_size", page_size}};
  if (d.size() % page_size != 0) {
    p.verdict = Verdict::kTorn;
    p.field = "size";
    p.detail = fmt::format("the file ({} bytes) ends inside page {}", d.size(),
                           whole + 1);
  } else if (pages != 0 && change == valid_for && pages > whole) {
    p.verdict = Verdict::kTorn;
    p.field = "page_count";
    p.detail = fmt::format("the header counts {} pages, the file holds {}",
                           pages, whole);
  } else if (const uint8_t t = d[100]; t != 0x0d && t != 0x05) {
    p.verdict = Verdict::kCorrupt;
    p.field = "page1_type";
    p.detail = fmt::format("page 1 b-tree type 0x{:02x} is not a table page", t);
  }
  out.elements.push_back(std::move(p));
  out.notes.push_back("SQLite pages carry no checksum: damage inside a page is "
                      "invisible here");
  return out;
}

Inspection InspectSqliteWal(std::string_view d) {
  Inspection out{.format = Format::kSqliteWal, .size = d.size(),
                 .header_size = kWalHeaderSize};
  if (d.empty()) {
    out.notes.push_back("empty WAL: SQLite treats it as no WAL");
    return out;
  }
  if (d.size() < kWalHeaderSize) {
    out.elements.push_back(ShortHeader(d, kWalHeaderSize));
    return out;
  }
  Element h{.kind = "header", .offset = 0, .length = kWalHeaderSize};
  const uint32_t magic = LoadBe32(d, 0), page_size = LoadBe32(d, 8);
  const bool big = magic & 1;
  const WalSum stored{LoadBe32(d, 24), LoadBe32(d, 28)};
  const WalSum sum = SqliteWalChecksum(d.substr(0, 24), big, {});
  const uint32_t salt1 = LoadBe32(d, 16), salt2 = LoadBe32(d, 20);
  h.fields = {{"magic", fmt::format("0x{:08x}", magic)},
              {"version", LoadBe32(d, 4)},
              {"page_size", page_size},
              {"checkpoint_sequence", LoadBe32(d, 12)},
              {"salt1", salt1},
              {"salt2", salt2},
              {"checksum", {stored.s0, stored.s1}}};
  ApplyChecks(d, kWalHeaderSize,
              {{0, "magic", (magic & ~1u) == 0x377f0682u,
                "not the WAL magic 0x377f0682/3"},
               {4, "version", LoadBe32(d, 4) == 3007000, "version is not 3007000"},
               {8, "page_size", ValidPageSize(page_size),
                "page size is not a power of two in 512..65536"},
               {24, "checksum", stored == sum,
                fmt::format("stored {:08x}{:08x} computed {:08x}{:08x}",
                            stored.s0, stored.s1, sum.s0, sum.s1)}},
              &h);
  const bool header_ok = h.verdict == Verdict::kIntact;
  out.elements.push_back(std::move(h));
  if (!header_ok) return out;

  WalSum chain = sum;
  int64_t last_commit = -1, index = 0;
  const uint64_t frame_size = kFrameHeaderSize + page_size;
  for (uint64_t pos = kWalHeaderSize; pos < d.size(); pos += frame_size, ++index) {
    Element f{.kind = "frame", .index = index, .offset = pos,
              .length = std::min<uint64_t>(frame_size, d.size() - pos)};
    if (d.size() - pos < frame_size) {
      f.verdict = Verdict::kTorn;
      f.field = d.size() - pos < kFrameHeaderSize ? "frame_header" : "page";
      f.detail = fmt::format("the file ends {} bytes into the {}-byte frame",
                             d.size() - pos, frame_size);
      out.elements.push_back(std::move(f));
      break;
    }
    const uint32_t commit = LoadBe32(d, pos + 4);
    f.fields = {{"page", LoadBe32(d, pos)}, {"commit_size", commit}};
    if (LoadBe32(d, pos + 8) != salt1 || LoadBe32(d, pos + 12) != salt2) {
      out.notes.push_back(fmt::format(
          "frames from {} on carry other salts: left from an earlier WAL "
          "generation, SQLite ignores them", index));
      break;
    }
    const WalSum want{LoadBe32(d, pos + 16), LoadBe32(d, pos + 20)};
    chain = SqliteWalChecksum(d.substr(pos, 8), big, chain);
    chain = SqliteWalChecksum(d.substr(pos + kFrameHeaderSize, page_size), big,
                              chain);
    if (!(want == chain)) {
      f.verdict = Verdict::kCorrupt;
      f.field = "checksum";
      f.detail = fmt::format("stored {:08x}{:08x} computed {:08x}{:08x}: SQLite "
                             "ignores this frame and every later one",
                             want.s0, want.s1, chain.s0, chain.s1);
      out.elements.push_back(std::move(f));
      break;
    }
    if (commit != 0) last_commit = index;
    out.elements.push_back(std::move(f));
  }
  const int64_t frames = static_cast<int64_t>(out.elements.size()) - 1;
  if (frames > last_commit + 1) {
    out.notes.push_back(fmt::format("{} frame(s) after the last commit frame "
                                    "are not part of any committed "
                                    "transaction", frames - last_commit - 1));
  }
  return out;
}

}  // namespace crashlab::formats
