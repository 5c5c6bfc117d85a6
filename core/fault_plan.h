// FaultPlan: which faults to inject into a live run, and when.
//
// A plan is one immutable value: a seed and an ordered list of rules. Each
// rule says which operations it watches (op set + path pattern), when it
// fires among them (nth / every / after_ms / probability / times) and what
// happens when it fires (exactly one action). Plans are parsed from JSON or
// TOML (same schema, see ParseFaultPlan), or from LazyFS's vocabulary
// ([[injection]] tables in a LazyFS TOML config, and the FIFO command lines
// "lazyfs::..."), so LazyFS users can bring their configurations. Bad plans
// are rejected with Status kBadInput naming the rule and the field (and the
// line, for TOML).
//
// Paths. Rules match paths relative to the mount root, '/'-separated, with
// no leading slash ("auth.db-wal", "data/000001.log"):
//   "path"  a glob (fnmatch(3) without FNM_PATHNAME: '*' also matches '/',
//           so "*.db-wal" matches "sub/auth.db-wal" and "data/*" matches
//           everything below data/);
//   "regex" an ECMAScript std::regex, searched (unanchored: use ^...$);
//   "file"  a LazyFS path, matched by suffix: file F matches path P when
//           F == P or F ends with "/" + P (LazyFS names files by absolute
//           paths of its own mount, which crashlab does not know);
//   "from_regex" / "to_regex"  LazyFS regexes, by the same suffix rule,
//           aligned by depth: R matches a P of k components when the last k
//           '/'-separated components of R fully match P (R whole when it
//           has no more than k): "/mnt/lfs/.*\.wal" matches "auth.wal"
//           through ".*\.wal", "/mnt/lfs/data/.*" matches "data/x".
//           "to_regex" matches the new path of a rename.
// The suffix rules cannot tell "x" from "sub/x" when LazyFS names
// "/mnt/sub/x": both match. Name files uniquely, or use "path".
// Without any of them a rule matches every path.
//
// Matcher applies one rule to a stream of operations: pure (no I/O), and
// deterministic for a plan seed: the probability draws come from
// Rng(seed).Fork(rule id).
//
// Thread-safety: FaultPlan and FaultRule are values. A Matcher is not
// thread-safe; its owner serialises calls.
#ifndef CRASHLAB_CORE_FAULT_PLAN_H_
#define CRASHLAB_CORE_FAULT_PLAN_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "core/status.h"

namespace crashlab {

// The operations a rule can watch (a superset of LazyFS's).
enum class FaultOp : uint8_t {
  kWrite,
  kFsync,
  kFdatasync,
  kOpen,
  kCreate,
  kRename,
  kUnlink,
  kRead,
  kMkdir,
  kRmdir,
  kTruncate,
  kFsyncDir,
  kLink,
  kSymlink,
  kFallocate,
};
constexpr int kFaultOpCount = 15;
using FaultOpSet = uint32_t;  // bit i = FaultOp i
constexpr FaultOpSet kAllFaultOps = (1u << kFaultOpCount) - 1;
constexpr FaultOpSet Bit(FaultOp op) { return 1u << static_cast<int>(op); }

const char* FaultOpName(FaultOp op);
bool FaultOpFromName(std::string_view name, FaultOp* op);

// Errno names ("EIO", "ENOSPC", ...) <-> values.
bool ErrnoFromName(std::string_view name, int* err);
std::string ErrnoName(int err);

enum class ActionKind : uint8_t {
  kErrno,       // the op fails with `err`, not performed
  kFsyncDrop,   // fsync fails with EIO and the file's unsynced data is lost
  kLie,         // fsync reports success, syncs nothing
  kTorn,        // a prefix of the write reaches storage, then a crash
  kDelay,       // the op is held back delay_ms
  kCrash,       // the engine is killed before/after the op
  kClearCache,  // every file's unsynced data is dropped (engine runs on)
  kCorrupt,     // at-rest corruption, applied by the harness between runs
  kTornSeq,     // LazyFS torn-seq: some writes of a sync group persist
  kTornOp,      // LazyFS torn-op: some parts of one write persist
};
const char* ActionName(ActionKind kind);

enum class Granularity : uint8_t { kSector, kPage, kByte };
enum class Timing : uint8_t { kBefore, kAfter };
enum class CorruptMode : uint8_t { kFlip, kZero, kTruncate };

struct FaultAction {
  ActionKind kind = ActionKind::kErrno;
  int err = 0;              // kErrno
  bool persistent = false;  // kErrno: once fired, every later match
  Granularity granularity = Granularity::kSector;  // kTorn
  std::optional<double> keep_fraction;             // kTorn; else seeded
  uint32_t delay_ms = 0;                           // kDelay
  Timing timing = Timing::kBefore;                 // kCrash, kClearCache
  bool crash = false;  // kClearCache: then kill (LazyFS)
  CorruptMode corrupt_mode = CorruptMode::kFlip;  // kCorrupt
  uint64_t offset = 0;                            // kCorrupt
  uint64_t length = 0;                            // kCorrupt
  uint64_t group = 1;                 // kTornSeq: the group (1-based)
  std::vector<uint32_t> persist;      // kTornSeq, kTornOp: 1-based numbers
  uint32_t parts = 0;                 // kTornOp: equal parts, or...
  std::vector<uint64_t> parts_bytes;  // ...kTornOp: part sizes
  bool reply_ok = false;  // kTorn*, LazyFS "return": reply success, not EIO

  bool operator==(const FaultAction&) const = default;
};

struct PathPattern {
  enum class Kind : uint8_t { kAny, kGlob, kRegex, kSuffix, kSuffixRegex };
  Kind kind = Kind::kAny;
  std::string text;
  bool operator==(const PathPattern&) const = default;
};

struct FaultRule {
  std::string id;
  FaultOpSet ops = kAllFaultOps;
  PathPattern path;
  PathPattern to;         // rename's new path (LazyFS "to")
  uint64_t nth = 0;       // fire on the nth match only (1-based); 0: off
  uint64_t every = 0;     // fire on every Nth match; 0: off
  uint64_t after_ms = 0;  // ignore ops earlier than this since mount
  double probability = 1.0;
  uint64_t times = 0;  // max firings; 0: unlimited
  FaultAction action;

  bool operator==(const FaultRule&) const = default;
};

struct FaultPlan {
  uint64_t seed = 0;
  std::vector<FaultRule> rules;
  bool operator==(const FaultPlan&) const = default;
};

// Parses a plan. JSON when `name` ends in .json or the text starts with
// '{', "[{" or "[]"; LazyFS FIFO lines when the first line that is not
// blank or a '#' comment starts with "lazyfs::" (and `name` does not end
// in .toml); TOML otherwise.
//
// JSON: {"seed": S, "rules": [RULE, ...]} or a bare [RULE, ...].
// TOML: seed = S, then [[rule]] tables with the same keys (the action as an
//       inline table or a [rule.action] sub-table), and/or LazyFS
//       [[injection]] tables (they come after the [[rule]]s). LazyFS's
//       [faults], [cache] and [filesystem] tables are ignored.
// Rules act in plan order: on one operation every rule counts it, delays
// add up, and the first other rule that fires acts.
// RULE: {"id": ID, "op": OP | [OP, ...], "path" | "regex" | "file" |
//        "from_regex": P, "to_regex": R, "nth": N, "every": N,
//        "after_ms": T, "probability": p, "times": N, "action": ACTION}
// ACTION, exactly one of:
//   {"errno": "EIO" | 5, "persistent": bool}      {"fsync_drop": true}
//   {"lie": true}                                 {"delay_ms": N}
//   {"torn": {"granularity": "sector"|"page"|"byte", "keep_fraction": f}}
//   {"crash": {"timing": "before"|"after"}}
//   {"clear_cache": true | {"timing": ..., "crash": bool}}
//   {"corrupt": {"mode": "flip"|"zero"|"truncate", "offset": O,
//                "length": L}}
//   {"torn_seq": {"group": K, "persist": [i, ...]}}
//   {"torn_op": {"parts": N | "parts_bytes": [b, ...], "persist": [i, ...]}}
//   torn, torn_seq and torn_op also take "return": bool (reply success
//   instead of EIO before the engine dies, like LazyFS's "return").
// Defaults: id "rule-<n>" (1-based), op any (lie/fsync_drop: fsync and
// fdatasync; torn*: write), any path, times 1 with nth or torn_seq and
// unlimited otherwise, probability 1, timing "before", granularity
// "sector", keep_fraction drawn from the rule's seeded Rng.
Result<FaultPlan> ParseFaultPlan(std::string_view text,
                                 std::string_view name = "");
// Reads and parses a plan file (the extension picks the syntax).
Result<FaultPlan> LoadFaultPlan(const std::string& path);

// One rule in the JSON schema above. `index` (0-based) names the rule in
// errors and gives the default id "rule-<index+1>". On error, `bad_key`
// (if given) receives the offending key.
Result<FaultRule> ParseRuleJson(const nlohmann::json& j, size_t index,
                                std::string* bad_key = nullptr);
// Normalised JSON of a rule (every field explicit); ParseRuleJson reads it.
nlohmann::json RuleToJson(const FaultRule& rule);
nlohmann::json PlanToJson(const FaultPlan& plan);
// Checks a plan's rules (unique ids, valid patterns).
Status ValidatePlan(const FaultPlan& plan);

// LazyFS. A config's [[injection]] table (as JSON) -> a rule; `index`
// names it ("injection-<index+1>").
Result<FaultRule> RuleFromLazyFsInjection(const nlohmann::json& table,
                                          size_t index,
                                          std::string* bad_key = nullptr);
// A FIFO line: "lazyfs::crash::...", "lazyfs::torn-op::...",
// "lazyfs::torn-seq::..." are rules; "lazyfs::clear-cache",
// "lazyfs::cache-checkpoint", "lazyfs::unsynced-data-report" commands.
struct LazyFsCommand {
  enum class Kind : uint8_t { kRule, kClearCache, kCheckpoint, kReport };
  Kind kind = Kind::kRule;
  FaultRule rule;  // kRule
};
Result<LazyFsCommand> ParseLazyFsLine(std::string_view line, size_t index);

// What a Matcher is told about one operation.
struct OpEvent {
  FaultOp op = FaultOp::kWrite;
  std::string_view path;     // relative to the mount root
  std::string_view to_path;  // rename: the new path
  uint64_t ms = 0;           // since mount
  // kWrite: the write's sync group on its file (1-based: writes between two
  // real fsyncs form one group) and its position in it (1-based).
  uint64_t group = 0;
  uint64_t group_pos = 0;
};

class Matcher {
 public:
  // `rule` must be valid (ParseRuleJson / ValidatePlan accepted it).
  Matcher(FaultRule rule, uint64_t plan_seed);

  // True when the op is one the rule watches (op, path, time): such an op
  // counts as a match for nth/every. Does not change state.
  bool Watches(const OpEvent& e) const;
  // Counts `e` if watched and says whether the rule fires on it. A firing
  // that is not used (another rule's action won) is not counted: call
  // Fired() for the one that acts.
  bool Match(const OpEvent& e);
  void Fired() { ++fired_; }

  const FaultRule& rule() const { return rule_; }
  uint64_t matches() const { return matches_; }
  uint64_t fired() const { return fired_; }
  // The rule's own generator, for its other random choices (torn cuts).
  Rng& rng() { return rng_; }

 private:
  bool PathMatches(const PathPattern& p, const std::vector<std::regex>& res,
                   std::string_view path) const;
  FaultRule rule_;
  Rng rng_;
  std::vector<std::regex> path_res_;  // kRegex: one; kSuffixRegex: R and
  std::vector<std::regex> to_res_;    // its suffixes
  uint64_t matches_ = 0;
  uint64_t fired_ = 0;
};

// Where a torn write is cut: `len` bytes at file offset `offset`, kept
// prefix length in [0, len), on a granularity boundary relative to the
// file offset; `keep_fraction` if set, else drawn from `rng`.
uint64_t TornKeepLength(uint64_t offset, uint64_t len, Granularity g,
                        std::optional<double> keep_fraction, Rng& rng);
// The [offset, length) ranges (relative to the write's data) of the parts
// of a LazyFS torn-op that persist.
std::vector<std::pair<uint64_t, uint64_t>> TornOpKeep(const FaultAction& a,
                                                      uint64_t len);

}  // namespace crashlab

#endif  // CRASHLAB_CORE_FAULT_PLAN_H_
