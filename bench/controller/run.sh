#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/controller/run.sh [BUILD_DIR]: cloak-controller on COUNT SealedSecrets
# of ITEMS values each (default 10,000 x 3) in the fake API server:
#   - first full sync: wall time, CPU, RSA private operations per second beside
#     `openssl speed rsa4096` on one core and on all cores (-multi), the limit;
#   - a resync with nothing changed: time, RSA operations, API requests;
#   - peak memory (VmHWM) of the controller.
# The fake API server (Python) runs on the same 2 cores and its CPU is shown.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build/release}" && pwd)
count=${BENCH_COUNT:-10000}
items=${BENCH_ITEMS:-3}
vectors=${CLOAK_VECTORS:-$root/../shared/vectors}/sealed-secrets
ctl=$build/controller/cloak-controller
gen=$build/bench/bench_controller_gen
for f in "$ctl" "$gen"; do
	[ -x "$f" ] || { echo "bench/controller: $f not built (make bench)" >&2; exit 1; }
done
[ -d "$vectors" ] || { echo "bench/controller: SKIPPED: no vectors at $vectors" >&2; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-bench-ctl.XXXXXX")
fake_pid= ctl_pid=
cleanup() {
	[ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null && wait "$ctl_pid" 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# The fake and the controller die with this script even when it is killed
# outright (no trap runs then).
die_with_me=
setpriv --pdeathsig KILL true 2>/dev/null && die_with_me="setpriv --pdeathsig KILL"
hz=$(getconf CLK_TCK)
ncpu=$(nproc)
cpu_s() { awk -v hz="$hz" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The limit: OpenSSL's RSA-4096 private operation (sign), one core and all
# cores, measured before and after the sync (the machine is shared: its load
# moves both figures alike).
speed1() { openssl speed -seconds 3 rsa4096 2>/dev/null | awk '$1 == "rsa" && $2 == 4096 { print $6 }'; }
speedN() { openssl speed -multi "$ncpu" -seconds 3 rsa4096 2>/dev/null |
	awk '$1 == "rsa" && $2 == 4096 { v = $6 } END { print v }'; }
load0=$(cut -d' ' -f1 /proc/loadavg)
rsa1=$(speed1)
rsaN_before=$(speedN)

"$gen" "$vectors/TEST-ONLY-sealed-secrets-cert.pem" \
	"$vectors/TEST-ONLY-sealed-secrets-key-secret.yaml" "$work" "$count" "$items" 10

$die_with_me python3 "$root/tests/doubles/fake_apiserver.py" --token bench --no-log --history 200000 \
	--port-file "$work/port" --kubeconfig-out "$work/kubeconfig" >"$work/fake.log" 2>&1 </dev/null &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
load() { curl -sf -X POST --data-binary @"$1" "http://127.0.0.1:$port/__fake/objects" >/dev/null; }
load "$work/setup.json"
for f in "$work"/ss-*.json; do load "$f"; done
fake_cpu0=$(cpu_s "$fake_pid")

# Ports for the controller: picked free (fixed ones collide with other runs).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hport=$(free_port)
mport=$(free_port)
while [ "$mport" = "$hport" ]; do mport=$(free_port); done
metric() { curl -s "http://127.0.0.1:$mport/metrics" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
idle() {
	[ "$(metric 'workqueue_depth{name="sealedsecret"}')" = 0 ] &&
		[ "$(metric 'workqueue_unfinished_work_seconds{name="sealedsecret"}')" = 0 ]
}
t0=$(now)
$die_with_me "$ctl" --kubeconfig "$work/kubeconfig" --namespace kube-system --kubeclient-qps 0 \
	--listen-addr "127.0.0.1:$hport" --listen-metrics-addr "127.0.0.1:$mport" \
	--log-level warn ${BENCH_CTL_ARGS:-} >"$work/ctl.log" 2>&1 &
ctl_pid=$!
until [ "$(metric 'cloak_controller_secret_writes_total{verb="create"}')" -ge "$count" ] 2>/dev/null && idle; do
	kill -0 "$ctl_pid" 2>/dev/null || { echo "bench/controller: controller died:"; tail -5 "$work/ctl.log"; exit 1; }
	sleep 0.2
done
t1=$(now)
sync_s=$(elapsed "$t0" "$t1")
sync_cpu=$(cpu_s "$ctl_pid")
fake_cpu=$(awk -v a="$fake_cpu0" -v b="$(cpu_s "$fake_pid")" 'BEGIN { printf "%.1f", b - a }')
values=$(metric cloak_controller_unsealed_values_total)
load1=$(cut -d' ' -f1 /proc/loadavg)
errors=$(metric 'controller_runtime_reconcile_errors_total{controller="sealedsecret"}')
ops=$(awk -v v="$values" -v s="$sync_s" 'BEGIN { printf "%.0f", v / s }')

# A resync with nothing changed (SIGHUP queues every SealedSecret again).
adds0=$(metric 'workqueue_adds_total{name="sealedsecret"}')
req0=$(curl -s "http://127.0.0.1:$mport/metrics" | awk '/^rest_client_requests_total/ { s += $2 } END { print s + 0 }')
r0=$(now)
kill -HUP "$ctl_pid"
until [ "$(metric 'workqueue_adds_total{name="sealedsecret"}')" -ge $((adds0 + count)) ] 2>/dev/null && idle; do
	sleep 0.05
done
r1=$(now)
resync_s=$(elapsed "$r0" "$r1")
resync_rsa=$(awk -v a="$values" -v b="$(metric cloak_controller_unsealed_values_total)" 'BEGIN { print b - a }')
req1=$(curl -s "http://127.0.0.1:$mport/metrics" | awk '/^rest_client_requests_total/ { s += $2 } END { print s + 0 }')
hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$ctl_pid/status")
kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null; ctl_pid=
rsaN_after=$(speedN)
rsaN=$(awk -v a="$rsaN_before" -v b="$rsaN_after" 'BEGIN { printf "%.1f", (a + b) / 2 }')

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }
echo "cloak-controller: $count SealedSecrets x $items values, fake API server on loopback ($(openssl version | cut -d' ' -f1-2), $ncpu cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $load0 before, $load1 after the sync)"
printf '%-44s %s\n' "first full sync (all Secrets written)" "$sync_s s wall, $sync_cpu s CPU (controller), $fake_cpu s CPU (fake API server), $errors reconcile errors"
printf '%-44s %s\n' "RSA-4096 private operations during sync" "$values values opened: $ops op/s"
printf '%-44s %s\n' "  limit: openssl speed rsa4096 (sign)" "$rsaN op/s with -multi $ncpu (before $rsaN_before, after $rsaN_after), $rsa1 op/s one core"
printf '%-44s %s\n' "  cloak / limit" "$(pct "$ops" "$rsaN") of the $ncpu-core limit (wall clock; both share the loaded machine)"
cpu_per=$(awk -v c="$sync_cpu" -v v="$values" 'BEGIN { printf "%.2f", 1000 * c / v }')
ssl_per=$(awk -v r="$rsa1" 'BEGIN { printf "%.2f", 1000 / r }')
printf '%-44s %s\n' "  CPU per value opened" "$cpu_per ms (controller, all work included) vs $ssl_per ms per openssl private op: $(pct "$ssl_per" "$cpu_per") efficiency"
busy=$(awk -v c="$sync_cpu" -v f="$fake_cpu" -v w="$sync_s" 'BEGIN { printf "controller %.2f, fake API server %.2f", c / w, f / w }')
printf '%-44s %s\n' "  cores busy during sync" "$busy (of $ncpu; the rest: other load and waits)"
printf '%-44s %s\n' "resync, nothing changed" "$resync_s s, $resync_rsa RSA operations, $((req1 - req0)) API requests"
printf '%-44s %s\n' "peak memory (VmHWM)" "$((hwm_kb / 1024)) MiB"
