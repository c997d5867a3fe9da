#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/age/run.sh [BUILD_DIR]: encrypt and decrypt throughput of a 1 GiB
# stream, cloak beside Debian's age in the same run, with the peak memory
# (maximum resident set size) of each; then the same for a 64 MiB stream to
# show memory does not grow with the input; then the sops data-key path.
#
# Input comes from a file generated once from /dev/urandom (page cache, so
# the disk is out of the picture); output goes to /dev/null. Each figure is
# the best of AGE_BENCH_RUNS interleaved runs (default 5): the machine is shared.
# AGE_BENCH_MB changes the size (default 1024).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
case $build in /*) ;; *) build=$root/$build ;; esac
mb=${AGE_BENCH_MB:-1024}
runs=${AGE_BENCH_RUNS:-5}
cloak=$build/cli/cloak

if [ ! -x "$cloak" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	cmake --build "$build" -j2 >/dev/null
fi
if [ ! -x /usr/bin/time ] || ! command -v age >/dev/null; then
	"$root/scripts/deps.sh"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cloak-age-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
key=$root/testkeys/age/identity.txt
rcpt=$(cat "$root/testkeys/age/recipient.txt")

# once NAME CMD...: run once; keep the fastest run per NAME (wall, then its CPU and peak RSS).
once() {
	local name=$1 line prev
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" ||
		{ echo "$name failed: $(cat "$tmp/err")" >&2; exit 1; }
	line=$(tail -1 "$tmp/t")
	prev=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/results" 2>/dev/null)
	if [ -z "$prev" ] || awk -v a="${line%% *}" -v b="$prev" 'BEGIN { exit !(a < b) }'; then
		grep -v "^$name " "$tmp/results" >"$tmp/r2" 2>/dev/null || true
		echo "$name $line" >>"$tmp/r2"
		mv "$tmp/r2" "$tmp/results"
	fi
}

row() { # row OP TOOL -> "wall MiB/s cpu rss"
	awk -v op="$1" -v tool="$2" -v mb="$3" '$1 == op "-" tool {
		printf "%7.3f s  %7.0f MiB/s  cpu %6.3f s  peak RSS %6.1f MiB", $2, mb / $2, $3 + $4, $5 / 1024 }' "$tmp/results"
}
speed() { awk -v op="$1" -v mb="$2" '$1 == op "-cloak" { c = $2 } $1 == op "-age" { a = $2 }
	END { printf "%.2fx", a / c }' "$tmp/results"; }

bench_size() {
	local size=$1
	head -c $((size << 20)) /dev/urandom >"$tmp/plain"
	age -r "$rcpt" -o "$tmp/cipher" "$tmp/plain"
	# The figures mean nothing if the output is wrong: check once, untimed.
	"$cloak" age decrypt -i "$key" "$tmp/cipher" | cmp -s - "$tmp/plain" ||
		{ echo "cloak cannot decrypt age's output" >&2; exit 1; }
	"$cloak" age encrypt -r "$rcpt" "$tmp/plain" | age -d -i "$key" | cmp -s - "$tmp/plain" ||
		{ echo "age cannot decrypt cloak's output" >&2; exit 1; }
	: >"$tmp/results"
	# Interleaved, so that bursts of load from other jobs hit both tools alike.
	for _ in $(seq "$runs"); do
		once encrypt-age age -r "$rcpt" -o /dev/null "$tmp/plain"
		once encrypt-cloak "$cloak" age encrypt -r "$rcpt" -o /dev/null "$tmp/plain"
		once decrypt-age age -d -i "$key" -o /dev/null "$tmp/cipher"
		once decrypt-cloak "$cloak" age decrypt -i "$key" -o /dev/null "$tmp/cipher"
	done
	echo "$size MiB stream (best of $runs; input in page cache, output /dev/null):"
	echo "  encrypt  age    $(row encrypt age "$size")"
	echo "  encrypt  cloak  $(row encrypt cloak "$size")   ($(speed encrypt "$size") age)"
	echo "  decrypt  age    $(row decrypt age "$size")"
	echo "  decrypt  cloak  $(row decrypt cloak "$size")   ($(speed decrypt "$size") age)"
	rm -f "$tmp/plain" "$tmp/cipher"
}

echo "cloak age bench on $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); peer: age $(age --version)"
bench_size "$mb"
echo
bench_size 64

if command -v cc >/dev/null && [ -f "$build/core/libck_core.a" ]; then
	echo
	cc -O2 -std=c11 "$root/bench/age/datakey.c" -I"$root/core/include" -I"$build/generated" \
		"$build/core/libck_core.a" -lcrypto -lsodium -lpthread -o "$tmp/datakey"
	"$tmp/datakey"
fi
