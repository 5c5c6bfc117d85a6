// crashlab-driver-lmdb: the LMDB driver of engines/PROTOCOL.md.
//
// One process owns at most one LMDB environment: DIR/data.mdb and
// DIR/lock.mdb (the system's liblmdb). LMDB has no log to replay: opening
// picks the newer of the two meta pages, and `open` then opens every
// table's database and reads its statistics, so a file LMDB cannot use
// surfaces as the engine refusing to start. LMDB itself would create a
// fresh, empty environment where data.mdb is missing; on an existing image
// that would hide the loss, so `open` without create refuses instead.
//
// Rows (engines/kv_rows.h): one named database per table (mdb_dbi_open
// with the table's name), key = the row key, value = the non-key columns
// as JSON. The map size is kMapSize, 8 MiB: 2,000 auth ops use about
// 200 KiB, so it holds some 80,000. It is not bigger because with
// MDB_WRITEMAP LMDB extends data.mdb to the whole map, and every crash
// image crashlab builds is a dense copy (64 MiB made a 60-op writemap
// exploration take 110 s instead of 5 s). Running out is reported as
// MDB_MAP_FULL (kind `full`); an environment already bigger keeps its size.
//
// Transactions: each op is one write transaction (mdb_txn_begin ...
// mdb_txn_commit). Increments read the current row inside it (PlanKvOp).
// A failure before commit aborts the transaction: definite. A failed
// commit is reported as unknown (pages may have reached the file).
//
// Settings map to mdb_env_open flags: nosync (MDB_NOSYNC), nometasync
// (MDB_NOMETASYNC), writemap (MDB_WRITEMAP). Every `open` uses the flags it
// is given; crashlab passes the same ones to every process on an
// environment, as lmdb.h asks ("Do not mix processes with and without
// MDB_WRITEMAP on the same environment"). `close` is mdb_env_close, which
// does not sync; `open` with create syncs (mdb_env_sync force) before it
// replies, so the base image is durable under any flags.
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "engines/driver_main.h"
#include "engines/kv_rows.h"

namespace crashlab {
namespace {

using nlohmann::json;

constexpr size_t kMapSize = size_t{8} << 20;
constexpr unsigned kMaxTables = 32;
constexpr char kDataFile[] = "data.mdb";

void Log(const std::string& msg) { DriverLog("crashlab-driver-lmdb", msg); }

// Protocol error kind of an LMDB or errno result.
const char* KindOf(int rc) {
  switch (rc) {
    case MDB_MAP_FULL:
    case ENOSPC:
      return "full";
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return "corrupt";
    case EIO:
    case MDB_PANIC:
      return "io";
    default:
      return "other";
  }
}

// "CALL: LMDB's message (code N)".
std::string Message(const std::string& call, int rc) {
  return call + ": " + mdb_strerror(rc) + " (code " + std::to_string(rc) + ")";
}

struct Flags {
  bool nosync = false;
  bool nometasync = false;
  bool writemap = false;
  unsigned bits() const {
    return (nosync ? MDB_NOSYNC : 0) | (nometasync ? MDB_NOMETASYNC : 0) |
           (writemap ? MDB_WRITEMAP : 0);
  }
};

DriverReply ParseFlags(const std::map<std::string, std::string>& settings,
                       Flags* flags) {
  for (const auto& [k, v] : settings) {
    bool* field = k == "nosync"       ? &flags->nosync
                  : k == "nometasync" ? &flags->nometasync
                  : k == "writemap"   ? &flags->writemap
                                      : nullptr;
    if (!field) {
      return DriverReply::Error("settings",
                                "unknown setting '" + k +
                                    "'; settings: nosync, nometasync, "
                                    "writemap");
    }
    const std::optional<bool> b = ParseBoolSetting(v);
    if (!b) {
      return DriverReply::Error("settings", k + "=" + v +
                                                " not allowed; allowed: "
                                                "true, false");
    }
    *field = *b;
  }
  return DriverReply::Ok();
}

MDB_val Val(const std::string& s) {
  return {s.size(), const_cast<char*>(s.data())};
}

std::string Str(const MDB_val& v) {
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

class LmdbBackend final : public DriverBackend {
 public:
  ~LmdbBackend() override {
    if (env_) CloseEnv();
  }
  json Hello() override {
    int major = 0, minor = 0, patch = 0;
    mdb_version(&major, &minor, &patch);
    return {{"engine", "lmdb"},
            {"version", std::to_string(major) + "." + std::to_string(minor) +
                            "." + std::to_string(patch)},
            {"row_writes", "whole"}};
  }
  DriverReply Open(const OpenRequest& req) override;
  DriverReply Apply(const ApplyRequest& req) override;
  DriverReply Dump() override;
  DriverReply Close() override;
  bool is_open() const override { return env_ != nullptr; }

 private:
  // Opens every table's database in one transaction; 0 or an LMDB error
  // (*error set).
  int OpenTables(bool create, std::string* error);
  DriverReply FailOpen(const std::string& message);
  DriverReply Get(MDB_txn* txn, const std::string& table,
                  const std::string& key, std::optional<std::string>* value);
  // Reads one table with a cursor; `check` gets a line when LMDB's own
  // entry count disagrees with what the cursor saw.
  int ReadTable(MDB_txn* txn, const TableSchema& t, json* rows,
                std::string* check, std::string* error);
  void CloseEnv();

  MDB_env* env_ = nullptr;
  std::map<std::string, MDB_dbi> dbis_;
  Schema schema_;
};

void LmdbBackend::CloseEnv() {
  mdb_env_close(env_);  // closes the DBI handles too
  env_ = nullptr;
  dbis_.clear();
}

DriverReply LmdbBackend::FailOpen(const std::string& message) {
  if (env_) CloseEnv();
  Log("open failed: " + message);
  return DriverReply::Error("open", message);
}

int LmdbBackend::OpenTables(bool create, std::string* error) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, create ? 0 : MDB_RDONLY, &txn);
  if (rc != 0) {
    *error = Message("mdb_txn_begin", rc);
    return rc;
  }
  for (const auto& t : schema_.tables) {
    MDB_dbi dbi;
    rc = mdb_dbi_open(txn, t.name.c_str(), create ? MDB_CREATE : 0, &dbi);
    if (rc != 0) {
      *error = Message("mdb_dbi_open(" + t.name + ")", rc);
      break;
    }
    MDB_stat stat;  // the first read of the table's root page
    rc = mdb_stat(txn, dbi, &stat);
    if (rc != 0) {
      *error = Message("mdb_stat(" + t.name + ")", rc);
      break;
    }
    dbis_[t.name] = dbi;
  }
  if (rc != 0) {
    mdb_txn_abort(txn);
    return rc;
  }
  // Committing (even read-only) keeps the DBI handles open.
  rc = mdb_txn_commit(txn);
  if (rc != 0) *error = Message("mdb_txn_commit", rc);
  if (rc == 0 && create) {
    rc = mdb_env_sync(env_, 1);
    if (rc != 0) *error = Message("mdb_env_sync", rc);
  }
  return rc;
}

DriverReply LmdbBackend::Open(const OpenRequest& req) {
  Flags flags;
  DriverReply settings = ParseFlags(req.settings, &flags);
  if (!settings.ok) return settings;
  if (req.schema.tables.size() > kMaxTables) {
    return DriverReply::Error(
        "protocol", "more than " + std::to_string(kMaxTables) + " tables");
  }
  struct stat st;
  if (::stat(req.dir.c_str(), &st) != 0) {
    return DriverReply::Error("io", req.dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return DriverReply::Error("io", req.dir + ": not a directory");
  }
  const std::string data = req.dir + "/" + kDataFile;
  if (!req.create && ::stat(data.c_str(), &st) != 0) {
    return FailOpen(data + ": " + std::strerror(errno) +
                    " (no LMDB environment to open)");
  }
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return FailOpen(Message("mdb_env_create", rc));
  }
  if ((rc = mdb_env_set_mapsize(env_, kMapSize)) != 0) {
    return FailOpen(Message("mdb_env_set_mapsize", rc));
  }
  if ((rc = mdb_env_set_maxdbs(env_, kMaxTables)) != 0) {
    return FailOpen(Message("mdb_env_set_maxdbs", rc));
  }
  if ((rc = mdb_env_open(env_, req.dir.c_str(), flags.bits(), 0644)) != 0) {
    return FailOpen(Message("mdb_env_open(" + req.dir + ")", rc));
  }
  schema_ = req.schema;
  std::string error;
  if (OpenTables(req.create, &error) != 0) return FailOpen(error);
  Log("opened " + req.dir + " (nosync=" + (flags.nosync ? "true" : "false") +
      ", nometasync=" + (flags.nometasync ? "true" : "false") +
      ", writemap=" + (flags.writemap ? "true" : "false") +
      (req.create ? ", created" : "") + ")");
  return DriverReply::Ok();
}

DriverReply LmdbBackend::Get(MDB_txn* txn, const std::string& table,
                             const std::string& key,
                             std::optional<std::string>* value) {
  MDB_val k = Val(key), v;
  const int rc = mdb_get(txn, dbis_.at(table), &k, &v);
  if (rc == MDB_NOTFOUND) {
    value->reset();
  } else if (rc == 0) {
    *value = Str(v);
  } else {
    return DriverReply::ApplyError(
        KindOf(rc), Message("mdb_get(" + table + "[" + key + "])", rc), true);
  }
  return DriverReply::Ok();
}

DriverReply LmdbBackend::Apply(const ApplyRequest& req) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) {
    return DriverReply::ApplyError(KindOf(rc), Message("mdb_txn_begin", rc),
                                   true);
  }
  KvPlan plan;
  DriverReply planned = PlanKvOp(
      schema_, req.mutations,
      [&](const std::string& t, const std::string& k,
          std::optional<std::string>* v) { return Get(txn, t, k, v); },
      &plan);
  if (!planned.ok) {
    mdb_txn_abort(txn);
    return planned;
  }
  for (const auto& [id, write] : plan) {
    MDB_val k = Val(id.second);
    const std::string what = id.first + "[" + id.second + "]";
    if (write.value) {
      MDB_val v = Val(*write.value);
      rc = mdb_put(txn, dbis_.at(id.first), &k, &v, 0);
      if (rc != 0)
        planned = DriverReply::Error(KindOf(rc),
                                     Message("mdb_put(" + what + ")", rc));
    } else if (write.existed) {
      rc = mdb_del(txn, dbis_.at(id.first), &k, nullptr);
      if (rc != 0)
        planned = DriverReply::Error(KindOf(rc),
                                     Message("mdb_del(" + what + ")", rc));
    }
    if (rc != 0) {
      mdb_txn_abort(txn);
      planned.definite = true;
      return planned;
    }
  }
  rc = mdb_txn_commit(txn);  // frees txn whatever happens
  if (rc != 0) {
    Log("commit of op " + req.id.dump() +
        " failed: " + Message("mdb_txn_commit", rc));
    return DriverReply::ApplyError(KindOf(rc), Message("mdb_txn_commit", rc),
                                   false);
  }
  return DriverReply::Ok();
}

int LmdbBackend::ReadTable(MDB_txn* txn, const TableSchema& t, json* rows,
                           std::string* check, std::string* error) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbis_.at(t.name), &cursor);
  if (rc != 0) {
    *error = Message("mdb_cursor_open(" + t.name + ")", rc);
    return rc;
  }
  *rows = json::array();
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    auto row = DecodeKvRow(t, Str(k), Str(v));
    if (!row.ok()) {
      mdb_cursor_close(cursor);
      *error = row.status().message();
      return MDB_CORRUPTED;
    }
    rows->push_back(std::move(*row));
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) {
    *error = Message("mdb_cursor_get(" + t.name + ")", rc);
    return rc;
  }
  MDB_stat stat;
  rc = mdb_stat(txn, dbis_.at(t.name), &stat);
  if (rc != 0) {
    *error = Message("mdb_stat(" + t.name + ")", rc);
    return rc;
  }
  if (stat.ms_entries != rows->size()) {
    *check += (check->empty() ? "" : "\n") + t.name + ": mdb_stat counts " +
              std::to_string(stat.ms_entries) + " entries, the cursor saw " +
              std::to_string(rows->size());
  }
  return 0;
}

DriverReply LmdbBackend::Dump() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0)
    return DriverReply::Error(KindOf(rc), Message("mdb_txn_begin", rc));
  json tables = json::object();
  std::string check, error;
  for (const auto& t : schema_.tables) {
    rc = ReadTable(txn, t, &tables[t.name], &check, &error);
    if (rc != 0) break;
  }
  mdb_txn_abort(txn);  // read-only: nothing to keep
  if (rc != 0) return DriverReply::Error(KindOf(rc), error);
  return DriverReply::Ok(
      {{"tables", std::move(tables)}, {"check", check.empty() ? "ok" : check}});
}

DriverReply LmdbBackend::Close() {
  CloseEnv();
  return DriverReply::Ok();
}

}  // namespace
}  // namespace crashlab

int main() {
  std::ios::sync_with_stdio(false);
  crashlab::LmdbBackend backend;
  return crashlab::RunDriverLoop(backend, std::cin, std::cout);
}
