// report_fuzzer: the report reader (reports/report.h Report::FromJson) on
// hostile JSON. Checks: it never crashes or throws; a report it accepts
// writes JSON that reads back to the same JSON (a stable round trip).
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  const nlohmann::json j = nlohmann::json::parse(
      data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto report = Report::FromJson(j);
  if (!report.ok()) return 0;
  const nlohmann::json out = report->ToJson();
  auto again = Report::FromJson(out);
  if (!again.ok() || again->ToJson() != out) std::abort();
  (void)report->ExitCode();
  return 0;
}
