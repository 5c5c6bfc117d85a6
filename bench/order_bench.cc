// order_bench: what the order oracles and the loss shape cost a long run.
//
// Runs `crashlab run --engine E --crash power --rounds R --ops N --seed S`
// with the order checks and with --no-order-checks, alternating, --repeat
// times, and prints each run's wall time and CPU time (crashlab and its
// children: engine, faultfs) and the ratio of the medians, on versus off.
// The oracles walk each state's acknowledged operations once, so the ratio
// should stay near 1.00 however long the run is.
//
//   crashlab-bench-order [--engine leveldb] [--ops 100000] [--rounds 10]
//                        [--seed 7] [--repeat 1] [--work /tmp]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_args.h"

namespace {

struct Args {
  std::string engine = "leveldb", work = "/tmp";
  int64_t ops = 100000, rounds = 10, seed = 7, repeat = 1;
};

std::string SelfDir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  const std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

double Wall() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double ChildrenCpu() {
  rusage u;
  getrusage(RUSAGE_CHILDREN, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec / 1e6;
}

// One run; (wall, cpu) seconds, or wall < 0 when crashlab failed.
std::pair<double, double> RunOnce(const Args& a, bool checks, int i) {
  const std::string out = fmt::format("{}/crashlab-bench-order-{}-{}", a.work,
                                      checks ? "on" : "off", i);
  std::string cmd = fmt::format(
      "'{}/crashlab' run --engine {} --crash power --rounds {} --ops {} "
      "--seed {} --out '{}' --force{} >/dev/null 2>&1",
      SelfDir(), a.engine, a.rounds, a.ops, a.seed, out,
      checks ? "" : " --no-order-checks");
  const double cpu0 = ChildrenCpu(), t0 = Wall();
  const int rc = std::system(cmd.c_str());
  const double wall = Wall() - t0, cpu = ChildrenCpu() - cpu0;
  (void)std::system(("rm -rf '" + out + "'").c_str());
  const int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return {code == 0 || code == 1 ? wall : -1, cpu};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = crashlab::bench;
  Args a;
  const std::string usage =
      "usage: crashlab-bench-order [--engine leveldb] [--ops 100000] "
      "[--rounds 10] [--seed 7] [--repeat 1] [--work /tmp]";
  bench::po::options_description options;
  options.add_options()("engine", bench::po::value(&a.engine))(
      "work", bench::po::value(&a.work))("ops", bench::po::value(&a.ops))(
      "rounds", bench::po::value(&a.rounds))("seed", bench::po::value(&a.seed))(
      "repeat", bench::po::value(&a.repeat));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (a.ops < 1 || a.rounds < 1 || a.seed < 0 || a.repeat < 1) {
    return bench::Refuse(usage,
                         "--ops, --rounds and --repeat are at least 1, "
                         "--seed at least 0");
  }
  std::printf("%s, --crash power --rounds %lu --ops %lu --seed %lu\n",
              a.engine.c_str(), (unsigned long)a.rounds, (unsigned long)a.ops,
              (unsigned long)a.seed);
  std::vector<double> wall[2], cpu[2];
  for (int64_t i = 0; i < a.repeat; ++i) {
    for (bool checks : {true, false}) {
      const auto [w, c] = RunOnce(a, checks, static_cast<int>(i));
      if (w < 0) {
        std::fprintf(stderr, "crashlab failed (checks %s)\n",
                     checks ? "on" : "off");
        return 3;
      }
      std::printf("  order checks %-3s  wall %7.2f s  cpu %7.2f s\n",
                  checks ? "on" : "off", w, c);
      wall[checks].push_back(w);
      cpu[checks].push_back(c);
    }
  }
  std::printf("on / off (medians): wall %.2f, cpu %.2f\n",
              Median(wall[1]) / Median(wall[0]),
              Median(cpu[1]) / Median(cpu[0]));
  return 0;
}
