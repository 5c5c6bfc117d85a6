#include "checkers/check.h"

#include <optional>

#include "checkers/auth_invariants.h"
#include "checkers/cell_analysis.h"
#include "checkers/check_index.h"

namespace crashlab {

const char* FindingKindName(FindingKind k) {
  switch (k) {
    case FindingKind::kLostCommit:
      return "lost_commit";
    case FindingKind::kAtomicity:
      return "atomicity";
    case FindingKind::kCorruption:
      return "corruption";
    case FindingKind::kRecoveryFailure:
      return "recovery_failure";
    case FindingKind::kLossWindowExceeded:
      return "loss_window_exceeded";
    case FindingKind::kTornHeader:
      return "torn_header";
    case FindingKind::kInvariant:
      return "invariant";
    case FindingKind::kOrderViolation:
      return "order_violation";
    case FindingKind::kBarrierViolation:
      return "barrier_violation";
  }
  return "?";
}

bool FindingKindFromName(const std::string& name, FindingKind* kind) {
  for (FindingKind k : kAllFindingKinds) {
    if (name == FindingKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

const char* OpStatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kAcked:
      return "acknowledged";
    case OpStatus::kInFlight:
      return "in flight";
    case OpStatus::kFailed:
      return "failed";
    case OpStatus::kNotInvoked:
      return "not invoked";
  }
  return "?";
}

std::string Finding::Key() const {
  std::string key = FindingKindName(kind);
  if ((kind == FindingKind::kOrderViolation ||
       kind == FindingKind::kBarrierViolation) &&
      !ops.empty()) {
    return key + ":" + std::to_string(ops.front());
  }
  for (uint64_t op : ops) key += ":" + std::to_string(op);
  // Two invariants can involve the same operations: the cell tells them
  // apart.
  if (ops.empty() || kind == FindingKind::kInvariant) {
    key += "|" + (cells.empty() ? message.substr(0, 200)
                                : cells.front().cell.ToString());
  }
  return key;
}

std::vector<Finding> CheckState(const CheckInput& given, LossStats* loss) {
  std::vector<Finding> out;
  if (!CheckRecovery(given, &out)) return out;
  std::optional<CheckIndex> local;
  CheckInput in = given;
  if (!in.index) {
    in.index = &local.emplace(in.schema, in.ops, in.whole_rows);
  }
  const CellAnalysis a = AnalyzeCells(in);
  CheckDurability(in, a, &out);
  CheckAtomicity(in, a, &out);
  CheckCorruption(in, a, &out);
  CheckOrder(in, a, &out, loss);
  CheckAuthState(in, &out);
  return out;
}

}  // namespace crashlab
