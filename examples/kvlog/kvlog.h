// Kvlog: a small append-only key-value log with checksummed records, the
// worked example of fuzz/crash_fuzz.h ("your own storage code").
//
// Layout: one file, /kv.log, of records
//   u32 crc | u32 key length | u32 value length | u8 type | key | value
// (little-endian; type 1 = put, 2 = delete; crc = CRC-32 (zlib) of
// everything after it, so an all-zero record is invalid). Recovery reads
// records up to the first one that is incomplete or fails its check, and
// truncates the file there (then fdatasyncs), so later appends are found.
//
// Durability discipline, the point of the example:
//   - creating the log: create the file, then fsync its directory (a new
//     name is durable only once its directory is);
//   - every Put/Delete: append the record, fdatasync, then acknowledge;
//   - compaction: write the live records to /kv.log.tmp, fdatasync it,
//     rename it over /kv.log, fsync the directory; a leftover .tmp from an
//     interrupted compaction is removed at open.
// KvlogBug switches on one deliberate mistake each, for the test that
// proves the crash fuzzer catches it (kvlog_test.cc):
//   kNoDirSyncAfterCreate  the directory is not fsynced after the create;
//   kNoChecksum            records carry no checksum, recovery trusts the
//                          lengths, so a torn record is accepted;
//   kNoFsyncBeforeRename   compaction renames the new file over the old
//                          one without fdatasyncing it first.
//
// Errors are Status values built from errno. Ownership: the SimFs is
// borrowed and must outlive the Kvlog. Thread-safety: none.
#ifndef CRASHLAB_EXAMPLES_KVLOG_KVLOG_H_
#define CRASHLAB_EXAMPLES_KVLOG_KVLOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "fuzz/simfs/simfs.h"

namespace crashlab {

enum class KvlogBug : uint8_t {
  kNone,
  kNoDirSyncAfterCreate,
  kNoChecksum,
  kNoFsyncBeforeRename,
};
const char* KvlogBugName(KvlogBug bug);

struct KvlogOptions {
  KvlogBug bug = KvlogBug::kNone;
  // Compact when the log holds at least this many records and at least
  // twice as many as there are live keys.
  size_t compact_after = 8;
};

class Kvlog {
 public:
  // Opens /kv.log on `fs`, creating it if missing, and recovers it.
  static Result<std::unique_ptr<Kvlog>> Open(SimFs* fs,
                                             KvlogOptions options = {});
  ~Kvlog();
  Kvlog(const Kvlog&) = delete;
  Kvlog& operator=(const Kvlog&) = delete;

  // Durable when they return Ok.
  Status Put(const std::string& key, const std::string& value);
  Status Delete(const std::string& key);
  Status Compact();

  const std::map<std::string, std::string>& data() const { return data_; }
  size_t records() const { return records_; }

 private:
  Kvlog(SimFs* fs, KvlogOptions options) : fs_(fs), options_(options) {}
  Status Recover();
  Status Append(uint8_t type, const std::string& key,
                const std::string& value);
  std::string Encode(uint8_t type, const std::string& key,
                     const std::string& value) const;

  SimFs* fs_;
  KvlogOptions options_;
  int fd_ = -1;
  uint64_t end_ = 0;     // where the next record goes
  size_t records_ = 0;   // records in the file
  std::map<std::string, std::string> data_;
};

}  // namespace crashlab

#endif  // CRASHLAB_EXAMPLES_KVLOG_KVLOG_H_
