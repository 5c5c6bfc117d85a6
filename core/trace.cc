#include "core/trace.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/files.h"

namespace crashlab {
namespace {

constexpr char kMagic[8] = {'c', 'r', 'a', 's', 'h', 'l', 'a', 'b'};
constexpr size_t kHeaderSize = 16;
constexpr size_t kFrameSize = 8;
constexpr size_t kFlushThreshold = 256 * 1024;
// A record larger than this is treated as corruption, not allocated.
constexpr uint32_t kMaxPayload = 64u * 1024 * 1024;

// Field bits, in encoding order.
enum FieldBit : uint16_t {
  kFile = 1 << 0,
  kParent = 1 << 1,
  kNewParent = 1 << 2,
  kOffset = 1 << 3,
  kLength = 1 << 4,
  kMode = 1 << 5,
  kFlags = 1 << 6,
  kName = 1 << 7,
  kNewName = 1 << 8,
  kData = 1 << 9,
  kOther = 1 << 10,
};
constexpr uint16_t kKnownFields = (1 << 11) - 1;

constexpr std::array<const char*, kMaxOp + 1> kOpNames = {
    "?",        "base",      "base_entry", "create", "mkdir",
    "symlink",  "link",      "unlink",     "rmdir",  "rename",
    "write",    "truncate",  "fallocate",  "fsync",  "fdatasync",
    "fsync_dir", "mark", "fault"};

uint32_t Crc(std::string_view s) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

uint16_t MaskOf(const Record& r) {
  uint16_t m = 0;
  if (r.file) m |= kFile;
  if (r.parent) m |= kParent;
  if (r.new_parent) m |= kNewParent;
  if (r.offset) m |= kOffset;
  if (r.length) m |= kLength;
  if (r.mode) m |= kMode;
  if (r.flags) m |= kFlags;
  if (!r.name.empty()) m |= kName;
  if (!r.new_name.empty()) m |= kNewName;
  if (!r.data.empty()) m |= kData;
  if (r.other) m |= kOther;
  return m;
}

}  // namespace

const char* OpName(Op op) {
  auto i = static_cast<size_t>(op);
  return i < kOpNames.size() ? kOpNames[i] : "?";
}

bool OpFromName(std::string_view name, Op* op) {
  for (size_t i = 1; i < kOpNames.size(); ++i) {
    if (name == kOpNames[i]) {
      *op = static_cast<Op>(i);
      return true;
    }
  }
  return false;
}

bool IsNamespaceOp(Op op) {
  switch (op) {
    case Op::kCreate:
    case Op::kMkdir:
    case Op::kSymlink:
    case Op::kLink:
    case Op::kUnlink:
    case Op::kRmdir:
    case Op::kRename:
      return true;
    default:
      return false;
  }
}

bool IsDataOp(Op op) {
  return op == Op::kWrite || op == Op::kTruncate || op == Op::kFallocate;
}

bool IsSyncOp(Op op) {
  return op == Op::kFsync || op == Op::kFdatasync || op == Op::kFsyncDir;
}

namespace {

// Little-endian integers, appended without a temporary.
void PutLe(std::string* out, uint64_t v, int n) {
  char bytes[8];
  for (int i = 0; i < n; ++i) bytes[i] = static_cast<char>(v >> (8 * i));
  out->append(bytes, static_cast<size_t>(n));
}

void PutStr(std::string* out, std::string_view s) {
  PutLe(out, s.size(), 4);
  out->append(s);
}

// Appends `r`'s payload, with `data` standing in for r.data.
void AppendPayload(const Record& r, std::string_view data, std::string* out) {
  uint16_t mask = MaskOf(r);
  if (!data.empty()) mask |= kData;
  PutLe(out, static_cast<uint8_t>(r.op), 1);
  PutLe(out, r.tags, 1);
  PutLe(out, mask, 2);
  PutLe(out, r.time_ns, 8);
  PutLe(out, r.pid, 4);
  if (mask & kFile) PutLe(out, r.file, 8);
  if (mask & kParent) PutLe(out, r.parent, 8);
  if (mask & kNewParent) PutLe(out, r.new_parent, 8);
  if (mask & kOffset) PutLe(out, r.offset, 8);
  if (mask & kLength) PutLe(out, r.length, 8);
  if (mask & kMode) PutLe(out, r.mode, 4);
  if (mask & kFlags) PutLe(out, r.flags, 4);
  if (mask & kName) PutStr(out, r.name);
  if (mask & kNewName) PutStr(out, r.new_name);
  if (mask & kData) PutStr(out, data);
  if (mask & kOther) PutLe(out, r.other, 8);
}

uint32_t LoadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return v;
}

}  // namespace

std::string EncodePayload(const Record& r) {
  std::string out;
  AppendPayload(r, r.data, &out);
  return out;
}

void AppendUnsealedFrame(const Record& r, std::string_view data,
                         std::string* out) {
  assert(data.empty() || r.data.empty());
  const size_t start = out->size();
  PutLe(out, 0, 8);  // length and CRC, filled in below / by SealFrames
  AppendPayload(r, data.empty() ? std::string_view(r.data) : data, out);
  const uint64_t length = out->size() - start - kFrameSize;
  for (int i = 0; i < 4; ++i) {
    (*out)[start + i] = static_cast<char>(length >> (8 * i));
  }
}

void SealFrames(char* frames, size_t size) {
  size_t pos = 0;
  while (pos + kFrameSize <= size) {
    const uint32_t length = LoadLe32(frames + pos);
    assert(pos + kFrameSize + length <= size);
    const uint32_t crc =
        Crc(std::string_view(frames + pos + kFrameSize, length));
    for (int i = 0; i < 4; ++i) {
      frames[pos + 4 + i] = static_cast<char>(crc >> (8 * i));
    }
    pos += kFrameSize + length;
  }
}

bool DecodePayload(std::string_view payload, Record* r, std::string* why) {
  ByteReader in(payload);
  uint8_t op = 0;
  uint16_t mask = 0;
  *r = Record();
  bool ok = in.U8(&op) && in.U8(&r->tags) && in.U16(&mask) &&
            in.U64(&r->time_ns) && in.U32(&r->pid);
  if (!ok) {
    *why = "record shorter than its fixed fields";
    return false;
  }
  if (op == 0 || op > kMaxOp) {
    *why = "unknown operation code " + std::to_string(op);
    return false;
  }
  if (mask & ~kKnownFields) {
    *why = "unknown field bits in record";
    return false;
  }
  r->op = static_cast<Op>(op);
  ok = (!(mask & kFile) || in.U64(&r->file)) &&
       (!(mask & kParent) || in.U64(&r->parent)) &&
       (!(mask & kNewParent) || in.U64(&r->new_parent)) &&
       (!(mask & kOffset) || in.U64(&r->offset)) &&
       (!(mask & kLength) || in.U64(&r->length)) &&
       (!(mask & kMode) || in.U32(&r->mode)) &&
       (!(mask & kFlags) || in.U32(&r->flags)) &&
       (!(mask & kName) || in.Str(&r->name)) &&
       (!(mask & kNewName) || in.Str(&r->new_name)) &&
       (!(mask & kData) || in.Str(&r->data)) &&
       (!(mask & kOther) || in.U64(&r->other));
  if (!ok) {
    *why = "record fields run past its end";
    return false;
  }
  if (!in.empty()) {
    *why = "trailing bytes after record fields";
    return false;
  }
  return true;
}

TraceWriter::~TraceWriter() {
  if (fd_ >= 0) (void)Close();
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::Create(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("cannot create trace " + path, errno);
  auto w = std::unique_ptr<TraceWriter>(new TraceWriter(fd));
  ByteWriter h;
  h.Raw(std::string_view(kMagic, sizeof(kMagic)));
  h.U32(kTraceVersion);
  h.U32(0);
  w->buffer_ = h.Take();
  CRASHLAB_RETURN_IF_ERROR(w->Flush());
  return w;
}

void TraceWriter::Append(const Record& r) {
  const size_t start = buffer_.size();
  AppendUnsealedFrame(r, {}, &buffer_);
  SealFrames(buffer_.data() + start, buffer_.size() - start);
  ++count_;
  if (buffer_.size() >= kFlushThreshold) (void)Flush();
}

Status TraceWriter::WriteAll(std::string_view bytes) {
  size_t done = 0;
  while (error_.ok() && done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = Status::FromErrno("writing trace", errno);
    } else {
      done += static_cast<size_t>(n);
    }
  }
  return error_;
}

Status TraceWriter::Flush() {
  Status s = WriteAll(buffer_);
  buffer_.clear();
  return s;
}

Status TraceWriter::AppendSealed(std::string_view frames, uint64_t records) {
  CRASHLAB_RETURN_IF_ERROR(Flush());
  count_ += records;
  return WriteAll(frames);
}

Status TraceWriter::Close() {
  Status s = Flush();
  if (fd_ >= 0) {
    if (s.ok() && ::fsync(fd_) != 0) s = Status::FromErrno("fsync trace", errno);
    ::close(fd_);
    fd_ = -1;
  }
  return s;
}

Result<Trace> ParseTrace(std::string_view bytes) {
  if (bytes.size() < kHeaderSize ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::BadInput("not a crashlab trace (bad magic)");
  }
  ByteReader header(bytes.substr(8, 8));
  uint32_t version = 0;
  (void)header.U32(&version);
  if (version != kTraceVersion) {
    return Status::BadInput("trace version " + std::to_string(version) +
                            " is not supported (this build reads version " +
                            std::to_string(kTraceVersion) + ")");
  }
  Trace t;
  size_t pos = kHeaderSize;
  while (pos < bytes.size()) {
    auto bad = [&](std::string problem) {
      t.tail = {false, pos, std::move(problem)};
    };
    if (bytes.size() - pos < kFrameSize) {
      bad("torn record frame");
      break;
    }
    ByteReader frame(bytes.substr(pos, kFrameSize));
    uint32_t len = 0, crc = 0;
    (void)frame.U32(&len);
    (void)frame.U32(&crc);
    if (len > kMaxPayload) {
      bad("record length " + std::to_string(len) + " is implausible");
      break;
    }
    if (bytes.size() - pos - kFrameSize < len) {
      bad("torn record: " + std::to_string(len) + " bytes announced, " +
          std::to_string(bytes.size() - pos - kFrameSize) + " present");
      break;
    }
    std::string_view payload = bytes.substr(pos + kFrameSize, len);
    if (Crc(payload) != crc) {
      bad("record checksum mismatch");
      break;
    }
    Record r;
    std::string why;
    if (!DecodePayload(payload, &r, &why)) {
      bad(why);
      break;
    }
    t.records.push_back(std::move(r));
    pos += kFrameSize + len;
  }
  size_t i = 0;
  if (i < t.records.size() && t.records[i].op == Op::kBase) {
    t.base_dir = t.records[i].data;
    ++i;
  }
  while (i < t.records.size() && t.records[i].op == Op::kBaseEntry) ++i;
  t.first_op = i;
  return t;
}

Result<Trace> ReadTrace(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  auto t = ParseTrace(bytes);
  if (!t.ok()) return t.status().Annotate(path);
  return t;
}

std::string RecordToJson(const Record& r, size_t index) {
  nlohmann::json j;
  j["i"] = index;
  j["op"] = OpName(r.op);
  j["t_ns"] = r.time_ns;
  if (r.pid) j["pid"] = r.pid;
  if (r.tags & kTagInjected) j["injected"] = true;
  if (r.tags & kTagNoBarrier) j["no_barrier"] = true;
  if (r.file) j["file"] = r.file;
  if (r.parent) j["parent"] = r.parent;
  if (!r.name.empty()) j["name"] = r.name;
  if (r.new_parent) j["new_parent"] = r.new_parent;
  if (!r.new_name.empty()) j["new_name"] = r.new_name;
  if (r.other) j["other"] = r.other;
  if (r.op == Op::kWrite || r.op == Op::kFallocate || r.op == Op::kTruncate) {
    j["offset"] = r.offset;
  }
  if (r.op == Op::kWrite) {
    j["length"] = r.data.size();
    j["head"] = HexHead(r.data, 16);
  } else if (r.op == Op::kFault) {
    j["fault"] = nlohmann::json::parse(r.data, nullptr, false);
    if (j["fault"].is_discarded()) j["fault"] = r.data;
  } else if (!r.data.empty()) {
    j["data"] = r.data;
  }
  if (r.length) j["length"] = r.length;
  if (r.mode) j["mode"] = r.mode;
  if (r.flags) j["flags"] = r.flags;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace crashlab
