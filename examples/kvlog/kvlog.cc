#include "examples/kvlog/kvlog.h"

#include <zlib.h>

#include <cerrno>

#include "core/bytes.h"

namespace crashlab {
namespace {

constexpr char kLog[] = "/kv.log";
constexpr char kTmp[] = "/kv.log.tmp";
constexpr char kDir[] = "/";
constexpr size_t kHeader = 13;  // crc, key length, value length, type
constexpr uint8_t kPut = 1;
constexpr uint8_t kDelete = 2;

Status Errno(const std::string& what, int err) {
  return err == 0 ? Status::Ok() : Status::FromErrno(what, err);
}

uint32_t Crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()),
            static_cast<uInt>(bytes.size())));
}

}  // namespace

const char* KvlogBugName(KvlogBug bug) {
  switch (bug) {
    case KvlogBug::kNone:
      return "none";
    case KvlogBug::kNoDirSyncAfterCreate:
      return "no-dir-sync-after-create";
    case KvlogBug::kNoChecksum:
      return "no-checksum";
    case KvlogBug::kNoFsyncBeforeRename:
      return "no-fsync-before-rename";
  }
  return "?";
}

Result<std::unique_ptr<Kvlog>> Kvlog::Open(SimFs* fs, KvlogOptions options) {
  std::unique_ptr<Kvlog> log(new Kvlog(fs, options));
  // A compaction that did not finish left its file behind: it is garbage.
  if (fs->Exists(kTmp)) CRASHLAB_RETURN_IF_ERROR(Errno(kTmp, fs->Unlink(kTmp)));
  int err = fs->Open(kLog, O_RDWR, &log->fd_);
  if (err == ENOENT) {
    CRASHLAB_RETURN_IF_ERROR(
        Errno(kLog, fs->Open(kLog, O_RDWR | O_CREAT, &log->fd_)));
    if (options.bug != KvlogBug::kNoDirSyncAfterCreate) {
      CRASHLAB_RETURN_IF_ERROR(Errno(kDir, fs->SyncDir(kDir)));
    }
    return log;
  }
  CRASHLAB_RETURN_IF_ERROR(Errno(kLog, err));
  CRASHLAB_RETURN_IF_ERROR(log->Recover());
  return log;
}

Kvlog::~Kvlog() {
  if (fd_ >= 0) (void)fs_->Close(fd_);
}

Status Kvlog::Recover() {
  SimFs::Stat st;
  CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Fstat(fd_, &st)));
  std::string bytes;
  CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Pread(fd_, 0, st.size, &bytes)));
  const bool checked = options_.bug != KvlogBug::kNoChecksum;
  uint64_t pos = 0;
  while (bytes.size() - pos >= kHeader) {
    ByteReader header(std::string_view(bytes).substr(pos, kHeader));
    uint32_t crc = 0, key_len = 0, value_len = 0;
    uint8_t type = 0;
    header.U32(&crc);
    header.U32(&key_len);
    header.U32(&value_len);
    header.U8(&type);
    const uint64_t size = kHeader + uint64_t{key_len} + value_len;
    if ((type != kPut && type != kDelete) || bytes.size() - pos < size) break;
    const std::string_view body = std::string_view(bytes).substr(pos + 4,
                                                                 size - 4);
    if (checked && Crc(body) != crc) break;
    const std::string key = bytes.substr(pos + kHeader, key_len);
    if (type == kPut) {
      data_[key] = bytes.substr(pos + kHeader + key_len, value_len);
    } else {
      data_.erase(key);
    }
    pos += size;
    ++records_;
  }
  end_ = pos;
  if (end_ < bytes.size()) {
    // A torn or unfinished record at the end: cut it off, so what is
    // appended next is found next time.
    CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Ftruncate(fd_, end_)));
    CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Fdatasync(fd_)));
  }
  return Status::Ok();
}

std::string Kvlog::Encode(uint8_t type, const std::string& key,
                          const std::string& value) const {
  ByteWriter body;
  body.U32(static_cast<uint32_t>(key.size()));
  body.U32(static_cast<uint32_t>(value.size()));
  body.U8(type);
  body.Raw(key);
  body.Raw(value);
  const std::string b = body.Take();
  ByteWriter record;
  record.U32(options_.bug == KvlogBug::kNoChecksum ? 0 : Crc(b));
  record.Raw(b);
  return record.Take();
}

Status Kvlog::Append(uint8_t type, const std::string& key,
                     const std::string& value) {
  const std::string record = Encode(type, key, value);
  CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Pwrite(fd_, end_, record)));
  CRASHLAB_RETURN_IF_ERROR(Errno(kLog, fs_->Fdatasync(fd_)));
  end_ += record.size();
  ++records_;
  if (type == kPut) {
    data_[key] = value;
  } else {
    data_.erase(key);
  }
  if (records_ >= options_.compact_after && records_ >= 2 * data_.size()) {
    return Compact();
  }
  return Status::Ok();
}

Status Kvlog::Put(const std::string& key, const std::string& value) {
  return Append(kPut, key, value);
}

Status Kvlog::Delete(const std::string& key) {
  if (!data_.count(key)) return Status::Ok();
  return Append(kDelete, key, "");
}

Status Kvlog::Compact() {
  int fd;
  CRASHLAB_RETURN_IF_ERROR(
      Errno(kTmp, fs_->Open(kTmp, O_RDWR | O_CREAT | O_TRUNC, &fd)));
  std::string all;
  for (const auto& [key, value] : data_) all += Encode(kPut, key, value);
  Status s = Errno(kTmp, fs_->Pwrite(fd, 0, all));
  if (s.ok() && options_.bug != KvlogBug::kNoFsyncBeforeRename) {
    s = Errno(kTmp, fs_->Fdatasync(fd));
  }
  if (s.ok()) s = Errno(kTmp, fs_->Rename(kTmp, kLog));
  if (s.ok()) s = Errno(kDir, fs_->SyncDir(kDir));
  if (!s.ok()) {
    (void)fs_->Close(fd);
    return s;
  }
  (void)fs_->Close(fd_);
  fd_ = fd;
  end_ = all.size();
  records_ = data_.size();
  return Status::Ok();
}

}  // namespace crashlab
