// Helpers shared by the ops_*.cc files, and the operations they define.
// Internal to faultfs; see ops.h for the contract and the lock order.
#ifndef CRASHLAB_FAULTFS_OPS_INTERNAL_H_
#define CRASHLAB_FAULTFS_OPS_INTERNAL_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "core/trace.h"
#include "faultfs/fault_point.h"
#include "faultfs/ops.h"

namespace crashlab::faultfs {

inline FsContext& Ctx(fuse_req_t req) {
  return *static_cast<FsContext*>(fuse_req_userdata(req));
}
inline uint32_t Pid(fuse_req_t req) {
  return static_cast<uint32_t>(fuse_req_ctx(req)->pid);
}
inline Inode& GetInode(fuse_req_t req, fuse_ino_t ino) {
  return Ctx(req).table.Get(ino);
}
inline bool IsControl(fuse_req_t req, fuse_ino_t ino) {
  return ino == Ctx(req).control_ino();
}
// True when `name` in `parent` is the control file's name.
bool IsControlName(fuse_ino_t parent, const char* name);

// True when fault injection may act on `op`: only then must an operation
// that records nothing (read, plain open) take the recording mutex.
bool Watched(FsContext& ctx, FaultOp op, bool state_changing);

// An fsync/fdatasync of BACKING's file `fd`, done only with --backing-fsync
// (FsContext::backing_fsync). Returns 0 or errno.
int SyncBacking(FsContext& ctx, int fd, bool datasync);

// "/proc/self/fd/N": reopens or addresses the file an O_PATH fd names.
std::string ProcPath(int fd);
// fstat of any fd, O_PATH included; returns 0 or errno.
int StatFd(int fd, struct stat* st);

// Looks `name` up in `parent`: opens it O_PATH, stats it, registers one
// kernel reference and fills `e`. Returns 0 or errno.
int LookupEntry(fuse_req_t req, Inode& parent, const char* name,
                fuse_entry_param* e);
// Gives `name` in `parent_fd` to the requesting user when running as root.
void GiveToCaller(fuse_req_t req, int parent_fd, const char* name);
void ReplyEntry(fuse_req_t req, int err, const fuse_entry_param& e);

// A namespace record: op, parent, name, file, mode.
Record NamespaceRecord(Op op, FileId parent, const char* name, FileId file,
                       uint32_t mode);
// A record naming one file: op and file.
Record FileRecord(Op op, FileId file);

// ops.cc
void OpInit(void* userdata, fuse_conn_info* conn);
// ops_namespace.cc
void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void OpForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets);
void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpReadlink(fuse_req_t req, fuse_ino_t ino);
void OpMknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
             dev_t rdev);
void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void OpSymlink(fuse_req_t req, const char* link, fuse_ino_t parent,
               const char* name);
void OpLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
            const char* newname);
void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
void OpRename(fuse_req_t req, fuse_ino_t parent, const char* name,
              fuse_ino_t newparent, const char* newname, unsigned int flags);
void OpStatfs(fuse_req_t req, fuse_ino_t ino);
// ops_dir.cc
void OpOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
               fuse_file_info* fi);
void OpReleasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpFsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
                fuse_file_info* fi);
// ops_data.cc (open, read, create) and ops_write.cc (write, fsync, ...)
void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi);
void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
            fuse_file_info* fi);
void OpWrite(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size,
             off_t off, fuse_file_info* fi);
void OpFlush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpRelease(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void OpFsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void OpFallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
                 off_t length, fuse_file_info* fi);
void OpLseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
             fuse_file_info* fi);
// ops_attr.cc
void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid,
               fuse_file_info* fi);
void OpSetxattr(fuse_req_t req, fuse_ino_t ino, const char* name,
                const char* value, size_t size, int flags);
void OpGetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void OpListxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void OpRemovexattr(fuse_req_t req, fuse_ino_t ino, const char* name);

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_OPS_INTERNAL_H_
