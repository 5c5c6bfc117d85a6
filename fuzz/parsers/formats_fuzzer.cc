// formats_fuzzer: the on-disk format inspectors of `crashlab inspect`
// (checkers/formats/inspect.h) on hostile bytes. The first byte picks the
// format (auto-detection from a file name, or one format forced); the rest
// is the file. Checks: nothing crashes or throws, every element lies inside
// the file, and the JSON rendering can be written out.
#include <cstdlib>
#include <string>
#include <string_view>

#include "checkers/formats/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  using formats::Format;
  if (size == 0) return 0;
  static const Format kFormats[] = {
      Format::kAuto,       Format::kSdss,           Format::kGns,
      Format::kBatch,      Format::kSqlite,         Format::kSqliteWal,
      Format::kLevelDbLog, Format::kLevelDbManifest, Format::kLevelDbCurrent};
  static const char* kNames[] = {"gns.db-tlog", "auth.db", "auth.db-wal",
                                 "000003.log", "MANIFEST-000002", "CURRENT"};
  const Format f = kFormats[data[0] % 9];
  const char* name = kNames[(data[0] / 9) % 6];
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto inspection = formats::Inspect(name, file, f);
  if (!inspection.ok()) return 0;
  for (const auto& e : inspection->elements) {
    if (e.offset > file.size() || e.length > file.size() - e.offset) std::abort();
  }
  (void)inspection->ToJson().dump(-1, ' ', false,
                                  nlohmann::json::error_handler_t::replace);
  return 0;
}
