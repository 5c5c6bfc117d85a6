#include "faultfs/base_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

namespace crashlab::faultfs {
namespace {

class Walker {
 public:
  explicit Walker(BaseTree* tree) : tree_(tree) {}

  // Lists `dir_fd` (a readable directory fd, consumed), then recurses.
  Status WalkDir(int dir_fd, FileId dir_id, const std::string& path) {
    std::vector<std::string> names;
    CRASHLAB_RETURN_IF_ERROR(ListNames(dir_fd, path, &names));
    std::sort(names.begin(), names.end());
    Status status;
    for (const std::string& name : names) {
      status = VisitEntry(dir_fd, dir_id, name, path + "/" + name);
      if (!status.ok()) break;
    }
    ::close(dir_fd);
    return status;
  }

  std::unordered_map<InodeKey, FileId, InodeKeyHash> ids;

 private:
  Status VisitEntry(int dir_fd, FileId dir_id, const std::string& name,
                    const std::string& path) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::FromErrno("cannot stat " + path, errno);
    }
    const InodeKey key = KeyOf(st);
    auto [it, fresh] = ids.try_emplace(key, tree_->next_id);
    if (fresh) ++tree_->next_id;
    tree_->entries.push_back(BaseEntry{dir_id, name, it->second,
                                       static_cast<uint32_t>(st.st_mode), key});
    if (!S_ISDIR(st.st_mode)) return Status::Ok();
    int child = ::openat(dir_fd, name.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0) return Status::FromErrno("cannot open " + path, errno);
    return WalkDir(child, it->second, path);
  }

  static Status ListNames(int dir_fd, const std::string& path,
                          std::vector<std::string>* names) {
    int fd = ::dup(dir_fd);  // closedir() closes the fd it was given
    if (fd < 0) return Status::FromErrno("cannot list " + path, errno);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      ::close(fd);
      return Status::FromErrno("cannot list " + path, errno);
    }
    errno = 0;
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(std::move(name));
      errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    if (err != 0) return Status::FromErrno("cannot list " + path, err);
    return Status::Ok();
  }

  BaseTree* tree_;
};

}  // namespace

Result<BaseTree> WalkBase(int dir_fd, const std::string& path) {
  BaseTree tree;
  struct stat st;
  if (::fstatat(dir_fd, "", &st, AT_EMPTY_PATH) != 0) {
    return Status::FromErrno("cannot stat " + path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(path + " is not a directory");
  }
  tree.root = KeyOf(st);
  int readable = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (readable < 0) return Status::FromErrno("cannot open " + path, errno);
  Walker walker(&tree);
  walker.ids[tree.root] = kRootId;
  CRASHLAB_RETURN_IF_ERROR(walker.WalkDir(readable, kRootId, path));
  return tree;
}

}  // namespace crashlab::faultfs
