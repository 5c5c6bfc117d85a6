// elle_bench: how fast the isolation checker (checkers/isolation) checks
// list-append histories, and how its cost grows with the history.
//
// For each size (10^4, 10^5, 10^6 transactions by default) it generates two
// seeded histories in Jepsen's append-workload shape (5 processes, 8 active
// keys, <= 32 appends per key, 1-4 mops per transaction, some fail/info):
//   valid      strict serializable by construction;
//   anomalous  2% of transactions read a stale snapshot and 20% of failed
//              transactions leak their writes (lost updates, G-single, G2,
//              G1a, realtime cycles).
// and checks each with data edges only and with real-time edges too. It
// prints transactions checked per second (best of --repeat runs, one core;
// generation excluded), nanoseconds per transaction (flat means linear), and
// the peak resident memory of a process that generated and checked that one
// size (each size runs in a fresh child, measured with getrusage's maxrss).
// With --parse it also times reading the history back from Jepsen EDN and
// from JSON lines, the cost the `check-isolation` command adds.
//
// Elle (JVM) reports 100-160 k transactions/s for such histories; that is a
// published figure on other hardware, quoted for scale, not measured here.
//
//   crashlab-bench-elle [--sizes 10000,100000,1000000] [--seed S]
//                       [--repeat R] [--parse]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/bench_args.h"
#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"
#include "checkers/isolation/synthetic.h"

namespace crashlab {
namespace {

struct Args {
  std::vector<uint64_t> sizes = {10000, 100000, 1000000};
  uint64_t seed = 1;
  int repeat = 3;
  bool parse = false;
};

// One measured row, passed from the child to the parent through a pipe.
struct Row {
  double check_s = 0, check_rt_s = 0, edn_s = 0, jsonl_s = 0;
  uint64_t anomalies = 0, anomalies_rt = 0, edges = 0, edges_rt = 0;
  uint64_t history_bytes = 0;
  char verdict[16] = {}, verdict_rt[16] = {};
  long maxrss_kb = 0;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

uint64_t Total(const std::array<uint64_t, kAnomalyTypeCount>& c) {
  uint64_t n = 0;
  for (uint64_t x : c) n += x;
  return n;
}

// Best-of-`repeat` time of checking `h`.
double TimeCheck(const TxnHistory& h, bool realtime, int repeat,
                 IsolationResult* result) {
  IsolationOptions o;
  o.realtime = realtime;
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = CheckIsolation(h, o);
    const double s = Seconds(std::chrono::steady_clock::now() - t0);
    if (!r.ok()) {
      std::fprintf(stderr, "check failed: %s\n", r.status().message().c_str());
      std::exit(3);
    }
    if (s < best) best = s;
    *result = std::move(r).value();
  }
  return best;
}

double TimeParse(const std::string& text, HistoryFormat f) {
  const auto t0 = std::chrono::steady_clock::now();
  auto h = ParseTxnHistory(text, f);
  const double s = Seconds(std::chrono::steady_clock::now() - t0);
  if (!h.ok()) {
    std::fprintf(stderr, "parse failed: %s\n", h.status().message().c_str());
    std::exit(3);
  }
  return s;
}

Row Measure(uint64_t n, bool anomalous, const Args& a) {
  SyntheticOptions o;
  o.txns = n;
  o.seed = a.seed;
  if (anomalous) {
    o.stale_per_mille = 20;
    o.leaked_fail_per_mille = 200;
  }
  const TxnHistory h = GenerateAppendHistory(o);
  Row row;
  row.history_bytes = h.MemoryBytes();
  IsolationResult r;
  row.check_s = TimeCheck(h, false, a.repeat, &r);
  row.anomalies = Total(r.anomaly_counts);
  for (uint64_t e : r.counts.edges) row.edges += e;
  std::snprintf(row.verdict, sizeof(row.verdict), "%s", r.Verdict().c_str());
  row.check_rt_s = TimeCheck(h, true, a.repeat, &r);
  row.anomalies_rt = Total(r.anomaly_counts);
  for (uint64_t e : r.counts.edges) row.edges_rt += e;
  std::snprintf(row.verdict_rt, sizeof(row.verdict_rt), "%s",
                r.Verdict().c_str());
  if (a.parse) {
    row.edn_s = TimeParse(ExportEdn(h), HistoryFormat::kEdn);
    row.jsonl_s = TimeParse(ExportJsonl(h), HistoryFormat::kJsonl);
  }
  return row;
}

// Runs Measure in a child so each row's peak memory is its own.
Row MeasureInChild(uint64_t n, bool anomalous, const Args& a) {
  int fds[2];
  if (pipe(fds) != 0) std::exit(3);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Row row = Measure(n, anomalous, a);
    const ssize_t w = write(fds[1], &row, sizeof(row));
    _exit(w == static_cast<ssize_t>(sizeof(row)) ? 0 : 1);
  }
  close(fds[1]);
  Row row;
  const ssize_t got = read(fds[0], &row, sizeof(row));
  close(fds[0]);
  int status = 0;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  if (got != static_cast<ssize_t>(sizeof(row)) || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "measuring %llu transactions failed\n",
                 static_cast<unsigned long long>(n));
    std::exit(3);
  }
  row.maxrss_kb = ru.ru_maxrss;
  return row;
}

}  // namespace
}  // namespace crashlab

int main(int argc, char** argv) {
  using namespace crashlab;
  namespace bench = crashlab::bench;
  Args a;
  const std::string usage =
      "usage: crashlab-bench-elle [--sizes N,N,...] [--seed S] [--repeat R] "
      "[--parse]";
  std::string sizes;
  int64_t seed = static_cast<int64_t>(a.seed);
  bench::po::options_description options;
  options.add_options()("sizes", bench::po::value(&sizes))(
      "seed", bench::po::value(&seed))("repeat", bench::po::value(&a.repeat))(
      "parse", bench::po::bool_switch(&a.parse));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (!bench::SetCounts(sizes, &a.sizes)) {
    return bench::Refuse(usage, "--sizes is a comma-separated list of counts");
  }
  if (seed < 0 || a.repeat < 1) {
    return bench::Refuse(usage, "--seed is at least 0, --repeat at least 1");
  }
  a.seed = static_cast<uint64_t>(seed);
  std::printf("elle_bench: list-append, 5 processes, 8 active keys, <= 32 "
              "appends/key, 1-4 mops/txn, seed %llu, best of %d, one core\n",
              static_cast<unsigned long long>(a.seed), a.repeat);
  std::printf("%-9s %-9s %-8s %9s %11s %7s %9s %11s %7s %9s %9s%s\n", "txns",
              "history", "verdict", "anomalies", "txn/s", "ns/txn", "+rt:anom",
              "txn/s", "ns/txn", "peak RSS", "hist mem",
              a.parse ? "   EDN txn/s  JSONL txn/s" : "");
  for (uint64_t n : a.sizes) {
    for (bool anomalous : {false, true}) {
      const Row r = MeasureInChild(n, anomalous, a);
      const double nd = static_cast<double>(n);
      std::string line = fmt::format(
          "{:<9} {:<9} {:<8} {:>9} {:>11.0f} {:>7.0f} {:>9} {:>11.0f} "
          "{:>7.0f} {:>7.0f}MB {:>7.0f}MB",
          n, anomalous ? "anomalous" : "valid", r.verdict, r.anomalies,
          nd / r.check_s, r.check_s * 1e9 / nd, r.anomalies_rt,
          nd / r.check_rt_s, r.check_rt_s * 1e9 / nd, r.maxrss_kb / 1024.0,
          r.history_bytes / 1048576.0);
      if (a.parse) {
        line += fmt::format(" {:>11.0f} {:>12.0f}", nd / r.edn_s,
                            nd / r.jsonl_s);
      }
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("(Elle on the JVM reports 100-160 k txn/s for such histories; "
              "published, not measured here.)\n");
  return 0;
}
