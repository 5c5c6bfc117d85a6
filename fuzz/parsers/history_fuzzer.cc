// history_fuzzer: core's history reader (History::ParseJsonl) on hostile
// text. Checks: it never crashes or throws; every event it accepts turns
// into JSON and back into the same event.
#include <cstdlib>
#include <string>

#include "core/history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  auto history =
      History::ParseJsonl(std::string(reinterpret_cast<const char*>(data), size));
  if (!history.ok()) return 0;
  for (const Event& e : history->events()) {
    auto again = Event::FromJson(e.ToJson());
    if (!again.ok() || again->ToJson() != e.ToJson()) std::abort();
  }
  return 0;
}
