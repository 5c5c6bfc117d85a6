// EDN: the subset of Clojure's data notation that Jepsen and Elle histories
// use, read and written without a Clojure runtime.
//
// Supported: nil, true/false, integers (with an optional N suffix), floats
// (and ##Inf, ##-Inf, ##NaN), strings with escapes, characters, keywords,
// symbols, lists, vectors, maps, sets, tagged values (`#inst "..."`,
// `#jepsen.history.Op{...}`: the tag is kept, the value read), comments
// (`;` to end of line) and discards (`#_ form`). Commas are whitespace.
//
// Input is untrusted (it is fuzzed): every error is a Status naming the line
// and column (1-based, bytes) where reading stopped; nesting deeper than
// `max_depth` is an error, never a stack overflow; nothing throws.
//
// EdnValue is a plain value tree owned by whoever holds it. EdnReader reads a
// text it does not own (the caller keeps it alive) one top-level form at a
// time, so a history of a million maps never becomes one tree. Neither type
// is thread-safe to share while mutating; distinct instances are independent.
#ifndef CRASHLAB_CHECKERS_ISOLATION_EDN_H_
#define CRASHLAB_CHECKERS_ISOLATION_EDN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab {

struct EdnValue {
  enum class Kind : uint8_t {
    kNil,
    kBool,
    kInt,
    kFloat,
    kString,
    kChar,
    kKeyword,  // text holds the name without the leading ':'
    kSymbol,
    kList,
    kVector,
    kMap,     // items hold key, value, key, value, ...
    kSet,
    kTagged,  // text holds the tag; items[0] the tagged value
  };
  Kind kind = Kind::kNil;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;
  std::vector<EdnValue> items;
  int line = 0, column = 0;  // where the value starts in its text

  static EdnValue Nil() { return EdnValue(); }
  static EdnValue Bool(bool b);
  static EdnValue Int(int64_t i);
  static EdnValue String(std::string s);
  static EdnValue Keyword(std::string name);
  static EdnValue Vector(std::vector<EdnValue> items);
  static EdnValue Map(std::vector<EdnValue> key_values);

  bool is_nil() const { return kind == Kind::kNil; }
  // Lists and vectors alike (Jepsen writes either for a sequence).
  bool is_sequence() const {
    return kind == Kind::kList || kind == Kind::kVector;
  }
  // For a map: the value under keyword `name`, or nullptr.
  const EdnValue* Get(std::string_view keyword_name) const;
  // This value with tags peeled off (`#tag x` -> x).
  const EdnValue& Untagged() const;
};

const char* EdnKindName(EdnValue::Kind kind);

class EdnReader {
 public:
  static constexpr int kDefaultMaxDepth = 128;
  explicit EdnReader(std::string_view text, int max_depth = kDefaultMaxDepth);

  // The next top-level form, or nullopt at the end of the text.
  Result<std::optional<EdnValue>> Next();

  // If the next top-level form is a vector or list, consumes its opening
  // bracket and returns true: Next() then yields its elements one by one and
  // nullopt at its closing bracket (after which only whitespace may follow).
  // Returns false (consuming only whitespace) otherwise.
  bool EnterSequence();

  // Where the reader stands, 1-based.
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  Status Error(const std::string& what) const;
  Status ErrorAt(int line, int column, const std::string& what) const;
  void SkipSpace();
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Advance();
  Status ReadValue(EdnValue* out, int depth);
  Status ReadCollection(char close, EdnValue* out, int depth);
  Status ReadString(EdnValue* out);
  Status ReadChar(EdnValue* out);
  Status ReadNumber(EdnValue* out);
  Status ReadSymbolic(EdnValue* out);
  Status ReadDispatch(EdnValue* out, int depth);
  std::string_view ReadToken();

  std::string_view text_;
  int max_depth_;
  size_t pos_ = 0;
  int line_ = 1, column_ = 1;
  char top_close_ = '\0';  // inside EnterSequence(): its closing bracket
  bool top_done_ = false;
};

// Exactly one form (surrounding whitespace and comments allowed).
Result<EdnValue> ParseEdn(std::string_view text,
                          int max_depth = EdnReader::kDefaultMaxDepth);

// The EDN text of `v` on one line (maps as `{:a 1, :b 2}`, as Clojure prints).
std::string WriteEdn(const EdnValue& v);
void AppendEdn(const EdnValue& v, std::string* out);
// Appends `s` as an EDN string literal (quoted, escaped).
void AppendEdnString(std::string_view s, std::string* out);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_EDN_H_
