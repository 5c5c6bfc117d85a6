#!/bin/sh
# The demo from a fresh machine: installs, builds, records an SQLite auth
# workload through faultfs, explores every crash state a power cut could
# leave, checks them and writes the report. Prints the summary and where the
# report is. The verdict (pass or findings) is the product, not a failure.
# Builds only what the demo runs (crashlab, crashlab-faultfs and the SQLite
# driver), not the test suite: ci/test.sh builds everything.
set -eu
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh crashlab crashlab-faultfs crashlab-driver-sqlite
OUT=${OUT:-demo-out}
set +e
build/bin/crashlab run --engine sqlite --set journal_mode=wal \
  --set synchronous=normal --workload auth --ops 300 --seed 7 \
  --crash explore --out "$OUT" --force
code=$?
set -e
echo "demo: crashlab exited $code (0 pass, 1 findings); full report in $OUT/report.json"
[ "$code" -le 1 ]
