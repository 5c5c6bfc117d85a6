#include "core/rows_digest.h"

#include <cstring>

namespace crashlab {
namespace {

using json = nlohmann::json;

void PutU64(uint64_t v, std::string* out) {
  char b[8];
  std::memcpy(b, &v, sizeof(v));
  out->append(b, sizeof(b));
}

void PutBytes(std::string_view s, std::string* out) {
  PutU64(s.size(), out);
  out->append(s);
}

// One tag byte, then the value: the single encoding of each kind, shared
// by JSON values (Encode) and rows given field by field.
void PutTagged(char tag, uint64_t v, std::string* out) {
  out->push_back(tag);
  PutU64(v, out);
}

void PutFloat(double d, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  PutTagged('f', bits, out);
}

void PutText(std::string_view s, std::string* out) {
  out->push_back('s');
  PutBytes(s, out);
}

void Encode(const json& v, std::string* out) {
  switch (v.type()) {
    case json::value_t::null:
      out->push_back('n');
      return;
    case json::value_t::boolean:
      out->push_back(v.get<bool>() ? 'T' : 'F');
      return;
    case json::value_t::number_integer:
      PutTagged('i', static_cast<uint64_t>(v.get<int64_t>()), out);
      return;
    case json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      PutTagged(u <= INT64_MAX ? 'i' : 'u', u, out);
      return;
    }
    case json::value_t::number_float:
      PutFloat(v.get<double>(), out);
      return;
    case json::value_t::string:
      PutText(v.get_ref<const std::string&>(), out);
      return;
    case json::value_t::array:
      PutTagged('a', v.size(), out);
      for (const json& e : v) Encode(e, out);
      return;
    case json::value_t::object:
      PutTagged('o', v.size(), out);
      for (const auto& [k, e] : v.items()) {
        PutBytes(k, out);
        Encode(e, out);
      }
      return;
    case json::value_t::binary:
    case json::value_t::discarded:
      out->push_back('x');
      return;
  }
}

}  // namespace

void RowsDigest::Add(std::string_view table, const json& row) {
  buf_.clear();
  PutBytes(table, &buf_);
  Encode(row, &buf_);
  EndRow();
}

void RowsDigest::BeginRow(std::string_view table, size_t fields) {
  buf_.clear();
  PutBytes(table, &buf_);
  PutTagged('o', fields, &buf_);
}

void RowsDigest::Field(std::string_view name) { PutBytes(name, &buf_); }
void RowsDigest::Null() { buf_.push_back('n'); }
void RowsDigest::Bool(bool b) { buf_.push_back(b ? 'T' : 'F'); }
void RowsDigest::Int(int64_t v) {
  PutTagged('i', static_cast<uint64_t>(v), &buf_);
}
void RowsDigest::Float(double v) { PutFloat(v, &buf_); }
void RowsDigest::Text(std::string_view s) { PutText(s, &buf_); }

void RowsDigest::EndRow() {
  const XXH128_hash_t h = XXH3_128bits(buf_.data(), buf_.size());
  lo_ += h.low64;
  hi_ += h.high64;
  ++count_;
}

Hash128 RowsDigest::Finish() const {
  const uint64_t words[3] = {lo_, hi_, count_};
  const XXH128_hash_t h = XXH3_128bits(words, sizeof(words));
  return Hash128{h.low64, h.high64};
}

Hash128 DigestOfRows(const Rows& rows) {
  RowsDigest d;
  for (const auto& [table, by_key] : rows) {
    for (const auto& [key, row] : by_key) d.Add(table, row);
  }
  return d.Finish();
}

Hash128 DigestOfDumpTables(const json& tables) {
  RowsDigest d;
  if (!tables.is_object()) {
    d.Add("", tables);
    return d.Finish();
  }
  for (const auto& [table, list] : tables.items()) {
    if (!list.is_array()) {
      d.Add(table, list);
      continue;
    }
    for (const json& row : list) d.Add(table, row);
  }
  return d.Finish();
}

}  // namespace crashlab
