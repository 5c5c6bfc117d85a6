#!/bin/bash -eu
# Where a crash fuzzer's time goes, by owner (fuzz/README.md, "Speed under
# the sanitizers").
#
#   fuzz/profile.sh OUT FUZZER [SECONDS]
#
# Runs OUT/FUZZER (built by fuzz/build.sh) for SECONDS (default 12) on a
# copy of its seed corpus under `perf record --call-graph dwarf`, then
# prints fuzz/profile_owners.py's split: the engine library, libFuzzer,
# crashlab's crash simulator, workload, engine adapter and oracles, each
# with how much of it was ASan's allocator and how many times as fast the
# fuzzer would run without it, then the bound with only the engine's (and
# libFuzzer's) time left. Needs perf and python3.
if [ $# -lt 2 ]; then
  echo "usage: fuzz/profile.sh OUT FUZZER [SECONDS]" >&2
  exit 2
fi
OUT=$1
FUZZER=$2
SECONDS_=${3:-12}
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$OUT/$FUZZER" ] || { echo "no fuzzer $OUT/$FUZZER (run fuzz/build.sh)" >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/corpus"
if [ -d "$SRC/fuzz/corpus/$FUZZER" ]; then
  cp -r "$SRC/fuzz/corpus/$FUZZER/." "$WORK/corpus/"
fi
perf record -q -F 499 --call-graph dwarf,16384 -o "$WORK/perf.data" \
  "$OUT/$FUZZER" -max_total_time="$SECONDS_" -print_final_stats=1 \
  "$WORK/corpus" 2>"$WORK/fuzzer.log" >/dev/null
grep -E "stat::average_exec_per_sec|stat::peak_rss_mb" "$WORK/fuzzer.log" || true
perf script -i "$WORK/perf.data" 2>/dev/null | python3 "$SRC/fuzz/profile_owners.py"
