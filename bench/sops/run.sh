#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/sops/run.sh [BUILD_DIR]: `sops encrypt` / `sops decrypt` (cloak invoked
# as sops) on YAML files with 1,000 / 10,000 / 100,000 leaf strings (three
# levels, 24-character values, one age recipient): wall time (best of several
# cold runs) and peak RSS, beside sops 3.13.2's figures. The real sops is not
# installed on this machine: its figures are the ones measured for issue 5
# (same files, same shape); when a `sops` binary is on PATH it is measured
# here too, in the same run. Goals: >= 20x faster at 1,000 leaves, >= 40x at
# 100,000, peak memory under a tenth of sops's.
set -eu
build=${1:-build/release}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
cloak=$build/cli/cloak
[ -x "$cloak" ] || { echo "bench/sops: $cloak not built (make build-release)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/sops: GNU time (/usr/bin/time) is needed for peak RSS" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-bench-sops.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir bin
ln -s "$cloak" bin/sops # argv[0] sops: cloak behaves as sops
hf=""
command -v hyperfine >/dev/null && hf=1

"$cloak" age keygen -o key.txt 2>/dev/null
recipient=$(grep -o 'age1[a-z0-9]*' key.txt)
export SOPS_AGE_KEY_FILE=$work/key.txt

gen() { # LEAVES -> leaves.yaml: 10 x 10 x LEAVES/100 map, 24-char values
	python3 - "$1" <<'EOF'
import random, string, sys
n = int(sys.argv[1])
rnd = random.Random(n)
alpha = string.ascii_letters + string.digits
third = n // 100
out = []
for a in range(10):
    out.append("group%02d:\n" % a)
    for b in range(10):
        out.append("    service%02d:\n" % b)
        for c in range(third):
            out.append("        key%05d: %s\n" % (c, "".join(rnd.choice(alpha) for _ in range(24))))
sys.stdout.write("".join(out))
EOF
}

# measure RUNS CMD... -> "best_ms median_ms peak_kib": wall times from
# hyperfine (cold process each run) when installed, else GNU time; the peak
# RSS from GNU time (the largest of three runs). The command's output of the
# last run is left in ./out.
measure() {
	local runs=$1 best med rss=0 m i
	shift
	if [ -n "$hf" ]; then
		hyperfine -N --warmup 1 --runs "$runs" --export-json h.json "$*" >/dev/null 2>&1 ||
			{ echo "bench/sops: hyperfine failed on: $*" >&2; return 1; }
		read -r best med <<<"$(python3 -c 'import json,statistics as s;t=json.load(open("h.json"))["results"][0]["times"];print("%.2f %.2f"%(min(t)*1e3,s.median(t)*1e3))')"
	else
		local ts=""
		for i in $(seq "$runs"); do
			/usr/bin/time -f '%e' -o tm "$@" >out 2>err || { cat err >&2; return 1; }
			ts="$ts $(cat tm)"
		done
		read -r best med <<<"$(python3 -c 'import sys,statistics as s;t=[float(x)*1e3 for x in sys.argv[1:]];print("%.2f %.2f"%(min(t),s.median(t)))' $ts)"
	fi
	for i in 1 2 3; do
		/usr/bin/time -f '%M' -o tm "$@" >out 2>err || { cat err >&2; return 1; }
		m=$(cat tm)
		[ "$m" -gt "$rss" ] && rss=$m
	done
	echo "$best $med $rss"
}

# sops 3.13.2 (issue 5): decrypt ms, decrypt MiB, encrypt ms, encrypt MiB
ref() {
	case $1 in
	1000) echo "68 21 55 21" ;;
	10000) echo "472 43 509 43" ;;
	100000) echo "4700 311 4290 311" ;;
	esac
}

have_sops=""
if command -v sops >/dev/null && sops --version 2>/dev/null | grep -q '^sops 3'; then
	have_sops=$(command -v sops)
fi

printf '%-8s %-8s %9s %9s %9s %12s %9s %8s %7s\n' leaves op "best ms" "median ms" "peak MiB" \
	"sops 3.13 ms" "sops MiB" speedup "mem /"
row() { # n op best med kib refms refmib
	awk -v n="$1" -v op="$2" -v b="$3" -v m="$4" -v k="$5" -v rms="$6" -v rmib="$7" 'BEGIN {
		mib = k / 1024
		printf "%-8s %-8s %9.1f %9.1f %9.1f %12.0f %9.0f %7.1fx %6.1fx\n", n, op, b, m, mib, rms, rmib, rms / b, rmib / mib }'
}
for n in 1000 10000 100000; do
	gen "$n" >"plain$n.yaml"
	case $n in 1000) runs=30 ;; 10000) runs=10 ;; *) runs=5 ;; esac
	read -r dms dmib ems emib <<<"$(ref "$n")"
	read -r eb em ek <<<"$(measure "$runs" ./bin/sops encrypt --age "$recipient" "plain$n.yaml")"
	cp out "enc$n.yaml"
	[ "$(grep -c '^        key[0-9]*: ENC\[AES256_GCM' "enc$n.yaml")" -eq "$n" ] || { echo "bench/sops: encrypt produced a wrong file" >&2; exit 1; }
	read -r db dm dk <<<"$(measure "$runs" ./bin/sops decrypt "enc$n.yaml")"
	cmp -s out "plain$n.yaml" || { echo "bench/sops: decrypt output differs from the plaintext" >&2; exit 1; }
	if [ -n "$have_sops" ]; then
		read -r ems _ k <<<"$(measure 3 "$have_sops" encrypt --age "$recipient" "plain$n.yaml")"
		emib=$((k / 1024))
		read -r dms _ k <<<"$(measure 3 "$have_sops" decrypt "enc$n.yaml")"
		dmib=$((k / 1024))
	fi
	row "$n" encrypt "$eb" "$em" "$ek" "$ems" "$emib"
	row "$n" decrypt "$db" "$dm" "$dk" "$dms" "$dmib"
done
read -r vb _ vk <<<"$(measure 10 "$cloak" --version)"
if [ -n "$have_sops" ]; then
	echo "sops: $have_sops measured in this run (best of 3)"
else
	echo "sops: not installed here; sops 3.13.2 figures from issue 5 (same file shapes)"
fi
echo "cloak: cold process per run ($([ -n "$hf" ] && echo hyperfine || echo GNU time)); speedup from the best run; peak RSS from GNU time"
awk -v b="$vb" -v k="$vk" 'BEGIN { printf "process floor: `cloak --version` %.1f ms, %.1f MiB (dynamic loading of the whole binary)\n", b, k / 1024 }'
echo "machine load while measuring: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
echo "goals: speedup >= 20x at 1,000 leaves and >= 40x at 100,000; mem / (sops MiB / cloak MiB) >= 10"
