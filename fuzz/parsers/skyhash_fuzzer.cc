// skyhash_fuzzer: the Skyhash 2 response decoder
// (engines/skytable/skyhash.h) on hostile server bytes. The input is fed
// in chunks whose sizes come from its first byte, as a socket would
// deliver them. Checks: nothing crashes; once the decoder reports
// malformed input it keeps reporting it; every response decodes to a
// printable value; the handshake reply decoder never crashes either.
#include <cstdlib>
#include <string_view>

#include "engines/skytable/skyhash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab::skyhash;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)DecodeHandshakeReply(in);
  DecoderLimits limits;
  limits.max_bytes = 1 << 16;
  limits.max_cells = 1 << 12;
  ResponseDecoder decoder(limits);
  bool bad = false;
  while (true) {
    while (true) {
      auto next = decoder.Next();
      if (!next.ok()) {
        bad = true;
        break;
      }
      if (!next->has_value()) break;
      (void)(*next)->DebugString();
    }
    if (bad || in.empty()) break;
    const size_t n = std::min(chunk, in.size());
    if (!decoder.Feed(in.substr(0, n)).ok()) break;
    in.remove_prefix(n);
  }
  if (bad && decoder.Next().ok()) std::abort();  // errors must stick
  return 0;
}
