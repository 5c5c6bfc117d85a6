// The reliability properties crashlab's comparison table reports on, one
// row each. Closed set; names are stable (they appear in JSON and JUnit).
// Their plain-language statements live in reports/property.cc, beside
// the findings' wording (reports/wording.cc).
#ifndef CRASHLAB_REPORTS_PROPERTY_H_
#define CRASHLAB_REPORTS_PROPERTY_H_

#include <cstdint>

namespace crashlab {

enum class Property : uint8_t {
  kProcessCrash,  // acknowledged writes survive a process crash
  kPowerCut,      // acknowledged writes survive a power cut
  kLossWindow,    // loss stays inside the promised window
  kOrder,         // losses keep the promised order (prefix, sync barrier)
  kLossShape,     // what losses look like in acknowledgement order
  kAtomicity,     // multi-row operations are atomic
  kRecovery,      // recovery always succeeds
  kChecksums,     // headers and records are checksummed in practice
  kIsolation,     // isolation level observed
};
constexpr Property kAllProperties[] = {
    Property::kProcessCrash, Property::kPowerCut,  Property::kLossWindow,
    Property::kOrder,        Property::kLossShape, Property::kAtomicity,
    Property::kRecovery,     Property::kChecksums, Property::kIsolation};

// Stable identifier, e.g. "process_crash_durability".
const char* PropertyId(Property p);
// The property's name as a table row, e.g. "Acknowledged writes survive a
// process crash".
const char* PropertyTitle(Property p);
// One plain sentence a non-specialist can read: what holding it means.
const char* PropertyStatement(Property p);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_PROPERTY_H_
