// LMDB through crashlab-driver-lmdb (engines/lmdb/lmdb_driver.cc): its
// settings (mdb_env_open flags), availability, and its durability claim in
// the words of LMDB's documentation (the mdb_env_open comment in lmdb.h).
#include <unistd.h>

#include "core/files.h"
#include "engines/driver_engine.h"
#include "engines/engine_def.h"

namespace crashlab {

namespace {

constexpr char kLmdbDriver[] = "crashlab-driver-lmdb";

std::vector<SettingSpec> LmdbSettings() {
  return {
      {"nosync",
       "false",
       {"true", "false"},
       "MDB_NOSYNC: don't flush system buffers to disk when committing"},
      {"nometasync",
       "false",
       {"true", "false"},
       "MDB_NOMETASYNC: flush once per transaction, omit the metadata flush"},
      {"writemap",
       "false",
       {"true", "false"},
       "MDB_WRITEMAP: write through a writable memory map"},
  };
}

EngineInfo LmdbInfo(const EngineEnv& env) {
  EngineInfo info{"lmdb",
                  "LMDB (system liblmdb) through " + std::string(kLmdbDriver) +
                      "; DIR/data.mdb, one named database per table, row as "
                      "JSON",
                  LmdbSettings()};
  const std::string path = JoinPath(env.bin_dir, kLmdbDriver);
  info.available = !env.bin_dir.empty() && ::access(path.c_str(), X_OK) == 0;
  info.availability = info.available
                          ? "driver " + path
                          : "driver not found at " + path +
                                " (build the target " + kLmdbDriver + ")";
  return info;
}

DurabilityClaim LmdbClaim(const Settings& s) {
  using Kind = DurabilityClaim::Kind;
  const bool writemap = s.at("writemap") == "true";
  if (s.at("nosync") == "true") {
    return {Kind::kNone, 0,
            std::string(
                "LMDB, lmdb.h, mdb_env_open, MDB_NOSYNC: \"Don't flush system "
                "buffers to disk when committing a transaction. This "
                "optimization means a system crash can corrupt the database "
                "or lose the last transactions if buffers are not yet "
                "flushed to disk. [...] However, if the filesystem preserves "
                "write order and the MDB_WRITEMAP flag is not used, "
                "transactions exhibit ACI (atomicity, consistency, "
                "isolation) properties and only lose D (durability). I.e. "
                "database integrity is maintained, but a system crash may "
                "undo the final transactions.\"") +
                (writemap ? " With MDB_WRITEMAP, not even integrity is "
                            "promised."
                          : "") +
                " The order (\"the final transactions\") is promised only "
                "\"if the filesystem preserves write order\", which a power "
                "cut does not: no order promise is checked."};
  }
  if (s.at("nometasync") == "true") {
    DurabilityClaim claim{
        Kind::kWindow, 0,
        "LMDB, lmdb.h, mdb_env_open, MDB_NOMETASYNC: \"Flush system "
        "buffers to disk only once per transaction, omit the metadata "
        "flush. Defer that until the system flushes files to disk, or "
        "next non-MDB_RDONLY commit or mdb_env_sync(). This optimization "
        "maintains database integrity, but a system crash may undo the "
        "last committed transaction. I.e. it preserves the ACI "
        "(atomicity, consistency, isolation) but not D (durability) "
        "database property.\" So every acknowledged commit but the last "
        "one is durable: checked as a window of the last 1 acknowledged "
        "operation, and as a prefix (only the last commit may be undone, "
        "so what survives is a prefix of the commit order)."};
    claim.order.prefix = PrefixScope::kGlobal;
    claim.order.window_ops = 1;
    return claim;
  }
  return {Kind::kEveryAck, 0,
          "LMDB, lmdb.h, mdb_env_sync: \"Data is always written to disk when "
          "mdb_txn_commit() is called, but the operating system may keep it "
          "buffered. LMDB always flushes the OS buffers upon commit as well, "
          "unless the environment was opened with MDB_NOSYNC or in part "
          "MDB_NOMETASYNC.\""};
}

}  // namespace

EngineDef LmdbEngineDef() {
  return BuiltinDriverEngineDef(
      LmdbInfo, kLmdbDriver,
      [](const Settings& s) -> Result<DurabilityClaim> { return LmdbClaim(s); });
}

}  // namespace crashlab
