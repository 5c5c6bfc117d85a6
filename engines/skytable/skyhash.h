// Skyhash 2: the wire protocol of Skytable 0.8, client side, by hand.
//
// What: encoders for the handshake and query packets (with typed
// parameters), and decoders for the handshake reply and for responses.
// The server's behaviour, not the published docs, is the reference
// (see engines/skytable/testdata/, real bytes from a 0.8.0 server):
//   handshake  'H' 00 00 00 00 00 <ulen>\n<plen>\n <user><password>
//   reply      'H' 00 00 00 accepted | 'H' 00 01 <code> refused
//   query      'S' <N>\n <Q>\n <query text> <params>, N = bytes after the
//              first '\n'; every value is a parameter, never inline text
//   response   0x12 empty | 0x10 error u16-LE | 0x11 row | 0x13 multirow |
//              any cell type (0x00..0x0E) as a single value
//
// ResponseDecoder is incremental: feed it bytes in any chunks; it says
// "need more" (nullopt) until a whole response is buffered. It never reads
// out of bounds, never recurses deeper than DecoderLimits::max_depth, never
// sizes an allocation from a count on the wire (memory grows only with
// bytes actually received, capped by the limits), and after malformed input
// returns the same error forever (a connection that produced it is dead).
//
// Ownership: plain values; the decoder owns its buffer.
// Thread-safety: none needed (no shared state); one decoder per connection.
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYHASH_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYHASH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab {
namespace skyhash {

// --- Requests ---------------------------------------------------------------

// A query parameter: the type byte of the protocol and its value.
struct Param {
  enum class Type : uint8_t {
    kNull = 0x00,
    kBool = 0x01,
    kUint = 0x02,
    kSint = 0x03,
    kFloat = 0x04,
    kBinary = 0x05,
    kString = 0x06,
  };
  Type type = Type::kNull;
  bool b = false;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  std::string bytes;  // binary / string

  static Param Null() { return {}; }
  static Param Bool(bool v);
  static Param Uint(uint64_t v);
  static Param Sint(int64_t v);
  static Param Float(double v);
  static Param Binary(std::string v);
  static Param String(std::string v);
  bool operator==(const Param&) const = default;
};

std::string EncodeHandshake(std::string_view user, std::string_view password);
std::string EncodeQuery(std::string_view query,
                        const std::vector<Param>& params);

// --- Handshake reply ---------------------------------------------------------

struct HandshakeReply {
  bool accepted = false;
  uint8_t code = 0;  // why it was refused
};
// nullopt while fewer than the reply's 4 bytes are buffered; BadInput for
// anything that is not a handshake reply.
Result<std::optional<HandshakeReply>> DecodeHandshakeReply(
    std::string_view bytes);
// "bad credentials" for 5, ...
std::string HandshakeErrorName(uint8_t code);

// --- Responses ---------------------------------------------------------------

enum class CellType : uint8_t {
  kNull = 0x00,
  kBool = 0x01,
  kU8 = 0x02,
  kU16 = 0x03,
  kU32 = 0x04,
  kU64 = 0x05,
  kS8 = 0x06,
  kS16 = 0x07,
  kS32 = 0x08,
  kS64 = 0x09,
  kF32 = 0x0A,
  kF64 = 0x0B,
  kBinary = 0x0C,
  kString = 0x0D,
  kList = 0x0E,
};
bool IsUnsigned(CellType t);
bool IsSigned(CellType t);

struct Cell {
  CellType type = CellType::kNull;
  bool b = false;
  uint64_t u = 0;     // kU8..kU64
  int64_t i = 0;      // kS8..kS64
  double f = 0;       // kF32, kF64
  std::string bytes;  // kBinary, kString
  std::vector<Cell> list;

  // Compact and unambiguous: "alice" (quoted, escaped), u64:1, s8:-2,
  // f64:1.5, bin:"..", true, null, [a, b].
  std::string DebugString() const;
};

struct Response {
  enum class Kind : uint8_t { kEmpty, kError, kValue, kRow, kMultiRow };
  Kind kind = Kind::kEmpty;
  uint16_t error = 0;                   // kError
  Cell value;                           // kValue
  std::vector<Cell> row;                // kRow
  uint64_t columns = 0;                 // kMultiRow
  std::vector<std::vector<Cell>> rows;  // kMultiRow

  // "empty", "error 111 (row not found)", "value true",
  // "row(\"bob\", true)", "multirow 2x5 [(..), (..)]".
  std::string DebugString() const;
};

// The server's name for an error code: 111 -> "row not found"; unknown
// codes -> "unknown error code N".
std::string ErrorName(uint16_t code);
// "error 108 (duplicate)"
std::string DescribeError(uint16_t code);

// Codes crashlab acts on.
inline constexpr uint16_t kErrAlreadyExists = 103;
inline constexpr uint16_t kErrDuplicate = 108;
inline constexpr uint16_t kErrRowNotFound = 111;

struct DecoderLimits {
  size_t max_bytes = size_t{64} << 20;  // one response, buffered
  size_t max_cells = size_t{1} << 21;   // cells in one response
  size_t max_depth = 32;                // nested lists
};

class ResponseDecoder {
 public:
  explicit ResponseDecoder(DecoderLimits limits = {}) : limits_(limits) {}

  // Buffers bytes from the server. BadInput once the response being decoded
  // would exceed limits.max_bytes.
  Status Feed(std::string_view bytes);
  // The next whole response; nullopt when more bytes are needed; BadInput
  // (for good) when the bytes are not Skyhash. Bytes after a response stay
  // buffered for the next call.
  Result<std::optional<Response>> Next();
  // Bytes received and not yet returned as part of a response.
  size_t buffered() const { return buf_.size(); }

 private:
  enum class Step : uint8_t { kDone, kNeedMore, kBad };
  struct Frame {
    std::vector<Cell>* out;
    uint64_t remaining;
  };

  Step StartResponse();
  Step ParseCell(std::vector<Cell>* out);
  // A '\n'-terminated number of at most max_len bytes; `loose` also lets
  // through signs, '.', letters (signed ints, floats: the caller parses).
  Step ReadNumberLine(size_t* p, bool loose, size_t max_len,
                      std::string_view* text);
  Step ReadUnsigned(size_t* p, uint64_t* v);
  Step Bad(size_t at, const std::string& what);
  Status Poison(const std::string& what);
  void Reset();

  DecoderLimits limits_;
  std::string buf_;
  size_t pos_ = 0;       // bytes of buf_ consumed by the current response
  size_t retry_at_ = 0;  // do not parse again before buf_ holds this many
  bool started_ = false;
  Response partial_;
  std::vector<Cell> value_slot_;  // holds a single-value response
  std::vector<Frame> stack_;
  uint64_t rows_left_ = 0;
  size_t cells_ = 0;
  std::string error_;  // set once malformed input was seen
};

}  // namespace skyhash
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYHASH_H_
