// SimFs: an in-memory file system whose durability is crashlab's own
// persistence models, for crash-and-recover fuzzing in one process.
//
// What. A small POSIX-like API (open with flags, pread, pwrite, truncate,
// fsync, fdatasync, fsync of a directory, rename, unlink, mkdir, rmdir,
// list, size). SimFs keeps no notion of durability of its own: every call
// that changes state is recorded as a core Record into an in-memory Trace
// (core/trace.h: ids per inode, root = kRootId, kBase/kBaseEntry records
// describing the starting image) and applied to a live FsImage that serves
// reads. Crash() draws a crash state at the current position with core's
// DrawState (core/crash_space.h), rebuilds the durable image from the base
// with core's ImageBuilder (core/persistence.h), and makes that the live
// image; a new trace starts whose base is the post-crash image. So what a
// crash keeps, drops or tears follows the explorer's models exactly: there
// is one implementation of them, in core, and no second copy here.
//
// Errors are errno values (0 = success), as the engines' VFS/Env layers
// want them: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EBADF, EINVAL.
// Paths are '/'-separated, relative to the root ("/a/b" == "a/b"); "." is
// ignored, ".." and symlinks are not supported (EINVAL / ENOENT).
//
// Descriptors are never reused. A crash ends the "process": every open
// descriptor becomes invalid (EBADF), so a handle an engine still holds
// cannot write into the recovered image.
//
// Ownership: SimFs owns its trace, images and descriptor table; pointers
// and references it returns stay valid until the next call that changes it.
// Thread-safety: none; callers on several threads (the LevelDB Env)
// serialise calls under their own lock.
#ifndef CRASHLAB_FUZZ_SIMFS_SIMFS_H_
#define CRASHLAB_FUZZ_SIMFS_SIMFS_H_

#include <fcntl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/choices.h"
#include "core/crash_space.h"
#include "core/fs_image.h"
#include "core/persistence.h"
#include "core/trace.h"

namespace crashlab {

class SimFs {
 public:
  struct Stat {
    FileId id = 0;
    bool is_dir = false;
    uint64_t size = 0;
  };

  // An empty file system (a root directory).
  SimFs();
  // Starts from `base`, which counts as durable (the trace's base image).
  explicit SimFs(const FsImage& base);
  // The same, sharing `base` (not changed, not copied: a crash fuzzer
  // starts every cycle from one base image).
  explicit SimFs(std::shared_ptr<const FsImage> base);

  // A finished run, kept to be crashed again and again: what CrashAt
  // reads, shared and never changed (a crash fuzzer reuses the run of the
  // input before when the next begins with the same choices;
  // fuzz/auth_cycle.h's RunCache).
  struct Run {
    std::shared_ptr<const FsImage> base;
    std::shared_ptr<const Trace> trace;
    FileId next_id = 0;
    int next_fd = 0;
    uint64_t crashes = 0;
  };
  // The SimFs that CrashAt leaves of the SimFs whose run `run` is, when it
  // draws `state` (core's DrawState on run.trace): the same image, ids and
  // descriptors.
  SimFs(const Run& run, CrashState state);

  // Gives its traces' buffers back to the record pool (record_pool.h),
  // for the next SimFs.
  ~SimFs();

  SimFs(const SimFs&) = delete;
  SimFs& operator=(const SimFs&) = delete;

  // --- Files and directories (errno results) -------------------------------

  // open(2): O_RDONLY / O_WRONLY / O_RDWR, O_CREAT, O_EXCL, O_TRUNC,
  // O_DIRECTORY (other flags are ignored). A directory opens read-only, to
  // fsync it. `mode` is the permission bits of a created file.
  int Open(std::string_view path, int flags, int* fd, uint32_t mode = 0644);
  int Close(int fd);
  // Reads up to `n` bytes at `offset` into *out (short at end of file).
  int Pread(int fd, uint64_t offset, size_t n, std::string* out);
  // The same into `buf`; *got = bytes read.
  int Pread(int fd, uint64_t offset, char* buf, size_t n, size_t* got);
  int Pwrite(int fd, uint64_t offset, std::string_view data);
  int Ftruncate(int fd, uint64_t size);
  int Fsync(int fd);      // on a directory: a directory fsync
  int Fdatasync(int fd);  // on a directory: a directory fsync
  int Fstat(int fd, Stat* st);

  int StatPath(std::string_view path, Stat* st);
  int Truncate(std::string_view path, uint64_t size);
  // rename(2) semantics: replaces a file, or an empty directory, at `to`.
  int Rename(std::string_view from, std::string_view to);
  int Unlink(std::string_view path);
  int Mkdir(std::string_view path, uint32_t mode = 0755);
  int Rmdir(std::string_view path);
  // Names in directory `path`, sorted, without "." and "..".
  int List(std::string_view path, std::vector<std::string>* names);
  // fsync of the directory `path` (open, fsync, close).
  int SyncDir(std::string_view path);
  bool Exists(std::string_view path);

  // Appends a mark to the trace (acknowledgements, for readers of it).
  void Mark(std::string label);

  // --- Crashes ---------------------------------------------------------------

  // Crashes at the current position (after every record so far).
  const CrashState& Crash(Choices& choices, const SpaceConfig& config);
  // Crashes at `position` of the current trace, in
  // [trace().first_op, trace().records.size()]: records from `position` on
  // were issued after the power went and are dropped with the rest. For
  // harnesses that run a workload to its end and then pick the moment.
  const CrashState& CrashAt(size_t position, Choices& choices,
                            const SpaceConfig& config);
  // Ends this SimFs's run and keeps it for SimFs(run, ...); nothing but
  // the destructor may be called after.
  Run TakeRun();
  // Everything so far becomes durable (a clean shutdown with syncs): the
  // live image becomes the base of a new trace. Descriptors stay valid.
  void SettleAll();

  // --- Inspection ------------------------------------------------------------

  const Trace& trace() const { return trace_; }
  // The current crash position: the number of records in the trace.
  size_t position() const { return trace_.records.size(); }
  const FsImage& image() const { return live_; }
  const FsImage& base() const { return *base_; }
  uint64_t crashes() const { return crashes_; }
  // The last crash: its state, the trace it was drawn from, and the state
  // as JSON (core's CrashStateToJson) and as text naming the files.
  const std::optional<CrashState>& last_crash() const { return last_crash_; }
  const Trace& last_trace() const;
  nlohmann::json LastCrashJson() const;
  std::string DescribeLastCrash() const;

 private:
  struct Handle {
    FileId id = 0;
    bool is_dir = false;
    bool writable = false;
    bool open = false;
  };
  static constexpr int kFirstFd = 3;

  // Resolves `path`: *id (0 if the last component is missing) and its
  // parent directory and name. errno if a directory on the way is missing.
  int Resolve(std::string_view path, FileId* parent, std::string* name,
              FileId* id) const;
  Handle* Find(int fd);
  bool IsDir(FileId id) const;
  uint64_t SizeOf(FileId id) const;
  // Records `r` and applies it to the live image.
  void Append(Record r);
  int RecordSync(const Handle& h, bool data_only);
  int RemoveName(std::string_view path, bool dir);
  // A new trace whose base is `base_` (its kBase and kBaseEntry records).
  void StartTrace();
  // The crash of the run of `trace` from `base` in `state`.
  void CrashRun(std::shared_ptr<const FsImage> base,
                std::shared_ptr<const Trace> trace, CrashState state);
  class Namer;
  std::string DescribeRecord(Namer& namer, size_t index) const;

  std::shared_ptr<const FsImage> base_;
  FsImage live_;
  Trace trace_;
  FileId next_id_;
  int next_fd_ = kFirstFd;
  // Descriptor fd is fds_[fd - kFirstFd] (never reused, so a vector).
  std::vector<Handle> fds_;
  uint64_t crashes_ = 0;
  std::optional<CrashState> last_crash_;
  std::shared_ptr<const Trace> last_trace_;  // the last crash's, or null
};

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_SIMFS_SIMFS_H_
