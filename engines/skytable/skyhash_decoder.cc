// ResponseDecoder: the incremental Skyhash 2 response parser (skyhash.h).
#include <charconv>
#include <cstdio>
#include <limits>
#include <utility>

#include "engines/skytable/skyhash.h"

namespace crashlab {
namespace skyhash {

namespace {

std::string Hex2(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

// Width of each integer cell type, for range checks.
struct IntRange {
  int64_t min;
  uint64_t max;
};
IntRange RangeOf(CellType t) {
  switch (t) {
    case CellType::kU8:
      return {0, 0xFF};
    case CellType::kU16:
      return {0, 0xFFFF};
    case CellType::kU32:
      return {0, 0xFFFFFFFFu};
    case CellType::kS8:
      return {-128, 127};
    case CellType::kS16:
      return {-32768, 32767};
    case CellType::kS32:
      return {INT32_MIN, INT32_MAX};
    case CellType::kS64:
      return {std::numeric_limits<int64_t>::min(),
              static_cast<uint64_t>(std::numeric_limits<int64_t>::max())};
    default:
      return {0, std::numeric_limits<uint64_t>::max()};
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsFloatChar(char c) {
  return IsDigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' ||
         c == 'E' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

// --- ResponseDecoder ---------------------------------------------------------
//
// Method: a response is a sequence of atoms (the response header, then one
// cell header or scalar cell at a time). Each atom is parsed whole or not at
// all: when bytes are missing, pos_ stays at the atom's start and Next()
// returns nullopt; the next call resumes there. Nested lists and rows are an
// explicit stack of frames (where cells go, how many are left), so depth
// costs no native stack. retry_at_ skips re-parsing a long string until all
// of it has arrived, so feeding a response byte by byte stays linear.

void ResponseDecoder::Reset() {
  pos_ = 0;
  retry_at_ = 0;
  started_ = false;
  partial_ = Response();
  value_slot_.clear();
  stack_.clear();
  rows_left_ = 0;
  cells_ = 0;
}

Status ResponseDecoder::Poison(const std::string& what) {
  if (error_.empty()) error_ = what;
  return Status::BadInput(error_);
}

ResponseDecoder::Step ResponseDecoder::Bad(size_t at, const std::string& what) {
  if (error_.empty()) {
    error_ = "malformed Skyhash response at byte " + std::to_string(at) + ": " +
             what;
  }
  return Step::kBad;
}

Status ResponseDecoder::Feed(std::string_view bytes) {
  if (!error_.empty()) return Status::BadInput(error_);
  if (bytes.size() > limits_.max_bytes - buf_.size()) {
    return Poison("Skyhash response larger than " +
                  std::to_string(limits_.max_bytes) + " bytes");
  }
  buf_.append(bytes);
  return Status::Ok();
}

ResponseDecoder::Step ResponseDecoder::ReadNumberLine(size_t* p, bool loose,
                                                      size_t max_len,
                                                      std::string_view* text) {
  const size_t start = *p;
  for (size_t i = start; i < buf_.size(); ++i) {
    const char c = buf_[i];
    if (c == '\n') {
      if (i == start) return Bad(i, "empty number");
      *text = std::string_view(buf_).substr(start, i - start);
      *p = i + 1;
      return Step::kDone;
    }
    const bool ok = loose ? IsFloatChar(c) : IsDigit(c);
    if (!ok) return Bad(i, "unexpected byte " + Hex2(c) + " in a number");
    if (i - start >= max_len) return Bad(i, "number too long");
  }
  retry_at_ = buf_.size() + 1;
  return Step::kNeedMore;
}

ResponseDecoder::Step ResponseDecoder::ReadUnsigned(size_t* p, uint64_t* v) {
  std::string_view text;
  const size_t at = *p;
  Step s = ReadNumberLine(p, /*loose=*/false, 20, &text);
  if (s != Step::kDone) return s;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Bad(at, "number out of range");
  }
  return Step::kDone;
}

ResponseDecoder::Step ResponseDecoder::StartResponse() {
  size_t p = pos_;
  if (p >= buf_.size()) {
    retry_at_ = buf_.size() + 1;
    return Step::kNeedMore;
  }
  const uint8_t type = static_cast<uint8_t>(buf_[p++]);
  switch (type) {
    case 0x12:
      partial_.kind = Response::Kind::kEmpty;
      break;
    case 0x10:
      if (buf_.size() - p < 2) {
        retry_at_ = p + 2;
        return Step::kNeedMore;
      }
      partial_.kind = Response::Kind::kError;
      partial_.error =
          static_cast<uint16_t>(static_cast<uint8_t>(buf_[p]) |
                                (static_cast<uint8_t>(buf_[p + 1]) << 8));
      p += 2;
      break;
    case 0x11: {
      uint64_t ncols = 0;
      Step s = ReadUnsigned(&p, &ncols);
      if (s != Step::kDone) return s;
      partial_.kind = Response::Kind::kRow;
      stack_.push_back({&partial_.row, ncols});
      break;
    }
    case 0x13: {
      uint64_t nrows = 0, ncols = 0;
      Step s = ReadUnsigned(&p, &nrows);
      if (s == Step::kDone) s = ReadUnsigned(&p, &ncols);
      if (s != Step::kDone) return s;
      // Rows of no columns would cost memory without costing bytes.
      if (nrows > 0 && ncols == 0) return Bad(p, "multirow with 0 columns");
      partial_.kind = Response::Kind::kMultiRow;
      partial_.columns = ncols;
      rows_left_ = nrows;
      break;
    }
    default:
      if (type > static_cast<uint8_t>(CellType::kList)) {
        return Bad(pos_, "unknown response type " + Hex2(type));
      }
      // A single value: the type byte is the cell's own.
      partial_.kind = Response::Kind::kValue;
      stack_.push_back({&value_slot_, 1});
      p = pos_;
      break;
  }
  pos_ = p;
  started_ = true;
  return Step::kDone;
}

ResponseDecoder::Step ResponseDecoder::ParseCell(std::vector<Cell>* out) {
  size_t p = pos_;
  if (p >= buf_.size()) {
    retry_at_ = buf_.size() + 1;
    return Step::kNeedMore;
  }
  const uint8_t type = static_cast<uint8_t>(buf_[p++]);
  if (type > static_cast<uint8_t>(CellType::kList)) {
    return Bad(pos_, "unknown cell type " + Hex2(type));
  }
  Cell c;
  c.type = static_cast<CellType>(type);
  Step s = Step::kDone;
  switch (c.type) {
    case CellType::kNull:
      break;
    case CellType::kBool:
      if (p >= buf_.size()) {
        retry_at_ = p + 1;
        return Step::kNeedMore;
      }
      if (static_cast<uint8_t>(buf_[p]) > 1) {
        return Bad(p, "bool byte is " + Hex2(buf_[p]));
      }
      c.b = buf_[p++] == 1;
      break;
    case CellType::kF32:
    case CellType::kF64: {
      std::string_view text;
      const size_t at = p;
      s = ReadNumberLine(&p, /*loose=*/true, 64, &text);
      if (s != Step::kDone) return s;
      auto [end, ec] =
          std::from_chars(text.data(), text.data() + text.size(), c.f);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return Bad(at, "bad float '" + std::string(text) + "'");
      }
      break;
    }
    case CellType::kBinary:
    case CellType::kString: {
      uint64_t len = 0;
      s = ReadUnsigned(&p, &len);
      if (s != Step::kDone) return s;
      if (len > limits_.max_bytes)
        return Bad(p, "string longer than the limit");
      if (buf_.size() - p < len) {
        retry_at_ = p + len;
        return Step::kNeedMore;
      }
      c.bytes.assign(buf_, p, len);
      p += len;
      break;
    }
    case CellType::kList:
      s = ReadUnsigned(&p, &c.u);  // element count, until the frame is pushed
      if (s != Step::kDone) return s;
      if (stack_.size() >= limits_.max_depth) {
        return Bad(pos_, "lists nested deeper than " +
                             std::to_string(limits_.max_depth));
      }
      break;
    default: {
      const IntRange range = RangeOf(c.type);
      if (IsUnsigned(c.type)) {
        s = ReadUnsigned(&p, &c.u);
        if (s != Step::kDone) return s;
        if (c.u > range.max) return Bad(pos_, "integer out of range");
      } else {
        std::string_view text;
        s = ReadNumberLine(&p, /*loose=*/true, 20, &text);
        if (s != Step::kDone) return s;
        auto [end, ec] =
            std::from_chars(text.data(), text.data() + text.size(), c.i);
        if (ec != std::errc() || end != text.data() + text.size() ||
            c.i < range.min ||
            (c.i > 0 && static_cast<uint64_t>(c.i) > range.max)) {
          return Bad(pos_, "bad signed integer '" + std::string(text) + "'");
        }
      }
      break;
    }
  }
  if (++cells_ > limits_.max_cells) {
    return Bad(pos_, "more than " + std::to_string(limits_.max_cells) +
                         " cells in one response");
  }
  out->push_back(std::move(c));
  pos_ = p;
  return Step::kDone;
}

Result<std::optional<Response>> ResponseDecoder::Next() {
  if (!error_.empty()) return Status::BadInput(error_);
  if (buf_.size() < retry_at_) return std::optional<Response>();
  retry_at_ = 0;
  if (!started_) {
    const Step s = StartResponse();
    if (s == Step::kBad) return Status::BadInput(error_);
    if (s == Step::kNeedMore) return std::optional<Response>();
  }
  for (;;) {
    while (!stack_.empty() && stack_.back().remaining == 0) stack_.pop_back();
    if (stack_.empty()) {
      if (rows_left_ == 0) break;
      --rows_left_;
      partial_.rows.emplace_back();
      stack_.push_back({&partial_.rows.back(), partial_.columns});
      continue;
    }
    std::vector<Cell>* out = stack_.back().out;
    const Step s = ParseCell(out);
    if (s == Step::kBad) return Status::BadInput(error_);
    if (s == Step::kNeedMore) return std::optional<Response>();
    --stack_.back().remaining;
    Cell& added = out->back();
    if (added.type == CellType::kList) {
      const uint64_t n = added.u;
      added.u = 0;
      // `out` does not grow while this list is being filled, so the pointer
      // stays valid until the frame is popped.
      stack_.push_back({&added.list, n});
    }
  }
  Response done = std::move(partial_);
  if (done.kind == Response::Kind::kValue)
    done.value = std::move(value_slot_[0]);
  buf_.erase(0, pos_);
  Reset();
  return std::optional<Response>(std::move(done));
}

}  // namespace skyhash
}  // namespace crashlab
