#include "faultfs/inode_table.h"

#include <unistd.h>

namespace crashlab::faultfs {

InodeTable::InodeTable(int root_fd, InodeKey root_key) {
  auto root = std::make_unique<Inode>(root_fd, root_key);
  root_ = root.get();
  inodes_.emplace(root_key, std::move(root));
}

InodeTable::~InodeTable() {
  for (auto& [key, inode] : inodes_) ::close(inode->fd);
}

fuse_ino_t InodeTable::InoOf(const Inode* inode) const {
  return inode == root_ ? FUSE_ROOT_ID : reinterpret_cast<fuse_ino_t>(inode);
}

Inode& InodeTable::Get(fuse_ino_t ino) {
  if (ino == FUSE_ROOT_ID) return *root_;
  return *reinterpret_cast<Inode*>(ino);
}

fuse_ino_t InodeTable::Remember(int fd, InodeKey key) {
  std::unique_lock<std::mutex> lock(mu_);
  auto [it, inserted] = inodes_.try_emplace(key);
  if (inserted) {
    it->second = std::make_unique<Inode>(fd, key);
    fd = -1;
  }
  Inode* inode = it->second.get();
  ++inode->nlookup;
  lock.unlock();
  if (fd >= 0) ::close(fd);  // the entry already has its own fd
  return InoOf(inode);
}

fuse_ino_t InodeTable::Ref(fuse_ino_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  ++Get(ino).nlookup;
  return ino;
}

void InodeTable::Forget(fuse_ino_t ino, uint64_t n) {
  std::unique_ptr<Inode> dead;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Inode& inode = Get(ino);
    inode.nlookup = n >= inode.nlookup ? 0 : inode.nlookup - n;
    if (inode.nlookup > 0 || &inode == root_) return;
    auto it = inodes_.find(inode.key);
    if (it == inodes_.end() || it->second.get() != &inode) return;  // virtual
    dead = std::move(it->second);
    inodes_.erase(it);
  }
  ::close(dead->fd);
}

bool InodeTable::Find(const InodeKey& key, fuse_ino_t* ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(key);
  if (it == inodes_.end()) return false;
  *ino = InoOf(it->second.get());
  return true;
}

size_t InodeTable::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return inodes_.size();
}

}  // namespace crashlab::faultfs
