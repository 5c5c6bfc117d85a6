// fuzz_bench: crash-and-recover cycles per second, per core, of the
// in-process crash fuzzers' engine cycles (fuzz/auth_cycle.h), without
// libFuzzer and without sanitizers: the harness's own speed.
//
// A cycle is what one fuzzer execution does: a fresh SimFs on the base
// image, open the engine, run 1..12 auth ops, close, crash at a drawn
// position with a drawn crash state, recover on a fresh engine, dump every
// row, run the oracles. Choices come from a seeded Rng; one thread.
//
//   crashlab-bench-fuzz [--seconds S] [--engine sqlite|leveldb|all]
//   crashlab-bench-fuzz --survey N
// --survey runs N cycles of every SQLite setting and LevelDB sync mode
// under three persistence configurations and prints, per cell, how many
// cycles had findings (by kind) and the first finding: which settings keep
// their promises under which models.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "fuzz/auth_cycle.h"
#include "fuzz/leveldb_auth_engine.h"
#include "fuzz/sqlite_auth_engine.h"
#include "fuzz/sqlite_pool_alloc.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

struct Tally {
  uint64_t cycles = 0, ops = 0, acked = 0, with_findings = 0;
  std::map<std::string, uint64_t> by_kind;
  std::string first;  // the first finding's summary
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // the process's CPU time, every thread
};

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Runs cycles until `seconds` pass or `max_cycles` ran (0: no limit).
Result<Tally> Run(const AuthEngineFactory& make, const SpaceConfig& space,
                  double seconds, uint64_t max_cycles) {
  auto engine = make();
  CRASHLAB_ASSIGN_OR_RETURN(FsImage base, MakeBaseImage(*engine));
  engine.reset();
  CycleConfig config;
  config.space = space;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  Tally t;
  while ((max_cycles == 0 || t.cycles < max_cycles) &&
         (seconds <= 0 || t.seconds < seconds)) {
    RngChoices choices(t.cycles + 1);
    CRASHLAB_ASSIGN_OR_RETURN(CycleOutcome out,
                              RunAuthCycle(make, base, choices, config));
    ++t.cycles;
    t.ops += out.ops;
    t.acked += out.acked;
    if (!out.findings.empty()) {
      ++t.with_findings;
      if (t.first.empty()) t.first = out.findings.front().summary;
    }
    for (const Finding& f : out.findings) ++t.by_kind[FindingKindName(f.kind)];
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  t.cpu_seconds = CpuSeconds() - cpu_start;
  return t;
}

AuthEngineFactory Sqlite(const SqliteSettings& s, uint64_t* process) {
  return [s, process] {
    return std::make_unique<SqliteAuthEngine>(s, AuthWorkload::MakeSchema(),
                                              ++*process);
  };
}

AuthEngineFactory Leveldb(bool sync) {
  return [sync] {
    return std::make_unique<LeveldbAuthEngine>(LeveldbSettings{sync},
                                               AuthWorkload::MakeSchema());
  };
}

int Speed(double seconds, const std::string& which) {
  uint64_t process = 0;
  std::map<std::string, AuthEngineFactory> engines;
  if (which == "all" || which == "sqlite") {
    engines["sqlite journal_mode=wal synchronous=full"] =
        Sqlite({"wal", "full"}, &process);
    engines["sqlite journal_mode=delete synchronous=extra"] =
        Sqlite({"delete", "extra"}, &process);
  }
  if (which == "all" || which == "leveldb") {
    engines["leveldb sync=true"] = Leveldb(true);
  }
  const SpaceConfig space = *ParseSpaceConfig("", "");
  for (const auto& [name, make] : engines) {
    auto t = Run(make, space, seconds, 0);
    if (!t.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(),
                   t.status().ToString().c_str());
      return 1;
    }
    // Per core: cycles per CPU second of the whole process (LevelDB's
    // compaction thread included), so a loaded machine does not skew it.
    std::printf(
        "%-46s %7.0f cycles/s/core  (%llu cycles, %.1f s CPU, %.1f s wall; "
        "%.1f ops, %.1f acknowledged per cycle)\n",
        name.c_str(), t->cycles / t->cpu_seconds,
        static_cast<unsigned long long>(t->cycles), t->cpu_seconds, t->seconds,
        static_cast<double>(t->ops) / t->cycles,
        static_cast<double>(t->acked) / t->cycles);
  }
  return 0;
}

int Survey(uint64_t cycles) {
  const std::pair<const char*, SpaceConfig> spaces[] = {
      {"drop-unsynced", *ParseSpaceConfig("drop-unsynced", "")},
      {"all models", *ParseSpaceConfig("", "")},
      {"all models, safe-append", *ParseSpaceConfig("", "safe-append")},
  };
  std::map<std::string, AuthEngineFactory> engines;
  uint64_t process = 0;
  for (const std::string& j : SqliteJournalModes()) {
    for (const std::string& s : SqliteSyncModes()) {
      engines["sqlite " + j + "/" + s] = Sqlite({j, s}, &process);
    }
  }
  engines["leveldb sync=true"] = Leveldb(true);
  engines["leveldb sync=false"] = Leveldb(false);
  for (const auto& [name, make] : engines) {
    for (const auto& [space_name, space] : spaces) {
      auto t = Run(make, space, 0, cycles);
      if (!t.ok()) {
        std::printf("%-24s %-24s error: %s\n", name.c_str(), space_name,
                    t.status().ToString().c_str());
        continue;
      }
      std::string kinds;
      for (const auto& [k, n] : t->by_kind) {
        kinds += " " + k + "=" + std::to_string(n);
      }
      std::printf("%-24s %-24s %5llu/%llu cycles with findings%s%s%s\n",
                  name.c_str(), space_name,
                  static_cast<unsigned long long>(t->with_findings),
                  static_cast<unsigned long long>(t->cycles), kinds.c_str(),
                  t->first.empty() ? "" : "; first: ", t->first.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace crashlab

int main(int argc, char** argv) {
  // As the SQLite crash fuzzers run (fuzz/sqlite_pool_alloc.h).
  const crashlab::Status pool = crashlab::InstallSqlitePoolAllocator();
  if (!pool.ok()) {
    std::fprintf(stderr, "%s\n", pool.ToString().c_str());
    return 3;
  }
  double seconds = 5;
  std::string which = "all";
  uint64_t survey = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) {
      seconds = std::atof(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--engine")) {
      which = argv[i + 1];
    } else if (!std::strcmp(argv[i], "--survey")) {
      survey = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--engine sqlite|leveldb|all] "
                   "[--survey N]\n",
                   argv[0]);
      return 2;
    }
  }
  return survey > 0 ? crashlab::Survey(survey)
                    : crashlab::Speed(seconds, which);
}
