#include "reports/wording.h"

namespace crashlab {

std::string ExplainKind(FindingKind kind) {
  switch (kind) {
    case FindingKind::kLostCommit:
      return "The engine told a client this operation was done, but after "
             "the crash it was gone. Any system that trusts the "
             "acknowledgement (a login that issued a session, a password "
             "that was changed) can lose that fact when the machine loses "
             "power or the process dies. Use settings that make each "
             "acknowledged write durable (for example a full fsync on "
             "commit), or design for the loss window the engine documents.";
    case FindingKind::kAtomicity:
      return "Only part of a multi-row operation survived the crash: for "
             "example a session row exists but the user's session counter "
             "was not updated. Data that must change together is now "
             "inconsistent. Put the rows in one transaction, or use an "
             "engine that commits them atomically.";
    case FindingKind::kCorruption:
      return "After the crash the engine returned data that no operation "
             "wrote, showed a write the client was told had failed, failed "
             "its own consistency check, or could not read its data back. "
             "Applications reading this data get wrong answers; treat this "
             "as a defect in the engine or in how it is configured.";
    case FindingKind::kRecoveryFailure:
      return "The engine could not start on a state of its files that a "
             "crash can leave behind. After such a crash the service stays "
             "down until someone repairs or restores the data by hand. "
             "Check whether the engine ships a repair tool and whether its "
             "files are written in a crash-safe order.";
    case FindingKind::kTornHeader:
      return "After the crash one of the engine's files had a torn or "
             "corrupt header (only part of it reached the disk), and the "
             "engine started anyway with acknowledged data missing or "
             "changed. An engine should refuse such a file, or repair it "
             "from a journal, rather than serve wrong data without a word. "
             "Check `crashlab inspect` on the file, and whether the engine "
             "writes and fsyncs new files' headers before relying on them.";
    case FindingKind::kLossWindowExceeded:
      return "The engine promises that a crash loses at most the writes "
             "acknowledged in its last few seconds (its flush window), but "
             "this operation was acknowledged earlier than that and was "
             "still lost. Whatever you sized around that window (how long a "
             "password change or a lockout may be forgotten) does not hold.";
    case FindingKind::kOrderViolation:
      return "The engine promises that a crash loses only its most recent "
             "acknowledged writes, in order (what survives is a prefix of "
             "what was acknowledged), but here an acknowledged operation is "
             "lost while one acknowledged after it survived. An application "
             "that relies on the order (a password change after a sign-up, "
             "a lockout after failed logins) can see the later fact without "
             "the earlier one. Check how the engine orders its writes "
             "across files (log rotation, checkpoints) and what it fsyncs.";
    case FindingKind::kBarrierViolation:
      return "The engine promises that once a synced write has returned, it "
             "and everything acknowledged before it survive a crash (a sync "
             "barrier), but here a synced operation survived while an "
             "operation acknowledged before it was lost. Whoever restarts "
             "work just after the last synced write (LevelDB's documented "
             "hybrid scheme) silently skips that lost operation. Look for "
             "data written before the sync to a file the sync did not "
             "cover (an older log, another table's file).";
    case FindingKind::kInvariant:
      return "A rule the authentication service depends on is broken after "
             "the crash: an account that should be locked is open again, a "
             "user's session count disagrees with their sessions, or a "
             "password-reset token works a second time. These are security "
             "consequences of lost or half-applied writes; fix the "
             "durability or atomicity findings behind them, or re-check "
             "these rules in the application after every restart.";
  }
  return "";
}

}  // namespace crashlab
