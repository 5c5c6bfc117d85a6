// WalkBase: the description of BACKING as it was when recording began.
//
// Before mounting, faultfs walks the backing directory and gives every entry
// a FileId: the root is kRootId, then 2, 3, ... in a sorted pre-order walk
// (names in byte order, a directory before its children, nothing skipped).
// Hard links share one id. The result becomes the trace's kBaseEntry records
// and seeds the recorder's inode -> FileId map.
//
// Pure function of the tree; no shared state.
#ifndef CRASHLAB_FAULTFS_BASE_WALK_H_
#define CRASHLAB_FAULTFS_BASE_WALK_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "core/trace.h"
#include "faultfs/inode_key.h"

namespace crashlab::faultfs {

struct BaseEntry {
  FileId parent = 0;
  std::string name;
  FileId id = 0;
  uint32_t mode = 0;  // st_mode, including the file type bits
  InodeKey key;
};

struct BaseTree {
  InodeKey root;
  std::vector<BaseEntry> entries;  // in id-assignment (walk) order
  FileId next_id = kRootId + 1;    // first id not used by the base
};

// Walks the directory open as `dir_fd` (any fd naming a directory, O_PATH
// is fine; it is not consumed). `path` is used only in error messages.
Result<BaseTree> WalkBase(int dir_fd, const std::string& path);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_BASE_WALK_H_
