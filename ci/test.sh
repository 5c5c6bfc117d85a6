#!/bin/sh
# The whole test suite from a fresh machine: installs dependencies, builds,
# runs every unit and integration test (real FUSE mounts, real engines).
set -eu
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 1200
