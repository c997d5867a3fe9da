#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/seal/run.sh [BUILD_DIR]: cloak seal figures beside OpenSSL, same machine, same run.
#  1. seal a 10-key Secret: the whole `cloak seal` command, a cold process each time
#     (hyperfine when installed, else a timed loop); goal < 5 ms wall.
#  2. open 1,000 values (RSA-4096): `cloak seal --recovery-unseal` of a
#     1,000-item SealedSecret on one core, beside `openssl speed -seconds 3 rsa4096`
#     private operations on the same core; goal >= 90 % of OpenSSL's rate.
set -eu
build=${1:-build/release}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
cloak=$build/cli/cloak
[ -x "$cloak" ] || { echo "bench/seal: $cloak not built (make build-release)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-bench-seal.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
now() { date +%s%N; }

"$cloak" seal keygen --key-out key.pem --cert-out cert.pem # RSA-4096, the controller's default

gen_secret() { # N -> a Secret with N 32-byte values
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: bench\n  namespace: default\ndata:\n'
	i=0
	while [ "$i" -lt "$1" ]; do
		printf '  key-%04d: %s\n' "$i" "$(head -c 32 /dev/urandom | base64 -w0)"
		i=$((i + 1))
	done
}
gen_secret 10 >secret10.yaml
gen_secret 1000 >secret1000.yaml

# ---- 1. seal a 10-key Secret, cold process ----
cmd="$cloak seal --cert cert.pem -f secret10.yaml -o yaml"
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 10 --runs 200 --export-json seal.json "$cmd" >/dev/null 2>&1
	hyperfine -N --warmup 10 --runs 200 --export-json start.json "$cloak --version" >/dev/null 2>&1
	stats() { python3 -c 'import json,sys;r=json.load(open(sys.argv[1]))["results"][0];print("%.2f %.2f %.2f %.2f" % (r["mean"]*1e3, r["stddev"]*1e3, r["min"]*1e3, (r["user"]+r["system"])*1e3))' "$1"; }
	read -r seal_ms seal_sd seal_min seal_cpu <<<"$(stats seal.json)"
	read -r start_ms _ start_min start_cpu <<<"$(stats start.json)"
	how="hyperfine, 200 runs"
else
	loop() { # CMD... -> mean wall ms over 200 runs
		for _ in 1 2 3 4 5; do "$@" >/dev/null; done
		t0=$(now); for _ in $(seq 200); do "$@" >/dev/null; done; t1=$(now)
		awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 200 / 1e6 }'
	}
	seal_ms=$(loop $cmd) seal_sd=- seal_min=- seal_cpu=-
	start_ms=$(loop "$cloak" --version) start_min=- start_cpu=-
	how="loop of 200 runs"
fi

# ---- 2. open 1,000 values on one core ----
# openssl speed counts CPU time (not -elapsed), so the comparison uses ours too;
# wall time is shown as well (it includes waiting for a busy machine).
"$cloak" seal --cert cert.pem -f secret1000.yaml >sealed1000.json
TIMEFORMAT='%R %U %S'
{ time $pin "$cloak" seal --recovery-unseal --recovery-private-key key.pem -f sealed1000.json \
	>opened.json 2>/dev/null; } 2>times.txt
read -r open_wall open_user open_sys <times.txt
grep -c '"key-' opened.json | grep -qx 1000 || { echo "bench/seal: not all 1000 values opened" >&2; exit 1; }
open_rate=$(awk -v u="$open_user" -v s="$open_sys" 'BEGIN { printf "%.1f", 1000 / (u + s) }')
open_wall_rate=$(awk -v w="$open_wall" 'BEGIN { printf "%.1f", 1000 / w }')

ossl_rate=$($pin openssl speed -seconds 3 rsa4096 2>/dev/null | awk '$1 == "rsa" && $2 == "4096" { print $6 }')
pct=$(awk -v a="$open_rate" -v b="$ossl_rate" 'BEGIN { printf "%.0f", 100 * a / b }')

echo "cloak seal benchmark ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version | cut -d' ' -f1-2))"
printf '  %-40s %-28s %s\n' "benchmark" "cloak" "peer / limit"
printf '  %-40s %-28s %s\n' "seal a 10-key Secret (cold process)" \
	"$seal_ms ms (sd $seal_sd, min $seal_min)" "goal < 5 ms wall; CPU $seal_cpu ms ($how)"
printf '  %-40s %-28s %s\n' "  floor: cloak --version (cold process)" \
	"$start_ms ms (min $start_min)" "CPU $start_cpu ms"
printf '  %-40s %-28s %s\n' "open 1,000 RSA-4096 values (one core)" \
	"$open_rate values/s (CPU)" "openssl speed rsa4096 private: $ossl_rate /s (CPU) -> $pct% (goal >= 90%)"
printf '  %-40s %-28s %s\n' "  same run, wall clock" "$open_wall_rate values/s" "$open_wall s for 1,000 values"
