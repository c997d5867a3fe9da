#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz_smoke.sh FUZZER CORPUS SECONDS: run a libFuzzer target for a short time
# on a scratch copy of its corpus (new inputs never land in the source tree).
set -eu
fuzzer=$1 corpus=$2 secs=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
# A fixed seed keeps CI repeatable: the same mutations in the same order.
# Longer campaigns (tools/fuzz_long.sh, or by hand) use random seeds.
ASAN_OPTIONS=detect_leaks=1 "$fuzzer" -seed="${CK_FUZZ_SEED:-20261126}" -max_total_time="$secs" -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 "$work/corpus" 2>"$work/log" || {
	tail -60 "$work/log"; for c in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do [ -f "$c" ] && { echo "input: $c"; od -c "$c" | head -20; }; done; exit 1; }
grep -E '^(stat::number_of_executed_units|Done)' "$work/log" || tail -3 "$work/log"
