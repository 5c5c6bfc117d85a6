// EDN writing (edn.h): AppendEdn, AppendEdnString, WriteEdn. Reading is
// in edn.cc.
#include "checkers/isolation/edn.h"

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace crashlab {

void AppendEdnString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append(fmt::format("\\u{:04x}", static_cast<unsigned>(c)));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

namespace {

void AppendFloat(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("##NaN");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "##Inf" : "##-Inf");
  } else {
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    out->append(s);
  }
}

void AppendChar(const std::string& c, std::string* out) {
  if (c == "\n") out->append("\\newline");
  else if (c == " ") out->append("\\space");
  else if (c == "\t") out->append("\\tab");
  else if (c == "\r") out->append("\\return");
  else if (c == "\f") out->append("\\formfeed");
  else if (c == "\b") out->append("\\backspace");
  else if (c.size() == 1 && static_cast<unsigned char>(c[0]) < 0x20)
    out->append(fmt::format("\\u{:04x}", static_cast<unsigned>(c[0])));
  else out->append("\\" + c);
}

// `open`, the items separated by spaces (a map's pairs by commas), `close`.
void AppendItems(const char* open, const std::vector<EdnValue>& items,
                 bool map, char close, std::string* out) {
  out->append(open);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->append(map && i % 2 == 0 ? ", " : " ");
    AppendEdn(items[i], out);
  }
  out->push_back(close);
}

}  // namespace

void AppendEdn(const EdnValue& v, std::string* out) {
  using K = EdnValue::Kind;
  switch (v.kind) {
    case K::kNil: out->append("nil"); return;
    case K::kBool: out->append(v.boolean ? "true" : "false"); return;
    case K::kInt: out->append(fmt::format("{}", v.integer)); return;
    case K::kFloat: AppendFloat(v.number, out); return;
    case K::kString: AppendEdnString(v.text, out); return;
    case K::kChar: AppendChar(v.text, out); return;
    case K::kKeyword: out->append(":" + v.text); return;
    case K::kSymbol: out->append(v.text); return;
    case K::kList: AppendItems("(", v.items, false, ')', out); return;
    case K::kVector: AppendItems("[", v.items, false, ']', out); return;
    case K::kMap: AppendItems("{", v.items, true, '}', out); return;
    case K::kSet: AppendItems("#{", v.items, false, '}', out); return;
    case K::kTagged:
      out->append("#" + v.text + " ");
      if (!v.items.empty()) AppendEdn(v.items[0], out);
      else out->append("nil");
      return;
  }
}

std::string WriteEdn(const EdnValue& v) {
  std::string out;
  AppendEdn(v, &out);
  return out;
}

}  // namespace crashlab
