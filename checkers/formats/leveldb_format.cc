// LevelDB's log format (doc/log_format.md), shared by write-ahead logs
// (NNNNNN.log) and MANIFEST-NNNNNN: 32 KiB blocks of physical records, each
// a 7-byte header (masked CRC-32C of type + data, u16 length, type) and its
// data; a block tail shorter than a header is zero padding. Types: 1 FULL,
// 2 FIRST, 3 MIDDLE, 4 LAST (a logical record split over blocks), 0 zero
// (preallocated space). CURRENT names the live MANIFEST on one line.
// Record contents (write batches, version edits) are not decoded.
#include <fmt/format.h>

#include "checkers/formats/checksums.h"
#include "checkers/formats/inspect.h"

namespace crashlab::formats {

namespace {

constexpr uint64_t kBlockSize = 32768;
constexpr uint64_t kRecordHeaderSize = 7;
enum RecordType : uint8_t { kZero = 0, kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };

const char* TypeName(uint8_t t) {
  switch (t) {
    case kZero: return "zero";
    case kFull: return "full";
    case kFirst: return "first";
    case kMiddle: return "middle";
    case kLast: return "last";
  }
  return "unknown";
}

bool AllZeros(std::string_view d) { return ZerosFrom(d, 0, d.size()); }

void Mark(Element* e, Verdict v, std::string field, std::string detail) {
  e->verdict = v;
  e->field = std::move(field);
  e->detail = std::move(detail);
}

}  // namespace

Inspection InspectLevelDbLog(std::string_view d, Format f) {
  Inspection out{.format = f, .size = d.size(),
                 .header_size = kRecordHeaderSize};
  uint64_t pos = 0;
  int64_t index = 0, logical = 0;
  bool in_fragmented = false;
  while (pos < d.size()) {
    const uint64_t block_left = kBlockSize - pos % kBlockSize;
    if (block_left < kRecordHeaderSize) {  // block trailer
      pos += block_left;
      continue;
    }
    Element e{.kind = "record", .index = index,
              .offset = pos};
    const std::string_view rest = d.substr(pos);
    if (AllZeros(rest.substr(0, std::min(rest.size(), block_left)))) {
      if (AllZeros(rest)) {
        e.length = rest.size();
        Mark(&e, Verdict::kTorn, "crc",
             fmt::format("the last {} bytes are zeros: the file grew but the "
                         "data did not persist", rest.size()));
        out.elements.push_back(std::move(e));
        break;
      }
      pos += block_left;  // zero-type padding up to the next block
      continue;
    }
    if (rest.size() < kRecordHeaderSize) {
      e.length = rest.size();
      Mark(&e, Verdict::kTorn, rest.size() < 4 ? "crc" : "length",
           fmt::format("the file ends {} bytes into a 7-byte record header",
                       rest.size()));
      out.elements.push_back(std::move(e));
      break;
    }
    const uint32_t stored = LoadLe32(d, pos);
    const uint16_t len = LoadLe16(d, pos + 4);
    const uint8_t type = d[pos + 6];
    e.length = std::min<uint64_t>(rest.size(), kRecordHeaderSize + len);
    e.fields = {{"type", TypeName(type)}, {"length", len},
                {"logical_record", logical}};
    bool stop = false;
    if (type > kLast) {
      Mark(&e, Verdict::kCorrupt, "type", fmt::format("record type {}", type));
      stop = true;
    } else if (kRecordHeaderSize + len > block_left) {
      if (rest.size() < block_left) {
        Mark(&e, Verdict::kTorn, "data",
             fmt::format("length {} but the file ends {} bytes in", len,
                         rest.size()));
      } else {
        Mark(&e, Verdict::kCorrupt, "length",
             fmt::format("length {} crosses the block boundary", len));
      }
      stop = true;
    } else if (kRecordHeaderSize + len > rest.size()) {
      Mark(&e, Verdict::kTorn, "data",
           fmt::format("length {} but only {} data bytes persisted", len,
                       rest.size() - kRecordHeaderSize));
      stop = true;
    } else {
      const uint32_t crc = MaskCrc32c(
          Crc32c(d.substr(pos + kRecordHeaderSize, len), Crc32c(d.substr(pos + 6, 1))));
      if (crc != stored) {
        Mark(&e, Verdict::kCorrupt, "crc",
             fmt::format("stored 0x{:08x} computed 0x{:08x} (masked CRC-32C "
                         "of type and data)", stored, crc));
      } else if ((type == kMiddle || type == kLast) != in_fragmented) {
        Mark(&e, Verdict::kCorrupt, "type",
             fmt::format("a {} fragment {} a FIRST one", TypeName(type),
                         in_fragmented ? "interrupts" : "without"));
      }
    }
    if (type == kFirst || type == kMiddle) in_fragmented = true;
    if (type == kFull || type == kLast) {
      in_fragmented = false;
      ++logical;
    }
    out.elements.push_back(std::move(e));
    if (stop) break;
    pos += kRecordHeaderSize + len;
    ++index;
  }
  if (in_fragmented && out.verdict() == Verdict::kIntact) {
    Element& last = out.elements.back();
    Mark(&last, Verdict::kTorn, "type",
         "the file ends inside a fragmented logical record (no LAST fragment)");
  }
  out.notes.push_back(fmt::format("{} logical record(s)", logical));
  return out;
}

Inspection InspectLevelDbCurrent(std::string_view d) {
  Inspection out{.format = Format::kLevelDbCurrent, .size = d.size(),
                 .header_size = d.size()};
  Element e{.kind = "header", .offset = 0, .length = d.size()};
  const std::string_view name = d.substr(0, d.find('\n'));
  e.fields = {{"manifest", std::string(name)}};
  const bool digits = name.size() > 9 &&
      name.find_first_not_of("0123456789", 9) == std::string_view::npos;
  if (d.empty()) {
    Mark(&e, Verdict::kTorn, "manifest", "CURRENT is empty");
  } else if (name.substr(0, std::min<size_t>(9, name.size())) !=
                 std::string_view("MANIFEST-").substr(0, std::min<size_t>(9, name.size())) ||
             (name.size() > 9 && !digits)) {
    Mark(&e, Verdict::kCorrupt, "manifest",
         "does not name a MANIFEST-NNNNNN file");
  } else if (d.back() != '\n' || name.size() <= 9) {
    Mark(&e, Verdict::kTorn, "manifest",
         fmt::format("the line is cut short after {} bytes (no newline)",
                     d.size()));
  } else if (name.size() + 1 != d.size()) {
    Mark(&e, Verdict::kCorrupt, "manifest", "bytes after the newline");
  }
  out.elements.push_back(std::move(e));
  return out;
}

}  // namespace crashlab::formats
