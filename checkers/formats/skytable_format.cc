// Skytable 0.8 journals: the 64-byte SDSS header, then a chain of events
// (GNS event log) or batches (model batch journal), interleaved with 64-byte
// driver events (Reopened / Closed). Layout and CRC coverage as recorded in
// ../shared/engines/skytable-0.8.md and checked on the real fixture files:
//   GNS event    id u128 | meta u64 (bit 63) | crc | len | payload
//                crc = CRC-64/XZ(len field + payload)
//   batch        id u128 | meta 0x8000000000000000 | body ... | crc
//                crc = CRC-64/XZ(body), body = everything after meta
//   driver event id u128 | kind (0 reopened, 1 closed) | crc | 3 |
//                running crc | previous end | previous id
//                crc = CRC-64/XZ(last 32 bytes), running = CRC of [64, id)
// A batch ends where the CRC of the bytes after its meta word equals the
// next eight bytes; its rows are then decoded (skytable_rows.h).
#include <fmt/format.h>

#include "checkers/formats/checksums.h"
#include "checkers/formats/inspect.h"
#include "checkers/formats/skytable_rows.h"

namespace crashlab::formats {

namespace {

constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kDriverEventSize = 64;
constexpr uint64_t kBatchMeta = 0x8000000000000000ull;
constexpr std::string_view kMagic("\x21\x4e\x41\x59\x41\x53\x48\x4f", 8);

std::string Hex(uint64_t v) { return fmt::format("0x{:016x}", v); }

// Header fields with their offsets, for naming where a header stops.
struct HeaderField {
  uint64_t offset;
  const char* name;
};
constexpr HeaderField kHeaderFields[] = {
    {0, "magic"},          {8, "header_version"},  {16, "server_version"},
    {24, "driver_version"}, {32, "host"},           {36, "file_class"},
    {37, "file_specifier"}, {38, "specifier_version"}, {40, "created_ns"},
    {56, "padding"}};

const char* FieldAt(uint64_t offset) {
  const char* name = "magic";
  for (const HeaderField& f : kHeaderFields) {
    if (f.offset <= offset) name = f.name;
  }
  return name;
}

Element ParseHeader(std::string_view d) {
  Element h{.kind = "header", .offset = 0,
            .length = std::min<uint64_t>(d.size(), kHeaderSize)};
  if (d.size() < kHeaderSize) {
    h.verdict = Verdict::kTorn;
    h.field = FieldAt(d.size());
    h.detail = d.empty() ? "the file is empty: no byte of the header persisted"
                         : fmt::format("the file ends at byte {} of the 64-byte "
                                       "header (a prefix persisted)", d.size());
    return h;
  }
  h.fields = {{"magic", Hex(LoadLe64(d, 0))},
              {"header_version", LoadLe64(d, 8)},
              {"server_version", LoadLe64(d, 16)},
              {"driver_version", LoadLe64(d, 24)},
              {"host_os", uint8_t(d[32])},
              {"host_arch", uint8_t(d[33])},
              {"host_pointer_width", uint8_t(d[34])},
              {"host_endian", uint8_t(d[35])},
              {"file_class", uint8_t(d[36])},
              {"file_specifier", uint8_t(d[37])},
              {"specifier_version", LoadLe16(d, 38)},
              {"created_ns_low", LoadLe64(d, 40)}};
  const uint8_t cls = d[36], spec = d[37];
  // Bytes 56..63 are padding, always zero: a tear shows before them.
  ApplyChecks(
      d, 56,
      {{0, "magic", d.substr(0, 8) == kMagic,
        "not the SDSS magic 21 4E 41 59 41 53 48 4F"},
       {8, "header_version", LoadLe64(d, 8) == 0, "header version is not 0"},
       {16, "server_version", LoadLe64(d, 16) == 0, "server version is not 0"},
       {24, "driver_version", LoadLe64(d, 24) == 1, "driver version is not 1"},
       {36, "file_class", cls <= 1,
        fmt::format("file class {} is neither 0 nor 1", cls)},
       {37, "file_specifier", spec == cls,
        fmt::format("file specifier {} does not match class {}", spec, cls)},
       {38, "specifier_version", LoadLe16(d, 38) == 0,
        "specifier version is not 0"}},
      &h);
  return h;
}

// A valid driver event at `at`: its own CRC and "previous end" agree.
bool DriverEventAt(std::string_view d, uint64_t at) {
  if (at + kDriverEventSize > d.size()) return false;
  return LoadLe64(d, at + 48) == at && LoadLe64(d, at + 16) <= 1 &&
         LoadLe64(d, at + 24) == Crc64Xz(d.substr(at + 32, 32));
}

// The next valid driver event after `from`, or 0.
uint64_t NextDriverEvent(std::string_view d, uint64_t from) {
  for (uint64_t q = from + 1; q + kDriverEventSize <= d.size(); ++q) {
    if (DriverEventAt(d, q)) return q;
  }
  return 0;
}

class JournalWalker {
 public:
  JournalWalker(std::string_view d, bool gns, Inspection* out)
      : d_(d), gns_(gns), out_(out) {}

  void Walk() {
    uint64_t pos = kHeaderSize;
    while (pos < d_.size()) {
      running_ = Crc64Xz(d_.substr(crc_pos_, pos - crc_pos_), running_);
      crc_pos_ = pos;
      Element e{.kind = "event", .index = int64_t(id_), .offset = pos};
      const uint64_t next = Step(pos, &e);
      out_->elements.push_back(std::move(e));
      if (next == 0) return;
      pos = next;
      ++id_;
    }
    const Element* last = out_->elements.size() > 1 ? &out_->elements.back()
                                                    : nullptr;
    if (!last || last->kind != "driver" || last->fields.value("closed", false) == false) {
      out_->notes.push_back(
          "the journal does not end with a Closed driver event (the server "
          "did not stop cleanly); Skytable 0.8.0 refuses to start on it, "
          "0.8.1's `skyd repair` truncates to the last valid event");
    }
  }

 private:
  // Parses the element at `pos` into `e`; returns where the next one
  // starts, or 0 to stop.
  uint64_t Step(uint64_t pos, Element* e) {
    const uint64_t left = d_.size() - pos;
    e->length = left;
    if (ZerosFrom(d_, pos, d_.size())) {
      return Fail(e, Verdict::kTorn, "id",
                  fmt::format("the last {} bytes are zeros: the file grew but "
                              "the data did not persist", left));
    }
    if (left < 24) {
      return Fail(e, Verdict::kTorn, left < 16 ? "id" : "meta",
                  fmt::format("the file ends {} bytes into the event", left));
    }
    const uint64_t id = LoadLe64(d_, pos), id_high = LoadLe64(d_, pos + 8);
    const uint64_t meta = LoadLe64(d_, pos + 16);
    e->fields = {{"id", id}, {"meta", Hex(meta)}};
    if (id != id_ || id_high != 0) {
      const uint64_t q = NextDriverEvent(d_, pos);
      e->length = q ? q - pos : left;
      Fail(e, Verdict::kCorrupt, "id",
           fmt::format("event id {} where {} was expected", id, id_));
      return q;
    }
    if (!(meta >> 63)) return Driver(pos, meta, e);
    return gns_ ? GnsEvent(pos, meta, e) : Batch(pos, meta, e);
  }

  uint64_t Fail(Element* e, Verdict v, std::string field, std::string detail) {
    e->verdict = v;
    e->field = std::move(field);
    e->detail = std::move(detail);
    return 0;
  }

  uint64_t Driver(uint64_t pos, uint64_t kind, Element* e) {
    e->kind = "driver";
    if (d_.size() - pos < kDriverEventSize) {
      return Fail(e, Verdict::kTorn, "crc",
                  fmt::format("the file ends {} bytes into the 64-byte driver "
                              "event", d_.size() - pos));
    }
    e->length = kDriverEventSize;
    const uint64_t crc = LoadLe64(d_, pos + 24);
    const uint64_t computed = Crc64Xz(d_.substr(pos + 32, 32));
    e->fields["kind"] = kind == 0 ? "reopened" : kind == 1 ? "closed" : "?";
    e->fields["closed"] = kind == 1;
    e->fields["crc"] = Hex(crc);
    const uint64_t next = pos + kDriverEventSize;
    if (kind > 1) {
      Fail(e, Verdict::kCorrupt, "kind", fmt::format("driver event kind {}", kind));
    } else if (crc != computed) {
      Fail(e, Verdict::kCorrupt, "crc",
           fmt::format("stored {} computed {}", Hex(crc), Hex(computed)));
    } else if (LoadLe64(d_, pos + 32) != 3) {
      Fail(e, Verdict::kCorrupt, "payload_length", "payload length is not 3");
    } else if (LoadLe64(d_, pos + 40) != running_) {
      Fail(e, Verdict::kCorrupt, "running_crc",
           fmt::format("stored {} computed {} over bytes 64..{}",
                       Hex(LoadLe64(d_, pos + 40)), Hex(running_), pos));
    } else if (LoadLe64(d_, pos + 48) != pos) {
      Fail(e, Verdict::kCorrupt, "previous_end",
           fmt::format("says {}, the event starts at {}", LoadLe64(d_, pos + 48), pos));
    } else if (id_ > 0 && LoadLe64(d_, pos + 56) != id_ - 1) {
      Fail(e, Verdict::kCorrupt, "previous_id",
           fmt::format("says {}, expected {}", LoadLe64(d_, pos + 56), id_ - 1));
    } else if (last_closed_ && kind != 0) {
      Fail(e, Verdict::kCorrupt, "kind", "a Closed event followed by another Closed");
    }
    last_closed_ = kind == 1;
    return next;
  }

  uint64_t GnsEvent(uint64_t pos, uint64_t meta, Element* e) {
    const uint64_t left = d_.size() - pos;
    e->fields["transaction_kind"] = meta & ~kBatchMeta;
    if (last_closed_) {
      return Fail(e, Verdict::kCorrupt, "meta",
                  "an event after a Closed driver event without a Reopened one");
    }
    if (left < 40) {
      return Fail(e, Verdict::kTorn, left < 32 ? "crc" : "length",
                  fmt::format("the file ends {} bytes into the event", left));
    }
    const uint64_t crc = LoadLe64(d_, pos + 24), len = LoadLe64(d_, pos + 32);
    e->fields["crc"] = Hex(crc);
    e->fields["payload_length"] = len;
    if (len > left - 40) {
      const uint64_t q = NextDriverEvent(d_, pos);
      if (q) {
        e->length = q - pos;
        Fail(e, Verdict::kCorrupt, "length",
             fmt::format("payload length {} runs past the next event at {}", len, q));
        return q;
      }
      return Fail(e, Verdict::kTorn, "payload",
                  fmt::format("payload length {} but only {} bytes follow: the "
                              "file ends inside the event", len, left - 40));
    }
    e->length = 40 + len;
    const uint64_t computed = Crc64Xz(d_.substr(pos + 32, 8 + len));
    if (computed != crc) {
      Fail(e, Verdict::kCorrupt, "crc",
           fmt::format("stored {} computed {} over the length and payload "
                       "(bytes {}..{})", Hex(crc), Hex(computed), pos + 32,
                       pos + 40 + len));
    }
    return pos + 40 + len;
  }

  uint64_t Batch(uint64_t pos, uint64_t meta, Element* e) {
    e->kind = "batch";
    if (meta != kBatchMeta) {
      Fail(e, Verdict::kCorrupt, "meta", "batch meta is not 0x8000000000000000");
    }
    if (last_closed_) {
      Fail(e, Verdict::kCorrupt, "meta",
           "a batch after a Closed driver event without a Reopened one");
    }
    const uint64_t body = pos + 24;
    constexpr uint64_t kMinBody = 8 + 1 + 8 + 8 + 8;  // counts, tag, schema
    if (d_.size() < body + kMinBody) {
      return Fail(e, Verdict::kTorn, "expected_rows",
                  "the file ends inside the batch's opening fields");
    }
    e->fields["expected_rows"] = LoadLe64(d_, body);
    e->fields["pk_type_tag"] = uint8_t(d_[body + 8]);
    e->fields["schema_version"] = LoadLe64(d_, body + 9);
    e->fields["columns"] = LoadLe64(d_, body + 17);
    uint64_t crc = Crc64Xz(d_.substr(body, kMinBody));
    for (uint64_t p = body + kMinBody; p + 8 <= d_.size(); ++p) {
      if (LoadLe64(d_, p) == crc) {
        e->length = p + 8 - pos;
        e->fields["actual_rows"] = LoadLe64(d_, p - 8);
        e->fields["early_exit"] = d_[p - 9] == 3;
        e->fields["crc"] = Hex(crc);
        DecodeRows(body, /*counts=*/8 + 1 + 8 + 8, p, e);
        return e->verdict == Verdict::kIntact ? p + 8 : 0;
      }
      crc = Crc64Xz(d_.substr(p, 1), crc);
    }
    const uint64_t q = NextDriverEvent(d_, pos);
    if (q) {
      e->length = q - pos;
      Fail(e, Verdict::kCorrupt, "crc",
           fmt::format("no CRC-64 over the batch body matches before the "
                       "driver event at {}", q));
      return q;
    }
    return Fail(e, Verdict::kTorn, "crc",
                fmt::format("the batch runs to the end of the file ({} bytes) "
                            "without a matching checksum: truncated",
                            d_.size() - pos));
  }

  // Rows of an intact batch (body at `body`, CRC at `crc_at`): "rows", or
  // "rows_error" when the CRC holds but the rows do not parse.
  void DecodeRows(uint64_t body, uint64_t counts, uint64_t crc_at,
                  Element* e) {
    bool early = false;
    auto rows = DecodeSkytableBatchRows(
        d_.substr(body + counts, crc_at - body - counts),
        e->fields["expected_rows"], e->fields["pk_type_tag"],
        e->fields["columns"], &early);
    if (rows.ok()) {
      e->fields["early_exit"] = early;
      e->fields["rows"] = std::move(*rows);
    } else {
      e->fields["rows_error"] = rows.status().message();
    }
  }

  std::string_view d_;
  bool gns_;
  Inspection* out_;
  uint64_t id_ = 0;
  uint64_t running_ = 0, crc_pos_ = kHeaderSize;
  bool last_closed_ = false;
};

}  // namespace

Inspection InspectSkytable(std::string_view data, Format f) {
  Inspection out;
  out.size = data.size();
  out.header_size = kHeaderSize;
  Element h = ParseHeader(data);
  bool gns = f == Format::kGns;
  if (f == Format::kSdss || h.fields.contains("file_class")) {
    const int cls = h.fields.value("file_class", f == Format::kBatch ? 1 : 0);
    if (f == Format::kSdss) gns = cls == 0;
    if (f != Format::kSdss && cls != (gns ? 0 : 1) && h.verdict == Verdict::kIntact) {
      h.verdict = Verdict::kCorrupt;
      h.field = "file_class";
      h.detail = fmt::format("class {} but the file was named as a {}", cls,
                             gns ? "GNS event log" : "batch journal");
    }
  }
  out.format = gns ? Format::kGns : Format::kBatch;
  const bool readable = h.verdict == Verdict::kIntact;
  out.elements.push_back(std::move(h));
  if (!readable) {
    out.notes.push_back("events not parsed: the header is not intact");
    return out;
  }
  JournalWalker(data, gns, &out).Walk();
  return out;
}

}  // namespace crashlab::formats
