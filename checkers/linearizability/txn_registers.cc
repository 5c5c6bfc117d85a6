#include "checkers/linearizability/txn_registers.h"

namespace crashlab::linearizability {

namespace {

int64_t ValueOf(Atom a) {
  return AtomTable::IsInt(a) ? AtomTable::IntValue(a) : static_cast<int64_t>(a);
}

}  // namespace

RegistersResult CheckRegisters(const TxnHistory& history) {
  std::vector<std::vector<RegisterOp>> by_key(history.key_count());
  const std::vector<Txn>& txns = history.txns();
  for (uint32_t id = 0; id < txns.size(); ++id) {
    const Txn& t = txns[id];
    if (t.type == TxnType::kFail) continue;
    const bool unknown = t.type != TxnType::kOk;
    for (const Mop& m : history.MopsOf(t)) {
      RegisterOp op;
      op.id = id;
      op.invoke = t.invoke_index;
      op.complete = unknown ? kNever : t.complete_index;
      op.indeterminate = unknown;
      if (m.fn == MopFn::kWrite) {
        op.kind = RegisterOp::Kind::kWrite;
        op.value = ValueOf(history.ValuesOf(m)[0]);
      } else if (m.fn == MopFn::kRead && !m.list) {
        if (unknown) continue;
        op.kind = RegisterOp::Kind::kRead;
        if (!m.nil) op.value = ValueOf(history.ValuesOf(m)[0]);
      } else {
        continue;
      }
      by_key[m.key].push_back(op);
    }
  }
  RegistersResult out;
  for (uint32_t k = 0; k < by_key.size(); ++k) {
    if (by_key[k].empty()) continue;
    ++out.keys;
    RegisterResult r = CheckRegister(by_key[k]);
    out.ops += r.ops;
    for (Violation& v : r.violations) {
      out.violations.push_back(
          {AtomToText(history.atom_table(), history.KeyAtom(k)), std::move(v)});
    }
  }
  return out;
}

}  // namespace crashlab::linearizability
