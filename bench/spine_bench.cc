// Spine benchmark: what recording and exploring cost, measured side by side
// in one run on one machine. Prints ratios, not absolute claims.
//
//   recording overhead   = auth workload time through faultfs
//                          / the same workload on the plain backing directory
//   power-mode overhead  = (workload through faultfs + building and
//                            writing the drop-unsynced image of a power cut)
//                          / the same workload on the plain directory
//   exploration efficiency = images recovered per second by the explorer
//                          / images recovered per second by the engine alone
//                            (driver open + dump on pre-built images: the
//                            physical limit of this design), at --jobs 1
//                            and 2 (bare rate: one process, so efficiency
//                            above 1 at 2 jobs is the parallel speed-up)
//   deduplication        = with the reorder and torn models added: crash
//                          states generated / distinct images recovered
//
// usage: crashlab-bench-spine [--engine sqlite] [--set k=v ...] [--ops N]
//                             [--seed S] [--repeat R] [--work DIR]
//                             [--deep-states N]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "core/crash_space.h"
#include "core/files.h"
#include "core/persistence.h"
#include "core/subprocess.h"
#include "faultfs/client/faultfs_mount.h"
#include "harness/explore/explorer.h"
#include "harness/record/workload_runner.h"
#include "workloads/auth.h"

using namespace crashlab;

namespace {

struct Args {
  std::string engine = "sqlite";
  Settings settings = {{"journal_mode", "wal"}, {"synchronous", "full"}};
  uint64_t ops = 300, seed = 7;
  int repeat = 3;
  uint64_t deep_states = 20000;
  std::string work = "/tmp";
};

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "bench: %s: %s\n", what, s.message().c_str());
  std::exit(3);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(r).value();
}

// Runs the workload on `dir` (through `mount` if given); returns seconds.
double RunWorkload(Engine& engine, const Args& a, const std::string& root,
                   bool through_fuse, std::vector<LogicalOp>* ops) {
  Check(RemoveTree(root), "clean");
  const std::string data = root + "/data", mnt = root + "/mnt";
  Check(MakeDirs(data), "mkdir");
  Check(MakeDirs(mnt), "mkdir");
  AuthWorkload workload(a.seed);
  Check(engine.Init(data, workload.schema()), "init");
  Check(CopyTree(data, root + "/base"), "copy base");
  auto history = Must(HistoryWriter::Create(root + "/history.jsonl"), "history");
  std::unique_ptr<FaultfsMount> mount;
  if (through_fuse) {
    MountOptions mo;
    mo.faultfs_bin = SelfDir() + "/crashlab-faultfs";
    mo.backing = data;
    mo.mount_point = mnt;
    mo.trace_path = root + "/trace.bin";
    mo.log_path = root + "/../faultfs.log";
    mount = Must(FaultfsMount::Start(mo), "mount");
  }
  MarkFn mark = [&](const std::string& label) {
    return mount ? mount->Mark(label) : Status::Ok();
  };
  auto session = Must(engine.Open(through_fuse ? mnt : data, workload.schema()),
                      "open");
  WorkloadRunner runner(workload, *history, mark, nullptr);
  const int64_t start = MonotonicMs();
  auto stats = Must(runner.Run(*session, a.ops, ops), "workload");
  Check(session->Close(), "close");
  const double seconds = (MonotonicMs() - start) / 1000.0;
  if (mount) Check(mount->Stop(), "unmount");
  if (stats.ok != a.ops) {
    std::fprintf(stderr, "bench: only %llu of %llu ops acknowledged\n",
                 static_cast<unsigned long long>(stats.ok),
                 static_cast<unsigned long long>(a.ops));
    std::exit(3);
  }
  return seconds;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = crashlab::bench;
  Args a;
  const std::string usage =
      "usage: crashlab-bench-spine [--engine sqlite] [--set k=v ...] "
      "[--ops 300] [--seed 7] [--repeat 3] [--work /tmp] "
      "[--deep-states 20000]";
  std::vector<std::string> sets;
  // Read signed, so that -1 is refused instead of wrapping.
  int64_t op_count = static_cast<int64_t>(a.ops);
  int64_t seed = static_cast<int64_t>(a.seed);
  int64_t deep_states = static_cast<int64_t>(a.deep_states);
  bench::po::options_description options;
  options.add_options()("engine", bench::po::value(&a.engine))(
      "set", bench::po::value(&sets))("ops", bench::po::value(&op_count))(
      "seed", bench::po::value(&seed))("repeat", bench::po::value(&a.repeat))(
      "work", bench::po::value(&a.work))("deep-states",
                                         bench::po::value(&deep_states));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  for (const std::string& set : sets) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      return bench::Refuse(usage, "--set takes k=v, not '" + set + "'");
    }
    a.settings[set.substr(0, eq)] = set.substr(eq + 1);
  }
  if (op_count < 1 || seed < 0 || a.repeat < 1 || deep_states < 0) {
    return bench::Refuse(usage,
                         "--ops and --repeat are at least 1, --seed and "
                         "--deep-states at least 0");
  }
  a.ops = static_cast<uint64_t>(op_count);
  a.seed = static_cast<uint64_t>(seed);
  a.deep_states = static_cast<uint64_t>(deep_states);
  const std::string root = a.work + "/crashlab-bench-" + std::to_string(getpid());
  ScopedDir cleanup(root);
  Check(MakeDirs(root + "/logs"), "logs");
  EngineEnv env{SelfDir(), 30000, root + "/logs"};
  auto engine = Must(MakeEngine(a.engine, a.settings, env), "engine");
  std::string settings;
  for (const auto& [k, v] : engine->settings()) settings += " " + k + "=" + v;
  fmt::print("crashlab spine benchmark: {}{}, auth workload {} ops, seed {}, "
             "{} repeats, data on {}\n",
             a.engine, settings, a.ops, a.seed, a.repeat, a.work);

  // 1. Recording overhead, plain and FUSE runs interleaved.
  std::vector<double> plain, fuse;
  std::vector<LogicalOp> ops;
  for (int i = 0; i < a.repeat; ++i) {
    std::vector<LogicalOp> unused;
    plain.push_back(RunWorkload(*engine, a, root + "/plain", false, &unused));
    ops.clear();
    fuse.push_back(RunWorkload(*engine, a, root + "/fuse", true, &ops));
  }
  fmt::print("recording: plain {:.3f} s, through faultfs {:.3f} s (medians)\n",
             Median(plain), Median(fuse));
  fmt::print("  recording overhead = faultfs / plain = {:.2f}x\n",
             Median(fuse) / Median(plain));
  {
    // A power cut of the last run: what the disk would hold, written out.
    const Trace t = Must(ReadTrace(root + "/fuse/trace.bin"), "trace");
    const FsImage b = Must(FsImage::FromBase(t, root + "/fuse/base"), "base");
    const int64_t cut = MonotonicMs();
    const CrashState s = StateAt(t, Model::kDropUnsynced, t.records.size());
    ImageBuilder builder(t, b);
    Check(RemoveTree(root + "/power"), "clean");
    Check(MakeDirs(root + "/power"), "mkdir");
    Check(builder.Build(s).Materialize(root + "/power"), "materialize");
    const double power = Median(fuse) + (MonotonicMs() - cut) / 1000.0;
    fmt::print("  power-mode overhead = (faultfs + power-cut image) / plain = "
               "{:.2f}x\n", power / Median(plain));
  }

  // 2. Exploration against the bare recovery rate on the same images.
  const Trace trace = Must(ReadTrace(root + "/fuse/trace.bin"), "trace");
  const FsImage base = Must(FsImage::FromBase(trace, root + "/fuse/base"), "base");
  const Schema schema = AuthWorkload::MakeSchema();
  const std::string scratch = "/dev/shm/crashlab-bench-" + std::to_string(getpid());
  ScopedDir scratch_cleanup(scratch);
  Check(MakeDirs(scratch), "scratch");
  Rows no_rows;
  for (const auto& t : schema.tables) no_rows[t.name];
  ExploreConfig config;
  config.scratch_dir = scratch;
  config.progress = false;
  config.engine_factory = [&] { return MakeEngine(a.engine, a.settings, env); };

  // Pre-build every distinct image, then time recovery alone.
  std::vector<std::string> dirs;
  std::unordered_set<Hash128, Hash128Hasher> seen;
  ImageBuilder builder(trace, base);
  {
    StateSpace space(trace, config.space);
    for (CrashState s; space.Next(&s);) {
      const FsImage& img = builder.Build(s);
      if (!seen.insert(img.ContentHash()).second) continue;
      dirs.push_back(scratch + "/bare-" + std::to_string(dirs.size()));
      Check(MakeDirs(dirs.back()), "mkdir");
      Check(img.Materialize(dirs.back()), "materialize");
    }
  }
  const int64_t start = MonotonicMs();
  for (const std::string& d : dirs) (void)engine->Recover(d, schema);
  const double bare_s = (MonotonicMs() - start) / 1000.0;
  const double bare_rate = dirs.size() / bare_s;
  Check(RemoveTree(scratch), "clean scratch");
  Check(MakeDirs(scratch), "scratch");
  fmt::print("bare recovery (driver open+dump on {} pre-built images, one "
             "process): {:.0f} images/s\n", dirs.size(), bare_rate);

  for (int jobs : {1, 2}) {
    config.jobs = jobs;
    Explorer explorer(trace, base, schema, ops, no_rows, config);
    FindingSet findings;
    const ExploreStats st = Must(explorer.Run(&findings), "explore");
    const double images_rate = st.recoveries / st.seconds;
    const double states_rate = st.states_checked / st.seconds;
    fmt::print("exploration --jobs {}: {} crash states, {} unique images, "
               "checked in {:.2f} s ({} findings)\n",
               jobs, st.crash_states, st.unique_images, st.seconds,
               findings.size());
    fmt::print("  explorer: {:.0f} states/s, {:.0f} images recovered/s\n",
               states_rate, images_rate);
    fmt::print("  exploration efficiency = explorer images/s / bare images/s "
               "= {:.2f}\n", images_rate / bare_rate);
    fmt::print("  states checked per second / bare images per second = "
               "{:.2f} (dedup lets this exceed 1)\n", states_rate / bare_rate);
  }

  // Deeper models: how much deduplication saves.
  config.jobs = 2;
  config.space.models = {Model::kPrefix, Model::kDropUnsynced, Model::kReorder,
                         Model::kTorn};
  config.max_states = a.deep_states;
  Explorer deep(trace, base, schema, ops, no_rows, config);
  FindingSet deep_findings;
  const ExploreStats ds = Must(deep.Run(&deep_findings), "explore deep");
  fmt::print("exploration with reorder and torn (--jobs 2, first {} states): "
             "{} states, {} unique images in {:.2f} s ({} findings)\n",
             a.deep_states, ds.states_checked, ds.unique_images, ds.seconds,
             deep_findings.size());
  fmt::print("  deduplication: states / unique images = {:.2f} "
             "({:.0f}% of recoveries saved)\n",
             double(ds.states_checked) / ds.unique_images,
             100.0 * (1.0 - double(ds.unique_images) / ds.states_checked));
  return 0;
}
