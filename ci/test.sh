#!/bin/sh
# The whole test suite from a fresh machine: installs dependencies, builds,
# runs every unit and integration test (real FUSE mounts, real engines).
# Skytable's live tests run the real skyd 0.8.0 and its repair build from
# ../shared/engines/bin (beside this checkout) unless SKYD / SKYD_REPAIR
# already name binaries; they are used by path, never copied.
set -eu
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh
# ../shared/engines/bin beside this checkout; /work/shared/engines/bin when
# the checkout is elsewhere (a clean clone in a scratch directory).
for SHARED_BIN in "$(cd .. && pwd)/shared/engines/bin" /work/shared/engines/bin; do
  if [ -z "${SKYD:-}" ] && [ -x "$SHARED_BIN/skyd-0.8.0" ]; then
    SKYD=$SHARED_BIN/skyd-0.8.0
  fi
  if [ -z "${SKYD_REPAIR:-}" ] && [ -x "$SHARED_BIN/skyd-0.8.0-repair" ]; then
    SKYD_REPAIR=$SHARED_BIN/skyd-0.8.0-repair
  fi
done
export SKYD="${SKYD:-}" SKYD_REPAIR="${SKYD_REPAIR:-}"
echo "test: SKYD=${SKYD:-<unset: Skytable live tests skip>} SKYD_REPAIR=${SKYD_REPAIR:-<unset>}"
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 1200
