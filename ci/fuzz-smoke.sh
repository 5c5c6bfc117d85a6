#!/bin/bash
# Fuzz smoke: builds every fuzzer with clang (fuzz/build.sh, ASan + UBSan +
# libFuzzer) in a fresh temporary directory, runs each for a short bounded
# time on a copy of its seed corpus, and removes everything it made. Exits
# non-zero if a build fails or a fuzzer finds anything; the failing input
# and log are kept in ./fuzz-smoke-failures/ for replay.
#
#   ci/fuzz-smoke.sh                  # 10 s per fuzzer
#   FUZZ_SECONDS=60 ci/fuzz-smoke.sh  # longer
#   FUZZ_SKIP="a_fuzzer b_fuzzer" ci/fuzz-smoke.sh  # build, but do not run
#                                     # fuzzers with a known open bug
#
# The engine crash fuzzers run with their defaults (SQLite: the settings
# that promise durability; LevelDB: sync=true under prefix, drop-unsynced
# and torn with a safe-append device; see fuzz/README.md); the SQLite
# wal+full fuzzer also runs a fixed number of executions.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-10}
WAL_FULL_RUNS=${FUZZ_WAL_FULL_RUNS:-2000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "fuzz-smoke: building (clang, ASan, UBSan, libFuzzer) in $TMP"
if ! OUT="$TMP/out" WORK="$TMP/work" JOBS=${JOBS:-$(nproc)} \
    "$SRC/fuzz/build.sh" >"$TMP/build.log" 2>&1; then
  tail -50 "$TMP/build.log"
  echo "fuzz-smoke: build FAILED" >&2
  exit 1
fi

failed=0
run() {  # run NAME ARGS...: one fuzzer on a scratch copy of its corpus
  local name=$1
  shift
  local corpus="$TMP/corpus/$name"
  mkdir -p "$corpus" "$TMP/artifacts/$name"
  if [ -d "$TMP/out/${name}_seed_corpus" ]; then
    cp -r "$TMP/out/${name}_seed_corpus/." "$corpus/"
  fi
  local log="$TMP/$name.log"
  if "$TMP/out/$name" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
      -artifact_prefix="$TMP/artifacts/$name/" "$@" "$corpus" >"$log" 2>&1; then
    local execs cov
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz-smoke: $name ok ($execs executions, $cov)"
  else
    failed=1
    mkdir -p fuzz-smoke-failures
    cp "$log" fuzz-smoke-failures/
    cp -r "$TMP/artifacts/$name" fuzz-smoke-failures/ 2>/dev/null
    tail -40 "$log"
    echo "fuzz-smoke: $name FAILED (log and input in fuzz-smoke-failures/)" >&2
  fi
}

for f in $(cd "$TMP/out" && ls | grep '_fuzzer$'); do
  case " ${FUZZ_SKIP:-} " in
    *" $f "*) echo "fuzz-smoke: $f skipped (FUZZ_SKIP)"; continue ;;
  esac
  run "$f" -max_total_time="$SECONDS_EACH"
done
run sqlite_wal_full_crash_fuzzer -runs="$WAL_FULL_RUNS"
exit $failed
