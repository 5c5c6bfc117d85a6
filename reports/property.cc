// The reliability properties' names and plain statements (the table's rows).
#include "reports/property.h"

namespace crashlab {

const char* PropertyId(Property p) {
  switch (p) {
    case Property::kProcessCrash: return "process_crash_durability";
    case Property::kPowerCut: return "power_cut_durability";
    case Property::kLossWindow: return "bounded_loss";
    case Property::kOrder:
      return "order";
    case Property::kLossShape:
      return "loss_shape";
    case Property::kAtomicity: return "atomicity";
    case Property::kRecovery: return "recovery";
    case Property::kChecksums: return "checksums";
    case Property::kIsolation: return "isolation";
  }
  return "unknown";
}

const char* PropertyTitle(Property p) {
  switch (p) {
    case Property::kProcessCrash:
      return "Acknowledged writes survive a process crash";
    case Property::kPowerCut:
      return "Acknowledged writes survive a power cut";
    case Property::kLossWindow:
      return "Loss stays inside the promised window";
    case Property::kOrder:
      return "Losses keep the promised order";
    case Property::kLossShape:
      return "Loss shape";
    case Property::kAtomicity:
      return "Multi-row operations are atomic";
    case Property::kRecovery:
      return "Recovery always succeeds";
    case Property::kChecksums:
      return "Headers and records are checksummed in practice";
    case Property::kIsolation:
      return "Isolation level observed";
  }
  return "";
}

const char* PropertyStatement(Property p) {
  switch (p) {
    case Property::kProcessCrash:
      return "When the database process is killed, every write it had "
             "confirmed to a client is still there after it restarts.";
    case Property::kPowerCut:
      return "When the machine loses power, every write the database had "
             "confirmed to a client is still there after it restarts.";
    case Property::kLossWindow:
      return "A crash loses no confirmed write older than the loss window "
             "the engine documents for these settings (none, if it promises "
             "every confirmed write).";
    case Property::kOrder:
      return "Where the engine documents that a crash loses only its most "
             "recent confirmed writes (what survives is a prefix of what was "
             "confirmed), or that everything confirmed before a synced write "
             "survives with it, no crash loses a confirmed write while a "
             "later one survives.";
    case Property::kLossShape:
      return "What crashes lost, in the order writes were confirmed, "
             "promised or not: nothing; only the most recent ones, inside "
             "the promised window; only the most recent ones (a suffix); or "
             "holes (a confirmed write lost while a later one survived).";
    case Property::kAtomicity:
      return "An operation that changes several rows is, after any crash, "
             "either there completely or not at all.";
    case Property::kRecovery:
      return "The database starts again on every state of its files that a "
             "crash can leave behind, without manual repair.";
    case Property::kChecksums:
      return "When bytes of the database's files are damaged, it notices "
             "and refuses or repairs them instead of silently returning "
             "wrong or missing data.";
    case Property::kIsolation:
      return "The strongest isolation level that concurrent clients' "
             "observed reads and writes are consistent with.";
  }
  return "";
}

}  // namespace crashlab
