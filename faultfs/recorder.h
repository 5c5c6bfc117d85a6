// Recorder: appends faultfs's trace, in the order operations took effect.
//
// The recorder owns the trace (a TraceThread: records are encoded here and
// written by their own thread), the map from backing inode to FileId and
// the one recording mutex. Every operation that changes persistent
// state runs as
//
//     Recorder::Scope scope = recorder.Lock(pid);   // takes the mutex
//     ... perform the backing operation ...
//     scope.Append(record);                         // only if it succeeded
//
// so the mutex is held across "do it + log it" and trace order is effect
// order. Ids are read and assigned only inside a Scope: a file created
// through the mount gets its fresh id (NewId) before any other recording
// operation can see it.
//
// Id map: backing (st_dev, st_ino) -> FileId. It outlives FUSE forgets
// (the kernel may forget an inode and look it up again; the id must not
// change). Entries are never removed: the backing file system reuses an
// inode number only after the old inode is gone, and every inode born
// through the mount overwrites its entry with a fresh id.
//
// Paths: the recorder also keeps every file's current path (PathTable),
// fed by the namespace records it appends, so fault rules can match data
// operations by path. Read it through a Scope.
//
// Thread-safety: all public methods may be called from any thread. Lock
// order: the recording mutex is the outermost lock in faultfs; code holding
// a Scope may take the fault engine's and the inode table's mutexes, never
// the other way round. A Scope may be unlocked early (Unlock) to call out
// to the kernel, which may need other request handlers to make progress.
#ifndef CRASHLAB_FAULTFS_RECORDER_H_
#define CRASHLAB_FAULTFS_RECORDER_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/trace.h"
#include "faultfs/base_walk.h"
#include "faultfs/inode_key.h"
#include "faultfs/path_table.h"
#include "faultfs/trace_thread.h"

namespace crashlab::faultfs {

class Recorder {
 public:
  // Creates the trace at `trace_path` (which must not exist) and writes the
  // base description: one kBase record (data = `base_name`), then one
  // kBaseEntry per entry of `base`. The records reach the file before this
  // returns.
  static Result<std::unique_ptr<Recorder>> Create(const std::string& trace_path,
                                                  const std::string& base_name,
                                                  const BaseTree& base);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Holds the recording mutex for one operation. Movable, not copyable.
  class Scope {
   public:
    Scope(Scope&&) = default;
    // The id of an existing inode (an inode never seen gets a fresh id).
    FileId IdOf(const InodeKey& key);
    // A fresh id for an inode just created through the mount.
    FileId NewId(const InodeKey& key);
    // Appends `r`, stamped with the time and the requesting pid; returns
    // its index in the trace (the base description included). `data`, if
    // not empty, is r.data (then empty): a write's bytes are copied once,
    // straight into the trace buffer.
    uint64_t Append(Record r, std::string_view data = {});
    // The current path of a file / of `name` in directory `parent`.
    std::string PathOf(FileId file) const;
    std::string ChildPath(FileId parent, const std::string& name) const;
    // Releases the mutex for a while (a delay) and takes it back. Between
    // the two, nothing may be read or appended through this Scope.
    void Unlock() { lock_.unlock(); }
    void Relock() { lock_.lock(); }
    bool locked() const { return lock_.owns_lock(); }
    // The process (thread) the operation came from.
    uint32_t pid() const { return pid_; }

   private:
    friend class Recorder;
    Scope(Recorder* recorder, uint32_t pid)
        : recorder_(recorder), pid_(pid), lock_(recorder->mu_) {}
    Recorder* recorder_;
    uint32_t pid_;
    std::unique_lock<std::mutex> lock_;
  };

  Scope Lock(uint32_t pid) { return Scope(this, pid); }

  // Appends a kMark record with data = `label`.
  void Mark(const std::string& label, uint32_t pid);
  // Returns once every record appended so far is in the trace file.
  Status Flush();
  // Flushes, fsyncs and closes the trace; later appends are dropped.
  Status Close();
  // Records appended so far (base description included).
  uint64_t records();
  // The trace thread's counters (zero after Close).
  TraceThread::Stats trace_stats();

 private:
  Recorder(std::unique_ptr<TraceThread> trace, FileId next_id);
  uint64_t NowNs() const;

  std::mutex mu_;
  std::unique_ptr<TraceThread> trace_;  // null after Close()
  TraceThread::Stats closed_stats_;      // trace_'s, kept by Close()
  std::unordered_map<InodeKey, FileId, InodeKeyHash> ids_;
  PathTable paths_;
  FileId next_id_;
  uint64_t records_ = 0;
  const std::chrono::steady_clock::time_point start_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_RECORDER_H_
