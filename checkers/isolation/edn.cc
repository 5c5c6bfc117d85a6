#include "checkers/isolation/edn.h"

#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace crashlab {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
         c == '\f' || c == '\v';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Characters that may appear inside a symbol, keyword or number token.
bool IsConstituent(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;  // UTF-8 in names is passed through
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c)) {
    return true;
  }
  switch (c) {
    case '.': case '*': case '+': case '!': case '-': case '_': case '?':
    case '$': case '%': case '&': case '=': case '<': case '>': case '/':
    case ':': case '#': case '\'':
      return true;
    default:
      return false;
  }
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ParseHex4(std::string_view s, uint32_t* cp) {
  if (s.size() != 4) return false;
  uint32_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (IsDigit(c)) v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else return false;
  }
  *cp = v;
  return true;
}

}  // namespace

EdnValue EdnValue::Bool(bool b) {
  EdnValue v;
  v.kind = Kind::kBool;
  v.boolean = b;
  return v;
}
EdnValue EdnValue::Int(int64_t i) {
  EdnValue v;
  v.kind = Kind::kInt;
  v.integer = i;
  return v;
}
EdnValue EdnValue::String(std::string s) {
  EdnValue v;
  v.kind = Kind::kString;
  v.text = std::move(s);
  return v;
}
EdnValue EdnValue::Keyword(std::string name) {
  EdnValue v;
  v.kind = Kind::kKeyword;
  v.text = std::move(name);
  return v;
}
EdnValue EdnValue::Vector(std::vector<EdnValue> items) {
  EdnValue v;
  v.kind = Kind::kVector;
  v.items = std::move(items);
  return v;
}
EdnValue EdnValue::Map(std::vector<EdnValue> key_values) {
  assert(key_values.size() % 2 == 0);
  EdnValue v;
  v.kind = Kind::kMap;
  v.items = std::move(key_values);
  return v;
}

const EdnValue* EdnValue::Get(std::string_view keyword_name) const {
  if (kind != Kind::kMap) return nullptr;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    const EdnValue& k = items[i];
    if (k.kind == Kind::kKeyword && k.text == keyword_name) return &items[i + 1];
  }
  return nullptr;
}

const EdnValue& EdnValue::Untagged() const {
  const EdnValue* v = this;
  while (v->kind == Kind::kTagged && !v->items.empty()) v = &v->items[0];
  return *v;
}

const char* EdnKindName(EdnValue::Kind kind) {
  using K = EdnValue::Kind;
  switch (kind) {
    case K::kNil: return "nil";
    case K::kBool: return "boolean";
    case K::kInt: return "integer";
    case K::kFloat: return "float";
    case K::kString: return "string";
    case K::kChar: return "character";
    case K::kKeyword: return "keyword";
    case K::kSymbol: return "symbol";
    case K::kList: return "list";
    case K::kVector: return "vector";
    case K::kMap: return "map";
    case K::kSet: return "set";
    case K::kTagged: return "tagged value";
  }
  return "?";
}

// ---------------------------------------------------------------- reading

EdnReader::EdnReader(std::string_view text, int max_depth)
    : text_(text), max_depth_(max_depth) {}

Status EdnReader::ErrorAt(int line, int column, const std::string& what) const {
  return Status::BadInput(
      fmt::format("edn line {}, column {}: {}", line, column, what));
}

Status EdnReader::Error(const std::string& what) const {
  return ErrorAt(line_, column_, what);
}

void EdnReader::Advance() {
  if (AtEnd()) return;
  if (text_[pos_] == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  ++pos_;
}

void EdnReader::SkipSpace() {
  while (!AtEnd()) {
    const char c = Peek();
    if (IsSpace(c)) {
      Advance();
    } else if (c == ';') {
      while (!AtEnd() && Peek() != '\n') Advance();
    } else {
      return;
    }
  }
}

std::string_view EdnReader::ReadToken() {
  const size_t start = pos_;
  while (!AtEnd() && IsConstituent(Peek())) Advance();
  return text_.substr(start, pos_ - start);
}

bool EdnReader::EnterSequence() {
  SkipSpace();
  if (top_close_ != '\0' || AtEnd()) return false;
  if (Peek() != '[' && Peek() != '(') return false;
  top_close_ = Peek() == '[' ? ']' : ')';
  Advance();
  return true;
}

Result<std::optional<EdnValue>> EdnReader::Next() {
  // Discards between top-level forms are read like any form, then dropped.
  for (;;) {
    SkipSpace();
    if (Peek() == '#' && Peek(1) == '_') {
      Advance();
      Advance();
      SkipSpace();
      if (AtEnd() || Peek() == top_close_) return Error("#_ discards nothing");
      EdnValue dropped;
      CRASHLAB_RETURN_IF_ERROR(ReadValue(&dropped, 1));
      continue;
    }
    break;
  }
  if (top_close_ != '\0') {
    if (top_done_) return std::optional<EdnValue>();
    if (AtEnd()) return Error("the history's opening bracket is never closed");
    if (Peek() == top_close_) {
      Advance();
      top_done_ = true;
      SkipSpace();
      if (!AtEnd()) return Error("unexpected text after the history");
      return std::optional<EdnValue>();
    }
  } else if (AtEnd()) {
    return std::optional<EdnValue>();
  }
  EdnValue v;
  CRASHLAB_RETURN_IF_ERROR(ReadValue(&v, 1));
  return std::optional<EdnValue>(std::move(v));
}

Status EdnReader::ReadValue(EdnValue* out, int depth) {
  if (depth > max_depth_) {
    return Error(fmt::format("nested deeper than {} levels", max_depth_));
  }
  SkipSpace();
  if (AtEnd()) return Error("unexpected end of input");
  out->line = line_;
  out->column = column_;
  const char c = Peek();
  switch (c) {
    case '(':
      Advance();
      out->kind = EdnValue::Kind::kList;
      return ReadCollection(')', out, depth);
    case '[':
      Advance();
      out->kind = EdnValue::Kind::kVector;
      return ReadCollection(']', out, depth);
    case '{':
      Advance();
      out->kind = EdnValue::Kind::kMap;
      return ReadCollection('}', out, depth);
    case ')':
    case ']':
    case '}':
      return Error(fmt::format("unexpected '{}'", c));
    case '"':
      return ReadString(out);
    case '\\':
      return ReadChar(out);
    case '#':
      return ReadDispatch(out, depth);
    default:
      break;
  }
  if (IsDigit(c) || ((c == '+' || c == '-') && IsDigit(Peek(1)))) {
    return ReadNumber(out);
  }
  return ReadSymbolic(out);
}

Status EdnReader::ReadCollection(char close, EdnValue* out, int depth) {
  const int line = out->line, column = out->column;
  for (;;) {
    SkipSpace();
    if (AtEnd()) {
      return Error(fmt::format("the '{}' opened at line {}, column {} is "
                               "never closed",
                               close == ')' ? '(' : close == ']' ? '[' : '{',
                               line, column));
    }
    if (Peek() == close) {
      Advance();
      break;
    }
    if (Peek() == '#' && Peek(1) == '_') {
      Advance();
      Advance();
      SkipSpace();
      if (AtEnd() || Peek() == close) return Error("#_ discards nothing");
      EdnValue dropped;
      CRASHLAB_RETURN_IF_ERROR(ReadValue(&dropped, depth + 1));
      continue;
    }
    out->items.emplace_back();
    CRASHLAB_RETURN_IF_ERROR(ReadValue(&out->items.back(), depth + 1));
  }
  if ((out->kind == EdnValue::Kind::kMap) && out->items.size() % 2 != 0) {
    return ErrorAt(line, column, "map has a key without a value");
  }
  return Status::Ok();
}

Status EdnReader::ReadString(EdnValue* out) {
  const int line = line_, column = column_;
  Advance();  // opening quote
  out->kind = EdnValue::Kind::kString;
  for (;;) {
    if (AtEnd()) {
      return ErrorAt(line, column, "string is never closed");
    }
    const char c = Peek();
    if (c == '"') {
      Advance();
      return Status::Ok();
    }
    if (c != '\\') {
      out->text.push_back(c);
      Advance();
      continue;
    }
    Advance();
    if (AtEnd()) return ErrorAt(line, column, "string is never closed");
    const char e = Peek();
    Advance();
    switch (e) {
      case 'n': out->text.push_back('\n'); break;
      case 't': out->text.push_back('\t'); break;
      case 'r': out->text.push_back('\r'); break;
      case 'b': out->text.push_back('\b'); break;
      case 'f': out->text.push_back('\f'); break;
      case '"': out->text.push_back('"'); break;
      case '\\': out->text.push_back('\\'); break;
      case 'u': {
        uint32_t cp = 0;
        if (!ParseHex4(text_.substr(pos_, 4), &cp)) {
          return Error("\\u must be followed by four hex digits");
        }
        for (int i = 0; i < 4; ++i) Advance();
        AppendUtf8(cp, &out->text);
        break;
      }
      default:
        return Error(fmt::format("unknown escape '\\{}' in string", e));
    }
  }
}

Status EdnReader::ReadChar(EdnValue* out) {
  Advance();  // backslash
  if (AtEnd()) return Error("character literal is cut off");
  const size_t start = pos_;
  Advance();
  if (IsConstituent(text_[start])) {
    while (!AtEnd() && IsConstituent(Peek())) Advance();
  }
  std::string_view tok = text_.substr(start, pos_ - start);
  out->kind = EdnValue::Kind::kChar;
  uint32_t cp = 0;
  if (tok.size() == 1 || static_cast<unsigned char>(tok[0]) >= 0x80) {
    out->text = std::string(tok);
  } else if (tok == "newline") {
    out->text = "\n";
  } else if (tok == "space") {
    out->text = " ";
  } else if (tok == "tab") {
    out->text = "\t";
  } else if (tok == "return") {
    out->text = "\r";
  } else if (tok == "formfeed") {
    out->text = "\f";
  } else if (tok == "backspace") {
    out->text = "\b";
  } else if (tok[0] == 'u' && ParseHex4(tok.substr(1), &cp)) {
    AppendUtf8(cp, &out->text);
  } else {
    return Error(fmt::format("unknown character literal \\{}", tok));
  }
  return Status::Ok();
}

Status EdnReader::ReadNumber(EdnValue* out) {
  const int line = line_, column = column_;
  std::string_view tok = ReadToken();
  bool is_float = false;
  if (!tok.empty() && (tok.back() == 'N' || tok.back() == 'M')) {
    is_float = tok.back() == 'M';
    tok.remove_suffix(1);
  }
  for (char c : tok) {
    if (c == '.' || c == 'e' || c == 'E') is_float = true;
    if (c == '/') return ErrorAt(line, column, "ratios are not supported");
  }
  if (is_float) {
    const std::string s(tok);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() ||
        s.find_first_of("xXpP") != std::string::npos) {
      return ErrorAt(line, column, fmt::format("bad number '{}'", s));
    }
    out->kind = EdnValue::Kind::kFloat;
    out->number = d;
    return Status::Ok();
  }
  size_t i = 0;
  bool negative = false;
  if (i < tok.size() && (tok[i] == '+' || tok[i] == '-')) {
    negative = tok[i] == '-';
    ++i;
  }
  if (i >= tok.size()) return ErrorAt(line, column, "bad number");
  // Accumulate as a negative number so INT64_MIN is representable.
  int64_t v = 0;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  for (; i < tok.size(); ++i) {
    if (!IsDigit(tok[i])) {
      return ErrorAt(line, column, fmt::format("bad number '{}'", tok));
    }
    const int d = tok[i] - '0';
    if (v < (kMin + d) / 10) {
      return ErrorAt(line, column,
                     fmt::format("integer '{}' is out of range", tok));
    }
    v = v * 10 - d;
  }
  if (!negative) {
    if (v == kMin) {
      return ErrorAt(line, column,
                     fmt::format("integer '{}' is out of range", tok));
    }
    v = -v;
  }
  out->kind = EdnValue::Kind::kInt;
  out->integer = v;
  return Status::Ok();
}

Status EdnReader::ReadSymbolic(EdnValue* out) {
  const int line = line_, column = column_;
  const bool keyword = Peek() == ':';
  if (keyword) Advance();
  std::string_view tok = ReadToken();
  if (tok.empty()) {
    if (keyword) return ErrorAt(line, column, "empty keyword");
    return ErrorAt(line, column,
                   fmt::format("unexpected character '{}'", Peek()));
  }
  if (keyword) {
    if (tok[0] == ':') return ErrorAt(line, column, "'::' is not valid EDN");
    out->kind = EdnValue::Kind::kKeyword;
    out->text = std::string(tok);
    return Status::Ok();
  }
  if (tok == "nil") {
    out->kind = EdnValue::Kind::kNil;
  } else if (tok == "true" || tok == "false") {
    out->kind = EdnValue::Kind::kBool;
    out->boolean = tok == "true";
  } else {
    out->kind = EdnValue::Kind::kSymbol;
    out->text = std::string(tok);
  }
  return Status::Ok();
}

Status EdnReader::ReadDispatch(EdnValue* out, int depth) {
  const int line = line_, column = column_;
  Advance();  // '#'
  const char c = Peek();
  if (c == '{') {
    Advance();
    out->kind = EdnValue::Kind::kSet;
    return ReadCollection('}', out, depth);
  }
  if (c == '#') {
    Advance();
    std::string_view tok = ReadToken();
    out->kind = EdnValue::Kind::kFloat;
    if (tok == "Inf") {
      out->number = std::numeric_limits<double>::infinity();
    } else if (tok == "-Inf") {
      out->number = -std::numeric_limits<double>::infinity();
    } else if (tok == "NaN") {
      out->number = std::numeric_limits<double>::quiet_NaN();
    } else {
      return ErrorAt(line, column, fmt::format("unknown value ##{}", tok));
    }
    return Status::Ok();
  }
  if (c == '_') {
    Advance();
    SkipSpace();
    if (AtEnd()) return Error("#_ discards nothing");
    EdnValue dropped;
    CRASHLAB_RETURN_IF_ERROR(ReadValue(&dropped, depth + 1));
    return ReadValue(out, depth);
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    std::string_view tag = ReadToken();
    out->kind = EdnValue::Kind::kTagged;
    out->text = std::string(tag);
    SkipSpace();
    if (AtEnd()) return Error(fmt::format("#{} tags nothing", tag));
    out->items.emplace_back();
    return ReadValue(&out->items.back(), depth + 1);
  }
  return ErrorAt(line, column, fmt::format("unsupported dispatch '#{}'",
                                           AtEnd() ? ' ' : c));
}

Result<EdnValue> ParseEdn(std::string_view text, int max_depth) {
  EdnReader reader(text, max_depth);
  auto first = reader.Next();
  if (!first.ok()) return first.status();
  if (!first->has_value()) return Status::BadInput("edn: empty input");
  auto second = reader.Next();
  if (!second.ok()) return second.status();
  if (second->has_value()) {
    return Status::BadInput(fmt::format(
        "edn line {}, column {}: more than one value", (*second)->line,
        (*second)->column));
  }
  return std::move(**first);
}

}  // namespace crashlab
