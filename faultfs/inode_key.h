// InodeKey: the identity of a backing inode, (st_dev, st_ino).
//
// faultfs uses it twice: the inode table maps it to the kernel's view of an
// inode (an O_PATH fd plus a lookup count), and the recorder maps it to the
// trace's FileId. A key names one live inode: while anything holds the inode
// open (our O_PATH fds do) its number cannot be reused. Plain value type.
#ifndef CRASHLAB_FAULTFS_INODE_KEY_H_
#define CRASHLAB_FAULTFS_INODE_KEY_H_

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace crashlab::faultfs {

struct InodeKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const InodeKey&) const = default;
};

inline InodeKey KeyOf(const struct stat& st) {
  return InodeKey{static_cast<uint64_t>(st.st_dev),
                  static_cast<uint64_t>(st.st_ino)};
}

struct InodeKeyHash {
  size_t operator()(const InodeKey& k) const {
    return std::hash<uint64_t>()(k.ino * 0x9E3779B97F4A7C15ULL ^ k.dev);
  }
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_INODE_KEY_H_
