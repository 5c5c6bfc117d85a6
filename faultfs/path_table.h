// PathTable: the current path of every file the trace knows, by FileId.
//
// Fault rules match data operations by path, but data operations arrive
// with an inode. The recorder feeds this table every namespace record it
// appends (and the base entries), so a file's path follows creates, links,
// unlinks and renames exactly as the trace tells them; a renamed directory
// moves everything below it because paths are rebuilt from (parent, name)
// on each lookup. A file with several names reports the oldest one still
// linked; an unlinked file keeps the path it had last.
//
// Paths are relative to the mount root, '/'-separated, no leading slash;
// the root itself is "". Not thread-safe: the Recorder guards it with the
// recording mutex.
#ifndef CRASHLAB_FAULTFS_PATH_TABLE_H_
#define CRASHLAB_FAULTFS_PATH_TABLE_H_

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/trace.h"

namespace crashlab::faultfs {

class PathTable {
 public:
  // Adds the name `name` in directory `parent` for `file`.
  void Add(FileId parent, const std::string& name, FileId file);
  // Applies a namespace record (create, mkdir, symlink, link, unlink,
  // rmdir, rename); other records change nothing.
  void Apply(const Record& r);
  // The file's path, "" for the root or a file never named.
  std::string PathOf(FileId file) const;
  // The path `name` has (or would have) in directory `parent`.
  std::string ChildPath(FileId parent, const std::string& name) const;

 private:
  using Name = std::pair<FileId, std::string>;  // (parent, name)
  void Remove(FileId parent, const std::string& name, FileId file);

  std::unordered_map<FileId, std::vector<Name>> names_;  // oldest first
  std::unordered_map<FileId, Name> last_;  // for files with no name left
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_PATH_TABLE_H_
