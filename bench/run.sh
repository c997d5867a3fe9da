#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh [BUILD_DIR]: run every bench/<area>/run.sh in turn (one at a
# time, so figures do not disturb each other). BUILD_DIR defaults to
# build/release (what `make bench` builds).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build/release}" && pwd) || { echo "bench: no build directory ${1:-build/release}" >&2; exit 1; }
status=0
for script in "$here"/*/run.sh; do
	[ -x "$script" ] || continue
	area=$(basename "$(dirname "$script")")
	printf '\n== bench/%s ==\n' "$area"
	"$script" "$build" || { echo "bench/$area: failed" >&2; status=1; }
done
exit $status
