// RowsDigest: one 128-bit fingerprint of a set of rows, equal for equal
// rows however they are held (a driver's dump reply, crashlab's Rows) and
// in whatever order they come.
//
// Each row is hashed (XXH3-128) over its table's name and a canonical
// encoding of its JSON value: integers by value (so a parsed 5, held as
// unsigned, equals a driver's int64 5), floats by their bits, strings and
// object keys by length and bytes, objects in key order. The row hashes are
// summed lane by lane (mod 2^64) with the row count folded in at the end,
// so the digest of a multiset of rows does not depend on their order.
//
// Used to skip sending rows recovery has seen before (engines/PROTOCOL.md,
// `dump` with "digest"): equal digests mean equal rows unless XXH3-128
// collides on them, which nothing in a crash image is built to make happen.
#ifndef CRASHLAB_CORE_ROWS_DIGEST_H_
#define CRASHLAB_CORE_ROWS_DIGEST_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/data_model.h"
#include "core/hash.h"

namespace crashlab {

class RowsDigest {
 public:
  void Add(std::string_view table, const nlohmann::json& row);
  Hash128 Finish() const;
  uint64_t rows() const { return count_; }

  // A row field by field, for a driver that reads values without building
  // JSON: BeginRow(table, n); n times Field(name) then one value, in the
  // order std::string's < puts the names (a JSON object's order); EndRow().
  // The same as Add(table, the object of those fields and values).
  void BeginRow(std::string_view table, size_t fields);
  void Field(std::string_view name);
  void Null();
  void Bool(bool b);
  void Int(int64_t v);
  void Float(double v);
  void Text(std::string_view s);
  void EndRow();

 private:
  uint64_t lo_ = 0, hi_ = 0, count_ = 0;
  std::string buf_;  // one row's encoding, reused
};

Hash128 DigestOfRows(const Rows& rows);
// `tables` as a dump reply holds them: {"users": [row, ...], ...}. A table
// that is not a list counts as one row holding the whole value.
Hash128 DigestOfDumpTables(const nlohmann::json& tables);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_ROWS_DIGEST_H_
