#include "checkers/isolation/txn_history.h"

#include <cassert>

#include <fmt/format.h>

#include "checkers/isolation/edn.h"

namespace crashlab {

AtomTable::AtomTable() { Intern(AtomKind::kNil, "nil"); }

Atom AtomTable::Intern(AtomKind kind, std::string_view text) {
  assert(kind != AtomKind::kInt);
  std::string k;
  k.reserve(text.size() + 1);
  k.push_back(static_cast<char>(kind));
  k.append(text);
  auto [it, inserted] =
      index_.try_emplace(std::move(k), static_cast<uint32_t>(entries_.size()));
  if (inserted) entries_.push_back({kind, std::string(text)});
  return (static_cast<Atom>(it->second) << 1) | 1;
}

AtomKind AtomTable::Kind(Atom a) const {
  if (IsInt(a)) return AtomKind::kInt;
  return entries_[a >> 1].kind;
}

const std::string& AtomTable::Text(Atom a) const {
  static const std::string kEmpty;  // immutable: no mutable global state
  if (IsInt(a)) return kEmpty;
  return entries_[a >> 1].text;
}

const char* TxnTypeName(TxnType t) {
  switch (t) {
    case TxnType::kOk: return "ok";
    case TxnType::kFail: return "fail";
    case TxnType::kInfo: return "info";
    case TxnType::kPending: return "pending";
  }
  return "?";
}

const char* MopFnName(MopFn f) {
  switch (f) {
    case MopFn::kAppend: return "append";
    case MopFn::kRead: return "r";
    case MopFn::kWrite: return "w";
  }
  return "?";
}

uint32_t TxnHistory::KeyId(Atom key) {
  auto [it, inserted] =
      key_ids_.try_emplace(key, static_cast<uint32_t>(key_atoms_.size()));
  if (inserted) key_atoms_.push_back(key);
  return it->second;
}

uint32_t TxnHistory::Invoke(uint64_t process, uint64_t time_ns,
                            uint64_t index) {
  const uint32_t id = static_cast<uint32_t>(txns_.size());
  Txn t;
  t.process = process;
  t.invoke_time_ns = time_ns;
  t.invoke_index = index;
  txns_.push_back(t);
  events_.push_back(id << 1);
  return id;
}

void TxnHistory::AddOne(MopFn fn, uint32_t key, Atom value) {
  Mop m;
  m.fn = fn;
  m.key = key;
  m.begin = static_cast<uint32_t>(values_.size());
  m.len = 1;
  values_.push_back(value);
  mops_.push_back(m);
}

void TxnHistory::AddRead(uint32_t key, std::span<const Atom> list) {
  Mop m;
  m.fn = MopFn::kRead;
  m.list = true;
  m.key = key;
  m.begin = static_cast<uint32_t>(values_.size());
  m.len = static_cast<uint32_t>(list.size());
  values_.insert(values_.end(), list.begin(), list.end());
  mops_.push_back(m);
}

void TxnHistory::AddRegisterRead(uint32_t key, Atom value) {
  AddOne(MopFn::kRead, key, value);
}

void TxnHistory::AddNilRead(uint32_t key) {
  Mop m;
  m.fn = MopFn::kRead;
  m.nil = true;
  m.key = key;
  m.begin = static_cast<uint32_t>(values_.size());
  mops_.push_back(m);
}

void TxnHistory::Complete(uint32_t txn, TxnType type, uint64_t time_ns,
                          uint64_t index) {
  assert(txn < txns_.size() && txns_[txn].type == TxnType::kPending);
  Txn& t = txns_[txn];
  t.type = type;
  t.complete_time_ns = time_ns;
  t.complete_index = index;
  t.mop_begin = staged_begin_;
  t.mop_count = static_cast<uint32_t>(mops_.size()) - staged_begin_;
  staged_begin_ = static_cast<uint32_t>(mops_.size());
  events_.push_back(txn << 1 | 1);
}

void TxnHistory::DiscardStagedMops() {
  if (mops_.size() > staged_begin_) {
    values_.resize(mops_[staged_begin_].begin);
    mops_.resize(staged_begin_);
  }
}

void TxnHistory::Reserve(size_t txns, size_t mops, size_t values) {
  txns_.reserve(txns);
  events_.reserve(2 * txns);
  mops_.reserve(mops);
  values_.reserve(values);
}

size_t TxnHistory::MemoryBytes() const {
  return txns_.capacity() * sizeof(Txn) + mops_.capacity() * sizeof(Mop) +
         values_.capacity() * sizeof(Atom) +
         events_.capacity() * sizeof(uint32_t) +
         key_atoms_.capacity() * sizeof(Atom) * 3;
}

std::string AtomToEdn(const AtomTable& t, Atom a) {
  if (AtomTable::IsInt(a)) return fmt::format("{}", AtomTable::IntValue(a));
  const std::string& text = t.Text(a);
  switch (t.Kind(a)) {
    case AtomKind::kString: {
      std::string out;
      AppendEdnString(text, &out);
      return out;
    }
    case AtomKind::kKeyword:
      return ":" + text;
    default:
      return text;
  }
}

std::string AtomToText(const AtomTable& t, Atom a) {
  if (AtomTable::IsInt(a)) return fmt::format("{}", AtomTable::IntValue(a));
  if (t.Kind(a) == AtomKind::kKeyword) return ":" + t.Text(a);
  return t.Text(a);
}

}  // namespace crashlab
