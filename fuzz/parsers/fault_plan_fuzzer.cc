// fault_plan_fuzzer: fault plans (core/fault_plan.h) in all three syntaxes
// on hostile text: JSON, TOML and LazyFS FIFO lines. The first byte picks
// the name the plan is parsed under ("", plan.json, plan.toml) or a single
// LazyFS line. Checks: nothing crashes or throws; a plan that parses and
// validates writes normalised JSON that parses back to the same plan.
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/fault_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  if (data[0] % 4 == 3) {
    (void)ParseLazyFsLine(text, 0);
    return 0;
  }
  static const char* kNames[] = {"", "plan.json", "plan.toml"};
  auto plan = ParseFaultPlan(text, kNames[data[0] % 4]);
  if (!plan.ok() || !ValidatePlan(*plan).ok()) return 0;
  const std::string json = PlanToJson(*plan).dump();
  auto again = ParseFaultPlan(json, "plan.json");
  if (!again.ok() || !(*again == *plan)) std::abort();
  return 0;
}
