// LeveldbAuthEngine: the auth schema in the system's libleveldb, running on
// SimFs through SimEnv, for crash cycles (fuzz/auth_cycle.h).
//
// Rows as the LevelDB driver stores them (engines/kv_rows.h, the shared
// encoding): key "table\0key", value the row's non-key columns as JSON; an
// op is planned with PlanKvOp and written as ONE WriteBatch, synced when
// `sync` is set. paranoid_checks is on, so corruption LevelDB detects is
// reported instead of skipped. Maintain() runs CompactRange over the whole
// key space (memtable flush, level compaction, new table files, obsolete
// file deletion): the input decides when.
//
// Background work is deferred (SimEnv::SetDeferBackgroundWork): every DB
// call is followed by SimEnv::WaitForBackgroundWork(), which runs the
// compactions the call scheduled on the calling thread, so they never
// interleave with a call and a cycle's trace is the same for the same
// input. Only Maintain's CompactRange, which waits for its own
// compactions, runs them on the Env's thread (SimEnv::RunThreaded, the two
// threads held on one CPU while they take turns).
//
// Ownership: owns the DB and the Env; the SimFs passed to Open is borrowed
// until Close. Thread-safety: none (LevelDB's own threads are the Env's).
#ifndef CRASHLAB_FUZZ_LEVELDB_AUTH_ENGINE_H_
#define CRASHLAB_FUZZ_LEVELDB_AUTH_ENGINE_H_

#include <leveldb/db.h>

#include <memory>
#include <string>

#include "core/data_model.h"
#include "fuzz/auth_cycle.h"
#include "fuzz/simfs/leveldb_env.h"

namespace crashlab {

struct LeveldbSettings {
  bool sync = true;  // WriteOptions::sync on every op
  std::string ToString() const {
    return std::string("sync=") + (sync ? "true" : "false");
  }
};

class LeveldbAuthEngine final : public AuthEngine {
 public:
  // `thread` (borrowed, may be null) runs Maintain's compactions; lend
  // every engine of a harness the same one (leveldb_env.h).
  LeveldbAuthEngine(LeveldbSettings settings,
                    std::shared_ptr<const Schema> schema,
                    BackgroundThread* thread = nullptr);
  ~LeveldbAuthEngine() override;

  Status Open(SimFs& fs, bool create) override;
  ApplyResult Apply(const LogicalOp& op) override;
  Status Dump(Rows* rows, std::string* check) override;
  Status Maintain() override;
  void Close() override;
  // Rows are stored whole, as the LevelDB driver stores them.
  bool writes_whole_rows() const override { return true; }

 private:
  LeveldbSettings settings_;
  std::shared_ptr<const Schema> schema_;
  BackgroundThread* thread_;
  std::unique_ptr<SimEnv> env_;
  std::unique_ptr<leveldb::Logger> logger_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace crashlab

#endif  // CRASHLAB_FUZZ_LEVELDB_AUTH_ENGINE_H_
