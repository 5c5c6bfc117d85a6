// crashlab-bench-skytable: where a Skytable recovery's time goes, and how
// fast the explorer checks Skytable crash states, side by side in one run.
//
//   crashlab-bench-skytable [--skyd PATH] [--iterations N]
//
// Part 1 takes one crashed data directory (auth rows written, skyd
// SIGKILLed) and, N times on a fresh copy, times each step of a recovery as
// the Skytable engine runs it: `skyd repair`, skyd's start until it accepts
// a connection (which includes skyd's own bcrypt check of the configured
// root password), one more login (the bcrypt of a handshake alone), the
// dump of every table, and the clean stop. Part 2 runs `crashlab run
// --crash explore` on a paced auth workload (batches on disk) at --jobs 1
// and 2 and prints crash states and recoveries per second of the whole run
// (recording included, so the rates are floors).
// Needs $SKYD_REPAIR (or --skyd) naming skyd with `skyd repair`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/bench_args.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "engines/engine.h"
#include "engines/skytable/skyd_server.h"
#include "engines/skytable/skytable_engine.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string SelfDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string path(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return path.substr(0, path.rfind('/'));
}

// A data directory skyd left behind when it was SIGKILLed after `ops` ops.
Status MakeCrashedDir(const std::string& skyd, const std::string& dir,
                      const std::string& password) {
  EngineEnv env;
  env.credential = password;
  CRASHLAB_ASSIGN_OR_RETURN(auto engine,
                            MakeEngine("skytable", {{"skyd", skyd}}, env));
  AuthWorkload workload(7);
  CRASHLAB_RETURN_IF_ERROR(engine->Init(dir, workload.schema()));
  CRASHLAB_ASSIGN_OR_RETURN(auto session, engine->Open(dir, workload.schema()));
  for (int i = 0; i < 200; ++i) {
    const LogicalOp op = workload.Next();
    workload.Complete(op, session->Apply(op).outcome == ApplyResult::Outcome::kOk);
  }
  session->Kill();
  return Status::Ok();
}

int Breakdown(const std::string& skyd, int iterations, const std::string& tmp) {
  const std::string password = "bench-root-password";
  const std::string crashed = JoinPath(tmp, "crashed");
  if (Status s = MakeDirs(crashed); !s.ok()) return 2;
  if (Status s = MakeCrashedDir(skyd, crashed, password); !s.ok()) {
    std::fprintf(stderr, "bench: %s\n", s.message().c_str());
    return 2;
  }
  const Schema schema = AuthWorkload::MakeSchema();
  double repair = 0, start = 0, login = 0, dump = 0, stop = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string dir = JoinPath(tmp, "copy-" + std::to_string(i));
    if (!CopyTree(crashed, dir).ok()) return 2;
    auto t = Clock::now();
    if (Status s = RunRepair("skyd repair", skyd, dir, JoinPath(tmp, "repair.log"),
                             30000);
        !s.ok()) {
      std::fprintf(stderr, "bench: %s\n", s.message().c_str());
      return 2;
    }
    repair += Since(t);
    SkydConfig config{skyd, password, 300, JoinPath(tmp, "skyd.log"), 30000};
    t = Clock::now();
    SkydServer::Started started = SkydServer::Start(config, dir);
    if (!started.server) {
      std::fprintf(stderr, "bench: %s\n", started.message.c_str());
      return 2;
    }
    start += Since(t);
    t = Clock::now();
    auto extra = started.server->Connect();
    login += Since(t);
    if (!extra.ok()) return 2;
    t = Clock::now();
    auto rows = DumpTables(schema, [&](const blueql::Statement& st) {
      return started.conn->Query(st.query, st.params, 30000);
    });
    dump += Since(t);
    if (!rows.ok()) return 2;
    started.conn.reset();
    extra->reset();
    t = Clock::now();
    (void)started.server->Stop();
    stop += Since(t);
    (void)RemoveTree(dir);
  }
  const double n = iterations;
  const double total = (repair + start + dump + stop) / n;
  fmt::print("one recovery of a crashed auth directory (mean of {}):\n", iterations);
  fmt::print("  skyd repair                                  {:7.3f} s\n", repair / n);
  fmt::print("  skyd start until it accepts a login          {:7.3f} s\n", start / n);
  fmt::print("    of which one login alone (bcrypt)          {:7.3f} s\n", login / n);
  fmt::print("  dump of every table                          {:7.3f} s\n", dump / n);
  fmt::print("  clean stop                                   {:7.3f} s\n", stop / n);
  fmt::print("  recovery                                     {:7.3f} s  ({:.2f} per s "
             "per core)\n",
             total, 1 / total);
  return 0;
}

int ExploreRates(const std::string& skyd, const std::string& tmp) {
  for (int jobs : {1, 2}) {
    const std::string out = JoinPath(tmp, "explore-" + std::to_string(jobs));
    SpawnOptions o;
    o.argv = {JoinPath(SelfDir(), "crashlab"), "run", "--engine", "skytable",
              "--set", "skyd=" + skyd, "--set", "repair=skyd repair", "--set",
              "rs_window=1", "--rate", "25", "--ops", "40", "--seed", "7",
              "--crash", "explore", "--jobs", std::to_string(jobs),
              "--minimize-budget-s", "0", "--out", out};
    o.stderr_path = JoinPath(tmp, "explore.log");
    o.stdout_to_stderr_path = true;
    auto p = Subprocess::Spawn(o);
    if (!p.ok() || !(*p)->Wait(1800000).ok()) return 2;
    auto text = ReadFileToString(JoinPath(out, "report.json"));
    if (!text.ok()) {
      std::fprintf(stderr, "bench: explore --jobs %d left no report (see %s)\n",
                   jobs, o.stderr_path.c_str());
      return 2;
    }
    const auto j = nlohmann::json::parse(*text);
    const auto& s = j["summary"];
    const double secs = s["duration_s"].get<double>();
    fmt::print("explore --jobs {}: {} crash states, {} recoveries in {:.1f} s: "
               "{:.1f} states/s, {:.2f} recoveries/s\n",
               jobs, s["states_checked"].get<uint64_t>(),
               s["recoveries"].get<uint64_t>(), secs,
               s["states_checked"].get<double>() / secs,
               s["recoveries"].get<double>() / secs);
  }
  return 0;
}

}  // namespace
}  // namespace crashlab

int main(int argc, char** argv) {
  std::string skyd = std::getenv("SKYD_REPAIR") ? std::getenv("SKYD_REPAIR") : "";
  int iterations = 10;
  namespace bench = crashlab::bench;
  const std::string usage =
      "usage: crashlab-bench-skytable [--skyd PATH] [--iterations N]\n"
      "  PATH: skyd with `skyd repair` (default $SKYD_REPAIR)";
  bench::po::options_description options;
  options.add_options()("skyd", bench::po::value(&skyd))(
      "iterations", bench::po::value(&iterations));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (skyd.empty() || iterations < 1) {
    return bench::Refuse(usage,
                         "needs --skyd or $SKYD_REPAIR, and --iterations of "
                         "at least 1");
  }
  char tmpl[] = "/tmp/crashlab-bench-skytable-XXXXXX";
  if (!::mkdtemp(tmpl)) return 2;
  const std::string tmp = tmpl;
  int rc = crashlab::Breakdown(crashlab::AbsolutePath(skyd), iterations, tmp);
  if (rc == 0) rc = crashlab::ExploreRates(crashlab::AbsolutePath(skyd), tmp);
  (void)crashlab::RemoveTree(tmp);
  return rc;
}
