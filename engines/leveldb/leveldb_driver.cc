// crashlab-driver-leveldb: the LevelDB driver of engines/PROTOCOL.md.
//
// One process owns at most one leveldb::DB on DIR (the system's
// libleveldb: we test the LevelDB people run). Recovery is LevelDB's own:
// DB::Open replays the write-ahead log and the MANIFEST; `open` then reads
// the first entry so a failure to read surfaces as the engine refusing to
// start. paranoid_checks is on, so corruption LevelDB detects (a bad log
// record checksum, a broken MANIFEST) is reported instead of skipped; the
// price, as options.h says, is that one bad entry may make the whole
// database unopenable: even a torn last log record (the in-flight write,
// length intact, bytes not) fails its checksum and refuses the open, where
// LevelDB's default would drop it. LevelDB's info log goes to stderr (the driver's
// log), not to DIR/LOG, so the data directory holds only the database.
//
// Rows (engines/kv_rows.h): table T, key K is the LevelDB key "T\0K" (the
// first NUL ends the table name, so K may hold anything); the value is the
// row's non-key columns as JSON. Dump iterates the whole database in key
// order, which is table order, then key byte order.
//
// Transactions: each op is ONE WriteBatch, written with WriteOptions::sync
// per the `sync` setting (true, false, every:N: the N-th, 2N-th, ... write
// since open is synced). Increments read the current row first
// (PlanKvOp); safe because this driver is single-threaded and LevelDB
// admits one process per database. A failure before Write is definite
// (nothing written); a failed Write is not (the log record may be on disk).
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "engines/driver_main.h"
#include "engines/kv_rows.h"

namespace crashlab {
namespace {

using nlohmann::json;

void Log(const std::string& msg) { DriverLog("crashlab-driver-leveldb", msg); }

// LevelDB's info log (recovered logs, compactions, deleted files) is
// evidence of what recovery did: keep it in the driver's log.
class StderrLogger final : public leveldb::Logger {
 public:
  void Logv(const char* format, std::va_list ap) override {
    char buf[1024];
    std::vsnprintf(buf, sizeof(buf), format, ap);
    std::string line(buf);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    Log("leveldb: " + line);
  }
};

// Protocol error kind of a LevelDB status.
const char* KindOf(const leveldb::Status& s) {
  if (s.IsCorruption()) return "corrupt";
  if (s.IsIOError()) {
    return s.ToString().find(std::strerror(ENOSPC)) != std::string::npos
               ? "full"
               : "io";
  }
  return "other";
}

// The `sync` setting: every `every`-th write is synced (0: none); and
// `write_buffer_size` (Options::write_buffer_size, 0: LevelDB's 4 MB).
struct SyncPolicy {
  uint64_t every = 0;
  uint64_t write_buffer_size = 0;
};

// write_buffer_size: bytes, 64 KiB to 1 GiB (the range LevelDB clips to).
bool ParseBufferSize(const std::string& v, uint64_t* out) {
  if (v.empty() || v.size() > 10 ||
      v.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::stoull(v);
  return *out >= (64u << 10) && *out <= (1u << 30);
}

DriverReply ParseSync(const std::map<std::string, std::string>& settings,
                      SyncPolicy* policy) {
  for (const auto& [k, v] : settings) {
    if (k == "write_buffer_size") {
      if (!ParseBufferSize(v, &policy->write_buffer_size)) {
        return DriverReply::Error(
            "settings",
            "write_buffer_size=" + v +
                " not allowed; allowed: bytes, 65536 to 1073741824");
      }
      continue;
    }
    if (k != "sync") {
      return DriverReply::Error(
          "settings",
          "unknown setting '" + k + "'; settings: sync, write_buffer_size");
    }
    const std::string prefix = "every:";
    uint64_t n = 0;
    if (v == "true") {
      n = 1;
    } else if (v == "false") {
      n = 0;
    } else if (v.rfind(prefix, 0) == 0 && v.size() > prefix.size() &&
               v.size() <= prefix.size() + 9 &&
               v.find_first_not_of("0123456789", prefix.size()) ==
                   std::string::npos) {
      n = std::stoull(v.substr(prefix.size()));
    }
    if (n == 0 && v != "false") {
      return DriverReply::Error(
          "settings",
          "sync=" + v + " not allowed; allowed: true, false, every:N (N >= 1)");
    }
    policy->every = n;
  }
  return DriverReply::Ok();
}

class LeveldbBackend final : public DriverBackend {
 public:
  json Hello() override {
    return {{"engine", "leveldb"},
            {"version", std::to_string(leveldb::kMajorVersion) + "." +
                            std::to_string(leveldb::kMinorVersion)},
            {"row_writes", "whole"}};
  }
  DriverReply Open(const OpenRequest& req) override;
  DriverReply Apply(const ApplyRequest& req) override;
  DriverReply Dump() override;
  DriverReply Close() override;
  bool is_open() const override { return db_ != nullptr; }

 private:
  DriverReply Get(const std::string& table, const std::string& key,
                  std::optional<std::string>* value);
  // Reads the whole database into `tables`; an error reply on failure.
  DriverReply ReadAll(json* tables);

  StderrLogger logger_;
  std::unique_ptr<leveldb::DB> db_;
  Schema schema_;
  SyncPolicy sync_;
  uint64_t writes_ = 0;  // Write calls since open
};

DriverReply LeveldbBackend::Open(const OpenRequest& req) {
  SyncPolicy sync;
  DriverReply settings = ParseSync(req.settings, &sync);
  if (!settings.ok) return settings;
  struct stat st;
  if (::stat(req.dir.c_str(), &st) != 0) {
    return DriverReply::Error("io", req.dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return DriverReply::Error("io", req.dir + ": not a directory");
  }
  leveldb::Options options;
  options.create_if_missing = req.create;
  options.error_if_exists = req.create;
  options.paranoid_checks = true;
  options.info_log = &logger_;
  if (sync.write_buffer_size > 0) {
    options.write_buffer_size = sync.write_buffer_size;
  }
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, req.dir, &db);
  if (!s.ok()) {
    Log("open failed: " + s.ToString());
    return DriverReply::Error("open", s.ToString());
  }
  db_.reset(db);
  // The first read: the tables the recovered MANIFEST names must be there.
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  it->SeekToFirst();
  s = it->status();
  it.reset();
  if (!s.ok()) {
    db_.reset();
    Log("first read failed: " + s.ToString());
    return DriverReply::Error("open", s.ToString());
  }
  schema_ = req.schema;
  sync_ = sync;
  writes_ = 0;
  Log("opened " + req.dir + (req.create ? " (created)" : ""));
  return DriverReply::Ok();
}

DriverReply LeveldbBackend::Get(const std::string& table,
                                const std::string& key,
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
    return DriverReply::ApplyError(
        KindOf(s), "reading " + table + "[" + key + "]: " + s.ToString(), true);
  }
  return DriverReply::Ok();
}

DriverReply LeveldbBackend::Apply(const ApplyRequest& req) {
  KvPlan plan;
  DriverReply planned = PlanKvOp(
      schema_, req.mutations,
      [this](const std::string& t, const std::string& k,
             std::optional<std::string>* v) { return Get(t, k, v); },
      &plan);
  if (!planned.ok) return planned;
  leveldb::WriteBatch batch;
  for (const auto& [id, write] : plan) {
    if (write.value) {
      batch.Put(PrefixedKvKey(id.first, id.second), *write.value);
    } else if (write.existed) {
      batch.Delete(PrefixedKvKey(id.first, id.second));
    }
  }
  // Even an empty batch is written: every ack then has the same meaning
  // (an empty synced write still syncs the log).
  leveldb::WriteOptions options;
  ++writes_;
  options.sync = sync_.every != 0 && writes_ % sync_.every == 0;
  leveldb::Status s = db_->Write(options, &batch);
  if (!s.ok()) {
    Log("Write of op " + req.id.dump() + " failed: " + s.ToString());
    return DriverReply::ApplyError(KindOf(s), s.ToString(), false);
  }
  return DriverReply::Ok();
}

DriverReply LeveldbBackend::ReadAll(json* tables) {
  for (const auto& t : schema_.tables) (*tables)[t.name] = json::array();
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read));
  uint64_t stray = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string raw = it->key().ToString();
    std::string key;
    const TableSchema* t = SplitPrefixedKvKey(schema_, raw, &key);
    if (!t) {
      if (stray++ == 0) Log("key outside the schema: " + json(raw).dump());
      continue;
    }
    auto row = DecodeKvRow(*t, key, it->value().ToString());
    if (!row.ok()) return DriverReply::Error("corrupt", row.status().message());
    (*tables)[t->name].push_back(std::move(*row));
  }
  if (!it->status().ok()) {
    return DriverReply::Error(KindOf(it->status()), it->status().ToString());
  }
  if (stray > 0) Log(std::to_string(stray) + " keys outside the schema");
  return DriverReply::Ok();
}

DriverReply LeveldbBackend::Dump() {
  json tables = json::object();
  DriverReply read = ReadAll(&tables);
  if (!read.ok) return read;
  // LevelDB has no consistency check of its own beyond the checksums the
  // scan verified.
  return DriverReply::Ok({{"tables", std::move(tables)}, {"check", "ok"}});
}

DriverReply LeveldbBackend::Close() {
  db_.reset();  // waits for background compaction, releases DIR/LOCK
  return DriverReply::Ok();
}

}  // namespace
}  // namespace crashlab

int main() {
  std::ios::sync_with_stdio(false);
  crashlab::LeveldbBackend backend;
  return crashlab::RunDriverLoop(backend, std::cin, std::cout);
}
