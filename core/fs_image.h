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

  // Writes the reachable tree into `dir`, which must exist and be empty.
  Status Materialize(const std::string& dir) const;
  // Hash of the reachable tree: names, kinds, permissions and contents.
  Hash128 ContentHash() const;
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
