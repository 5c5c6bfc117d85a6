// crashlab: does this storage engine keep its promises when the process
// dies, the power goes, or the disk misbehaves?
//
//   crashlab run --engine E [--set k=v ...] --out DIR [options]
//   crashlab matrix FILE --out DIR [--jobs N] [--shard K/N] [gating]
//   crashlab report merge|table|junit|annotations|html|diff|baseline|gate
//   crashlab replay OUT --state ID --to DIR
//   crashlab trace dump FILE
//   crashlab engines
//   crashlab faults --check PLAN | --socket PATH (PLAN | --cmd COMMAND)
//   crashlab check-isolation HISTORY [options]
//
// Exit codes: 0 pass, 1 findings, 2 bad usage or input, 3 infrastructure
// failure, 4 incomplete (exploration cut short).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "checkers/isolation/cli.h"
#include "core/files.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/explain.h"
#include "harness/cli/faults_cmd.h"
#include "harness/cli/inspect_cmd.h"
#include "harness/cli/matrix.h"
#include "harness/cli/replay.h"
#include "harness/cli/report_cmd.h"
#include "harness/run.h"
#include "harness/txn_run.h"
#include "reports/report.h"

namespace po = boost::program_options;
using namespace crashlab;

namespace {

// Set by SIGINT/SIGTERM; the run stops at the next safe point, cleans up
// and reports `incomplete`. A second signal ends the process at once.
std::atomic<bool> g_interrupted{false};

void OnInterrupt(int sig) {
  if (g_interrupted.exchange(true)) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

std::string BinDir() {
  if (const char* env = getenv("CRASHLAB_BIN_DIR")) return env;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/'));
}

int ReportStatus(const Status& s) {
  if (s.ok()) return kExitPass;
  std::fprintf(stderr, "crashlab: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

int RunMain(const std::vector<std::string>& args) {
  RunOptions o;
  std::vector<std::string> sets;
  std::string models = "prefix,drop-unsynced";
  std::string tear = "none";
  std::string device, shard;
  uint64_t at_op = 0;
  std::string at_time;
  std::string at_mark;
  std::string fail_on, baseline_path;
  po::options_description desc("crashlab run options");
  desc.add_options()
      ("help,h", "show these options")
      ("engine", po::value(&o.engine)->required(), "engine to test (see `crashlab engines`)")
      ("set", po::value(&sets)->composing(), "engine setting KEY=VALUE (repeatable)")
      ("workload", po::value(&o.workload)->default_value("auth"), "workload: auth (rows of a login service), ddl (schema changes of a migration: sqlite, postgres, skytable), or the transactional list-append, rw-register (isolation checks; --crash none, process or power)")
      ("ops", po::value(&o.ops)->default_value(300), "logical operations to run")
      ("rate", po::value(&o.rate)->default_value(0), "operations per second, paced like steady load (0: as fast as the engine answers); timer-flushed engines (Skytable rs_window, Redis everysec) show their window only at a real pace")
      ("clients", po::value(&o.clients)->default_value(4), "list-append/rw-register: concurrent clients (threads, one connection or driver each)")
      ("txns", po::value(&o.txns)->default_value(1000), "list-append/rw-register: transactions in all")
      ("sequential-keys", po::bool_switch(&o.sequential_keys), "list-append/rw-register: check assuming each key is sequentially consistent (versions follow process order)")
      ("linearizable-keys", po::bool_switch(&o.linearizable_keys), "list-append/rw-register: check assuming each key is linearizable (versions follow real time)")
      ("seed", po::value(&o.seed), "seed of every random choice (default: random, recorded)")
      ("crash", po::value(&o.crash)->default_value("explore"), "crash mode: explore, process, power; none (the default of list-append and rw-register, which also run under process and power)")
      ("model", po::value(&models)->default_value(models), "explore: persistence models: prefix, drop-unsynced, reorder, torn (comma-separated)")
      ("device", po::value(&device), "explore: device flags pruning states: atomic, safe-append, sequential")
      ("exhaustive-bound", po::value(&o.space.exhaustive_bound)->default_value(8), "reorder: enumerate every subset up to this many unsynced operations")
      ("samples", po::value(&o.space.samples)->default_value(32), "reorder: seeded subsets per crash point above the bound")
      ("torn-writes", po::value(&o.space.torn_writes)->default_value(4), "torn: how many of the last unsynced writes tear at each crash point")
      ("jobs", po::value(&o.jobs)->default_value(1), "explore: engine instances recovering in parallel")
      ("shard", po::value(&shard), "explore: check only shard K of N (K/N, 1-based)")
      ("minimize-budget-s", po::value(&o.minimize_budget_s)->default_value(60), "explore: seconds for shrinking findings' crash states (0: off)")
      ("minimize-tests", po::value(&o.minimize_tests)->default_value(48), "explore: candidate states tried per finding at most")
      ("rounds", po::value(&o.rounds)->default_value(10), "process/power: crashes per run")
      ("random", "process/power: crash at a seeded random file operation of each round (default)")
      ("at-op", po::value(&at_op), "process/power: crash while the N-th operation of each round runs")
      ("at-time", po::value(&at_time), "process/power: crash MS milliseconds into each round, or MIN-MAX: at a seeded random time in that range")
      ("at-mark", po::value(&at_mark), "process/power: crash right after this mark (e.g. ok:5)")
      ("tear", po::value(&tear)->default_value(tear), "power: tear the last unsynced write: none, sector, page, byte")
      ("faults", po::value(&o.faults_path), "fault plan (JSON or TOML; see README)")
      ("backing-fsync", po::bool_switch(&o.backing_fsync), "faultfs passes fsyncs on to the disk (real fsync latency; off: recorded, not performed)")
      ("out", po::value(&o.out)->required(), "output directory (new or empty)")
      ("force", po::bool_switch(&o.force), "replace a previous crashlab run in --out")
      ("max-states", po::value(&o.max_states)->default_value(0), "stop after this many crash states (0: all)")
      ("budget-s", po::value(&o.budget_s)->default_value(0), "stop exploring after this many seconds (0: none)")
      ("scratch", po::value(&o.scratch), "directory for crash images (default /dev/shm)")
      ("timeout-s", po::value(&o.timeout_s)->default_value(30), "engine request timeout")
      ("max-findings", po::value(&o.max_findings)->default_value(100), "findings detailed in the report (every finding stays listed in its class)")
      ("no-order-checks", "skip the order oracles and the loss shape (to measure what they cost)")
      ("keep-work", po::bool_switch(&o.keep_work), "keep OUT/.work (the live data directory)")
      ("fail-on", po::value(&fail_on), "finding kinds that fail the run (comma list; default all)")
      ("baseline", po::value(&baseline_path), "accepted findings (crashlab report baseline): only new ones fail");
  po::variables_map vm;
  if (auto done =
          ParseArgs(desc, nullptr, args, &vm, "see crashlab run --help")) {
    return *done;
  }
  const std::string bad_set = ParseSets(sets, &o.settings);
  if (!bad_set.empty()) return Usage(bad_set);
  auto parsed = ParseModels(models);
  if (!parsed.ok()) return ReportStatus(parsed.status());
  o.space.models = *parsed;
  auto flags = ParseDeviceFlags(device);
  if (!flags.ok()) return ReportStatus(flags.status());
  o.space.flags = *flags;
  if (!shard.empty()) {
    unsigned k = 0, n = 0;
    char slash = 0;
    if (std::sscanf(shard.c_str(), "%u%c%u", &k, &slash, &n) != 3 ||
        slash != '/' || k < 1 || n < 1 || k > n) {
      return Usage("--shard takes K/N with 1 <= K <= N, got '" + shard + "'");
    }
    o.shard_index = static_cast<int>(k) - 1;
    o.shard_count = static_cast<int>(n);
  }
  auto tear_mode = ParseTear(tear);
  if (!tear_mode.ok()) return ReportStatus(tear_mode.status());
  o.tear = *tear_mode;
  o.order_checks = vm.count("no-order-checks") == 0;
  const int triggers = vm.count("random") + vm.count("at-op") +
                       vm.count("at-time") + vm.count("at-mark");
  if (triggers > 1) {
    return Usage("choose one of --random, --at-op, --at-time, --at-mark");
  }
  if (vm.count("at-op")) {
    if (at_op == 0) return Usage("--at-op counts from 1");
    o.trigger = {Trigger::Kind::kAtOp, at_op};
  } else if (vm.count("at-time")) {
    int64_t lo = -1, hi = -1;
    char dash = 0, extra = 0;
    const int n = std::sscanf(at_time.c_str(), "%ld%c%ld%c", &lo, &dash, &hi, &extra);
    if (!((n == 1 && lo >= 0) || (n == 3 && dash == '-' && lo >= 0 && hi >= lo))) {
      return Usage("--at-time takes milliseconds >= 0, or MIN-MAX");
    }
    o.trigger = {Trigger::Kind::kAtTime, 0, lo, n == 3 ? hi : -1};
  } else if (vm.count("at-mark")) {
    o.trigger = {Trigger::Kind::kAtMark, 0, 0, -1, at_mark};
  }
  const bool rounds_given = vm.count("rounds") > 0 && !vm["rounds"].defaulted();
  if (o.crash == "explore" && (triggers > 0 || rounds_given)) {
    return Usage("--rounds and crash triggers apply to --crash process or power");
  }
  if (IsTxnWorkload(o.workload) && vm["crash"].defaulted()) o.crash = "none";
  if (!o.faults_path.empty()) o.faults_path = AbsolutePath(o.faults_path);
  if (!vm.count("seed")) o.seed = std::random_device{}() % 1000000;
  o.out = AbsolutePath(o.out);
  if (!o.scratch.empty()) o.scratch = AbsolutePath(o.scratch);
  o.bin_dir = BinDir();
  o.interrupted = &g_interrupted;
  Baseline baseline;
  GatePolicy gate;
  Status gate_ok = MakeGatePolicy(fail_on, vm.count("fail-on") > 0, baseline_path,
                                  &baseline, &gate);
  if (!gate_ok.ok()) return Usage(gate_ok.message());
  const int code = Run(o);
  if (!gate.active()) return code;
  return GateRunReport(JoinPath(o.out, "report.json"), gate, code);
}

int ReplayMain(const std::vector<std::string>& args) {
  std::string out, state, to;
  po::options_description desc("crashlab replay OUT --state ID --to DIR");
  desc.add_options()
      ("out", po::value(&out)->required(), "output directory of a run")
      ("state", po::value(&state)->required(), "crash state id from report.json")
      ("to", po::value(&to)->required(), "directory to rebuild the image in");
  po::positional_options_description pos;
  pos.add("out", 1);
  po::variables_map vm;
  if (auto done = ParseArgs(desc, &pos, args, &vm,
                            "usage: crashlab replay OUT --state ID --to DIR")) {
    return *done;
  }
  return ReportStatus(Replay(out, state, to));
}

int EnginesMain() {
  EngineEnv env{BinDir()};
  for (const EngineInfo& e : ListEngines(env)) {
    fmt::print("{:<10} {}  [{}]\n", e.name, e.description,
               e.available ? "available" : "not available: " + e.availability);
    for (const SettingSpec& s : e.settings) {
      fmt::print("    --set {}=<{}> (default {}) {}\n", s.name,
                 s.allowed.empty() ? "value" : fmt::format("{}", fmt::join(s.allowed, "|")),
                 s.default_value.empty() ? "none" : s.default_value, s.help);
    }
  }
  return kExitPass;
}

constexpr char kHelp[] =
    "usage: crashlab COMMAND [options]\n"
    "  run      record a workload through faultfs, explore crash states, check, report\n"
    "  replay   rebuild one crash state of a run for inspection\n"
    "  explain  `explain OUT --finding F1`: what a finding's crash lost, and why\n"
    "  trace    `trace dump FILE`: print a trace as JSON lines\n"
    "  engines  list engines, their settings and whether they are available\n"
    "  matrix   run engines x settings x crash modes x workloads from one file\n"
    "  report   merge, table, junit, annotations, html, diff, baseline, gate\n"
    "           (`crashlab report` lists their arguments)\n"
    "  faults   check a fault plan, or send one (or a command) to a running faultfs\n"
    "  check-isolation  check a transactional history (Elle list-append / rw-register)\n"
    "  inspect  `inspect FILE [--format F]`: validate an engine file, print it as JSON\n"
    "  corrupt-sweep  damage each file region by region, restart, classify the engine\n"
    "exit codes: 0 pass, 1 findings, 2 bad usage or input, 3 infrastructure, "
    "4 incomplete\n";

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, OnInterrupt);
  signal(SIGTERM, OnInterrupt);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitPass;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "--version" || cmd == "version") {
    fmt::print("crashlab {}\n", CRASHLAB_VERSION);
    return kExitPass;
  }
  if (cmd == "run") return RunMain(args);
  if (cmd == "replay") return ReplayMain(args);
  if (cmd == "engines") return EnginesMain();
  if (cmd == "report") return ReportMain(args);
  if (cmd == "matrix") return MatrixMain(args, BinDir(), &g_interrupted);
  if (cmd == "faults") return FaultsMain(args);
  if (cmd == "check-isolation") return IsolationMain(args);
  if (cmd == "inspect") return InspectMain(args);
  if (cmd == "corrupt-sweep") return CorruptSweepMain(args, BinDir(), &g_interrupted);
  if (cmd == "explain") {
    if (args.size() != 3 || args[1] != "--finding") {
      return Usage("usage: crashlab explain OUT --finding ID (e.g. F1)");
    }
    return ReportStatus(Explain(args[0], args[2]));
  }
  if (cmd == "trace") {
    if (args.size() != 2 || args[0] != "dump") {
      return Usage("usage: crashlab trace dump FILE");
    }
    return ReportStatus(DumpTrace(args[1]));
  }
  return Usage("unknown command '" + cmd + "'\n" + kHelp);
}
