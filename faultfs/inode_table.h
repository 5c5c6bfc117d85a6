// InodeTable: the kernel's inodes, as faultfs knows them.
//
// Every inode the kernel holds a reference to (through a lookup, create,
// mkdir, ... reply) has one Inode here: an O_PATH fd on the backing inode
// and the number of references the kernel holds (nlookup). The fuse_ino_t
// handed to the kernel is the Inode's address, except the root, which is
// FUSE_ROOT_ID. An Inode lives until the kernel forgets its last reference,
// so a fuse_ino_t received in a request always names a live Inode.
//
// Entries are keyed by backing (st_dev, st_ino); a second lookup of the same
// inode, under any name, finds the same entry. Because an entry's O_PATH fd
// pins the backing inode, its number cannot be reused while the entry lives.
//
// Ownership: the table owns every Inode and its fd. Thread-safety: all
// methods are thread-safe (one internal mutex, the innermost lock in
// faultfs: never call out of the table while holding it). Inode::fd and
// Inode::key are immutable, so callers read them without the lock.
#ifndef CRASHLAB_FAULTFS_INODE_TABLE_H_
#define CRASHLAB_FAULTFS_INODE_TABLE_H_

#include <fuse_lowlevel.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "faultfs/inode_key.h"

namespace crashlab::faultfs {

struct Inode {
  Inode(int fd_in, InodeKey key_in) : fd(fd_in), key(key_in) {}
  const int fd;  // O_PATH | O_NOFOLLOW on the backing inode; -1 if virtual
  const InodeKey key;
  uint64_t nlookup = 0;  // guarded by the table's mutex
};

class InodeTable {
 public:
  // Takes ownership of `root_fd` (an O_PATH fd on BACKING).
  InodeTable(int root_fd, InodeKey root_key);
  ~InodeTable();
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  // The Inode a request names. `ino` must be FUSE_ROOT_ID or a value
  // returned by Remember/Ref that the kernel has not forgotten yet.
  Inode& Get(fuse_ino_t ino);
  // Adds one kernel reference to the inode `fd` (an O_PATH fd, taken over)
  // is open on; creates its entry if needed. Returns its fuse_ino_t.
  fuse_ino_t Remember(int fd, InodeKey key);
  // Adds one kernel reference to an inode already in the table.
  fuse_ino_t Ref(fuse_ino_t ino);
  // Drops `n` kernel references; the entry goes when none is left.
  void Forget(fuse_ino_t ino, uint64_t n);
  // The fuse_ino_t of the inode with `key`, if the kernel holds it.
  bool Find(const InodeKey& key, fuse_ino_t* ino);
  // Number of entries, root included.
  size_t size();

 private:
  fuse_ino_t InoOf(const Inode* inode) const;

  std::mutex mu_;
  Inode* root_;  // owned by inodes_, never erased
  std::unordered_map<InodeKey, std::unique_ptr<Inode>, InodeKeyHash> inodes_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_INODE_TABLE_H_
