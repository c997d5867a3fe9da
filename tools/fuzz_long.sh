#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz_long.sh [BUILD_DIR] [SECONDS] [PATTERN]: a longer fuzzing campaign,
# one target at a time, random seeds, on a scratch copy of each corpus.
# Crashes are kept in fuzz-findings/ for turning into corpus files.
set -u
build=$(cd "${1:-build/test}" && pwd) || exit 2
secs=${2:-600}
pat=${3:-}
src=$(cd "$(dirname "$0")/.." && pwd)
out=$src/fuzz-findings
mkdir -p "$out"
status=0
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	case "$name" in *"$pat"*) ;; *) continue ;; esac
	target=${name#fuzz_}
	work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-fuzz-long.XXXXXX")
	cp -r "$src/fuzz/corpus/$target"/. "$work/" 2>/dev/null || true
	start=$(date +%s)
	(cd "$out" && ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$secs" -rss_limit_mb=2048 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$out/$target-" "$work" \
		>"$out/$target.log" 2>&1)
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target.log" | grep -o '[0-9]*$')
	echo "$target: exit $rc, $(( $(date +%s) - start )) s, ${runs:-?} runs"
	[ $rc -ne 0 ] && status=1
	rm -rf "$work"
done
exit $status
