#include "checkers/linearizability/registers_json.h"

#include <map>

#include "checkers/linearizability/txn_registers.h"

namespace crashlab::linearizability {

using nlohmann::json;

json RegistersSection(const TxnHistory& txns, const History& events,
                      size_t max_examples) {
  const RegistersResult r = CheckRegisters(txns);
  std::map<std::string, uint64_t> by_kind;
  json examples = json::array();
  for (const KeyViolation& v : r.violations) {
    ++by_kind[ViolationKindName(v.violation.kind)];
    if (examples.size() >= max_examples) continue;
    examples.push_back({{"key", v.key},
                        {"kind", ViolationKindName(v.violation.kind)},
                        {"ops", v.violation.ops},
                        {"explanation", v.violation.explanation}});
  }
  uint64_t torn = 0;
  json torn_examples = json::array();
  for (const Event& e : events.events()) {
    if (e.type != EventType::kInfo || e.error.rfind(kTornReadError, 0) != 0) {
      continue;
    }
    ++torn;
    if (torn_examples.size() < max_examples) torn_examples.push_back(e.error);
  }
  return {{"linearizable", r.linearizable() && torn == 0},
          {"keys", r.keys},
          {"ops", r.ops},
          {"violations", r.violations.size()},
          {"by_kind", by_kind},
          {"examples", std::move(examples)},
          {"torn_reads", torn},
          {"torn_examples", std::move(torn_examples)}};
}

}  // namespace crashlab::linearizability
