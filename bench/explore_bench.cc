// explore_bench: does exploring a longer run cost the same per crash state?
//
// For each size N: `crashlab run` records N auth operations on SQLite
// (wal/full by default) through faultfs, then, in a child process of its
// own (so the peak RSS printed is that exploration's alone), the explorer
// checks every prefix and drop-unsynced state of the trace with --jobs J.
// Prints states/s (and its ratio to the first size's), recoveries/s, peak
// RSS, and where the time went: building images (apply, hash, write out),
// engine recoveries (summed over jobs) and checking, as shares of their sum.
//
// "known" counts the recoveries whose rows the engine did not send, as
// recovery had seen them before (harness/explore/rows_by_digest.h).
//
// Then the engine alone on images of the same run (up to --bare N distinct
// images spread evenly over the whole space, each written out untimed and
// recovered in this one process): "open+dump/s" times Recover (open and
// replay, every row read and sent, the engine's own check, close),
// "open+read/s" times RecoverUnlessKnown answering "known" (the same, but
// the rows are only fingerprinted, not sent). The
// second is the floor of any check that reads the recovered state whole:
// its ratio across sizes bounds the explorer's states/s ratio when nearly
// every state needs a recovery of its own (as with --sample).
//
// --sample N checks only every N-th state of the space (shard 1/N, as
// `crashlab run --shard 1/N` does): the per-state costs of a long run,
// sampled over all its crash positions, in 1/N of the time. Fewer states
// then share an image, so more of them need a recovery.
//
//   crashlab-bench-explore [--ops 300,1500,10000] [--jobs 2] [--seed 7]
//                          [--sample N] [--kept-rows 16] [--set k=v ...]
//                          [--bare 100] [--work DIR]
// --kept-rows 0 has every recovery send its rows (no digests); --bare 0
// skips the engine-alone measurement.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "core/files.h"
#include "core/history.h"
#include "core/persistence.h"
#include "harness/explore/explorer.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

struct Args {
  std::vector<uint64_t> ops = {300, 1500, 10000};
  int jobs = 2;
  int sample = 1;
  int kept_rows = 16;  // ExploreConfig::kept_rows (0: rows always sent)
  int bare = 100;      // images recovered by the engine alone (0: none)
  uint64_t seed = 7;
  Settings settings = {{"journal_mode", "wal"}, {"synchronous", "full"}};
  std::string work = "/tmp";
};

struct Outcome {
  uint64_t states = 0, images = 0, recoveries = 0, known = 0, findings = 0;
  char first_finding[160] = {};
  double seconds = 0, build_s = 0, recover_s = 0, check_s = 0;
  uint64_t bare_images = 0;
  double dump_s = 0, read_s = 0;  // engine alone: Recover, rows not sent
  long peak_kb = 0;
  bool ok = false;
};

std::string SelfDir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  const std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

// Records the run into `dir` (exploring one state only: the trace is what
// is wanted). False if crashlab did not leave a trace.
bool RecordRun(const Args& a, uint64_t n, const std::string& dir) {
  std::string cmd = fmt::format(
      "'{}/crashlab' run --engine sqlite --ops {} --seed {} --crash explore "
      "--max-states 1 --minimize-budget-s 0 --out '{}' --force",
      SelfDir(), n, a.seed, dir);
  for (const auto& [k, v] : a.settings) cmd += " --set " + k + "=" + v;
  cmd += " >/dev/null 2>&1";
  (void)std::system(cmd.c_str());
  return PathExists(JoinPath(dir, "trace.bin"));
}

// The engine alone on up to a.bare distinct images spread over the whole
// space, each written out afresh (untimed) before each timed recovery,
// since recovery may change it. Adds to o's bare_images, dump_s, read_s;
// an image the engine does not recover is left out. False if an image
// cannot be written.
bool MeasureBare(const Args& a, const Trace& trace, const FsImage& base,
                 const ExploreConfig& config, uint64_t total_states,
                 const Schema& schema, Outcome* o) {
  auto engine = config.engine_factory();
  if (!engine.ok()) return false;
  const std::string dir = JoinPath(config.scratch_dir, "bare");
  const uint64_t stride =
      std::max<uint64_t>(1, total_states / static_cast<uint64_t>(a.bare));
  const auto write = [&dir](const FsImage& img) {
    return RemoveTree(dir).ok() && MakeDirs(dir).ok() &&
           img.Materialize(dir).ok();
  };
  // Seconds, or a negative number when the image was not recovered.
  const auto timed = [](auto&& recover) {
    const auto start = std::chrono::steady_clock::now();
    const Recovery r = recover();
    const double s = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start).count();
    return r.stage == Recovery::Stage::kOk ? s : -1.0;
  };
  std::unordered_set<Hash128, Hash128Hasher> seen;
  ImageBuilder builder(trace, base);
  StateSpace space(trace, config.space);
  uint64_t index = 0;
  for (CrashState st; space.Next(&st) && o->bare_images < uint64_t(a.bare);
       ++index) {
    if (index % stride != 0) continue;
    const FsImage& img = builder.Build(st);
    if (!seen.insert(img.ContentHash()).second) continue;
    if (!write(img)) return false;
    const double dump = timed([&] { return (*engine)->Recover(dir, schema); });
    if (!write(img)) return false;
    const double read = timed([&] {
      return (*engine)->RecoverUnlessKnown(
          dir, schema, [](const Hash128&, const std::string&) { return true; });
    });
    if (dump < 0 || read < 0) continue;
    o->dump_s += dump;
    o->read_s += read;
    ++o->bare_images;
  }
  return RemoveTree(dir).ok();
}

// In the child: explores the recorded run.
Outcome Explore(const Args& a, uint64_t n, const std::string& dir) {
  Outcome o;
  auto trace = ReadTrace(JoinPath(dir, "trace.bin"));
  if (!trace.ok()) return o;
  auto base = FsImage::FromBase(*trace, JoinPath(dir, "base"));
  if (!base.ok()) return o;
  // The same seed gives the same operations; every one was acknowledged
  // in the recording (checked below by the explorer: no findings).
  AuthWorkload workload(a.seed);
  Rows base_rows = workload.model();
  std::vector<LogicalOp> ops;
  for (uint64_t i = 0; i < n; ++i) {
    ops.push_back(workload.Next());
    workload.Complete(ops.back(), true);
  }
  const std::string scratch =
      "/dev/shm/crashlab-bench-explore-" + std::to_string(getpid());
  ScopedDir cleanup(scratch);
  if (!MakeDirs(scratch).ok()) return o;
  const EngineEnv env{SelfDir(), 30000, JoinPath(dir, "logs")};
  ExploreConfig config;
  config.scratch_dir = scratch;
  config.progress = false;
  config.jobs = a.jobs;
  config.shard_count = a.sample;
  config.kept_rows = a.kept_rows;
  config.engine_factory = [&] { return MakeEngine("sqlite", a.settings, env); };
  const Schema schema = AuthWorkload::MakeSchema();  // outlives the explorer
  Explorer explorer(*trace, *base, schema, ops, base_rows, config);
  FindingSet findings;
  auto st = explorer.Run(&findings);
  if (!st.ok()) return o;
  o.states = st->states_checked;
  o.images = st->unique_images;
  o.recoveries = st->recoveries;
  o.known = st->rows_known;
  o.findings = findings.size();
  const auto report =
      findings.ToReport(1, [](const std::string&, const std::string&,
                              const std::string&) { return std::string(); });
  if (!report.empty()) {
    std::snprintf(o.first_finding, sizeof(o.first_finding), "%s",
                  report.front().summary.c_str());
  }
  o.seconds = st->seconds;
  o.build_s = st->build_seconds;
  o.recover_s = st->recover_seconds;
  o.check_s = st->check_seconds;
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  o.peak_kb = ru.ru_maxrss;
  if (a.bare > 0 &&
      !MeasureBare(a, *trace, *base, config, st->total_states, schema, &o)) {
    return o;
  }
  o.ok = true;
  return o;
}

}  // namespace
}  // namespace crashlab

int main(int argc, char** argv) {
  using namespace crashlab;
  namespace bench = crashlab::bench;
  Args a;
  const std::string usage =
      "usage: crashlab-bench-explore [--ops 300,1500,10000] [--jobs J] "
      "[--seed S] [--sample N] [--kept-rows K] [--bare N] [--set k=v ...] "
      "[--work DIR]";
  std::string ops;
  int64_t seed = static_cast<int64_t>(a.seed);
  std::vector<std::string> sets;
  bench::po::options_description options;
  options.add_options()("ops", bench::po::value(&ops))(
      "sample", bench::po::value(&a.sample))("kept-rows",
                                             bench::po::value(&a.kept_rows))(
      "bare", bench::po::value(&a.bare))("jobs", bench::po::value(&a.jobs))(
      "seed", bench::po::value(&seed))("set", bench::po::value(&sets))(
      "work", bench::po::value(&a.work));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (!bench::SetCounts(ops, &a.ops)) {
    return bench::Refuse(usage, "--ops is a comma-separated list of counts");
  }
  for (const std::string& set : sets) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      return bench::Refuse(usage, "--set takes k=v, not '" + set + "'");
    }
    a.settings[set.substr(0, eq)] = set.substr(eq + 1);
  }
  if (a.jobs < 1 || a.sample < 1 || a.kept_rows < 0 || a.bare < 0 || seed < 0) {
    return bench::Refuse(usage,
                         "--jobs and --sample are at least 1, --kept-rows, "
                         "--bare and --seed at least 0");
  }
  a.seed = static_cast<uint64_t>(seed);
  std::string settings;
  for (const auto& [k, v] : a.settings) settings += " " + k + "=" + v;
  fmt::print(
      "crashlab explore benchmark: sqlite{}, auth seed {}, prefix and "
      "drop-unsynced, --jobs {}, --kept-rows {}{}\n",
      settings, a.seed, a.jobs, a.kept_rows,
      a.sample > 1 ? fmt::format(", every {}th state", a.sample) : "");
  fmt::print("{:>6} {:>8} {:>7} {:>8} {:>7} {:>8} {:>9} {:>6} {:>8} {:>9}  {}\n",
             "ops", "states", "images", "recov.", "known", "seconds", "states/s",
             "ratio", "recov./s", "peak RSS",
             "time: images / recovery / checks");
  double first_rate = 0;
  std::vector<Outcome> done;
  for (uint64_t n : a.ops) {
    const std::string dir =
        fmt::format("{}/crashlab-bench-explore-{}-{}", a.work, getpid(), n);
    ScopedDir cleanup(dir);
    if (!RecordRun(a, n, dir)) {
      std::fprintf(stderr, "explore bench: recording %llu ops failed\n",
                   static_cast<unsigned long long>(n));
      return 3;
    }
    int fds[2];
    if (pipe(fds) != 0) return 3;
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      const Outcome o = Explore(a, n, dir);
      _exit(write(fds[1], &o, sizeof(o)) == sizeof(o) ? 0 : 3);
    }
    close(fds[1]);
    Outcome o;
    const bool got = read(fds[0], &o, sizeof(o)) == sizeof(o);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!got || !o.ok) {
      std::fprintf(stderr, "explore bench: exploring %llu ops failed\n",
                   static_cast<unsigned long long>(n));
      return 3;
    }
    const double rate = o.states / o.seconds;
    if (first_rate == 0) first_rate = rate;
    const double busy = o.build_s + o.recover_s + o.check_s;
    fmt::print(
        "{:>6} {:>8} {:>7} {:>8} {:>7} {:>8.1f} {:>9.0f} {:>6.2f} {:>8.0f} "
        "{:>6} MB  {:.0f}% / {:.0f}% / {:.0f}%{}\n",
        n, o.states, o.images, o.recoveries, o.known, o.seconds, rate, rate / first_rate,
        o.recoveries / o.seconds, o.peak_kb / 1024, 100 * o.build_s / busy,
        100 * o.recover_s / busy, 100 * o.check_s / busy,
        o.findings
            ? fmt::format("  ({} findings! {})", o.findings, o.first_finding)
            : "");
    std::fflush(stdout);
    done.push_back(o);
  }
  if (a.bare == 0) return 0;
  fmt::print("the engine alone (one process, up to {} images of each run):\n",
             a.bare);
  fmt::print("{:>6} {:>7} {:>12} {:>6} {:>12} {:>6}\n", "ops", "images",
             "open+dump/s", "ratio", "open+read/s", "ratio");
  for (size_t i = 0; i < done.size(); ++i) {
    const Outcome& o = done[i];
    const double dump = o.bare_images / o.dump_s;
    const double read = o.bare_images / o.read_s;
    const double dump0 = done[0].bare_images / done[0].dump_s;
    const double read0 = done[0].bare_images / done[0].read_s;
    fmt::print("{:>6} {:>7} {:>12.0f} {:>6.2f} {:>12.0f} {:>6.2f}\n", a.ops[i],
               o.bare_images, dump, dump / dump0, read, read / read0);
  }
  return 0;
}
