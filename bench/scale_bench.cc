// scale_bench: does the auth workload, and the checking of a crash state,
// cost the same per operation at a thousand operations as at a million?
//
// For each size N (each in its own child process, so the peak RSS printed
// is that size's alone):
//   generate  N operations with AuthWorkload::Next + Complete (acknowledged),
//             timed: operations generated per second;
//   check     the crash states at the last S operations (op k in flight,
//             every earlier op acknowledged, the rows recovered being the
//             model after the first k ops), twice, side by side:
//             CheckState with one CheckIndex for the run (every written
//             cell and row each state: states/s and, since a state holds
//             O(N) rows and cells, cells checked per second), and one
//             StateChecker as the explorer checks them (only what changed
//             since the previous state: incremental states/s).
// Rates are per CPU second (one thread), so other work on the machine does
// not skew them; "vs first" divides a rate by the one at the smallest size:
// 1.00 is flat.
//
//   crashlab-bench-scale [--sizes 1000,10000,100000,1000000] [--states S]
//                        [--seed N] [--generate-only]
// --generate-only skips the checks (for profiling the generator: their
// columns print as "-").
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "checkers/check.h"
#include "checkers/check_index.h"
#include "checkers/state_checker.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

// CPU seconds of this (single-threaded) process: rates per core, not
// skewed by other work on the machine.
double Now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct SizeResult {
  double gen_per_s = 0, states_per_s = 0, cells_per_s = 0, index_s = 0;
  double incremental_per_s = 0;
  long peak_kb = 0;
  size_t findings = 0;
};

SizeResult Measure(uint64_t n, uint64_t states, uint64_t seed, bool check) {
  SizeResult r;
  AuthWorkload w(seed);
  const Rows base = w.model();
  std::vector<LogicalOp> ops;
  ops.reserve(n);
  const uint64_t first_checked = n > states ? n - states : 0;
  Rows before_tail;
  double t0 = Now();
  for (uint64_t i = 0; i < n; ++i) {
    if (i == first_checked) {
      // Not timed: the recovered rows of the first checked state.
      const double pause = Now();
      before_tail = w.model();
      t0 += Now() - pause;
    }
    ops.push_back(w.Next());
    w.Complete(ops.back(), true);
  }
  r.gen_per_s = n / (Now() - t0);
  if (!check) {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r.peak_kb = ru.ru_maxrss;
    return r;
  }

  t0 = Now();
  const CheckIndex index(w.schema(), ops);
  r.index_s = Now() - t0;
  std::vector<OpStatus> status(n, OpStatus::kNotInvoked);
  for (uint64_t i = 0; i < first_checked; ++i) status[i] = OpStatus::kAcked;
  auto seen = std::make_shared<Observation>();
  seen->rows = std::move(before_tail);
  size_t row_cells = 0;
  for (const auto& [table, rows] : seen->rows) row_cells += rows.size() * 5;
  // The same states twice: by CheckState (every written cell and row each
  // time) and by one StateChecker (what changed since the previous state),
  // as the explorer checks them. Each state is a new observation, as a
  // recovery gives one; making it (a copy of the rows) is not timed, nor is
  // the checker's first state (a full analysis, once per run).
  StateChecker checker(w.schema(), ops, base, index);
  double cells = 0, check_s = 0, incremental_s = 0;
  for (uint64_t k = first_checked; k < n; ++k) {
    status[k] = OpStatus::kInFlight;
    CheckInput in{w.schema(), ops, status, base, *seen};
    in.index = &index;
    t0 = Now();
    r.findings += CheckState(in).size();
    check_s += Now() - t0;
    cells += row_cells + index.cells().size();
    t0 = Now();
    r.findings += checker.Check(in, seen).size();
    if (k > first_checked) incremental_s += Now() - t0;
    // The next state: op k acknowledged and applied.
    status[k] = OpStatus::kAcked;
    auto next = std::make_shared<Observation>(*seen);
    for (const Mutation& m : ops[k].mutations) {
      ApplyMutation(w.schema(), m, &next->rows);
    }
    seen = std::move(next);
  }
  r.states_per_s = (n - first_checked) / check_s;
  r.cells_per_s = cells / check_s;
  r.incremental_per_s = (n - first_checked - 1) / incremental_s;
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  r.peak_kb = ru.ru_maxrss;
  return r;
}

}  // namespace
}  // namespace crashlab

int main(int argc, char** argv) {
  using namespace crashlab;
  namespace bench = crashlab::bench;
  std::vector<uint64_t> sizes = {1000, 10000, 100000, 1000000};
  int64_t states = 200, seed = 7;
  bool generate_only = false;
  const std::string usage =
      "usage: crashlab-bench-scale [--sizes 1000,10000,...] [--states S] "
      "[--seed N] [--generate-only]";
  std::string size_list;
  bench::po::options_description options;
  options.add_options()("sizes", bench::po::value(&size_list))(
      "states", bench::po::value(&states))("seed", bench::po::value(&seed))(
      "generate-only", bench::po::bool_switch(&generate_only));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (!bench::SetCounts(size_list, &sizes)) {
    return bench::Refuse(usage, "--sizes is a comma-separated list of counts");
  }
  if (states < 1 || seed < 0) {
    return bench::Refuse(usage, "--states is at least 1, --seed at least 0");
  }
  const bool check = !generate_only;
  std::printf(
      "crashlab scale benchmark: auth workload, seed %llu, the last "
      "min(%llu, 2e6/ops) states checked per size\n",
      static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(states));
  std::printf("%10s %14s %8s %12s %14s %8s %14s %8s %9s %9s\n", "ops",
              "generated/s", "vs first", "states/s", "cells/s", "vs first",
              "incremental/s", "vs first", "index s", "peak RSS");
  double first_gen = 0, first_cells = 0, first_incremental = 0;
  for (uint64_t n : sizes) {
    int fds[2];
    if (pipe(fds) != 0) return 3;
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      // A state of N ops checks O(N) cells: fewer of them at large sizes.
      const uint64_t k = std::min<uint64_t>(
          states, std::max<uint64_t>(10, 2000000 / std::max<uint64_t>(n, 1)));
      const SizeResult r = Measure(n, k, seed, check);
      if (write(fds[1], &r, sizeof(r)) != sizeof(r)) _exit(3);
      _exit(0);
    }
    close(fds[1]);
    SizeResult r;
    const bool got = read(fds[0], &r, sizeof(r)) == sizeof(r);
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (!got || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      std::fprintf(stderr, "scale bench: size %llu failed\n",
                   static_cast<unsigned long long>(n));
      return 3;
    }
    if (first_gen == 0) {
      first_gen = r.gen_per_s;
      first_cells = r.cells_per_s;
      first_incremental = r.incremental_per_s;
    }
    if (!check) {  // no check columns: a row of generation alone
      std::printf("%10llu %14.0f %8.2f %12s %14s %8s %14s %8s %9s %6ld MB\n",
                  static_cast<unsigned long long>(n), r.gen_per_s,
                  r.gen_per_s / first_gen, "-", "-", "-", "-", "-", "-",
                  r.peak_kb / 1024);
      std::fflush(stdout);
      continue;
    }
    std::printf(
        "%10llu %14.0f %8.2f %12.1f %14.0f %8.2f %14.1f %8.2f %9.2f %6ld MB%s\n",
        static_cast<unsigned long long>(n), r.gen_per_s, r.gen_per_s / first_gen,
        r.states_per_s, r.cells_per_s, r.cells_per_s / first_cells,
        r.incremental_per_s, r.incremental_per_s / first_incremental, r.index_s,
        r.peak_kb / 1024,
                r.findings ? "  (findings!)" : "");
    std::fflush(stdout);
  }
  return 0;
}
