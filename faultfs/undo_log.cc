#include "faultfs/undo_log.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace crashlab::faultfs {
namespace {

// Reads [offset, offset + len) of `fd`; short at EOF.
std::string ReadRange(int fd, uint64_t offset, uint64_t len) {
  std::string out(len, '\0');
  size_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd, out.data() + done, len - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

bool WriteAll(int fd, const std::string& data, uint64_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Record Injected(Op op, FileId file, uint64_t offset) {
  Record r;
  r.op = op;
  r.tags = kTagInjected;
  r.file = file;
  r.offset = offset;
  return r;
}

}  // namespace

UndoLog::~UndoLog() {
  for (auto& [id, f] : files_) ::close(f.fd);
}

UndoLog::File* UndoLog::Open(FileId file, const InodeKey& key, int path_fd) {
  if (auto it = files_.find(file); it != files_.end()) return &it->second;
  const std::string proc = "/proc/self/fd/" + std::to_string(path_fd);
  const int fd = ::open(proc.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return nullptr;
  }
  File& f = files_[file];
  f.key = key;
  f.fd = fd;
  f.size = static_cast<uint64_t>(st.st_size);
  return &f;
}

std::optional<UndoLog::Pending> UndoLog::SaveWrite(FileId file,
                                                   const InodeKey& key,
                                                   int path_fd, uint64_t offset,
                                                   uint64_t len) {
  File* f = Open(file, key, path_fd);
  if (f == nullptr) return std::nullopt;
  Pending p{file, Pending::Kind::kWrite, offset, f->size, {}};
  if (offset < f->size) {
    p.saved = ReadRange(f->fd, offset, std::min(len, f->size - offset));
  }
  return p;
}

std::optional<UndoLog::Pending> UndoLog::SaveTruncate(FileId file,
                                                      const InodeKey& key,
                                                      int path_fd,
                                                      uint64_t new_size) {
  File* f = Open(file, key, path_fd);
  if (f == nullptr) return std::nullopt;
  Pending p{file, Pending::Kind::kTruncate, new_size, f->size, {}};
  if (new_size < f->size)
    p.saved = ReadRange(f->fd, new_size, f->size - new_size);
  return p;
}

std::optional<UndoLog::Pending> UndoLog::SaveFallocate(FileId file,
                                                       const InodeKey& key,
                                                       int path_fd, int mode,
                                                       uint64_t offset,
                                                       uint64_t len) {
  File* f = Open(file, key, path_fd);
  if (f == nullptr) return std::nullopt;
  Pending p{file, Pending::Kind::kFallocate, offset, f->size, {}};
  if (offset < f->size) {
    if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) {
      p.saved = ReadRange(f->fd, offset, f->size - offset);  // data moves
    } else if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
      p.saved = ReadRange(f->fd, offset, std::min(len, f->size - offset));
    }
  }
  return p;
}

void UndoLog::Commit(Pending p, uint64_t written) {
  auto it = files_.find(p.file);
  if (it == files_.end()) return;
  File& f = it->second;
  uint64_t new_size = p.old_size;
  switch (p.kind) {
    case Pending::Kind::kWrite:
      if (written == 0) return;
      new_size = std::max(p.old_size, p.offset + written);
      if (p.saved.size() > written) p.saved.resize(written);
      f.unsynced_bytes += written;
      break;
    case Pending::Kind::kTruncate:
      new_size = p.offset;
      break;
    case Pending::Kind::kFallocate: {
      struct stat st;
      if (::fstat(f.fd, &st) == 0) new_size = static_cast<uint64_t>(st.st_size);
      break;
    }
  }
  f.entries.push_back(
      Entry{p.offset, std::move(p.saved), p.old_size, new_size});
  f.size = new_size;
}

void UndoLog::Forget(FileId file) {
  auto it = files_.find(file);
  if (it == files_.end()) return;
  ::close(it->second.fd);
  files_.erase(it);
}

void UndoLog::Synced(FileId file) {
  Forget(file);
  auto g = groups_.find(file);
  if (g != groups_.end() && !g->second.writes.empty()) {
    ++g->second.number;
    g->second.writes.clear();
  }
}

void UndoLog::SettleAll() {
  for (auto& [id, f] : files_) ::close(f.fd);
  files_.clear();
}

void UndoLog::RestoreFile(FileId file, File& f, Restore* out) {
  for (auto e = f.entries.rbegin(); e != f.entries.rend(); ++e) {
    if (e->new_size != e->old_size) {
      if (::ftruncate(f.fd, static_cast<off_t>(e->old_size)) != 0) {
        out->error =
            std::string("restoring a truncate: ") + std::strerror(errno);
      }
      out->records.push_back(Injected(Op::kTruncate, file, e->old_size));
    }
    if (!e->saved.empty()) {
      if (!WriteAll(f.fd, e->saved, e->offset)) {
        out->error = std::string("restoring a write: ") + std::strerror(errno);
      }
      Record r = Injected(Op::kWrite, file, e->offset);
      r.data = e->saved;
      out->records.push_back(std::move(r));
    }
  }
  if (!f.entries.empty()) out->inodes.push_back(f.key);
}

UndoLog::Restore UndoLog::Drop(FileId file) {
  Restore out;
  auto it = files_.find(file);
  if (it == files_.end()) return out;
  RestoreFile(file, it->second, &out);
  Forget(file);
  return out;
}

UndoLog::Restore UndoLog::DropAll() {
  Restore out;
  // In FileId order, so the restoring records are deterministic.
  std::vector<FileId> ids;
  for (const auto& [id, f] : files_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (FileId id : ids) {
    RestoreFile(id, files_[id], &out);
    Forget(id);
  }
  return out;
}

std::map<FileId, uint64_t> UndoLog::UnsyncedBytes() const {
  std::map<FileId, uint64_t> out;
  for (const auto& [id, f] : files_) {
    if (!f.entries.empty()) out[id] = f.unsynced_bytes;
  }
  return out;
}

UndoLog::GroupPos UndoLog::NextWrite(FileId file) const {
  auto it = groups_.find(file);
  if (it == groups_.end()) return {};
  return {it->second.number, it->second.writes.size() + 1};
}

void UndoLog::NoteWrite(FileId file, uint64_t trace_index) {
  groups_[file].writes.push_back(trace_index);
}

std::vector<uint64_t> UndoLog::GroupIndices(
    FileId file, const std::vector<uint32_t>& positions) const {
  std::vector<uint64_t> out;
  auto it = groups_.find(file);
  if (it == groups_.end()) return out;
  for (uint32_t p : positions) {
    if (p >= 1 && p <= it->second.writes.size()) {
      out.push_back(it->second.writes[p - 1]);
    }
  }
  return out;
}

}  // namespace crashlab::faultfs
