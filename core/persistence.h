// Persistence models: which operations of a trace a power cut may keep.
//
// A CrashState names a crash position p (records [first_op, p) were issued
// before the power went) and the operations before p that did NOT persist.
// Models (ARCHITECTURE.md, "Persistence models"):
//   prefix         every operation before p persisted, in order;
//   drop-unsynced  at p, file data written after that file's last fsync or
//                  fdatasync is lost; creates, links, unlinks, renames,
//                  mkdirs and rmdirs are lost unless their directory was
//                  fsynced after them (LevelDB's DropUnsyncedFileData and
//                  RemoveFilesCreatedAfterLastDirSync, applied together).
// This file is the one implementation of these rules: the explorer and the
// in-process simulated disk both use it.
//
// ImageBuilder turns a CrashState into an FsImage, reusing the previous
// image when the new state extends it (prefix walks cost one Apply per
// record, not a rebuild). When it does not (a sync made fewer records
// unsynced), the image starts as a prefix image kept at the state's
// position and only the files with dropped or torn records are rolled back
// and replayed: each file's contents depend on its own records alone, and
// the prefix image keeps, per file, how to undo each change since that
// file's last fsync. So a state costs the records since the oldest unsynced
// one OF EACH FILE it drops from, not since the oldest unsynced one of any
// file (SQLite's -shm file is written once and never synced, which made
// every drop-unsynced state replay the whole trace). Dropped namespace
// records (creates, links, renames, ...) rebuild the directory tree from
// the base by the kept namespace records alone. A state before the prefix
// image restarts it from the base; a state dropping a record older than
// its file's last fsync (none the models make) is replayed from the base.
#ifndef CRASHLAB_CORE_PERSISTENCE_H_
#define CRASHLAB_CORE_PERSISTENCE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/fs_image.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

// prefix, drop-unsynced: one state per crash position (this file).
// reorder, torn: many states per crash point (core/crash_space.h).
enum class Model : uint8_t { kPrefix, kDropUnsynced, kReorder, kTorn };

const char* ModelName(Model m);
// Parses a comma-separated list such as "prefix,drop-unsynced,reorder".
Result<std::vector<Model>> ParseModels(const std::string& list);

// A write that reached stable storage only in part.
struct Tear {
  enum class Fill : uint8_t {
    kOld,      // the rest of the range keeps what it held (zeros past EOF)
    kZeros,    // the rest of the range reads as zeros
    kGarbage,  // the rest of the range holds seeded garbage
  };
  uint32_t index = 0;  // a kWrite record
  // Byte ranges [offset, offset + length) of the write's data that persisted.
  std::vector<std::pair<uint64_t, uint64_t>> keep;
  Fill fill = Fill::kOld;
  uint64_t garbage_seed = 0;
  bool operator==(const Tear&) const = default;
};

struct CrashState {
  Model model = Model::kPrefix;
  size_t position = 0;
  std::vector<uint32_t> dropped;  // sorted record indices < position
  std::vector<Tear> torn;         // partly persisted writes, sorted by index
  // Names a state not derivable from (model, position) alone, such as a
  // live power cut ("power"); "" = the model's name.
  std::string kind;
  // What else the id needs to rebuild the state (reorder: the kept mask;
  // torn: the tear); see core/crash_space.h.
  std::string detail;

  // Stable name within a run, e.g. "drop-unsynced@812", "power@812",
  // "reorder@812#5a".
  std::string Id() const;
  // What produced it: the kind if set, else the model's name.
  std::string KindName() const;
  bool operator==(const CrashState&) const = default;
};

// Exact serialisation, for states a run saves so replay can rebuild them.
nlohmann::json CrashStateToJson(const CrashState& s);
Result<CrashState> CrashStateFromJson(const nlohmann::json& j);

// Follows a trace forward and knows which operations no sync has covered
// yet. Feed it records in order with Observe(). Fsyncs tagged
// kTagNoBarrier (lying) settle nothing; injected faults may declare records
// persisted, torn, or everything settled (see trace.h, "Faults in the
// trace").
class SyncTracker {
 public:
  void Observe(uint32_t index, const Record& r);
  // Indices of operations that would be lost at a crash now, sorted.
  std::vector<uint32_t> Unsynced() const { return pending_.Sorted(); }
  // Writes that would survive only in part, sorted by index.
  std::vector<Tear> Torn() const;
  size_t unsynced_count() const { return pending_.size(); }

 private:
  // A set of record indices, inserted (nearly always) in ascending order
  // and erased anywhere: a list in insertion order and a flag per index,
  // no allocation per index (a crash fuzzer follows a trace per crash).
  class PendingSet {
   public:
    void Insert(uint32_t i);
    bool Erase(uint32_t i);  // whether `i` was in the set
    void Clear();
    size_t size() const { return count_; }
    std::vector<uint32_t> Sorted() const;

   private:
    std::vector<uint32_t> order_;  // every index inserted, some erased since
    std::vector<bool> in_;         // by index
    size_t count_ = 0;
    bool ascending_ = true;  // order_ is sorted
  };

  void Settle(std::vector<uint32_t>* list);
  void ObserveFault(const Record& r);
  PendingSet pending_;
  std::map<uint32_t, Tear> torn_;
  std::map<FileId, std::vector<uint32_t>> data_;  // file -> unsynced data ops
  std::map<FileId, std::vector<uint32_t>> dirs_;  // dir -> unsynced ns ops
};

// Every crash state of `model`, one per crash position, in position order.
std::vector<CrashState> GenerateStates(const Trace& trace, Model model);

// The state `model` gives at one `position` (for replay and tests).
CrashState StateAt(const Trace& trace, Model model, size_t position);

class ImageBuilder {
 public:
  ImageBuilder(const Trace& trace, const FsImage& base)
      : trace_(trace), base_(base), image_(base) {}

  // The image of `state`. Valid until the next call.
  const FsImage& Build(const CrashState& state);
  // The image of `state` made the plain way, by applying every record it
  // keeps to the base in trace order: what Build must equal (verification).
  static FsImage Replay(const Trace& trace, const FsImage& base,
                        const CrashState& state);
  // Records that did not apply exactly as recorded (lenient replay).
  uint64_t inexact() const { return inexact_; }
  // Records applied to images so far, rollbacks included: the work done.
  uint64_t applied() const { return applied_; }

 private:
  // What it takes to roll one file of prefix_ back: how to undo each change
  // to its contents from `horizon` on, oldest first.
  struct FileUndo {
    size_t first = 0;    // its first record that changed its contents
    size_t horizon = 0;  // its records before this have no undo
    std::vector<FsImage::DataUndo> log;
  };
  void ApplyRange(size_t from, size_t to, const CrashState& state);
  // Moves prefix_ to `position` (restarting from the base if it is past it).
  void AdvancePrefix(size_t position);
  // image_ = the state at prefix_'s position, rolled back file by file;
  // false if it cannot (a dropped record older than its file's undo).
  bool RollBack(const CrashState& state);
  const Trace& trace_;
  const FsImage& base_;
  FsImage image_;
  // Every record before prefix_position_; copied from the base when a
  // build first needs it (a builder that only ever extends its image, as
  // the crash fuzzers' one build per crash does, never does).
  FsImage prefix_;
  bool prefix_started_ = false;
  size_t prefix_position_ = 0;
  std::map<FileId, FileUndo> undo_;  // files prefix_ changed the contents of
  std::vector<uint32_t> namespace_;  // namespace records in prefix_
  std::set<FileId> named_;           // inodes namespace records in prefix_ made
  size_t position_ = 0;             // image_ holds this position...
  std::vector<uint32_t> dropped_;   // ...without these records...
  std::vector<Tear> torn_;          // ...and with these only in part
  uint64_t inexact_ = 0;
  uint64_t applied_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_PERSISTENCE_H_
