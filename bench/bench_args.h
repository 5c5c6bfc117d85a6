// bench_args: every benchmark's command line, read one way.
//
// Options are `--name VALUE` (or a bare `--flag`), spelled out whole (no
// abbreviations) and with no stray words. `--help` prints the usage and
// exits 0. A misspelt option, a missing value or one that does not parse
// prints one line saying which, then the usage, and exits 2, before the
// benchmark measures anything (a hand-rolled loop used to ignore an
// option without a value and throw out of std::stoull on `--ops abc`).
//
// Counts are read as signed numbers, so that `--ops -1` is refused by the
// benchmark's range check instead of wrapping to 2^64 - 1.
#ifndef CRASHLAB_BENCH_BENCH_ARGS_H_
#define CRASHLAB_BENCH_BENCH_ARGS_H_

#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crashlab::bench {

namespace po = boost::program_options;

// Reads argv into `options`' targets. std::nullopt: go on and measure;
// otherwise the exit code to return at once (0 after --help, 2 after a
// bad argument, with the line and the usage on stderr). `usage` reads
// "usage: NAME [options]" and is printed whole; NAME starts the line
// ("crashlab-bench-order: ...").
std::optional<int> ParseArgs(int argc, char** argv, const std::string& usage,
                             const po::options_description& options);

// For what ParseArgs cannot see (a value out of range): prints
// "NAME: message" and the usage on stderr, and returns 2.
int Refuse(const std::string& usage, const std::string& message);

// "300,1500,10000" -> {300, 1500, 10000}. std::nullopt when the list is
// empty or an item is not a number of at least `min` written in digits.
std::optional<std::vector<uint64_t>> ParseCounts(const std::string& list,
                                                 uint64_t min = 1);

// For a list option: `*counts` becomes ParseCounts(list) unless `list` is
// empty (the option was not given: the default stays). False when it does
// not parse.
bool SetCounts(const std::string& list, std::vector<uint64_t>* counts);

}  // namespace crashlab::bench

#endif  // CRASHLAB_BENCH_BENCH_ARGS_H_
