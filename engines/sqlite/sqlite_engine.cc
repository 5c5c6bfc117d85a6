// SQLite through crashlab-driver-sqlite (engines/sqlite/sqlite_driver.cc).
#include <unistd.h>

#include "core/files.h"
#include "engines/driver_engine.h"
#include "engines/engine_def.h"

namespace crashlab {

namespace {

constexpr char kSqliteDriver[] = "crashlab-driver-sqlite";

std::vector<SettingSpec> SqliteSettings() {
  return {
      {"journal_mode",
       "delete",
       {"delete", "truncate", "persist", "wal"},
       "PRAGMA journal_mode: how SQLite makes commits atomic (rollback "
       "journal deleted/truncated/kept, or write-ahead log)"},
      {"synchronous",
       "full",
       {"off", "normal", "full", "extra"},
       "PRAGMA synchronous: how often SQLite calls fsync"},
      {"wal_autocheckpoint",
       "1000",
       {},  // pages, 0 to 1000000; the driver checks it
       "PRAGMA wal_autocheckpoint (WAL mode): a commit that leaves the WAL "
       "at least this many pages long checkpoints it into auth.db, and the "
       "next writer restarts the WAL from its start (SQLite's default "
       "1000; 0 never). 2 checkpoints every few commits, so a run of a few "
       "hundred ops crosses many checkpoints and WAL restarts"},
  };
}

EngineInfo SqliteInfo(const EngineEnv& env) {
  EngineInfo info{"sqlite",
                  "SQLite (system libsqlite3) through " +
                      std::string(kSqliteDriver) + "; DIR/auth.db",
                  SqliteSettings()};
  const std::string path = JoinPath(env.bin_dir, kSqliteDriver);
  info.available = !env.bin_dir.empty() && ::access(path.c_str(), X_OK) == 0;
  info.availability = info.available
                          ? "driver " + path
                          : "driver not found at " + path +
                                " (build the target " + kSqliteDriver + ")";
  return info;
}

// SQLite's durability, in the words of its documentation
// (https://www.sqlite.org/pragma.html#pragma_synchronous, wal.html).
DurabilityClaim SqliteClaim(const Settings& s) {
  using Kind = DurabilityClaim::Kind;
  const std::string& sync = s.at("synchronous");
  const bool wal = s.at("journal_mode") == "wal";
  if (sync == "off") {
    return {Kind::kNone, 0,
            "SQLite, PRAGMA synchronous: with synchronous OFF, SQLite "
            "continues without syncing as soon as it has handed data off to "
            "the operating system; the database might become corrupted if "
            "the operating system crashes or the computer loses power. No "
            "promise about which commits survive, in any order"};
  }
  if (sync == "normal" && wal) {
    DurabilityClaim claim{
        Kind::kNone, 0,
        "SQLite, PRAGMA synchronous: WAL mode is always consistent with "
        "synchronous=NORMAL, but a transaction committed in WAL mode with "
        "synchronous=NORMAL might roll back following a power loss or "
        "system crash (it is durable across application crashes). Order: "
        "the file format (fileformat2.html, WAL) accepts a WAL frame only "
        "if its checksum matches \"the checksum computed consecutively on "
        "the first 24 bytes of the WAL header and the first 8 bytes and the "
        "content of all frames up to and including the current frame\", and "
        "commits when a frame with a commit marker is written: what a crash "
        "rolls back is the WAL's tail, so what survives is a prefix of the "
        "commit order (checked as prefix, global)"};
    claim.order.prefix = PrefixScope::kGlobal;
    return claim;
  }
  if (sync == "normal") {
    return {Kind::kNone, 0,
            "SQLite, PRAGMA synchronous: with NORMAL, SQLite syncs at the "
            "most critical moments but less often than in FULL mode; there "
            "is a very small chance that a power failure at the wrong time "
            "could corrupt the database with a rollback journal. No promise "
            "about the order of what a crash loses"};
  }
  if (sync == "extra") {
    return {Kind::kEveryAck, 0,
            "SQLite, PRAGMA synchronous: EXTRA is like FULL with the "
            "addition that the directory containing a rollback journal is "
            "synced after that journal is unlinked to commit a transaction "
            "in DELETE mode"};
  }
  if (wal) {
    return {Kind::kEveryAck, 0,
            "SQLite, WAL: with synchronous=FULL in WAL mode, an additional "
            "sync of the WAL file happens after each transaction commit"};
  }
  return {Kind::kEveryAck, 0,
          "SQLite, PRAGMA synchronous: FULL ensures all content is safely "
          "written to the disk surface before continuing; but SQLite "
          "documents that only EXTRA also syncs the directory after the "
          "rollback journal is unlinked to commit in DELETE mode (\"EXTRA "
          "provides additional durability if the commit is followed closely "
          "by a power loss\"), so with journal_mode=delete a commit "
          "acknowledged just before a power loss may roll back"};
}

}  // namespace

EngineDef SqliteEngineDef() {
  return BuiltinDriverEngineDef(
      SqliteInfo, kSqliteDriver,
      [](const Settings& s) -> Result<DurabilityClaim> {
        const std::string& pages = s.at("wal_autocheckpoint");
        if (pages.empty() || pages.size() > 7 ||
            pages.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(pages) > 1000000) {
          return Status::InvalidArgument(
              "engine sqlite: wal_autocheckpoint=" + pages +
              " is not allowed; allowed: pages, 0 to 1000000 (0: never)");
        }
        return SqliteClaim(s);
      });
}

}  // namespace crashlab
