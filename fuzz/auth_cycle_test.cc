#include "fuzz/auth_cycle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/leveldb_auth_engine.h"
#include "fuzz/sqlite_auth_engine.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

AuthEngineFactory Sqlite(const SqliteSettings& s, uint64_t* process) {
  return [s, process](int) {
    return std::make_unique<SqliteAuthEngine>(s, AuthWorkload::SharedSchema(),
                                              ++*process);
  };
}

AuthEngineFactory Leveldb(const LeveldbSettings& s) {
  return [s](int) {
    return std::make_unique<LeveldbAuthEngine>(s, AuthWorkload::SharedSchema());
  };
}

SpaceConfig AllModels() { return *ParseSpaceConfig("", ""); }

// The compact SQL (and KV) mapping does what core's ApplyMutation does:
// after a workload, an engine's rows equal the workload's model.
void ExpectEngineMatchesModel(const AuthEngineFactory& make) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SimFs fs;
    auto engine = make(0);
    ASSERT_TRUE(engine->Open(fs, /*create=*/true).ok());
    AuthWorkload w(seed);
    for (int i = 0; i < 60; ++i) {
      LogicalOp op = w.Next();
      const ApplyResult r = engine->Apply(op);
      ASSERT_EQ(r.kind, ApplyResult::Kind::kOk) << r.message;
      w.Complete(op, true);
      if (i % 20 == 19) {
        ASSERT_TRUE(engine->Maintain().ok());
      }
    }
    Rows rows;
    std::string check;
    ASSERT_TRUE(engine->Dump(&rows, &check).ok());
    EXPECT_EQ(check, "ok");
    EXPECT_EQ(rows, w.model()) << "seed " << seed;
    engine->Close();
  }
}

TEST(AuthCycleTest, SqliteEngineMatchesTheWorkloadModel) {
  uint64_t process = 0;
  for (const std::string& journal : SqliteJournalModes()) {
    SCOPED_TRACE(journal);
    ExpectEngineMatchesModel(Sqlite({journal, "full"}, &process));
  }
}

TEST(AuthCycleTest, LeveldbEngineMatchesTheWorkloadModel) {
  ExpectEngineMatchesModel(Leveldb({true}));
}

TEST(AuthCycleTest, SettingsAreValidated) {
  EXPECT_FALSE(ValidateSqliteSettings({"wall", "full"}).ok());
  EXPECT_FALSE(ValidateSqliteSettings({"wal", "fully"}).ok());
  EXPECT_TRUE(ValidateSqliteSettings({"persist", "extra"}).ok());
  EXPECT_FALSE(ParseSpaceConfig("prefix,bogus", "").ok());
  EXPECT_FALSE(ParseSpaceConfig("", "atomic,bogus").ok());
}

// Every decision comes from the Choices: the same seed gives the same
// cycle (SQLite's PRNG is reseeded per process; LevelDB's background work
// is awaited after every call).
TEST(AuthCycleTest, CyclesAreReproducible) {
  uint64_t process_a = 0, process_b = 0;
  const std::vector<std::pair<AuthEngineFactory, AuthEngineFactory>> engines =
      {{Sqlite({"wal", "full"}, &process_a), Sqlite({"wal", "full"}, &process_b)},
       {Leveldb({true}), Leveldb({true})}};
  for (const auto& [a, b] : engines) {
    auto engine = a(0);
    auto base = MakeBaseImage(*engine);
    ASSERT_TRUE(base.ok());
    CycleConfig config;
    config.space = AllModels();
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      process_a = process_b = seed * 100;
      RngChoices ca(seed), cb(seed);
      auto x = RunAuthCycle(a, *base, ca, config);
      auto y = RunAuthCycle(b, *base, cb, config);
      ASSERT_TRUE(x.ok() && y.ok());
      EXPECT_EQ(x->crash_position, y->crash_position) << seed;
      EXPECT_EQ(x->state, y->state) << seed;
      EXPECT_EQ(x->ops, y->ops) << seed;
      EXPECT_EQ(x->acked, y->acked) << seed;
    }
  }
}

// What a fuzzer picks before its cycle, and the engines it then makes.
using TargetFactory = std::function<AuthEngineFactory(ByteChoices&)>;

TargetFactory SqliteTarget(const SqliteSettings& s) {
  return [s](ByteChoices& c) -> AuthEngineFactory {
    const uint64_t seed = c.Pick(uint64_t{1} << 30) * 8;  // as the fuzzer
    return [s, seed](int process) {
      return std::make_unique<SqliteAuthEngine>(
          s, AuthWorkload::SharedSchema(), seed + 1 + process);
    };
  };
}

TargetFactory LeveldbTarget(const LeveldbSettings& s) {
  return [s](ByteChoices&) { return Leveldb(s); };
}

// A RunCache over one target, with its base image and every model.
struct CachedTarget {
  explicit CachedTarget(TargetFactory t) : target(std::move(t)) {
    ByteChoices none("");
    auto made = MakeBaseImage(*target(none)(0));
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    if (made.ok()) base = *made;
    config.space = AllModels();
  }

  // One input through the cache and through a fresh cycle: the same
  // outcome. Returns what the cache reused; *found: there were findings.
  CycleOutcome::Reused Cycle(const std::string& input, bool* found = nullptr) {
    ByteChoices a(input), b(input);
    const AuthEngineFactory make_a = target(a), make_b = target(b);
    auto x = cache.Cycle(make_a, base, a, config);
    auto y = RunAuthCycle(make_b, base, b, config);
    EXPECT_TRUE(x.ok() && y.ok());
    if (!x.ok() || !y.ok()) return CycleOutcome::Reused::kNothing;
    EXPECT_EQ(x->crash_position, y->crash_position);
    EXPECT_EQ(x->state, y->state);
    EXPECT_EQ(x->ops, y->ops);
    EXPECT_EQ(x->acked, y->acked);
    EXPECT_EQ(x->report, y->report);
    EXPECT_EQ(x->findings.size(), y->findings.size());
    for (size_t i = 0; i < x->findings.size() && i < y->findings.size(); ++i) {
      EXPECT_EQ(x->findings[i].Key(), y->findings[i].Key());
    }
    EXPECT_EQ(a.consumed(), b.consumed());
    EXPECT_EQ(y->reused, CycleOutcome::Reused::kNothing);
    if (found) *found = !y->findings.empty();
    return x->reused;
  }
  bool ReusesTheRun(const std::string& input) {
    return Cycle(input) != CycleOutcome::Reused::kNothing;
  }

  TargetFactory target;
  BaseImage base;
  CycleConfig config;
  RunCache cache;
};

// A kept run crashed for the next input gives what running it again
// would: over inputs mutated as libFuzzer does (a byte anywhere, shorter,
// longer), with settings that lose commits, so reports are compared too.
TEST(AuthCycleTest, RunCacheGivesWhatAFreshCycleGives) {
  for (const auto& [name, target] :
       std::vector<std::pair<std::string, TargetFactory>>{
           {"sqlite", SqliteTarget({"wal", "off"})},
           {"leveldb", LeveldbTarget({false})}}) {
    SCOPED_TRACE(name);
    CachedTarget cached(target);
    Rng rng(11);
    std::string input;
    for (int i = 0; i < 40; ++i) input += char(rng.Uniform(256));
    size_t reused = 0, fresh = 0, found = 0, checked = 0;
    for (int i = 0; i < 150; ++i) {
      const uint64_t how = rng.Uniform(10);
      if (how < 6 && !input.empty()) {
        input[rng.Uniform(input.size())] = char(rng.Uniform(256));
      } else if (how < 8) {
        input.resize(rng.Uniform(input.size() + 1));
      } else {
        for (uint64_t k = 1 + rng.Uniform(8); k > 0; --k) {
          input += char(rng.Uniform(256));
        }
      }
      bool had_findings = false;
      const CycleOutcome::Reused r = cached.Cycle(input, &had_findings);
      ++(r == CycleOutcome::Reused::kNothing ? fresh : reused);
      checked += r == CycleOutcome::Reused::kCheck;
      found += had_findings;
    }
    // Every path ran, many times (sqlite: 29 runs reused, 121 fresh, 25
    // crashes already checked; leveldb: 59, 91, 32).
    EXPECT_GE(reused, 20u);
    EXPECT_GE(fresh, 20u);
    EXPECT_GE(checked, 5u);
    EXPECT_LT(checked, reused);
    EXPECT_GE(found, 1u);
    std::printf("%s: %zu of 150 inputs reused a run, %zu a check; %zu with "
                "findings\n",
                name.c_str(), reused, checked, found);
  }
}

// An input that ran out during the run had 0 for every pick past its end;
// a longer input with the same bytes picks otherwise there, so it runs
// again. The same input again reuses the run.
TEST(AuthCycleTest, RunCacheRunsAgainWhereTheKeptRunRanOut) {
  CachedTarget cached(LeveldbTarget({true}));
  const std::string short_input("\x01\x02\x03\x04\x05", 5);
  EXPECT_FALSE(cached.ReusesTheRun(short_input));
  EXPECT_TRUE(cached.ReusesTheRun(short_input));
  EXPECT_FALSE(cached.ReusesTheRun(short_input + std::string(20, '\x03')));
}

// The picks a fuzzer makes before the cycle (SQLite's PRNG seed) are part
// of what a run depends on: an input that differs only there runs again.
TEST(AuthCycleTest, RunCacheRunsAgainWhenThePicksBeforeTheRunDiffer) {
  CachedTarget cached(SqliteTarget({"wal", "full"}));
  std::string input(40, '\x07');
  EXPECT_FALSE(cached.ReusesTheRun(input));
  input.back() = '\x09';  // a crash choice: the run is kept
  EXPECT_TRUE(cached.ReusesTheRun(input));
  input[0] = '\x01';  // the seed's first byte
  EXPECT_FALSE(cached.ReusesTheRun(input));
}

// Runs cycles with RngChoices(seed), seed = 1, 2, ...; returns the number
// of the first cycle with a finding of `kind` (0: none in `runs`).
size_t FirstFinding(const AuthEngineFactory& make, const BaseImage& base,
                    size_t runs, FindingKind kind, std::string* report) {
  CycleConfig config;
  config.space = AllModels();
  for (size_t i = 1; i <= runs; ++i) {
    RngChoices choices(i);
    auto out = RunAuthCycle(make, base, choices, config);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return 0;
    for (const Finding& f : out->findings) {
      if (f.kind == kind) {
        *report = out->report;
        return i;
      }
    }
  }
  return 0;
}

// An input that runs out leaves every later choice 0. The crash position
// counts back from the end of the trace, so such an input still checks
// something: its one op returned, then the power went (counted from the
// start, it crashed before the op and checked nothing).
TEST(AuthCycleTest, AnInputThatRunsOutCrashesAfterItsLastOp) {
  uint64_t process = 0;
  const std::vector<std::pair<std::string, AuthEngineFactory>> engines = {
      {"sqlite", Sqlite({"wal", "full"}, &process)},
      {"leveldb", Leveldb({true})}};
  for (const auto& [name, make] : engines) {
    SCOPED_TRACE(name);
    auto engine = make(0);
    auto base = MakeBaseImage(*engine);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    CycleConfig config;
    config.space = AllModels();
    for (const std::string& input : {std::string(), std::string(5, '\0')}) {
      ByteChoices choices(input);
      auto out = RunAuthCycle(make, *base, choices, config);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      EXPECT_EQ(out->ops, 1u);
      EXPECT_EQ(out->acked, 1u);
      EXPECT_TRUE(out->findings.empty()) << out->report;
    }
  }
}

TEST(AuthCycleTest, TallySaysWhatTheExecutionsChecked) {
  CycleTally tally;
  EXPECT_EQ(tally.Summary(), "0 executions");
  for (const auto& [ops, acked] :
       std::vector<std::pair<size_t, size_t>>{{1, 0}, {3, 2}, {5, 4}}) {
    CycleOutcome out;
    out.ops = ops;
    out.acked = acked;
    tally.Add(out);
  }
  CycleTally reusing = tally;
  EXPECT_EQ(tally.Summary(),
            "3 executions; per execution 3.00 ops, 2.00 acknowledged ops "
            "checked; 33.3% checked none (crashed before any "
            "acknowledgement)");
  double acked = 0, none = 0;
  EXPECT_TRUE(CycleTally::ParseExitLine("crashlab: " + tally.Summary(),
                                        &acked, &none));
  EXPECT_DOUBLE_EQ(acked, 2.0);
  EXPECT_DOUBLE_EQ(none, 33.3);
  EXPECT_FALSE(CycleTally::ParseExitLine("stat::peak_rss_mb: 4", &acked,
                                         &none));
  CycleOutcome kept;
  kept.reused = CycleOutcome::Reused::kRun;
  reusing.Add(kept);
  kept.reused = CycleOutcome::Reused::kCheck;
  reusing.Add(kept);
  EXPECT_NE(reusing.Summary().find("; RunCache: 40.0% reused the run of the "
                                   "input before, 20.0% a crash of it "
                                   "already checked"),
            std::string::npos)
      << reusing.Summary();
  double before = -1;
  EXPECT_TRUE(CycleTally::ParseExitLine("crashlab: " + reusing.Summary(),
                                        &acked, &none, &before));
  EXPECT_DOUBLE_EQ(before, 20.0);
  EXPECT_TRUE(CycleTally::ParseExitLine("crashlab: " + tally.Summary(),
                                        &acked, &none, &before));
  EXPECT_DOUBLE_EQ(before, 0.0);
}

// The harness catches SQLite losing acknowledged commits with
// synchronous=off, in both journal families, within a bounded number of
// runs (measured: see fuzz/README.md).
TEST(AuthCycleTest, SqliteSynchronousOffLosesACommitWithinTheBound) {
  constexpr size_t kBound = 100;
  for (const std::string journal : {"wal", "delete"}) {
    uint64_t process = 0;
    auto make = Sqlite({journal, "off"}, &process);
    auto engine = make(0);
    auto base = MakeBaseImage(*engine);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    std::string report;
    const size_t at =
        FirstFinding(make, *base, kBound, FindingKind::kLostCommit, &report);
    EXPECT_GT(at, 0u) << journal << ": no lost commit in " << kBound;
    std::printf("sqlite %s synchronous=off: first lost commit at run %zu\n",
                journal.c_str(), at);
    EXPECT_NE(report.find("lost_commit"), std::string::npos);
    EXPECT_NE(report.find("crash state: {"), std::string::npos);
  }
}

// WAL with synchronous=full promises durability: no finding of any kind.
// (The libFuzzer run of >= 100,000 executions is in fuzz/README.md.)
TEST(AuthCycleTest, SqliteWalFullKeepsItsPromises) {
  uint64_t process = 0;
  auto make = Sqlite({"wal", "full"}, &process);
  auto engine = make(0);
  auto base = MakeBaseImage(*engine);
  ASSERT_TRUE(base.ok());
  CycleConfig config;
  config.space = AllModels();
  size_t acked = 0;
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    RngChoices choices(seed);
    auto out = RunAuthCycle(make, *base, choices, config);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_TRUE(out->findings.empty()) << "seed " << seed << "\n"
                                       << out->report;
    acked += out->acked;
  }
  EXPECT_GT(acked, 1500u);  // the runs did acknowledge writes before crashes
}

TEST(AuthCycleTest, LeveldbWithoutSyncLosesACommitWithinTheBound) {
  auto make = Leveldb({false});
  auto engine = make(0);
  auto base = MakeBaseImage(*engine);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  std::string report;
  EXPECT_GT(FirstFinding(make, *base, 100, FindingKind::kLostCommit, &report),
            0u);
}

// The leveldb_crash_fuzzer's default models: LevelDB 1.23 keeps its
// promises under prefix, drop-unsynced and torn on a safe-append device.
TEST(AuthCycleTest, LeveldbWithSyncKeepsItsPromisesOnASafeAppendDevice) {
  auto make = Leveldb({true});
  auto engine = make(0);
  auto base = MakeBaseImage(*engine);
  ASSERT_TRUE(base.ok());
  CycleConfig config;
  config.space = *ParseSpaceConfig("prefix,drop-unsynced,torn", "safe-append");
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    RngChoices choices(seed);
    auto out = RunAuthCycle(make, *base, choices, config);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_TRUE(out->findings.empty()) << "seed " << seed << "\n"
                                       << out->report;
  }
}

// Where it does not: SetCurrentFile renames CURRENT without fsyncing the
// directory, then the old MANIFEST is deleted; a crash that keeps the
// deletion but not the rename (reorder) leaves CURRENT naming a missing
// MANIFEST, and DB::Open refuses to start. And without safe-append, a
// torn unsynced MANIFEST append filled with zeros fails its checksum,
// which MANIFEST recovery treats as fatal.
TEST(AuthCycleTest, LeveldbRefusesToStartAfterReorderedOrTornManifestUpdates) {
  auto make = Leveldb({true});
  auto engine = make(0);
  auto base = MakeBaseImage(*engine);
  ASSERT_TRUE(base.ok());
  for (const auto& [models, needle] :
       {std::pair<std::string, std::string>{"reorder",
                                            "CURRENT points to a non-existent"},
        {"torn", "checksum mismatch"}}) {
    CycleConfig config;
    config.space = *ParseSpaceConfig(models, "");
    size_t at = 0;
    for (uint64_t seed = 1; seed <= 500 && at == 0; ++seed) {
      RngChoices choices(seed);
      auto out = RunAuthCycle(make, *base, choices, config);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      for (const Finding& f : out->findings) {
        if (f.kind == FindingKind::kRecoveryFailure &&
            f.summary.find(needle) != std::string::npos) {
          at = seed;
        }
      }
    }
    EXPECT_GT(at, 0u) << models << ": no '" << needle << "' in 500 cycles";
  }
}

}  // namespace
}  // namespace crashlab
