// The oracles: each turns a CellAnalysis (or a recovery outcome) into
// findings. See check.h for what each one promises.
#include <string>

#include <fmt/format.h>

#include "checkers/cell_analysis.h"

namespace crashlab {

namespace {

std::string Describe(const CellReport& r) {
  if (r.cell.column.empty()) {
    return r.cell.ToString() + (r.expected == true ? " should exist"
                                                   : " should be gone");
  }
  return r.cell.ToString() + " should be " + Show(r.expected) + ", found " +
         Show(r.observed);
}

}  // namespace

void CheckDurability(const CheckInput& in, const CellAnalysis& a,
                     std::vector<Finding>* out) {
  for (size_t i = 0; i < in.ops.size(); ++i) {
    const OpPresence& p = a.ops[i];
    if (in.status[i] != OpStatus::kAcked || p.before.empty()) continue;
    Finding f;
    f.kind = FindingKind::kLostCommit;
    f.ops = {in.ops[i].id};
    f.cells = p.before;
    f.summary = OpLabel(in.ops[i]) + " was acknowledged but is lost: " +
                Describe(p.before.front());
    out->push_back(f);
    if (in.loss_window_s < 0 || !in.ack_age_s) continue;
    const double age = (*in.ack_age_s)[i];
    if (age <= in.loss_window_s) continue;
    f.kind = FindingKind::kLossWindowExceeded;
    f.summary = fmt::format(
        "{} was acknowledged {:.2f} s before the crash and lost; the engine "
        "promises to lose at most the last {:.2f} s",
        OpLabel(in.ops[i]), age, in.loss_window_s);
    out->push_back(std::move(f));
  }
}

void CheckAtomicity(const CheckInput& in, const CellAnalysis& a,
                    std::vector<Finding>* out) {
  for (size_t i = 0; i < in.ops.size(); ++i) {
    const OpPresence& p = a.ops[i];
    if (in.status[i] == OpStatus::kNotInvoked || p.after.empty() ||
        p.before.empty()) {
      continue;
    }
    Finding f;
    f.kind = FindingKind::kAtomicity;
    f.ops = {in.ops[i].id};
    f.cells = p.before;
    f.cells.insert(f.cells.end(), p.after.begin(), p.after.end());
    f.summary = OpLabel(in.ops[i]) + " (" + OpStatusName(in.status[i]) +
                ") is partly applied: " + p.after.front().cell.ToString() +
                " took effect but " + Describe(p.before.front());
    out->push_back(std::move(f));
  }
}

void CheckCorruption(const CheckInput& in, const CellAnalysis& a,
                     std::vector<Finding>* out) {
  for (const CellReport& r : a.unexplained) {
    Finding f;
    f.kind = FindingKind::kCorruption;
    f.cells = {r};
    const bool gone = r.observed.is_null() || r.observed == false;
    f.summary = gone ? r.cell.ToString() +
                           " is gone, though no operation removed it"
                     : r.cell.ToString() + " holds " + Show(r.observed) +
                           ", which no operation wrote";
    out->push_back(std::move(f));
  }
  for (size_t i = 0; i < in.ops.size(); ++i) {
    if (in.status[i] != OpStatus::kFailed || a.ops[i].after.empty()) continue;
    Finding f;
    f.kind = FindingKind::kCorruption;
    f.ops = {in.ops[i].id};
    f.cells = a.ops[i].after;
    f.summary = OpLabel(in.ops[i]) +
                " was reported failed to the client, but its write " +
                a.ops[i].after.front().cell.ToString() + " is visible";
    out->push_back(std::move(f));
  }
  const std::string& check = in.observed.engine_check;
  if (!check.empty() && check != "ok") {
    Finding f;
    f.kind = FindingKind::kCorruption;
    f.message = check;
    f.summary = "the engine's own consistency check failed: " + check;
    out->push_back(std::move(f));
  }
}

bool CheckRecovery(const CheckInput& in, std::vector<Finding>* out) {
  using Outcome = Observation::Outcome;
  const Observation& o = in.observed;
  if (o.outcome == Outcome::kOk) return true;
  Finding f;
  f.message = o.message;
  switch (o.outcome) {
    case Outcome::kReadFailed:
      f.kind = FindingKind::kCorruption;
      f.summary = "the engine started but reading the data back failed: " +
                  o.message;
      break;
    case Outcome::kHung:
      f.kind = FindingKind::kRecoveryFailure;
      f.summary = "the engine hung while recovering: " + o.message;
      break;
    case Outcome::kCrashed:
      f.kind = FindingKind::kRecoveryFailure;
      f.summary = "the engine crashed while recovering: " + o.message;
      break;
    default:
      f.kind = FindingKind::kRecoveryFailure;
      f.summary = "the engine refused to start: " + o.message;
  }
  out->push_back(std::move(f));
  return false;
}

}  // namespace crashlab
