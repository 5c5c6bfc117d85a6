// Small local-file helpers, all returning Status (never throwing).
#ifndef CRASHLAB_CORE_FILES_H_
#define CRASHLAB_CORE_FILES_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab {

Result<std::string> ReadFileToString(const std::string& path);
// Writes `data` to `path` (created or truncated); fsyncs it when `sync`.
Status WriteStringToFile(const std::string& path, std::string_view data,
                         bool sync = false);
// The same for a file given as pieces in order (their concatenation),
// written with writev: no contiguous copy of the file is made first.
Status WriteSpansToFile(const std::string& path,
                        const std::vector<std::string_view>& spans,
                        bool sync = false);
Status MakeDirs(const std::string& path);
// Removes `path` and everything under it; a missing path is fine.
Status RemoveTree(const std::string& path);
// Copies the tree at `src` (files, directories, symlinks, modes) to `dst`,
// which must not exist yet.
Status CopyTree(const std::string& src, const std::string& dst);
bool PathExists(const std::string& path);
// True when `path` is a directory with no entries.
bool IsEmptyDir(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);
// Absolute, lexically normal form of `path` (it need not exist).
std::string AbsolutePath(const std::string& path);

// A directory removed with everything in it when this object dies.
class ScopedDir {
 public:
  explicit ScopedDir(std::string path) : path_(std::move(path)) {}
  ~ScopedDir() {
    if (!path_.empty()) (void)RemoveTree(path_);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  const std::string& path() const { return path_; }
  // Keeps the directory: the destructor will leave it alone.
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_FILES_H_
