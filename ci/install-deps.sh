#!/bin/sh
# Installs every build and test dependency of crashlab from Debian's
# packages. Idempotent: does nothing when everything is already installed.
# Nothing is ever downloaded at build time.
set -eu

PACKAGES="
  build-essential cmake pkg-config
  fuse3 libfuse3-dev
  libboost-program-options-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev
  libsqlite3-dev sqlite3
  libleveldb-dev liblmdb-dev
  libhiredis-dev redis-server libpq-dev postgresql util-linux
  libxxhash-dev zlib1g-dev liblzma-dev libabsl-dev libjemalloc-dev
  libcpptoml-dev
  python3 python3-jsonschema
  libyaml-cpp-dev libxml2-utils chromium
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
