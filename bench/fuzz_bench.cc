// fuzz_bench: crash-and-recover cycles per second, per core, of the
// in-process crash fuzzers' engine cycles (fuzz/auth_cycle.h), without
// libFuzzer and without sanitizers: the harness's own speed.
//
// A cycle is what one fuzzer execution does: a fresh SimFs on the base
// image, open the engine, run 1..12 auth ops, close, crash at a drawn
// position with a drawn crash state, recover on a fresh engine, dump every
// row, run the oracles. Choices come from a seeded Rng; one thread.
//
// With --fuzzers DIR (fuzz/build.sh's $OUT: clang, ASan + UBSan,
// libFuzzer), each cycle's fuzzer (sqlite_wal_full_crash_fuzzer,
// leveldb_crash_fuzzer) also runs for --fuzz-seconds on a copy of its seed
// corpus, and its executions per second from libFuzzer's final stats
// (stat::average_exec_per_sec, wall clock) and per CPU second (its CPU time
// from wait4) print beside the cycles per second, with its peak RSS and
// what its executions checked (its exit line, auth_cycle.h's ExitTally). The
// LevelDB cycle uses the fuzzer's defaults (prefix, drop-unsynced, torn on
// a safe-append device); SQLite's are all four models, no device flags.
//
//   crashlab-bench-fuzz [--seconds S] [--engine sqlite|leveldb|all]
//                       [--fuzzers DIR] [--fuzz-seconds S]
//   crashlab-bench-fuzz --survey N
// --survey runs N cycles of every SQLite setting and LevelDB sync mode
// under three persistence configurations and prints, per cell, how many
// cycles had findings (by kind) and the first finding: which settings keep
// their promises under which models.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "bench/bench_args.h"
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
  auto engine = make(0);
  CRASHLAB_ASSIGN_OR_RETURN(BaseImage base, MakeBaseImage(*engine));
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
  return [s, process](int) {
    return std::make_unique<SqliteAuthEngine>(s, AuthWorkload::SharedSchema(),
                                              ++*process);
  };
}

// As the fuzzer does: one compaction thread for every engine.
AuthEngineFactory Leveldb(bool sync) {
  static BackgroundThread* thread = new BackgroundThread;
  return [sync](int) {
    return std::make_unique<LeveldbAuthEngine>(
        LeveldbSettings{sync}, AuthWorkload::SharedSchema(), thread);
  };
}

// One libFuzzer run of a sanitizer-built fuzzer, as a user starts it.
struct FuzzerRun {
  bool ok = false;
  double exec_per_s = 0;  // libFuzzer's stat::average_exec_per_sec
  double execs = 0, cpu_seconds = 0, peak_rss_mb = 0;
  // From the fuzzer's exit line (auth_cycle.h's ExitTally); -1: none.
  double acked_per_exec = -1, none_percent = -1;
  double checked_before_percent = 0;  // RunCache returned a known outcome
  std::string problem;
};

FuzzerRun RunFuzzer(const std::string& dir, const std::string& fuzzer,
                    double seconds) {
  FuzzerRun r;
  char tmpl[] = "/tmp/crashlab-bench-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) return r;
  const std::string work = tmpl, corpus = work + "/corpus", log = work + "/log",
                    bin = dir + "/" + fuzzer;
  const std::string copy = "mkdir -p '" + corpus + "' && cp -r '" + dir + "/" +
                           fuzzer + "_seed_corpus/.' '" + corpus +
                           "/' 2>/dev/null; true";
  (void)std::system(copy.c_str());
  const std::string time_arg =
      "-max_total_time=" + std::to_string(static_cast<int>(seconds));
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(bin.c_str(), bin.c_str(), corpus.c_str(), time_arg.c_str(),
          "-print_final_stats=1", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  r.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                  ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    double acked = 0, none = 0, before = 0;
    if (CycleTally::ParseExitLine(line, &acked, &none, &before)) {
      r.acked_per_exec = acked;
      r.none_percent = none;
      r.checked_before_percent = before;
      continue;
    }
    std::istringstream words(line);
    std::string key;
    double value = 0;
    if (!(words >> key >> value)) continue;
    if (key == "stat::average_exec_per_sec:") r.exec_per_s = value;
    if (key == "stat::number_of_executed_units:") r.execs = value;
    if (key == "stat::peak_rss_mb:") r.peak_rss_mb = value;
  }
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && r.execs > 0;
  if (!r.ok) r.problem = "exited abnormally or found something; log: " + log;
  if (r.ok) (void)std::system(("rm -rf '" + work + "'").c_str());
  return r;
}

int Speed(double seconds, const std::string& which, const std::string& fuzzers,
          double fuzz_seconds) {
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
  // The fuzzer each cycle runs as, and that fuzzer's default models.
  const std::map<std::string, std::pair<std::string, SpaceConfig>> as_fuzzer = {
      {"sqlite journal_mode=wal synchronous=full",
       {"sqlite_wal_full_crash_fuzzer", *ParseSpaceConfig("", "")}},
      {"leveldb sync=true",
       {"leveldb_crash_fuzzer",
        *ParseSpaceConfig("prefix,drop-unsynced,torn", "safe-append")}},
  };
  for (const auto& [name, make] : engines) {
    const auto f = as_fuzzer.find(name);
    const SpaceConfig space =
        f != as_fuzzer.end() ? f->second.second : *ParseSpaceConfig("", "");
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
    if (fuzzers.empty() || f == as_fuzzer.end()) continue;
    const FuzzerRun fr = RunFuzzer(fuzzers, f->second.first, fuzz_seconds);
    if (!fr.ok) {
      std::printf("  %s: %s\n", f->second.first.c_str(), fr.problem.c_str());
      continue;
    }
    std::printf(
        "  %-44s %7.0f exec/s (libFuzzer, ASan+UBSan), %4.0f per CPU second "
        "(%.0f executions, %.1f s CPU, peak RSS %.0f MB); cycles/s/core / "
        "exec per CPU s = %.1fx\n",
        f->second.first.c_str(), fr.exec_per_s, fr.execs / fr.cpu_seconds,
        fr.execs, fr.cpu_seconds, fr.peak_rss_mb,
        (t->cycles / t->cpu_seconds) / (fr.execs / fr.cpu_seconds));
    if (fr.acked_per_exec >= 0) {
      std::printf(
          "  %-44s %7.2f acknowledged ops checked per execution, %.1f%% of "
          "executions checked none\n",
          "", fr.acked_per_exec, fr.none_percent);
      // Executions that drew a crash the RunCache had checked return its
      // outcome: they cost little and check nothing new.
      std::printf(
          "  %-44s %7.0f crashes recovered and checked per second (the "
          "other %.1f%% of executions repeated one already checked)\n",
          "", fr.exec_per_s * (1 - fr.checked_before_percent / 100),
          fr.checked_before_percent);
    }
    std::fflush(stdout);
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
  double seconds = 5;
  std::string which = "all";
  int64_t survey = 0;
  std::string fuzzers;
  double fuzz_seconds = 20;
  namespace bench = crashlab::bench;
  const std::string usage =
      "usage: crashlab-bench-fuzz [--seconds S] [--engine sqlite|leveldb|all] "
      "[--fuzzers DIR] [--fuzz-seconds S] [--survey N]";
  bench::po::options_description options;
  options.add_options()("seconds", bench::po::value(&seconds))(
      "engine", bench::po::value(&which))(
      "fuzzers", bench::po::value(&fuzzers))("fuzz-seconds",
                                             bench::po::value(&fuzz_seconds))(
      "survey", bench::po::value(&survey));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if ((which != "all" && which != "sqlite" && which != "leveldb") ||
      !(seconds > 0) || !(fuzz_seconds >= 1) || survey < 0) {
    return bench::Refuse(usage,
                         "--engine is sqlite, leveldb or all; --seconds > 0; "
                         "--fuzz-seconds >= 1; --survey >= 0");
  }
  // As the SQLite crash fuzzers run (fuzz/sqlite_pool_alloc.h).
  const crashlab::Status pool = crashlab::InstallSqlitePoolAllocator();
  if (!pool.ok()) {
    std::fprintf(stderr, "%s\n", pool.ToString().c_str());
    return 3;
  }
  return survey > 0 ? crashlab::Survey(static_cast<uint64_t>(survey))
                    : crashlab::Speed(seconds, which, fuzzers, fuzz_seconds);
}
