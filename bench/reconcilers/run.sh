#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/reconcilers/run.sh [BUILD_DIR] [MINUTES]: cloak-controller's
# ExternalSecret and SopsSecret reconcilers at 1,000 objects (driver.py).
# Takes about 5 + MINUTES minutes (steady state is measured in real time).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build/release}" && pwd)
[ -x "$build/controller/cloak-controller" ] || { echo "bench/reconcilers: build $build first" >&2; exit 1; }
exec python3 "$here/driver.py" "$build" "${2:-3}"
