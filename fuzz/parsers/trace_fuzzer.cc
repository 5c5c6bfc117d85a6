// trace_fuzzer: core's trace reader (ParseTrace, DecodePayload) on hostile
// bytes, and what reads a trace next: RecordToJson and crash states.
//
// The first input byte picks how the rest is used: odd = the raw bytes of
// a trace file; even = a list of payloads (u16 length + bytes each) framed
// with valid lengths and CRCs, so mutations reach the payload decoder
// instead of dying at the checksum. Checks: parsing never crashes; every
// record it returns re-encodes to a payload that decodes to the same
// record; every record prints as JSON; the drop-unsynced state at the end
// of the trace is computed without crashing.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/persistence.h"
#include "core/trace.h"

namespace {

std::string Framed(std::string_view in) {
  crashlab::ByteWriter w;
  w.Raw("crashlab");
  w.U32(crashlab::kTraceVersion);
  w.U32(0);
  while (in.size() >= 2) {
    const size_t n = std::min<size_t>(
        in.size() - 2, static_cast<uint8_t>(in[0]) |
                           static_cast<size_t>(static_cast<uint8_t>(in[1])) << 8);
    const std::string_view payload = in.substr(2, n);
    w.U32(static_cast<uint32_t>(payload.size()));
    w.U32(static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(payload.data()),
              static_cast<uInt>(payload.size()))));
    w.Raw(payload);
    in.remove_prefix(2 + n);
  }
  return w.Take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  const std::string bytes = (data[0] & 1) ? std::string(rest) : Framed(rest);
  auto trace = ParseTrace(bytes);
  if (!trace.ok()) return 0;
  for (size_t i = 0; i < trace->records.size(); ++i) {
    const Record& r = trace->records[i];
    Record again;
    std::string why;
    if (!DecodePayload(EncodePayload(r), &again, &why) || !(again == r)) {
      std::abort();  // a record does not survive its own encoding
    }
    (void)RecordToJson(r, i);
  }
  if (trace->first_op <= trace->records.size()) {
    (void)StateAt(*trace, Model::kDropUnsynced, trace->records.size());
  }
  return 0;
}
