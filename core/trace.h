// Trace: the contract between recording and everything after it.
//
// faultfs appends one Record for every operation that changes persistent
// state, in the order the kernel delivered it, plus MARK records that the
// harness writes through the mount's control file (acknowledgements). The
// recorder only appends; explorer, checkers, replay and `trace dump` only
// read. Nothing else is needed to rebuild any crash state: the trace names
// its base image (the data directory as it was when recording began) and
// lists the base's files with the ids later records use.
//
// File identity. Records name files by a FileId that stays the same for the
// life of an inode, across renames and after unlink, so a persistence model
// can follow "the file" the way a disk does. Id 1 is the root directory.
// Namespace records carry (parent id, name); data records carry the file id.
//
// On-disk format (version 1, little-endian):
//   header:  "crashlab" (8 bytes) | u32 version | u32 reserved
//   record:  u32 payload length | u32 CRC-32 (zlib) of the payload | payload
//   payload: u8 op | u8 tags | u16 field mask | u64 time_ns | u32 pid |
//            the fields named by the mask, in FieldBit order
//            (u64 ids/offsets/lengths, u32 mode/flags, u32-length strings).
// A reader that meets a torn or corrupt record stops there and reports its
// byte offset; the records before it are returned.
//
// Thread-safety: TraceWriter is not thread-safe; faultfs serialises appends
// under its own lock so the trace order is the order operations took effect
// (and hands the checksumming and writing to one thread: trace_thread.h).
#ifndef CRASHLAB_CORE_TRACE_H_
#define CRASHLAB_CORE_TRACE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab {

using FileId = uint64_t;
constexpr FileId kRootId = 1;
constexpr uint32_t kTraceVersion = 1;

enum class Op : uint8_t {
  kBase = 1,        // data = base image directory (relative to the trace)
  kBaseEntry = 2,   // parent, name, file, mode: one file of the base image
  kCreate = 3,      // parent, name, file, mode: new regular file
  kMkdir = 4,       // parent, name, file, mode
  kSymlink = 5,     // parent, name, file, data = target
  kLink = 6,        // file, parent, name: new name for an existing file
  kUnlink = 7,      // parent, name, file (the file the name pointed to)
  kRmdir = 8,       // parent, name, file
  kRename = 9,      // parent, name -> new_parent, new_name; file; other;
                    // flags (RENAME_NOREPLACE, RENAME_EXCHANGE)
  kWrite = 10,      // file, offset, data
  kTruncate = 11,   // file, offset = new size (also open with O_TRUNC)
  kFallocate = 12,  // file, mode, offset, length
  kFsync = 13,      // file
  kFdatasync = 14,  // file
  kFsyncDir = 15,   // file (a directory)
  kMark = 16,       // data = label written by the harness
  kFault = 17,      // an injected fault: file; flags = errno; data = JSON
                    // (see "Faults in the trace" below)
};
constexpr uint8_t kMaxOp = 17;

// Tags on a record. Injected faults are always tagged, never confused with
// what the engine really did.
enum Tag : uint8_t {
  kTagInjected = 1,
  // On an fsync/fdatasync record: it returned success but made nothing
  // durable (a lying fsync). Persistence models ignore it as a barrier.
  kTagNoBarrier = 2,
};

// Faults in the trace. Every injected fault appends one kFault record
// (tagged kTagInjected) whose data is a JSON object:
//   {"rule": ID, "action": A, "op": OP, "path": P, ...}
// Actions and what persistence models make of them:
//   "errno"        the operation failed with `flags` (errno); it was not
//                  performed, so it has no record of its own.
//   "lie"          the following fsync record carries kTagNoBarrier.
//   "fsync_drop"   fsync failed and the file's unsynced data was dropped
//                  (Linux "fsyncgate"); the drop itself appears as injected
//                  kWrite/kTruncate records restoring the durable bytes.
//   "clear_cache"  the same, for every file with unsynced data.
//   "delay"        the operation was held back for "delay_ms".
//   "kill"/"crash" the engine's process group was SIGKILLed here.
//   Any action may carry:
//     "persist": [i, ...]  records (by trace index) that reached stable
//                          storage anyway (LazyFS torn-seq): a model never
//                          drops them;
//     "keep": [[i, off, len], ...]  of write record i only the bytes
//                          [off, off+len) of its data reached stable storage
//                          (torn writes, LazyFS torn-op);
//     "settle_all": true   everything written so far became durable
//                          (LazyFS cache-checkpoint).

const char* OpName(Op op);
// Parses "write", "fsync", ... as printed by OpName.
bool OpFromName(std::string_view name, Op* op);

// True for operations that change the directory tree (not file contents).
bool IsNamespaceOp(Op op);
// True for writes, truncates and fallocates: operations on file contents.
bool IsDataOp(Op op);
// True for fsync, fdatasync and directory fsync.
bool IsSyncOp(Op op);

struct Record {
  Op op = Op::kMark;
  uint8_t tags = 0;
  uint64_t time_ns = 0;  // since recording began, monotonic clock
  uint32_t pid = 0;      // process that issued the operation (0: harness)
  FileId file = 0;
  FileId parent = 0;
  FileId new_parent = 0;
  FileId other = 0;  // rename: the file a replacing rename unlinked (or
                     // the other file of RENAME_EXCHANGE)
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t mode = 0;
  uint32_t flags = 0;
  std::string name;
  std::string new_name;
  std::string data;

  bool operator==(const Record&) const = default;
};

// How the reading of a trace ended.
struct TraceTail {
  bool clean = true;     // every byte was a good record
  uint64_t offset = 0;   // byte offset of the first bad record, if !clean
  std::string problem;   // what was wrong there
};

struct Trace {
  std::vector<Record> records;
  TraceTail tail;
  // Index of the first record after the base description: crash positions
  // range over [first_op, records.size()].
  size_t first_op = 0;
  std::string base_dir;  // as written in the kBase record
};

// Encodes one record's payload (no framing). Exposed for tests and fuzzers.
std::string EncodePayload(const Record& r);
// Decodes a payload; returns false (and says why) when it is malformed.
bool DecodePayload(std::string_view payload, Record* r, std::string* why);

// Framing in two steps, for a writer that encodes records on one thread and
// checksums and writes them on another (faultfs's trace thread).
// AppendUnsealedFrame appends `r`'s frame to `out` with its CRC left zero;
// `data`, if not empty, stands in for r.data (which must then be empty), so
// a write's bytes go from the request straight into the frame. SealFrames
// fills in the CRC of every frame in [frames, frames + size), which must
// hold whole frames as appended.
void AppendUnsealedFrame(const Record& r, std::string_view data,
                         std::string* out);
void SealFrames(char* frames, size_t size);

class TraceWriter {
 public:
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Creates `path`; fails if it already exists.
  static Result<std::unique_ptr<TraceWriter>> Create(const std::string& path);

  void Append(const Record& r);
  // Writes `records` sealed frames (SealFrames) to the file, after any
  // buffered records, without copying them.
  Status AppendSealed(std::string_view frames, uint64_t records);
  // Writes buffered records to the file.
  Status Flush();
  Status Close();
  uint64_t records_written() const { return count_; }

 private:
  explicit TraceWriter(int fd) : fd_(fd) {}
  Status WriteAll(std::string_view bytes);
  int fd_;
  std::string buffer_;
  uint64_t count_ = 0;
  Status error_;  // first write error, reported by Flush/Close
};

// Reads a whole trace. Fails only when the file cannot be read or its header
// is not a crashlab trace; a torn or corrupt tail is reported in Trace::tail.
Result<Trace> ReadTrace(const std::string& path);
// Same, from bytes in memory.
Result<Trace> ParseTrace(std::string_view bytes);

// One record as a JSON object line (for `crashlab trace dump`). `index` is
// the record's position; write data is shown as length plus a short hex head.
std::string RecordToJson(const Record& r, size_t index);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_TRACE_H_
