// JSON side of history_io.h (jsonl, json, crashlab History) and the
// exporters. The EDN reader side is in history_edn.cc.
#include <cstring>

#include <fmt/format.h>

#include "checkers/isolation/edn.h"
#include "checkers/isolation/history_io.h"
#include "checkers/isolation/history_pairing.h"

namespace crashlab {

using nlohmann::json;
using isolation_internal::RawEvent;
using isolation_internal::TxnPairer;

template <>
bool TxnPairer<json>::IsNil(const json& v) {
  return v.is_null();
}

const char* HistoryFormatName(HistoryFormat f) {
  switch (f) {
    case HistoryFormat::kJsonl: return "jsonl";
    case HistoryFormat::kJson: return "json";
    case HistoryFormat::kEdn: return "edn";
  }
  return "?";
}

Result<HistoryFormat> ParseHistoryFormat(std::string_view name) {
  if (name == "jsonl") return HistoryFormat::kJsonl;
  if (name == "json") return HistoryFormat::kJson;
  if (name == "edn") return HistoryFormat::kEdn;
  return Status::InvalidArgument(
      fmt::format("unknown history format '{}' (jsonl, json or edn)", name));
}

HistoryFormat GuessHistoryFormat(const std::string& path,
                                 std::string_view text) {
  auto ends = [&](const char* suffix) {
    const size_t n = std::strlen(suffix);
    return path.size() >= n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (ends(".edn")) return HistoryFormat::kEdn;
  if (ends(".jsonl")) return HistoryFormat::kJsonl;
  if (ends(".json")) return HistoryFormat::kJson;
  const size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return HistoryFormat::kJsonl;
  const std::string_view rest = text.substr(i);
  if (rest[0] == '#' || rest[0] == ';' || rest.starts_with("{:") ||
      rest.starts_with("[{:") || rest.starts_with("({")) {
    return HistoryFormat::kEdn;
  }
  if (rest[0] == '[') return HistoryFormat::kJson;
  return HistoryFormat::kJsonl;
}

namespace {

// "append", ":append", "r", "w" -> MopFn.
bool MopFnFromName(std::string_view s, MopFn* f) {
  if (!s.empty() && s[0] == ':') s.remove_prefix(1);
  if (s == "append") *f = MopFn::kAppend;
  else if (s == "r") *f = MopFn::kRead;
  else if (s == "w") *f = MopFn::kWrite;
  else return false;
  return true;
}

Result<Atom> JsonAtom(const json& v, AtomTable* t) {
  switch (v.type()) {
    case json::value_t::null:
      return AtomTable::kNil;
    case json::value_t::boolean:
      return t->Intern(AtomKind::kBool, v.get<bool>() ? "true" : "false");
    case json::value_t::number_integer: {
      const int64_t i = v.get<int64_t>();
      if (AtomTable::FitsInline(i)) return AtomTable::Int(i);
      return t->Intern(AtomKind::kBigInt, fmt::format("{}", i));
    }
    case json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      if (u < (uint64_t{1} << 62)) return AtomTable::Int(static_cast<int64_t>(u));
      return t->Intern(AtomKind::kBigInt, fmt::format("{}", u));
    }
    case json::value_t::number_float:
      return t->Intern(AtomKind::kFloat, v.dump());
    case json::value_t::string:
      return t->Intern(AtomKind::kString, v.get_ref<const std::string&>());
    default:
      return Status::BadInput(fmt::format(
          "keys and values must be scalars, not {}", v.type_name()));
  }
}

Status AddJsonMops(const json& value, TxnHistory* h) {
  if (value.is_null()) return Status::Ok();
  if (!value.is_array()) {
    return Status::BadInput("a transaction's value must be a list of mops");
  }
  std::vector<Atom> list;
  for (const json& mop : value) {
    if (!mop.is_array() || mop.size() < 2 || mop.size() > 3 ||
        !mop[0].is_string()) {
      return Status::BadInput(
          fmt::format("bad mop {}: expected [f key value]", mop.dump()));
    }
    MopFn fn;
    if (!MopFnFromName(mop[0].get_ref<const std::string&>(), &fn)) {
      return Status::BadInput(fmt::format(
          "unknown mop function in {} (append, r or w)", mop.dump()));
    }
    CRASHLAB_ASSIGN_OR_RETURN(Atom key_atom,
                              JsonAtom(mop[1], &h->atom_table()));
    const uint32_t key = h->KeyId(key_atom);
    const json nil;
    const json& arg = mop.size() == 3 ? mop[2] : nil;
    if (fn == MopFn::kRead) {
      if (arg.is_null()) {
        h->AddNilRead(key);
      } else if (arg.is_array()) {
        list.clear();
        for (const json& e : arg) {
          CRASHLAB_ASSIGN_OR_RETURN(Atom a, JsonAtom(e, &h->atom_table()));
          list.push_back(a);
        }
        h->AddRead(key, list);
      } else {
        CRASHLAB_ASSIGN_OR_RETURN(Atom a, JsonAtom(arg, &h->atom_table()));
        h->AddRegisterRead(key, a);
      }
      continue;
    }
    if (mop.size() != 3) {
      return Status::BadInput(fmt::format("{} has no value", mop.dump()));
    }
    CRASHLAB_ASSIGN_OR_RETURN(Atom a, JsonAtom(arg, &h->atom_table()));
    if (fn == MopFn::kAppend) h->AddAppend(key, a);
    else h->AddWrite(key, a);
  }
  return Status::Ok();
}

bool JsonUint(const json& j, const char* field, uint64_t* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return false;
  if (it->is_number_unsigned()) {
    *out = it->get<uint64_t>();
    return true;
  }
  if (it->is_number_integer() && it->get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(it->get<int64_t>());
    return true;
  }
  return false;
}

std::string_view JsonName(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return {};
  std::string_view s = it->get_ref<const std::string&>();
  if (!s.empty() && s[0] == ':') s.remove_prefix(1);
  return s;
}

// One event object. Skipped (ok, *skip) when it is not a transaction.
Status JsonEvent(json&& j, uint64_t position, TxnPairer<json>* pairer,
                 ImportStats* stats) {
  if (!j.is_object()) return Status::BadInput("an event must be an object");
  if (stats) ++stats->events;
  RawEvent e;
  const std::string_view type = JsonName(j, "type");
  if (type == "invoke") e.invoke = true;
  else if (type == "ok") e.invoke = false, e.type = TxnType::kOk;
  else if (type == "fail") e.invoke = false, e.type = TxnType::kFail;
  else if (type == "info") e.invoke = false, e.type = TxnType::kInfo;
  else return Status::BadInput("event type must be invoke, ok, fail or info");
  if (JsonName(j, "f") != "txn" || !JsonUint(j, "process", &e.process)) {
    if (stats) ++stats->skipped;
    return Status::Ok();
  }
  if (!JsonUint(j, "index", &e.index)) e.index = position;
  (void)JsonUint(j, "time", &e.time_ns);
  (void)JsonUint(j, "op", &e.op);
  json value;
  if (auto it = j.find("value"); it != j.end()) value = std::move(*it);
  return pairer->Add(e, std::move(value));
}

// "line L, column C" of byte offset `byte` (1-based) in `text`.
std::string Where(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return fmt::format("line {}, column {}", line, col);
}

Result<json> ParseJsonText(std::string_view text, size_t base_line) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    std::string where = Where(text, byte);
    if (base_line > 0) {  // one line of a jsonl file
      where = fmt::format("line {}, column {}", base_line, byte + 1);
    }
    return Status::BadInput(fmt::format("history {}: not valid JSON", where));
  } catch (const json::exception& e) {
    return Status::BadInput(std::string("history: ") + e.what());
  }
}

Result<TxnHistory> ParseJsonl(std::string_view text, ImportStats* stats) {
  TxnHistory h;
  TxnPairer<json> pairer(&h, &AddJsonMops, stats);
  size_t line_no = 0, start = 0, position = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    CRASHLAB_ASSIGN_OR_RETURN(json j, ParseJsonText(line, line_no));
    Status s = JsonEvent(std::move(j), position++, &pairer, stats);
    if (!s.ok()) return s.Annotate(fmt::format("history line {}", line_no));
  }
  CRASHLAB_RETURN_IF_ERROR(pairer.Finish());
  return h;
}

Result<TxnHistory> ParseJsonArray(std::string_view text, ImportStats* stats) {
  CRASHLAB_ASSIGN_OR_RETURN(json doc, ParseJsonText(text, 0));
  if (!doc.is_array()) {
    return Status::BadInput("history: a JSON history is an array of events");
  }
  TxnHistory h;
  TxnPairer<json> pairer(&h, &AddJsonMops, stats);
  for (size_t i = 0; i < doc.size(); ++i) {
    Status s = JsonEvent(std::move(doc[i]), i, &pairer, stats);
    if (!s.ok()) return s.Annotate(fmt::format("history event {}", i));
  }
  CRASHLAB_RETURN_IF_ERROR(pairer.Finish());
  return h;
}

}  // namespace

Result<TxnHistory> ParseEdnHistory(std::string_view text, ImportStats* stats);

Result<TxnHistory> ParseTxnHistory(std::string_view text, HistoryFormat format,
                                   ImportStats* stats) {
  switch (format) {
    case HistoryFormat::kJsonl: return ParseJsonl(text, stats);
    case HistoryFormat::kJson: return ParseJsonArray(text, stats);
    case HistoryFormat::kEdn: return ParseEdnHistory(text, stats);
  }
  return Status::InvalidArgument("unknown history format");
}

Result<TxnHistory> TxnHistoryFromEvents(const History& history,
                                        ImportStats* stats) {
  TxnHistory h;
  TxnPairer<json> pairer(&h, &AddJsonMops, stats);
  for (const Event& ev : history.events()) {
    if (stats) ++stats->events;
    if (ev.f != "txn") {
      if (stats) ++stats->skipped;
      continue;
    }
    RawEvent e;
    e.invoke = ev.type == EventType::kInvoke;
    e.type = ev.type == EventType::kOk     ? TxnType::kOk
             : ev.type == EventType::kFail ? TxnType::kFail
                                           : TxnType::kInfo;
    e.process = ev.process;
    e.time_ns = ev.time_ns;
    e.index = ev.index;
    e.op = ev.op;
    json value = ev.value;
    Status s = pairer.Add(e, std::move(value));
    if (!s.ok()) return s.Annotate(fmt::format("history event {}", ev.index));
  }
  CRASHLAB_RETURN_IF_ERROR(pairer.Finish());
  return h;
}

// ---------------------------------------------------------------- export

json AtomToJson(const AtomTable& t, Atom a) {
  if (AtomTable::IsInt(a)) return AtomTable::IntValue(a);
  switch (t.Kind(a)) {
    case AtomKind::kNil: return nullptr;
    case AtomKind::kBool: return t.Text(a) == "true";
    case AtomKind::kFloat:
    case AtomKind::kBigInt: {
      json j = json::parse(t.Text(a), nullptr, /*allow_exceptions=*/false);
      return j.is_discarded() ? json(t.Text(a)) : j;
    }
    default: return t.Text(a);
  }
}

json MopsToJson(const TxnHistory& h, const Txn& t, bool invoke) {
  const AtomTable& at = h.atom_table();
  json out = json::array();
  for (const Mop& m : h.MopsOf(t)) {
    json arg;
    if (m.fn != MopFn::kRead) {
      arg = AtomToJson(at, h.values()[m.begin]);
    } else if (!invoke && !m.nil) {
      if (m.list) {
        arg = json::array();
        for (Atom a : h.ValuesOf(m)) arg.push_back(AtomToJson(at, a));
      } else {
        arg = AtomToJson(at, h.values()[m.begin]);
      }
    }
    out.push_back({MopFnName(m.fn), AtomToJson(at, h.KeyAtom(m.key)), arg});
  }
  return out;
}

std::string MopToEdn(const TxnHistory& h, const Mop& m, bool invoke) {
  const AtomTable& at = h.atom_table();
  std::string s = fmt::format("[:{} {} ", MopFnName(m.fn),
                              AtomToEdn(at, h.KeyAtom(m.key)));
  if (m.fn != MopFn::kRead) {
    s += AtomToEdn(at, h.values()[m.begin]);
  } else if (invoke || m.nil) {
    s += "nil";
  } else if (!m.list) {
    s += AtomToEdn(at, h.values()[m.begin]);
  } else {
    s += '[';
    bool first = true;
    for (Atom a : h.ValuesOf(m)) {
      if (!first) s += ' ';
      first = false;
      s += AtomToEdn(at, a);
    }
    s += ']';
  }
  s += ']';
  return s;
}

std::string MopsToEdn(const TxnHistory& h, const Txn& t, bool invoke) {
  std::string s = "[";
  bool first = true;
  for (const Mop& m : h.MopsOf(t)) {
    if (!first) s += ' ';
    first = false;
    s += MopToEdn(h, m, invoke);
  }
  s += ']';
  return s;
}

std::string ExportEdn(const TxnHistory& h) {
  std::string out;
  for (uint32_t ev : h.events()) {
    const Txn& t = h.txns()[ev >> 1];
    const bool invoke = (ev & 1) == 0;
    const char* type = invoke ? "invoke" : TxnTypeName(t.type);
    out += fmt::format("{{:type :{}, :f :txn, :value {}, :time {}, "
                       ":process {}, :index {}}}\n",
                       type, MopsToEdn(h, t, invoke),
                       invoke ? t.invoke_time_ns : t.complete_time_ns,
                       t.process, invoke ? t.invoke_index : t.complete_index);
  }
  return out;
}

std::string ExportJsonl(const TxnHistory& h) {
  std::string out;
  for (uint32_t ev : h.events()) {
    const uint32_t id = ev >> 1;
    const Txn& t = h.txns()[id];
    const bool invoke = (ev & 1) == 0;
    json j = {{"type", invoke ? "invoke" : TxnTypeName(t.type)},
              {"f", "txn"},
              {"value", MopsToJson(h, t, invoke)},
              {"time", invoke ? t.invoke_time_ns : t.complete_time_ns},
              {"process", t.process},
              {"index", invoke ? t.invoke_index : t.complete_index},
              {"op", uint64_t{id} + 1}};
    out += j.dump();
    out += '\n';
  }
  return out;
}

}  // namespace crashlab
