// UndoLog: what every file's unsynced changes overwrote, so faultfs can
// drop unsynced data LIVE (fsync_drop, clear_cache) while the engine runs.
//
// Method. Before a write, truncate or fallocate changes a file's contents,
// Save*() reads the bytes it is about to overwrite below the file's current
// size (nothing for an append) and remembers the old size; Commit() keeps
// that entry once the backing operation succeeded. A real fsync/fdatasync
// of the file (not a lying one) makes it durable: Synced() forgets its log.
// Drop() restores the backing file from the log, newest entry first (each
// entry: truncate back to the old size if it changed, then write the saved
// bytes back), and returns the restoring operations as injected kWrite /
// kTruncate records for the caller to append, so replaying the trace gives
// the live state and persistence models see them as unsynced data. The
// inodes to invalidate in the kernel's page cache are returned too: the
// caller invalidates them after releasing the recording mutex.
//
// Write groups (LazyFS torn-seq): the trace indices of a file's writes
// since its last real fsync, and a group number that grows at each real
// fsync that ends a non-empty group (groups count from 1).
//
// Cost: one pread of the overwritten range per overwrite, none per append;
// memory holds the overwritten bytes of unsynced changes (a truncate keeps
// the cut tail). Each file with unsynced changes holds one O_RDWR fd.
//
// Ownership: owns those fds. Thread-safety: none; every call is made with
// the recording mutex held (inside a Recorder::Scope).
#ifndef CRASHLAB_FAULTFS_UNDO_LOG_H_
#define CRASHLAB_FAULTFS_UNDO_LOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/trace.h"
#include "faultfs/inode_key.h"

namespace crashlab::faultfs {

class UndoLog {
 public:
  UndoLog() = default;
  ~UndoLog();
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;

  // A saved change, waiting for the backing operation's outcome.
  struct Pending {
    FileId file = 0;
    enum class Kind : uint8_t { kWrite, kTruncate, kFallocate } kind;
    uint64_t offset = 0;  // write/fallocate offset; truncate: new size
    uint64_t old_size = 0;
    std::string saved;  // bytes at `offset` before the change
  };

  // `path_fd` is any fd naming the backing inode (O_PATH is fine). Empty
  // when the file cannot be opened for undo (the change is not undoable).
  std::optional<Pending> SaveWrite(FileId file, const InodeKey& key,
                                   int path_fd, uint64_t offset, uint64_t len);
  std::optional<Pending> SaveTruncate(FileId file, const InodeKey& key,
                                      int path_fd, uint64_t new_size);
  std::optional<Pending> SaveFallocate(FileId file, const InodeKey& key,
                                       int path_fd, int mode, uint64_t offset,
                                       uint64_t len);
  // The backing operation succeeded (`written` bytes, for a write).
  void Commit(Pending p, uint64_t written);

  // A real fsync/fdatasync of `file` succeeded.
  void Synced(FileId file);
  // Everything written so far became durable (checkpoint).
  void SettleAll();

  struct Restore {
    std::vector<Record> records;   // injected kWrite/kTruncate, in order
    std::vector<InodeKey> inodes;  // whose kernel caches to invalidate
    std::string error;             // a restore that failed, if any
  };
  Restore Drop(FileId file);
  Restore DropAll();

  // Bytes written since the last real sync, per file with unsynced changes.
  std::map<FileId, uint64_t> UnsyncedBytes() const;

  // Write groups.
  struct GroupPos {
    uint64_t group = 1;
    uint64_t pos = 1;  // the position the next write will take
  };
  GroupPos NextWrite(FileId file) const;
  void NoteWrite(FileId file, uint64_t trace_index);
  // Trace indices of the writes at `positions` (1-based) of the file's
  // current group.
  std::vector<uint64_t> GroupIndices(
      FileId file, const std::vector<uint32_t>& positions) const;

 private:
  struct Entry {
    uint64_t offset;
    std::string saved;
    uint64_t old_size;
    uint64_t new_size;
  };
  struct File {
    InodeKey key;
    int fd = -1;
    uint64_t size = 0;  // backing size after the last committed change
    uint64_t unsynced_bytes = 0;
    std::vector<Entry> entries;
  };
  struct Group {
    uint64_t number = 1;
    std::vector<uint64_t> writes;  // trace indices
  };

  File* Open(FileId file, const InodeKey& key, int path_fd);
  void Forget(FileId file);
  void RestoreFile(FileId file, File& f, Restore* out);

  std::unordered_map<FileId, File> files_;
  std::unordered_map<FileId, Group> groups_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_UNDO_LOG_H_
