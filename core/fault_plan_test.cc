#include "core/fault_plan.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace crashlab {
namespace {

using nlohmann::json;

FaultPlan MustParse(std::string_view text, std::string_view name = "") {
  auto plan = ParseFaultPlan(text, name);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString() << "\n" << text;
  return plan.ok() ? *plan : FaultPlan();
}

// The message of a plan that must be rejected as bad input.
std::string Rejection(std::string_view text, std::string_view name = "") {
  auto plan = ParseFaultPlan(text, name);
  EXPECT_FALSE(plan.ok()) << text;
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), Code::kBadInput);
  return plan.status().message();
}

constexpr char kJsonPlan[] = R"({
  "seed": 7,
  "rules": [
    {"id": "wal-eio", "op": "fsync", "path": "*.db-wal", "nth": 2,
     "action": {"errno": "EIO"}},
    {"op": ["write", "truncate"], "regex": "^data/", "every": 3,
     "action": {"errno": "ENOSPC", "persistent": true}},
    {"id": "lie", "path": "auth.db", "action": {"lie": true}},
    {"id": "drop", "op": "fdatasync", "action": {"fsync_drop": true}},
    {"id": "tear", "path": "*.log", "after_ms": 100,
     "action": {"torn": {"granularity": "page", "keep_fraction": 0.5}}},
    {"id": "slow", "op": "any", "probability": 0.25, "times": 3,
     "action": {"delay_ms": 20}},
    {"id": "boom", "op": "rename", "action": {"crash": {"timing": "after"}}},
    {"id": "cc", "op": "unlink", "action": {"clear_cache": true}},
    {"id": "rot", "path": "auth.db",
     "action": {"corrupt": {"mode": "zero", "offset": 4096, "length": 16}}}
  ]
})";

constexpr char kTomlPlan[] = R"(# the same plan as kJsonPlan
seed = 7

[[rule]]
id = "wal-eio"
op = "fsync"
path = "*.db-wal"
nth = 2
action = { errno = "EIO" }

[[rule]]
op = ["write", "truncate"]
regex = "^data/"
every = 3
[rule.action]
errno = "ENOSPC"
persistent = true

[[rule]]
id = "lie"
path = "auth.db"
action = { lie = true }

[[rule]]
id = "drop"
op = "fdatasync"
action = { fsync_drop = true }

[[rule]]
id = "tear"
path = "*.log"
after_ms = 100
action = { torn = { granularity = "page", keep_fraction = 0.5 } }

[[rule]]
id = "slow"
op = "any"
probability = 0.25
times = 3
action = { delay_ms = 20 }

[[rule]]
id = "boom"
op = "rename"
action = { crash = { timing = "after" } }

[[rule]]
id = "cc"
op = "unlink"
action = { clear_cache = true }

[[rule]]
id = "rot"
path = "auth.db"
[rule.action.corrupt]
mode = "zero"
offset = 4096
length = 16
)";

TEST(FaultPlanTest, JsonAndTomlParseToTheSamePlan) {
  const FaultPlan from_json = MustParse(kJsonPlan);
  const FaultPlan from_toml = MustParse(kTomlPlan, "plan.toml");
  EXPECT_EQ(from_json, from_toml);
  EXPECT_EQ(MustParse(kTomlPlan), from_toml) << "TOML recognised by content";
  ASSERT_EQ(from_json.rules.size(), 9u);
  EXPECT_EQ(from_json.seed, 7u);
}

TEST(FaultPlanTest, EveryActionAndField) {
  const FaultPlan p = MustParse(kJsonPlan);
  const auto& r = p.rules;
  EXPECT_EQ(r[0].id, "wal-eio");
  EXPECT_EQ(r[0].ops, Bit(FaultOp::kFsync));
  EXPECT_EQ(r[0].path.kind, PathPattern::Kind::kGlob);
  EXPECT_EQ(r[0].nth, 2u);
  EXPECT_EQ(r[0].times, 1u) << "nth defaults to one firing";
  EXPECT_EQ(r[0].action.kind, ActionKind::kErrno);
  EXPECT_EQ(r[0].action.err, EIO);
  EXPECT_FALSE(r[0].action.persistent);

  EXPECT_EQ(r[1].id, "rule-2") << "default id";
  EXPECT_EQ(r[1].ops, Bit(FaultOp::kWrite) | Bit(FaultOp::kTruncate));
  EXPECT_EQ(r[1].path.kind, PathPattern::Kind::kRegex);
  EXPECT_EQ(r[1].every, 3u);
  EXPECT_EQ(r[1].times, 0u) << "unlimited";
  EXPECT_EQ(r[1].action.err, ENOSPC);
  EXPECT_TRUE(r[1].action.persistent);

  EXPECT_EQ(r[2].action.kind, ActionKind::kLie);
  EXPECT_EQ(r[2].ops, Bit(FaultOp::kFsync) | Bit(FaultOp::kFdatasync))
      << "lie watches syncs only";
  EXPECT_EQ(r[3].action.kind, ActionKind::kFsyncDrop);
  EXPECT_EQ(r[3].ops, Bit(FaultOp::kFdatasync));

  EXPECT_EQ(r[4].action.kind, ActionKind::kTorn);
  EXPECT_EQ(r[4].ops, Bit(FaultOp::kWrite));
  EXPECT_EQ(r[4].action.granularity, Granularity::kPage);
  EXPECT_EQ(r[4].action.keep_fraction, 0.5);
  EXPECT_EQ(r[4].after_ms, 100u);

  EXPECT_EQ(r[5].action.kind, ActionKind::kDelay);
  EXPECT_EQ(r[5].action.delay_ms, 20u);
  EXPECT_EQ(r[5].ops, kAllFaultOps);
  EXPECT_EQ(r[5].probability, 0.25);
  EXPECT_EQ(r[5].times, 3u);

  EXPECT_EQ(r[6].action.kind, ActionKind::kCrash);
  EXPECT_EQ(r[6].action.timing, Timing::kAfter);
  EXPECT_EQ(r[7].action.kind, ActionKind::kClearCache);
  EXPECT_EQ(r[7].action.timing, Timing::kBefore);
  EXPECT_FALSE(r[7].action.crash);

  EXPECT_EQ(r[8].action.kind, ActionKind::kCorrupt);
  EXPECT_EQ(r[8].action.corrupt_mode, CorruptMode::kZero);
  EXPECT_EQ(r[8].action.offset, 4096u);
  EXPECT_EQ(r[8].action.length, 16u);
}

TEST(FaultPlanTest, NormalisedJsonRoundTrips) {
  const FaultPlan p = MustParse(kJsonPlan);
  const json normal = PlanToJson(p);
  EXPECT_EQ(MustParse(normal.dump()), p);
  for (size_t i = 0; i < p.rules.size(); ++i) {
    auto again = ParseRuleJson(RuleToJson(p.rules[i]), i);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, p.rules[i]) << RuleToJson(p.rules[i]).dump();
  }
  EXPECT_EQ(MustParse(R"([{"action": {"errno": 28}}])").rules[0].action.err,
            ENOSPC)
      << "a bare list of rules, errno by number";
}

constexpr char kLazyFsConfig[] = R"(
[faults]
fifo_path="/tmp/faults.fifo"
[cache]
apply_eviction=false
[cache.simple]
custom_size="1gb"
blocks_per_page=1
[filesystem]
log_all_operations=false
logfile=""

[[injection]]
type="torn-seq"
op="write"
file="/home/gsd/lazyfs.mnt/auth.db-wal"
persist=[1,4]
occurrence=2

[[injection]]
type="torn-op"
file="/home/gsd/lazyfs.mnt/f1.txt"
persist=[1,3]
parts=3
occurrence=5

[[injection]]
type="torn-op"
file="f2.txt"
persist=[2]
parts_bytes=[4096,3600,1260]
ocurrence=4
return=true

[[injection]]
type="clear-cache"
from="/home/gsd/lazyfs.mnt/f1.txt"
timing="after"
op="write"
occurrence=6
crash=true

[[injection]]
type="crash"
from="/home/gsd/lazyfs.mnt/.*\\.log"
to="/home/gsd/lazyfs.mnt/archive/.*"
timing="before"
op="rename"
occurrence=1

[[injection]]
type="reorder"
file="old.txt"
persist=[2]

[[injection]]
type="split_write"
file="old.txt"
persist=[1]
parts=2

[[injection]]
type="clear"
op="fsync"
)";

TEST(FaultPlanTest, LazyFsConfigMapsOntoRules) {
  const FaultPlan p = MustParse(kLazyFsConfig, "config.toml");
  ASSERT_EQ(p.rules.size(), 8u);
  const auto& r = p.rules;
  EXPECT_EQ(r[0].id, "injection-1");
  EXPECT_EQ(r[0].action.kind, ActionKind::kTornSeq);
  EXPECT_EQ(r[0].ops, Bit(FaultOp::kWrite));
  EXPECT_EQ(r[0].path.kind, PathPattern::Kind::kSuffix);
  EXPECT_EQ(r[0].action.group, 2u);
  EXPECT_EQ(r[0].action.persist, (std::vector<uint32_t>{1, 4}));
  EXPECT_EQ(r[0].times, 1u);

  EXPECT_EQ(r[1].action.kind, ActionKind::kTornOp);
  EXPECT_EQ(r[1].nth, 5u);
  EXPECT_EQ(r[1].action.parts, 3u);
  EXPECT_EQ(r[1].action.persist, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(r[2].nth, 4u) << "ocurrence, LazyFS's spelling";
  EXPECT_EQ(r[2].action.parts_bytes, (std::vector<uint64_t>{4096, 3600, 1260}));
  EXPECT_TRUE(r[2].action.reply_ok);

  EXPECT_EQ(r[3].action.kind, ActionKind::kClearCache);
  EXPECT_EQ(r[3].action.timing, Timing::kAfter);
  EXPECT_TRUE(r[3].action.crash);
  EXPECT_EQ(r[3].nth, 6u);
  EXPECT_EQ(r[3].path.kind, PathPattern::Kind::kSuffixRegex);

  EXPECT_EQ(r[4].action.kind, ActionKind::kCrash);
  EXPECT_EQ(r[4].ops, Bit(FaultOp::kRename));
  EXPECT_EQ(r[4].to.kind, PathPattern::Kind::kSuffixRegex);

  EXPECT_EQ(r[5].action.kind, ActionKind::kTornSeq) << "reorder";
  EXPECT_EQ(r[5].action.group, 1u);
  EXPECT_EQ(r[6].action.kind, ActionKind::kTornOp) << "split_write";
  EXPECT_EQ(r[7].action.kind, ActionKind::kClearCache) << "clear";
  EXPECT_EQ(r[7].nth, 0u);

  // LazyFS rules survive the normalised JSON (what `crashlab faults`
  // sends to a running faultfs).
  EXPECT_EQ(MustParse(PlanToJson(p).dump()), p);
}

TEST(FaultPlanTest, LazyFsPathsMatchBySuffix) {
  const FaultPlan p = MustParse(kLazyFsConfig, "config.toml");
  Matcher seq(p.rules[0], 1);
  EXPECT_TRUE(seq.Watches({FaultOp::kWrite, "auth.db-wal"}));
  EXPECT_TRUE(seq.Watches({FaultOp::kWrite, "lazyfs.mnt/auth.db-wal"}));
  EXPECT_FALSE(seq.Watches({FaultOp::kWrite, "b-auth.db-wal"}));
  EXPECT_FALSE(seq.Watches({FaultOp::kWrite, "auth.db"}));
  Matcher rename(p.rules[4], 1);
  EXPECT_TRUE(rename.Watches({FaultOp::kRename, "x.log", "archive/x.log"}));
  EXPECT_FALSE(rename.Watches({FaultOp::kRename, "sub/x.log", "archive/x.log"}))
      << "aligned by depth: the regex's '.*' stands for names in the root";
  EXPECT_FALSE(rename.Watches({FaultOp::kRename, "x.log", "other/x.log"}));
  EXPECT_FALSE(rename.Watches({FaultOp::kRename, "x.txt", "archive/x.txt"}));
  EXPECT_FALSE(rename.Watches({FaultOp::kWrite, "x.log", "archive/x.log"}));
}

TEST(FaultPlanTest, LazyFsFifoLines) {
  auto crash = ParseLazyFsLine(
      "lazyfs::crash::timing=before::op=write::from_rgx=.*\\.wal::occurrence="
      "3\n",
      0);
  ASSERT_TRUE(crash.ok()) << crash.status().ToString();
  EXPECT_EQ(crash->kind, LazyFsCommand::Kind::kRule);
  EXPECT_EQ(crash->rule.action.kind, ActionKind::kCrash);
  EXPECT_EQ(crash->rule.nth, 3u);
  EXPECT_EQ(crash->rule.id, "lazyfs-1");

  auto op = ParseLazyFsLine(
      "lazyfs::torn-op::file=/mnt/lfs/"
      "f.txt::persist=1,3::parts=3::occurrence=5",
      1);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  EXPECT_EQ(op->rule.action.kind, ActionKind::kTornOp);
  EXPECT_EQ(op->rule.action.persist, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(op->rule.nth, 5u);

  auto seq = ParseLazyFsLine(
      "lazyfs::torn-seq::op=write::file=/mnt/lfs/"
      "f.txt::persist=1,4::occurrence=2",
      2);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(seq->rule.action.kind, ActionKind::kTornSeq);
  EXPECT_EQ(seq->rule.action.group, 2u);

  using K = LazyFsCommand::Kind;
  EXPECT_EQ(ParseLazyFsLine("lazyfs::clear-cache", 0)->kind, K::kClearCache);
  EXPECT_EQ(ParseLazyFsLine("lazyfs::cache-checkpoint\n", 0)->kind,
            K::kCheckpoint);
  EXPECT_EQ(ParseLazyFsLine("lazyfs::unsynced-data-report", 0)->kind,
            K::kReport);
  EXPECT_FALSE(ParseLazyFsLine("lazyfs::explode", 0).ok());
  EXPECT_FALSE(ParseLazyFsLine("crash::op=write", 0).ok());
  EXPECT_FALSE(
      ParseLazyFsLine("lazyfs::torn-op::file=f::persist=1,x::parts=2", 0).ok());

  // A file of FIFO lines is a plan; commands are not rules.
  const FaultPlan p = MustParse(
      "# faults\nlazyfs::torn-seq::op=write::file=f::persist=2::occurrence=1\n"
      "lazyfs::crash::timing=after::op=fsync::from_rgx=f\n");
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.rules[1].id, "lazyfs-2");
  EXPECT_NE(Rejection("lazyfs::clear-cache\n").find("is a command"),
            std::string::npos);
}

TEST(FaultPlanTest, BadPlansNameTheRuleAndField) {
  struct Case {
    const char* plan;
    const char* want;
  };
  const Case cases[] = {
      {R"([{"op": "frobnicate", "action": {"errno": "EIO"}}])",
       "rules[0]: key 'op'"},
      {R"([{"action": {"errno": "EIO"}}, {"action": {"errno": "EWHATEVER"}}])",
       "rules[1]: key 'action.errno': unknown errno"},
      {R"([{"id": "two", "action": {"errno": "EIO", "lie": true}}])",
       "rules[0] (id \"two\"): key 'action': has two actions"},
      {R"([{"probability": 1.5, "action": {"lie": true}}])",
       "key 'probability'"},
      {R"([{"regex": "([a-", "action": {"lie": true}}])",
       "key 'regex': bad regular"},
      {R"([{"action": {"torn_op": {"parts": 3, "persist": [1, 4]}}}])",
       "key 'action.torn_op.persist': part 4 is out of range"},
      {R"([{"action": {}}])", "key 'action': no action"},
      {R"([{"nth": 2, "every": 3, "action": {"lie": true}}])", "key 'every'"},
      {R"([{"op": "write", "action": {"lie": true}}])", "key 'op': action lie"},
      {R"([{"op": "fsync", "action": {"torn": true}}])",
       "key 'op': action torn"},
      {R"([{"action": {"torn": {"granularity": "disk"}}}])", "granularity"},
      {R"([{"action": {"corrupt": {"mode": "flip"}}}])", "key 'path'"},
      {R"([{"pth": "x", "action": {"lie": true}}])", "key 'pth': unknown key"},
      {R"([{"id": "a", "action": {"lie": true}}, {"id": "a", "action": {"lie": true}}])",
       "rules[1]: key 'id'"},
      {R"({"seed": -1, "rules": []})", "key 'seed'"},
      {R"({"rules": [}})", "not valid JSON"},
  };
  for (const Case& c : cases) {
    const std::string msg = Rejection(c.plan);
    EXPECT_NE(msg.find(c.want), std::string::npos)
        << "plan: " << c.plan << "\nmessage: " << msg << "\nwant: " << c.want;
  }
}

TEST(FaultPlanTest, BadTomlPlansNameTheLine) {
  std::string msg = Rejection(
      "seed = 1\n\n[[rule]]\nop = \"fsync\"\naction = { errno = \"EBOGUS\" "
      "}\n");
  EXPECT_NE(msg.find("line 5: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("action.errno"), std::string::npos) << msg;
  msg = Rejection(
      "[[rule]]\naction = { lie = true }\n[[rule]]\nop = \"fsync\"\n"
      "probability = 1.5\naction = { lie = true }\n");
  EXPECT_NE(msg.find("line 5: rules[1]: key 'probability'"), std::string::npos)
      << msg;
  msg = Rejection(
      "[[injection]]\ntype=\"torn-op\"\nfile=\"f\"\npersist=[1,4]\nparts=3\n",
      "x.toml");
  EXPECT_NE(
      msg.find("line 4: injection[0] (type torn-op): key 'persist': part 4"),
      std::string::npos)
      << msg;
  msg = Rejection("[[injection]]\ntype=\"crash\"\nop=\"write\"\nfrom=\"(\"\n",
                  "x.toml");
  EXPECT_NE(msg.find("line 4:"), std::string::npos) << msg;
  msg = Rejection("[[injection]]\ntype=\"teleport\"\n", "x.toml");
  EXPECT_NE(msg.find("line 2:"), std::string::npos) << msg;
  msg = Rejection("seed = 1\nrule = [\n", "x.toml");
  EXPECT_NE(msg.find("not valid TOML"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line"), std::string::npos) << msg;
  msg = Rejection("seed = 1\nsede = 2\n", "x.toml");
  EXPECT_NE(msg.find("line 2: key 'sede'"), std::string::npos) << msg;
}

OpEvent W(std::string_view path, uint64_t ms = 0) {
  return OpEvent{FaultOp::kWrite, path, "", ms};
}

FaultRule Rule(const std::string& json_text) {
  auto r = ParseRuleJson(json::parse(json_text), 0);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : FaultRule();
}

// Which of `n` writes to `path` a rule fires on (1-based).
std::vector<int> Firings(Matcher& m, int n, std::string_view path = "a") {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i) {
    if (m.Match(W(path))) {
      m.Fired();
      out.push_back(i);
    }
  }
  return out;
}

TEST(MatcherTest, NthEveryTimesAreExact) {
  Matcher nth(Rule(R"({"op": "write", "nth": 3, "action": {"errno": "EIO"}})"),
              1);
  EXPECT_EQ(Firings(nth, 10), (std::vector<int>{3}));
  Matcher every(
      Rule(R"({"op": "write", "every": 4, "action": {"errno": "EIO"}})"), 1);
  EXPECT_EQ(Firings(every, 12), (std::vector<int>{4, 8, 12}));
  Matcher times(Rule(R"({"op": "write", "every": 2, "times": 2,
                         "action": {"errno": "EIO"}})"),
                1);
  EXPECT_EQ(Firings(times, 10), (std::vector<int>{2, 4}));
  Matcher all(Rule(R"({"op": "write", "action": {"errno": "EIO"}})"), 1);
  EXPECT_EQ(Firings(all, 3), (std::vector<int>{1, 2, 3}));
  Matcher persistent(Rule(R"({"op": "write", "nth": 2,
                              "action": {"errno": "EIO", "persistent": true}})"),
                     1);
  EXPECT_EQ(Firings(persistent, 5), (std::vector<int>{2, 3, 4, 5}));
  Matcher path(
      Rule(R"({"path": "*.wal", "nth": 2, "action": {"errno": "EIO"}})"), 1);
  EXPECT_FALSE(path.Match(W("a.db")));
  EXPECT_FALSE(path.Match(W("x.wal")));
  EXPECT_FALSE(path.Match(W("b.db"))) << "other paths do not count";
  EXPECT_TRUE(path.Match(W("sub/y.wal"))) << "'*' crosses directories";
  EXPECT_EQ(path.matches(), 2u);
  Matcher tree(Rule(R"({"path": "data/**", "action": {"errno": "EIO"}})"), 1);
  EXPECT_TRUE(tree.Watches(W("data/a/b.log")));
  EXPECT_FALSE(tree.Watches(W("other/data/x")));
}

TEST(MatcherTest, AfterMsCountsOnlyLaterOps) {
  Matcher m(Rule(R"({"op": "write", "after_ms": 50, "nth": 2,
                     "action": {"errno": "EIO"}})"),
            1);
  EXPECT_FALSE(m.Match(W("a", 10)));
  EXPECT_FALSE(m.Match(W("a", 49)));
  EXPECT_FALSE(m.Match(W("a", 50)));
  EXPECT_TRUE(m.Match(W("a", 51)));
  EXPECT_EQ(m.matches(), 2u);
}

TEST(MatcherTest, ProbabilityIsSeeded) {
  const FaultRule r = Rule(R"({"id": "p", "op": "write", "probability": 0.3,
                               "action": {"errno": "EIO"}})");
  Matcher a(r, 42), b(r, 42), c(r, 43);
  const auto fa = Firings(a, 400), fb = Firings(b, 400), fc = Firings(c, 400);
  EXPECT_EQ(fa, fb) << "same seed, same firings";
  EXPECT_NE(fa, fc) << "another seed, other firings";
  EXPECT_GT(fa.size(), 80u);
  EXPECT_LT(fa.size(), 160u);
  Matcher never(
      Rule(R"({"op": "write", "probability": 0, "action": {"errno": "EIO"}})"),
      1);
  EXPECT_TRUE(Firings(never, 100).empty());
  // The stream is per rule id: another rule with the same seed differs.
  FaultRule other = r;
  other.id = "q";
  Matcher d(other, 42);
  EXPECT_NE(Firings(d, 400), fa);
}

TEST(MatcherTest, TornSeqFiresOnTheLastPersistedWriteOfItsGroup) {
  Matcher m(Rule(R"({"op": "write", "action": {"torn_seq": {"group": 2,
                     "persist": [1, 3]}}})"),
            1);
  auto ev = [](uint64_t group, uint64_t pos) {
    OpEvent e = W("f");
    e.group = group;
    e.group_pos = pos;
    return e;
  };
  EXPECT_FALSE(m.Match(ev(1, 3)));
  EXPECT_FALSE(m.Match(ev(2, 1)));
  EXPECT_FALSE(m.Match(ev(2, 2)));
  EXPECT_TRUE(m.Match(ev(2, 3)));
  m.Fired();
  EXPECT_FALSE(m.Match(ev(2, 3))) << "once";
}

TEST(MatcherTest, TornCutsLandOnBoundaries) {
  Rng rng(5);
  for (int i = 0; i < 200; ++i) {
    const uint64_t off = rng.Uniform(10000), len = 1 + rng.Uniform(20000);
    const uint64_t s = TornKeepLength(off, len, Granularity::kSector, {}, rng);
    EXPECT_LT(s, len);
    EXPECT_TRUE(s == 0 || (off + s) % 512 == 0) << off << "+" << s;
    const uint64_t p = TornKeepLength(off, len, Granularity::kPage, {}, rng);
    EXPECT_TRUE(p == 0 || (off + p) % 4096 == 0) << off << "+" << p;
    EXPECT_LT(TornKeepLength(off, len, Granularity::kByte, {}, rng), len);
  }
  EXPECT_EQ(TornKeepLength(0, 8192, Granularity::kPage, 0.6, rng), 4096u);
  EXPECT_EQ(TornKeepLength(100, 1000, Granularity::kSector, 0.9, rng), 412u);
  EXPECT_EQ(TornKeepLength(100, 300, Granularity::kSector, 0.9, rng), 0u);
  EXPECT_EQ(TornKeepLength(0, 10, Granularity::kByte, 1.0, rng), 9u);
  Rng a(9), b(9);
  EXPECT_EQ(TornKeepLength(0, 1 << 20, Granularity::kByte, {}, a),
            TornKeepLength(0, 1 << 20, Granularity::kByte, {}, b));
}

TEST(MatcherTest, TornOpParts) {
  FaultAction a;
  a.parts = 3;
  a.persist = {1, 3};
  using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(TornOpKeep(a, 10), (Ranges{{0, 3}, {6, 4}}));
  a.parts = 0;
  a.parts_bytes = {4, 2, 100};
  a.persist = {2, 3};
  EXPECT_EQ(TornOpKeep(a, 10), (Ranges{{4, 6}}));
  a.parts_bytes = {4, 2};
  a.persist = {2};
  EXPECT_EQ(TornOpKeep(a, 10), (Ranges{{4, 6}}))
      << "the last part takes the rest";
  a.parts_bytes = {};
  a.parts = 4;
  a.persist = {1, 2, 4};
  EXPECT_EQ(TornOpKeep(a, 8), (Ranges{{0, 4}, {6, 2}}))
      << "adjacent parts merge";
}

}  // namespace
}  // namespace crashlab
