#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# net bench: 3,000 Vault KV v2 reads against the Vault double on loopback.
#   cloak reuse  ck_vault client (one connection, JSON parsed into the doc tree)
#   cloak http   ck_http client, raw GETs on one connection
#   cloak fresh  ck_http client created per GET (new handle + connection)
#   cloak seam   the reuse loop against a canned answer: the client's own cost
#   peer curl    the curl CLI fetching the same 3,000 URLs in one process (keep-alive)
#   peer python  Python http.client keep-alive loop
# The limit is the double itself (a Python server): every row includes its time;
# the "limit" row gives the CPU the double spent per read. Each row is the best
# of 3 runs (the machine is shared; the load average is printed).
# Usage: bench/net/run.sh [BUILD_DIR]  (default build/release)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build/release}
case $build in /*) ;; *) build=$root/$build ;; esac
bin=$build/bench/bench_net_vault
n=${N:-3000}
[ -x "$bin" ] || { echo "bench/net: $bin not built (cmake --build $build)"; exit 1; }
tmp=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkfifo "$tmp/in"
python3 "$root/tests/doubles/vault_double.py" <"$tmp/in" >"$tmp/out" &
dpid=$!
exec 3>"$tmp/in"   # the double exits when this closes
cpu() { awk '{print $14 + $15}' "/proc/$dpid/stat"; }  # clock ticks used by the double
for _ in $(seq 50); do grep -q PORT "$tmp/out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/PORT/{print $2}' "$tmp/out")
addr=http://127.0.0.1:$port
tok=root-token
python3 - "$addr" <<'PY'
import http.client, sys, json
u = sys.argv[1].split("//")[1]
c = http.client.HTTPConnection(u)
for i in range(100):
    body = json.dumps({"data": {"username": "user%d" % i, "password": "pw-%d" % i,
                                "url": "postgres://db:5432/app%d" % i}})
    c.request("POST", "/v1/secret/data/bench/k%d" % i, body, {"X-Vault-Token": "root-token"})
    c.getresponse().read()
PY
echo "net bench: $n Vault KV v2 reads, Vault double on loopback ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
best3() { for _ in 1 2 3; do "$bin" "$@"; done | awk '{ms=$5+0; if (!b || ms < bm) {b=$0; bm=ms}} END{print b}'; }
c0=$(cpu)
"$bin" "$addr" "$tok" "$n" reuse >/dev/null
c1=$(cpu)
best3 "$addr" "$tok" "$n" reuse | sed 's/^/cloak /'
hz=$(getconf CLK_TCK)
awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$n" 'BEGIN{printf "limit  the double used %.0f ms of CPU for those %d reads (%.0f us/read)\n", t*1000/hz, n, t*1e6/hz/n}'
best3 "$addr" "$tok" "$n" http | sed 's/^/cloak /'
best3 "$addr" "$tok" "$((n / 10))" fresh | sed 's/^/cloak /'
best3 "$addr" "$tok" "$n" seam | sed 's/^/cloak /'
urls=()
for ((i = 0; i < n; i++)); do urls+=("$addr/v1/secret/data/bench/k$((i % 100))"); done
best_ms=
for _ in 1 2 3; do
	t0=$(date +%s%N)
	curl -s -H "X-Vault-Token: $tok" "${urls[@]}" >/dev/null
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
done
awk -v n="$n" -v ms="$best_ms" 'BEGIN{printf "peer   curl CLI  %d reads in %.1f ms (%.0f/s, %.1f us/read)\n", n, ms, n*1000/ms, ms*1000/n}'
python3 - "$addr" "$n" <<'PY'
import http.client, sys, time
u = sys.argv[1].split("//")[1]; n = int(sys.argv[2])
best = None
for _ in range(3):
    c = http.client.HTTPConnection(u)
    t = time.monotonic()
    for i in range(n):
        c.request("GET", "/v1/secret/data/bench/k%d" % (i % 100), headers={"X-Vault-Token": "root-token"})
        c.getresponse().read()
    ms = (time.monotonic() - t) * 1000
    best = ms if best is None else min(best, ms)
    c.close()
print("peer   python    %d reads in %.1f ms (%.0f/s, %.1f us/read)" % (n, best, n * 1000 / best, best * 1000 / n))
PY
