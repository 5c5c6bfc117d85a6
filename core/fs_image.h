// FsImage: a logical file system in memory, in which crash states are built.
//
// An image is a set of inodes (files, directories, symlinks) keyed by the
// trace's FileId, plus directory entries. A crash state is materialized by
// taking the base image and applying the records the persistence model says
// persisted, in trace order. Because a model may keep an operation while
// dropping one it depended on (a write to a file whose create was lost), the
// image is lenient the way a disk is: inodes come into being when first
// touched, and a file whose directory entry never persisted is an orphan that
// Materialize() does not write (fsck would put it in lost+found). Apply()
// reports when a record did not apply exactly as recorded.
//
// File contents are shared copy-on-write between copies of an image, block
// by block (core/file_data.h), so copying an image to branch from it is
// cheap and a write into a copy copies only the blocks it touches.
//
// Not thread-safe; copies are independent.
#ifndef CRASHLAB_CORE_FS_IMAGE_H_
#define CRASHLAB_CORE_FS_IMAGE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/file_data.h"
#include "core/hash.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

struct Tear;

class FsImage {
 public:
  enum class Kind : uint8_t { kFile, kDir, kSymlink };

  // An image holding only an empty root directory.
  FsImage();
  // The base image a trace names: its kBaseEntry records, with file contents
  // read from `base_dir`.
  static Result<FsImage> FromBase(const Trace& trace,
                                  const std::string& base_dir);

  // Applies a state-changing record (marks and syncs change nothing).
  // Returns false if the record did not apply exactly as recorded here.
  bool Apply(const Record& r);
  // Applies a write of which only the first `keep` bytes reached the disk;
  // `tail` (may be empty) is what the rest of the written range holds.
  bool ApplyTornWrite(const Record& r, uint64_t keep, std::string_view tail);
  // Applies the parts of a write a Tear says persisted (persistence.h).
  bool ApplyPartialWrite(const Record& r, const struct Tear& tear);

  // Taking back one change to a file's contents, so that an image can be
  // rolled back to an earlier position file by file (ImageBuilder).
  struct DataUndo {
    uint32_t index = 0;   // the record
    uint64_t size = 0;    // the file's size before it
    uint64_t offset = 0;  // where `saved` goes back
    std::string saved;    // the bytes it overwrote
  };
  // Records whose only effect on an inode is on its contents: writes,
  // truncates, fallocates, and a symlink's target (a symlink also names it).
  static bool ChangesData(Op op) {
    return op == Op::kWrite || op == Op::kTruncate || op == Op::kFallocate ||
           op == Op::kSymlink;
  }
  // Apply(r) for a record with ChangesData(r.op), saving in *undo (index
  // `index`) what it overwrites.
  bool ApplyUndoable(const Record& r, uint32_t index, DataUndo* undo);
  // The effect of a ChangesData record on contents alone (a symlink's
  // target, not its name).
  bool ApplyContents(const Record& r);
  // Gives file `file` back the contents it had before `undo`'s record.
  // Undos of one file must be taken back newest first.
  void Undo(FileId file, const DataUndo& undo);
  // Removes inode `id` as if nothing had made it (names of it stay, and
  // lead nowhere, as in a replay that never created it).
  void Forget(FileId id) { inodes_.erase(id); }
  // Takes kinds, permissions and directory entries from `ns`, an image built
  // from the same base by the same namespace records (those without
  // ChangesData-only effects) that this one kept, and keeps this image's
  // contents. An inode `ns` lacks stays, as an unlinked file of kind kFile
  // and mode 0 (as a write creates it), only if `written(id)`; otherwise it
  // goes.
  void AdoptNamespace(const FsImage& ns,
                      const std::function<bool(FileId)>& written);

  // Writes the reachable tree into `dir`, which must exist and be empty.
  Status Materialize(const std::string& dir) const;
  // Hash of the reachable tree: names, kinds, permissions and contents.
  Hash128 ContentHash() const;
  // Where the reachable trees of this image and `other` first differ (a
  // path present in one only, its kind or permissions, or the first byte
  // of its contents that differs), in walk order; "" if they are the same
  // (then their ContentHash is the same).
  std::string FirstDifference(const FsImage& other) const;
  // Reachable regular files: path (relative, '/'-separated) -> contents.
  std::map<std::string, std::string> Files() const;
  // Path of a reachable file, or "" when it has no path in this image.
  std::string PathOf(FileId id) const;
  bool IsDir(FileId id) const;

  // Read access by id, for the in-process simulated disk (fuzz/simfs), which
  // keeps a live image and serves reads from it. Pointers stay valid until
  // the image is next changed.
  // Contents of file (or target of symlink) `id`; nullptr if no such inode.
  const FileData* Data(FileId id) const;
  // Entries (name -> id) of directory `id`; nullptr if it is no directory.
  const std::map<std::string, FileId>* Entries(FileId id) const;
  // Kind and permission bits of inode `id`; false if there is none.
  bool KindOf(FileId id, Kind* kind, uint32_t* mode = nullptr) const;
  // The largest id of any inode, reachable or orphaned (kRootId at least).
  FileId MaxId() const;

 private:
  struct Inode {
    Kind kind = Kind::kFile;
    uint32_t mode = 0;  // permission bits; 0 = default
    FileData data;  // contents or symlink target
    std::map<std::string, FileId> entries;   // directories only
  };

  Inode& Get(FileId id, Kind kind);
  bool Link(FileId parent, const std::string& name, FileId file);
  bool Unlink(FileId parent, const std::string& name, FileId file);
  bool Rename(const Record& r);
  void Fallocate(const Record& r);
  template <typename Fn>
  void Walk(FileId dir, const std::string& prefix, Fn&& fn) const;

  std::unordered_map<FileId, Inode> inodes_;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_FS_IMAGE_H_
