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
ln -s "$cloak" sops-cloak
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

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

# measure RUNS CMD... -> "best_seconds peak_kib" (peak RSS of the best run)
measure() {
	local runs=$1 best="" rss="" i t m
	shift
	for i in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o tm $pin "$@" >out 2>err || { cat err >&2; return 1; }
		read -r t m <tm
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t rss=$m
		fi
	done
	echo "$best $rss"
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

printf '%-8s %-8s %10s %9s %12s %10s %9s %8s\n' leaves op "cloak ms" "cloak MiB" "sops 3.13 ms" "sops MiB" speedup "mem x"
for n in 1000 10000 100000; do
	gen "$n" >"plain$n.yaml"
	case $n in 1000) runs=15 ;; 10000) runs=7 ;; *) runs=3 ;; esac
	read -r dms dmib ems emib <<<"$(ref "$n")"
	# encrypt
	read -r t m <<<"$(measure "$runs" ./sops-cloak encrypt --age "$recipient" "plain$n.yaml")"
	cp out "enc$n.yaml"
	[ "$(grep -c ': ENC\[AES256_GCM' "enc$n.yaml")" -eq "$n" ] || { echo "bench/sops: encrypt produced a wrong file" >&2; exit 1; }
	enc_ms=$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')
	enc_mib=$(awk -v m="$m" 'BEGIN { printf "%.1f", m / 1024 }')
	# decrypt
	read -r t m <<<"$(measure "$runs" ./sops-cloak decrypt "enc$n.yaml")"
	cmp -s out "plain$n.yaml" || { echo "bench/sops: decrypt output differs from the plaintext" >&2; exit 1; }
	dec_ms=$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')
	dec_mib=$(awk -v m="$m" 'BEGIN { printf "%.1f", m / 1024 }')
	if [ -n "$have_sops" ]; then
		read -r t m <<<"$(measure 3 "$have_sops" encrypt --age "$recipient" "plain$n.yaml")"
		ems=$(awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }') emib=$(awk -v m="$m" 'BEGIN { printf "%.0f", m / 1024 }')
		read -r t m <<<"$(measure 3 "$have_sops" decrypt "enc$n.yaml")"
		dms=$(awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }') dmib=$(awk -v m="$m" 'BEGIN { printf "%.0f", m / 1024 }')
	fi
	row() { # op ms mib refms refmib
		awk -v op="$1" -v n="$n" -v ms="$2" -v mib="$3" -v rms="$4" -v rmib="$5" 'BEGIN {
			s = ms > 0 ? rms / ms : 0; x = mib > 0 ? rmib / mib : 0
			printf "%-8s %-8s %10.1f %9.1f %12.0f %10.0f %8.1fx %7.1fx\n", n, op, ms, mib, rms, rmib, s, x }'
	}
	row encrypt "$enc_ms" "$enc_mib" "$ems" "$emib"
	row decrypt "$dec_ms" "$dec_mib" "$dms" "$dmib"
done
if [ -n "$have_sops" ]; then
	echo "sops: $have_sops measured in this run (best of 3)"
else
	echo "sops: not installed here; sops 3.13.2 figures from issue 5 (same file shapes)"
fi
echo "cloak: best of 15 / 7 / 3 cold runs$([ -n "$pin" ] && echo ", pinned to one core"); peak RSS of that run (GNU time)"
echo "goals: speedup >= 20x at 1,000 leaves and >= 40x at 100,000; mem x (sops MiB / cloak MiB) >= 10"
