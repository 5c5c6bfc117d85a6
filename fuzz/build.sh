#!/bin/bash -eu
# Builds every crashlab fuzzer into $OUT, OSS-Fuzz / ClusterFuzzLite style.
#
# Respects $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer and coverage flags),
# $LIB_FUZZING_ENGINE (the engine's link flags) and $OUT. Run outside
# OSS-Fuzz it defaults to clang with ASan + UBSan + libFuzzer and
# OUT=fuzz/out. For each fuzzer X it writes $OUT/X and, when fuzz/corpus/X
# exists, $OUT/X_seed_corpus.zip (and the directory $OUT/X_seed_corpus/ for
# local runs). The build tree is $WORK/crashlab-fuzz-build (WORK defaults
# to a temporary directory that is removed afterwards).
#
#   fuzz/build.sh                    # local: out/ next to this script
#   OUT=/tmp/f fuzz/build.sh         # elsewhere
SRC=$(cd "$(dirname "$0")/.." && pwd)
export CC=${CC:-clang}
export CXX=${CXX:-clang++}
SANITIZE="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
export CFLAGS=${CFLAGS:-"-O1 -g $SANITIZE"}
export CXXFLAGS=${CXXFLAGS:-"-O1 -g $SANITIZE"}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:-"-fsanitize=fuzzer,address,undefined"}
OUT=${OUT:-$SRC/fuzz/out}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

CLEAN_WORK=""
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  CLEAN_WORK=$WORK
fi
cleanup() { [ -n "$CLEAN_WORK" ] && rm -rf "$CLEAN_WORK"; return 0; }
trap cleanup EXIT
mkdir -p "$WORK"  # a WORK the caller names may not exist yet
BUILD=$WORK/crashlab-fuzz-build

# The flags are in $CFLAGS/$CXXFLAGS already: CMake must not add its own
# sanitizer set (CRASHLAB_FUZZ_SANITIZE=OFF), only link the engine.
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="" -DCMAKE_CXX_FLAGS_RELEASE="" \
  -DCRASHLAB_FUZZ=ON -DCRASHLAB_FUZZ_SANITIZE=OFF \
  -DCRASHLAB_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" >"$WORK/cmake.log" 2>&1 ||
  { cat "$WORK/cmake.log"; exit 1; }

FUZZERS=$(cat "$BUILD/fuzzers.txt")
[ -n "$FUZZERS" ] || { echo "no fuzz targets configured" >&2; exit 1; }
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$JOBS" --target $FUZZERS

for f in $FUZZERS; do
  cp "$BUILD/fuzzers/$f" "$OUT/$f"
  if [ -d "$SRC/fuzz/corpus/$f" ]; then
    rm -rf "$OUT/${f}_seed_corpus" "$OUT/${f}_seed_corpus.zip"
    cp -r "$SRC/fuzz/corpus/$f" "$OUT/${f}_seed_corpus"
    (cd "$SRC/fuzz/corpus/$f" && zip -q -r "$OUT/${f}_seed_corpus.zip" .)
  fi
  echo "built $OUT/$f"
done
