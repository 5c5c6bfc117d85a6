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
// record, not a rebuild).
#ifndef CRASHLAB_CORE_PERSISTENCE_H_
#define CRASHLAB_CORE_PERSISTENCE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/fs_image.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashlab {

enum class Model : uint8_t { kPrefix, kDropUnsynced };

const char* ModelName(Model m);
// Parses a comma-separated list such as "prefix,drop-unsynced".
Result<std::vector<Model>> ParseModels(const std::string& list);

struct CrashState {
  Model model = Model::kPrefix;
  size_t position = 0;
  std::vector<uint32_t> dropped;  // sorted record indices < position

  // Stable name within a run, e.g. "drop-unsynced@812".
  std::string Id() const;
  bool operator==(const CrashState&) const = default;
};

// Parses an id made by CrashState::Id (model and position only).
bool ParseStateId(const std::string& id, Model* model, size_t* position);

// Follows a trace forward and knows which operations no sync has covered
// yet. Feed it records in order with Observe().
class SyncTracker {
 public:
  void Observe(uint32_t index, const Record& r);
  // Indices of operations that would be lost at a crash now, sorted.
  std::vector<uint32_t> Unsynced() const {
    return {pending_.begin(), pending_.end()};
  }
  size_t unsynced_count() const { return pending_.size(); }

 private:
  void Settle(std::vector<uint32_t>* list);
  std::set<uint32_t> pending_;
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
  // Records that did not apply exactly as recorded (lenient replay).
  uint64_t inexact() const { return inexact_; }

 private:
  void ApplyRange(size_t from, size_t to, const std::vector<uint32_t>& drop);
  const Trace& trace_;
  const FsImage& base_;
  FsImage image_;
  size_t position_ = 0;             // image_ holds this position...
  std::vector<uint32_t> dropped_;   // ...without these records
  uint64_t inexact_ = 0;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_PERSISTENCE_H_
