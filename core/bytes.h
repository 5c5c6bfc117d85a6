// Little-endian byte encoding for crashlab's binary formats (trace records).
// ByteReader never reads past its input: every getter returns false instead.
#ifndef CRASHLAB_CORE_BYTES_H_
#define CRASHLAB_CORE_BYTES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace crashlab {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void Raw(std::string_view s) { out_.append(s); }
  // u32 length, then the bytes.
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  void Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) { return Le(v, 1); }
  bool U16(uint16_t* v) { return Le(v, 2); }
  bool U32(uint32_t* v) { return Le(v, 4); }
  bool U64(uint64_t* v) { return Le(v, 8); }
  bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || in_.size() - pos_ < n) return false;
    s->assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool empty() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }

 private:
  template <typename T>
  bool Le(T* v, size_t n) {
    if (in_.size() - pos_ < n) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; ++i) {
      x |= uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    }
    *v = static_cast<T>(x);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

// Lower-case hex of the first `max` bytes of `s`, with "..." if cut.
inline std::string HexHead(std::string_view s, size_t max) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace crashlab

#endif  // CRASHLAB_CORE_BYTES_H_
