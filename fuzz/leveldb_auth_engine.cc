#include "fuzz/leveldb_auth_engine.h"

#include <leveldb/iterator.h>
#include <leveldb/write_batch.h>

#include <utility>

#include "engines/kv_rows.h"

namespace crashlab {
namespace {

constexpr char kDbDir[] = "/db";

class DiscardLogger final : public leveldb::Logger {
 public:
  void Logv(const char*, std::va_list) override {}
};

}  // namespace

LeveldbAuthEngine::LeveldbAuthEngine(LeveldbSettings settings,
                                     std::shared_ptr<const Schema> schema,
                                     BackgroundThread* thread)
    : settings_(settings),
      schema_(std::move(schema)),
      thread_(thread),
      logger_(std::make_unique<DiscardLogger>()) {}

LeveldbAuthEngine::~LeveldbAuthEngine() { Close(); }

Status LeveldbAuthEngine::Open(SimFs& fs, bool create) {
  Close();
  env_ = std::make_unique<SimEnv>(&fs, thread_);
  // Background work runs between DB calls, on this thread (leveldb_env.h).
  env_->SetDeferBackgroundWork(true);
  leveldb::Options options;
  options.env = env_.get();
  options.create_if_missing = create;
  options.error_if_exists = create;
  options.paranoid_checks = true;
  options.info_log = logger_.get();
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, kDbDir, &db);
  env_->WaitForBackgroundWork();
  if (!s.ok()) {
    Close();
    return Status::Engine("DB::Open: " + s.ToString());
  }
  db_.reset(db);
  // The first read: the tables the recovered MANIFEST names must be there.
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  it->SeekToFirst();
  s = it->status();
  it.reset();
  env_->WaitForBackgroundWork();
  if (!s.ok()) {
    Close();
    return Status::Engine("first read: " + s.ToString());
  }
  return Status::Ok();
}

ApplyResult LeveldbAuthEngine::Apply(const LogicalOp& op) {
  KvPlan plan;
  auto get = [this](const std::string& table, const std::string& key,
                    std::optional<std::string>* value) {
    leveldb::ReadOptions read;
    read.verify_checksums = true;
    std::string got;
    leveldb::Status s = db_->Get(read, PrefixedKvKey(table, key), &got);
    if (s.IsNotFound()) {
      value->reset();
    } else if (s.ok()) {
      *value = std::move(got);
    } else {
      return DriverReply::ApplyError("io", s.ToString(), true);
    }
    return DriverReply::Ok();
  };
  const DriverReply planned = PlanKvOp(*schema_, op.mutations, get, &plan);
  if (!planned.ok) return {ApplyResult::Kind::kFailed, planned.message};
  leveldb::WriteBatch batch;
  for (const auto& [id, write] : plan) {
    if (write.value) {
      batch.Put(PrefixedKvKey(id.first, id.second), *write.value);
    } else if (write.existed) {
      batch.Delete(PrefixedKvKey(id.first, id.second));
    }
  }
  leveldb::WriteOptions options;
  options.sync = settings_.sync;
  leveldb::Status s = db_->Write(options, &batch);
  env_->WaitForBackgroundWork();
  if (!s.ok()) return {ApplyResult::Kind::kUnknown, s.ToString()};
  return ApplyResult::Ok();
}

Status LeveldbAuthEngine::Dump(Rows* rows, std::string* check) {
  for (const TableSchema& t : schema_->tables) (*rows)[t.name];
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  Status status;
  for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
    const std::string raw = it->key().ToString();
    std::string key;
    const TableSchema* t = SplitPrefixedKvKey(*schema_, raw, &key);
    if (!t) {
      status = Status::Engine("a key outside the schema: " +
                              nlohmann::json(raw).dump());
      break;
    }
    auto row = DecodeKvRow(*t, key, it->value().ToString());
    if (!row.ok()) {
      status = Status::Engine(row.status().message());
    } else {
      (*rows)[t->name][key] = std::move(*row);
    }
  }
  if (status.ok() && !it->status().ok()) {
    status = Status::Engine(it->status().ToString());
  }
  it.reset();
  env_->WaitForBackgroundWork();
  *check = "ok";  // LevelDB has no check beyond the checksums read above
  return status;
}

Status LeveldbAuthEngine::Maintain() {
  // CompactRange waits for the compactions it schedules: they need the
  // Env's thread.
  env_->RunThreaded([this] { db_->CompactRange(nullptr, nullptr); });
  return Status::Ok();
}

void LeveldbAuthEngine::Close() {
  // Nothing may stay queued: ~DB waits for scheduled work to finish.
  if (env_) env_->WaitForBackgroundWork();
  db_.reset();  // releases the lock
  if (env_) env_->WaitForBackgroundWork();
  env_.reset();
}

}  // namespace crashlab
