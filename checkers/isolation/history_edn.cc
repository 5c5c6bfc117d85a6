// EDN side of history_io.h: Jepsen/Elle histories as EDN maps.
#include <fmt/format.h>

#include "checkers/isolation/edn.h"
#include "checkers/isolation/history_io.h"
#include "checkers/isolation/history_pairing.h"

namespace crashlab {

using isolation_internal::RawEvent;
using isolation_internal::TxnPairer;

template <>
bool TxnPairer<EdnValue>::IsNil(const EdnValue& v) {
  return v.Untagged().is_nil();
}

namespace {

using K = EdnValue::Kind;

std::string At(const EdnValue& v) {
  return fmt::format("edn line {}, column {}", v.line, v.column);
}

Result<Atom> EdnAtom(const EdnValue& tagged, AtomTable* t) {
  const EdnValue& v = tagged.Untagged();
  switch (v.kind) {
    case K::kNil: return AtomTable::kNil;
    case K::kBool: return t->Intern(AtomKind::kBool, v.boolean ? "true" : "false");
    case K::kInt:
      if (AtomTable::FitsInline(v.integer)) return AtomTable::Int(v.integer);
      return t->Intern(AtomKind::kBigInt, fmt::format("{}", v.integer));
    case K::kFloat: return t->Intern(AtomKind::kFloat, WriteEdn(v));
    case K::kString: return t->Intern(AtomKind::kString, v.text);
    case K::kKeyword: return t->Intern(AtomKind::kKeyword, v.text);
    case K::kSymbol:
    case K::kChar: return t->Intern(AtomKind::kOther, WriteEdn(v));
    default:
      return Status::BadInput(fmt::format(
          "{}: keys and values must be scalars, not a {}", At(v),
          EdnKindName(v.kind)));
  }
}

// The name of a keyword, string or symbol ("append" for :append).
std::string_view EdnName(const EdnValue* v) {
  if (v == nullptr) return {};
  const EdnValue& u = v->Untagged();
  if (u.kind == K::kKeyword || u.kind == K::kString || u.kind == K::kSymbol) {
    std::string_view s = u.text;
    if (!s.empty() && s[0] == ':') s.remove_prefix(1);
    return s;
  }
  return {};
}

Status AddEdnMops(const EdnValue& tagged, TxnHistory* h) {
  const EdnValue& value = tagged.Untagged();
  if (value.is_nil()) return Status::Ok();
  if (!value.is_sequence()) {
    return Status::BadInput(fmt::format(
        "{}: a transaction's value must be a vector of mops", At(value)));
  }
  std::vector<Atom> list;
  for (const EdnValue& tm : value.items) {
    const EdnValue& mop = tm.Untagged();
    if (!mop.is_sequence() || mop.items.size() < 2 || mop.items.size() > 3) {
      return Status::BadInput(fmt::format(
          "{}: bad mop {}: expected [f key value]", At(mop), WriteEdn(mop)));
    }
    const std::string_view name = EdnName(&mop.items[0]);
    MopFn fn;
    if (name == "append") fn = MopFn::kAppend;
    else if (name == "r") fn = MopFn::kRead;
    else if (name == "w") fn = MopFn::kWrite;
    else
      return Status::BadInput(fmt::format(
          "{}: unknown mop function in {} (:append, :r or :w)", At(mop),
          WriteEdn(mop)));
    CRASHLAB_ASSIGN_OR_RETURN(Atom key_atom,
                              EdnAtom(mop.items[1], &h->atom_table()));
    const uint32_t key = h->KeyId(key_atom);
    const EdnValue nil;
    const EdnValue& arg =
        mop.items.size() == 3 ? mop.items[2].Untagged() : nil;
    if (fn == MopFn::kRead) {
      if (arg.is_nil()) {
        h->AddNilRead(key);
      } else if (arg.is_sequence()) {
        list.clear();
        for (const EdnValue& e : arg.items) {
          CRASHLAB_ASSIGN_OR_RETURN(Atom a, EdnAtom(e, &h->atom_table()));
          list.push_back(a);
        }
        h->AddRead(key, list);
      } else {
        CRASHLAB_ASSIGN_OR_RETURN(Atom a, EdnAtom(arg, &h->atom_table()));
        h->AddRegisterRead(key, a);
      }
      continue;
    }
    if (mop.items.size() != 3) {
      return Status::BadInput(
          fmt::format("{}: {} has no value", At(mop), WriteEdn(mop)));
    }
    CRASHLAB_ASSIGN_OR_RETURN(Atom a, EdnAtom(arg, &h->atom_table()));
    if (fn == MopFn::kAppend) h->AddAppend(key, a);
    else h->AddWrite(key, a);
  }
  return Status::Ok();
}

bool EdnUint(const EdnValue* v, uint64_t* out) {
  if (v == nullptr) return false;
  const EdnValue& u = v->Untagged();
  if (u.kind != K::kInt || u.integer < 0) return false;
  *out = static_cast<uint64_t>(u.integer);
  return true;
}

Status EdnEvent(EdnValue&& tagged, uint64_t position,
                TxnPairer<EdnValue>* pairer, ImportStats* stats) {
  EdnValue op = tagged.kind == K::kTagged ? EdnValue(tagged.Untagged())
                                          : std::move(tagged);
  if (op.kind != K::kMap) {
    return Status::BadInput(fmt::format(
        "{}: an event must be a map, not a {}", At(op), EdnKindName(op.kind)));
  }
  if (stats) ++stats->events;
  RawEvent e;
  const std::string_view type = EdnName(op.Get("type"));
  if (type == "invoke") {
    e.invoke = true;
  } else {
    e.invoke = false;
    if (type == "ok") e.type = TxnType::kOk;
    else if (type == "fail") e.type = TxnType::kFail;
    else if (type == "info") e.type = TxnType::kInfo;
    else
      return Status::BadInput(fmt::format(
          "{}: :type must be :invoke, :ok, :fail or :info", At(op)));
  }
  if (EdnName(op.Get("f")) != "txn" || !EdnUint(op.Get("process"), &e.process)) {
    if (stats) ++stats->skipped;
    return Status::Ok();
  }
  if (!EdnUint(op.Get("index"), &e.index)) e.index = position;
  (void)EdnUint(op.Get("time"), &e.time_ns);
  EdnValue value;
  for (size_t i = 0; i + 1 < op.items.size(); i += 2) {
    if (op.items[i].kind == K::kKeyword && op.items[i].text == "value") {
      value = std::move(op.items[i + 1]);
    }
  }
  const int line = op.line, column = op.column;
  Status s = pairer->Add(e, std::move(value));
  if (!s.ok() && s.message().rfind("edn line", 0) != 0) {
    return s.Annotate(fmt::format("edn line {}, column {}", line, column));
  }
  return s;
}

}  // namespace

Result<TxnHistory> ParseEdnHistory(std::string_view text, ImportStats* stats) {
  TxnHistory h;
  TxnPairer<EdnValue> pairer(&h, &AddEdnMops, stats);
  EdnReader reader(text);
  reader.EnterSequence();
  for (uint64_t position = 0;; ++position) {
    auto next = reader.Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    CRASHLAB_RETURN_IF_ERROR(
        EdnEvent(std::move(**next), position, &pairer, stats));
  }
  CRASHLAB_RETURN_IF_ERROR(pairer.Finish());
  return h;
}

}  // namespace crashlab
