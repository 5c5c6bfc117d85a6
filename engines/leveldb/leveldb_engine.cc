// LevelDB through crashlab-driver-leveldb (engines/leveldb/leveldb_driver.cc):
// its settings, availability, and its durability claim in the words of
// LevelDB's documentation (doc/index.md, "Synchronous Writes", and the
// WriteOptions::sync comment in include/leveldb/options.h).
#include <unistd.h>

#include "core/files.h"
#include "engines/driver_engine.h"
#include "engines/engine_def.h"

namespace crashlab {

namespace {

constexpr char kLeveldbDriver[] = "crashlab-driver-leveldb";

// The doc's own words, quoted in every claim.
constexpr char kAsyncQuote[] =
    "LevelDB, doc/index.md \"Synchronous Writes\": \"By default, each write "
    "to leveldb is asynchronous: it returns after pushing the write from the "
    "process into the operating system.\" ... \"The downside of asynchronous "
    "writes is that a crash of the machine may cause the last few updates to "
    "be lost. Note that a crash of just the writing process (i.e., not a "
    "reboot) will not cause any loss since even when sync is false, an "
    "update is pushed from the process memory into the operating system "
    "before it is considered done.\"";

std::vector<SettingSpec> LeveldbSettings() {
  return {
      {"sync",
       "false",
       {},  // true, false or every:N; checked by ValidateSync
       "WriteOptions::sync of each op's WriteBatch: true, false (LevelDB's "
       "default), or every:N (every N-th write synced, the others not)"},
      {"write_buffer_size",
       "4194304",
       {},  // bytes, 65536 to 1073741824; checked by BufferSize
       "Options::write_buffer_size in bytes (LevelDB's default 4 MB): when "
       "the memtable passes it, LevelDB switches to a new log file and "
       "compacts the old memtable into a table. 65536 (the least LevelDB "
       "takes) rotates the log every ~64 KB, so a run of a few hundred ops "
       "crosses several rotations"},
  };
}

// Every N for every:N; 0 for false; 1 for true; error otherwise.
Result<uint64_t> SyncEvery(const std::string& v) {
  if (v == "true") return uint64_t{1};
  if (v == "false") return uint64_t{0};
  const std::string prefix = "every:";
  if (v.rfind(prefix, 0) == 0 && v.size() > prefix.size() &&
      v.size() <= prefix.size() + 9 &&
      v.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
    const uint64_t n = std::stoull(v.substr(prefix.size()));
    if (n >= 1) return n;
  }
  return Status::InvalidArgument(
      "engine leveldb: sync=" + v +
      " is not allowed; allowed values: true, false, every:N (N >= 1)");
}

Status CheckBufferSize(const std::string& v) {
  if (!v.empty() && v.size() <= 10 &&
      v.find_first_not_of("0123456789") == std::string::npos) {
    const uint64_t n = std::stoull(v);
    if (n >= (64u << 10) && n <= (1u << 30)) return Status::Ok();
  }
  return Status::InvalidArgument(
      "engine leveldb: write_buffer_size=" + v +
      " is not allowed; allowed: bytes, 65536 to 1073741824");
}

EngineInfo LeveldbInfo(const EngineEnv& env) {
  EngineInfo info{"leveldb",
                  "LevelDB (system libleveldb) through " +
                      std::string(kLeveldbDriver) +
                      "; DIR is the database, key TABLE\\0KEY, row as JSON",
                  LeveldbSettings()};
  const std::string path = JoinPath(env.bin_dir, kLeveldbDriver);
  info.available = !env.bin_dir.empty() && ::access(path.c_str(), X_OK) == 0;
  info.availability = info.available
                          ? "driver " + path
                          : "driver not found at " + path +
                                " (build the target " + kLeveldbDriver + ")";
  return info;
}

DurabilityClaim LeveldbClaim(uint64_t every) {
  using Kind = DurabilityClaim::Kind;
  if (every == 1) {
    return {Kind::kEveryAck, 0,
            "LevelDB, doc/index.md \"Synchronous Writes\": \"The sync flag "
            "can be turned on for a particular write to make the write "
            "operation not return until the data being written has been "
            "pushed all the way to persistent storage.\" (every op is one "
            "WriteBatch written with sync=true)"};
  }
  DurabilityClaim claim{Kind::kNone, 0, kAsyncQuote};
  // "the last few updates": what a crash loses is the most recent writes,
  // so what survives is a prefix of the write order (one log, written in
  // the order of the writer queue, one client here).
  claim.order.prefix = PrefixScope::kGlobal;
  if (every == 0) {
    claim.basis +=
        " So with sync=false LevelDB promises survival of process crashes, "
        "not of power loss or a machine crash; what a crash of the machine "
        "loses is \"the last few updates\": what survives is a prefix of "
        "the acknowledged writes (checked as prefix, global).";
    return claim;
  }
  claim.order.sync_barrier = true;
  claim.basis +=
      " With sync=every:" + std::to_string(every) +
      ", the doc's hybrid scheme: \"A hybrid scheme is also possible where "
      "every Nth write is synchronous, and in the event of a crash, the bulk "
      "load is restarted just after the last synchronous write finished by "
      "the previous run. (The synchronous write can update a marker that "
      "describes where to restart on a crash.)\" That is: once a synced "
      "write has returned, it and every earlier write are durable (checked "
      "as sync-barrier), and what a crash loses is \"the last few updates\" "
      "(checked as prefix, global). Later unsynced writes may be lost.";
  return claim;
}

}  // namespace

EngineDef LeveldbEngineDef() {
  return BuiltinDriverEngineDef(
      LeveldbInfo, kLeveldbDriver,
      [](const Settings& s) -> Result<DurabilityClaim> {
        CRASHLAB_ASSIGN_OR_RETURN(uint64_t every, SyncEvery(s.at("sync")));
        CRASHLAB_RETURN_IF_ERROR(CheckBufferSize(s.at("write_buffer_size")));
        return LeveldbClaim(every);
      });
}

}  // namespace crashlab
