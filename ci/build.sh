#!/bin/sh
# Configures and builds crashlab into build/ (override with BUILD_DIR).
# With arguments, builds only those targets (and what they need):
#   ci/build.sh crashlab crashlab-faultfs
# Without, builds everything, the test suite included.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
if [ "$#" -gt 0 ]; then
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "$@"
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
