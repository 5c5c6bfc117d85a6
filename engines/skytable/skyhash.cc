#include "engines/skytable/skyhash.h"

#include <charconv>
#include <cstdio>
#include <iterator>
#include <utility>

namespace crashlab {
namespace skyhash {

namespace {

void AppendLengthPrefixed(std::string_view bytes, std::string* out) {
  *out += std::to_string(bytes.size());
  out->push_back('\n');
  out->append(bytes);
}

std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string Hex2(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

}  // namespace

// --- Requests ----------------------------------------------------------------

Param Param::Bool(bool v) {
  Param p;
  p.type = Type::kBool;
  p.b = v;
  return p;
}
Param Param::Uint(uint64_t v) {
  Param p;
  p.type = Type::kUint;
  p.u = v;
  return p;
}
Param Param::Sint(int64_t v) {
  Param p;
  p.type = Type::kSint;
  p.i = v;
  return p;
}
Param Param::Float(double v) {
  Param p;
  p.type = Type::kFloat;
  p.f = v;
  return p;
}
Param Param::Binary(std::string v) {
  Param p;
  p.type = Type::kBinary;
  p.bytes = std::move(v);
  return p;
}
Param Param::String(std::string v) {
  Param p;
  p.type = Type::kString;
  p.bytes = std::move(v);
  return p;
}

std::string EncodeHandshake(std::string_view user, std::string_view password) {
  // 'H', then handshake version, protocol version, exchange mode, query
  // mode and auth mode, each a raw zero byte.
  std::string out("H\0\0\0\0\0", 6);
  out += std::to_string(user.size()) + "\n" + std::to_string(password.size()) +
         "\n";
  out.append(user);
  out.append(password);
  return out;
}

namespace {

void AppendParam(const Param& p, std::string* out) {
  out->push_back(static_cast<char>(p.type));
  switch (p.type) {
    case Param::Type::kNull:
      break;
    case Param::Type::kBool:
      out->push_back(p.b ? '\1' : '\0');  // raw byte, no '\n'
      break;
    case Param::Type::kUint:
      *out += std::to_string(p.u) + "\n";
      break;
    case Param::Type::kSint:
      *out += std::to_string(p.i) + "\n";
      break;
    case Param::Type::kFloat:
      *out += FormatDouble(p.f) + "\n";
      break;
    case Param::Type::kBinary:
    case Param::Type::kString:
      AppendLengthPrefixed(p.bytes, out);
      break;
  }
}

}  // namespace

std::string EncodeQuery(std::string_view query,
                        const std::vector<Param>& params) {
  std::string body;
  AppendLengthPrefixed(query, &body);
  for (const Param& p : params) AppendParam(p, &body);
  return "S" + std::to_string(body.size()) + "\n" + body;
}

// --- Handshake reply ---------------------------------------------------------

Result<std::optional<HandshakeReply>> DecodeHandshakeReply(std::string_view b) {
  auto bad = [&](const std::string& what) -> Status {
    return Status::BadInput("malformed Skyhash handshake reply: " + what);
  };
  if (!b.empty() && b[0] != 'H') return bad("first byte is " + Hex2(b[0]));
  if (b.size() >= 2 && b[1] != 0) return bad("second byte is " + Hex2(b[1]));
  if (b.size() >= 3 && b[2] != 0 && b[2] != 1) {
    return bad("status byte is " + Hex2(b[2]));
  }
  if (b.size() < 4) return std::optional<HandshakeReply>();
  HandshakeReply r;
  r.accepted = b[2] == 0;
  r.code = static_cast<uint8_t>(b[3]);
  if (r.accepted && r.code != 0)
    return bad("accepted with code " + Hex2(r.code));
  return std::optional<HandshakeReply>(r);
}

std::string HandshakeErrorName(uint8_t code) {
  static constexpr const char* kNames[] = {
      "bad handshake packet",         "unsupported handshake version",
      "unsupported protocol version", "unsupported exchange mode",
      "unsupported query mode",       "bad credentials",
  };
  if (code < std::size(kNames)) return kNames[code];
  return "unknown handshake error " + std::to_string(code);
}

// --- Names and debug strings -------------------------------------------------

std::string ErrorName(uint16_t code) {
  // The server's QueryError codes (server/src/engine/error.rs, 0.8).
  struct Name {
    uint16_t code;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {0, "server I/O error"},
      {1, "out of memory"},
      {2, "unknown server error"},
      {3, "auth error"},
      {4, "transactional error"},
      {5, "permission denied"},
      {6, "illegal packet"},
      {25, "invalid input (lexer)"},
      {26, "unexpected byte (lexer)"},
      {27, "unexpected end of statement"},
      {28, "invalid syntax"},
      {29, "invalid collection syntax"},
      {30, "invalid type definition syntax"},
      {31, "expected entity"},
      {32, "expected statement"},
      {33, "unknown statement"},
      {100, "object not found"},
      {101, "unknown field"},
      {102, "invalid properties"},
      {103, "already exists"},
      {104, "not empty"},
      {105, "invalid type definition"},
      {106, "bad model definition"},
      {107, "illegal alter model"},
      {108, "duplicate"},
      {109, "validation error"},
      {110, "WHERE on a non-primary-key column"},
      {111, "row not found"},
      {112, "needs a lock"},
  };
  for (const Name& n : kNames) {
    if (n.code == code) return n.name;
  }
  return "unknown error code " + std::to_string(code);
}

std::string DescribeError(uint16_t code) {
  return "error " + std::to_string(code) + " (" + ErrorName(code) + ")";
}

bool IsUnsigned(CellType t) {
  return t >= CellType::kU8 && t <= CellType::kU64;
}
bool IsSigned(CellType t) { return t >= CellType::kS8 && t <= CellType::kS64; }

std::string Cell::DebugString() const {
  static const char* kIntNames[] = {"u8", "u16", "u32", "u64",
                                    "s8", "s16", "s32", "s64"};
  switch (type) {
    case CellType::kNull:
      return "null";
    case CellType::kBool:
      return b ? "true" : "false";
    case CellType::kF32:
      return "f32:" + FormatDouble(f);
    case CellType::kF64:
      return "f64:" + FormatDouble(f);
    case CellType::kBinary:
      return "bin:" + Quote(bytes);
    case CellType::kString:
      return Quote(bytes);
    case CellType::kList: {
      std::string out = "[";
      for (size_t k = 0; k < list.size(); ++k) {
        out += (k ? ", " : "") + list[k].DebugString();
      }
      return out + "]";
    }
    default:
      break;
  }
  const int idx = static_cast<int>(type) - static_cast<int>(CellType::kU8);
  if (IsUnsigned(type))
    return std::string(kIntNames[idx]) + ":" + std::to_string(u);
  return std::string(kIntNames[idx]) + ":" + std::to_string(i);
}

namespace {
std::string JoinCells(const std::vector<Cell>& cells) {
  std::string out = "(";
  for (size_t k = 0; k < cells.size(); ++k) {
    out += (k ? ", " : "") + cells[k].DebugString();
  }
  return out + ")";
}
}  // namespace

std::string Response::DebugString() const {
  switch (kind) {
    case Kind::kEmpty:
      return "empty";
    case Kind::kError:
      return DescribeError(error);
    case Kind::kValue:
      return "value " + value.DebugString();
    case Kind::kRow:
      return "row" + JoinCells(row);
    case Kind::kMultiRow: {
      std::string out = "multirow " + std::to_string(rows.size()) + "x" +
                        std::to_string(columns) + " [";
      for (size_t k = 0; k < rows.size(); ++k) {
        out += (k ? ", " : "") + JoinCells(rows[k]);
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace skyhash
}  // namespace crashlab
