#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/keysources/run.sh [BUILD_DIR]: what a Vault transit or AWS KMS master
# key costs a `cloak sops` run, against the test doubles on loopback: wall
# time per `sops encrypt` and `sops decrypt` of a small YAML file with one
# age key (the local baseline: no network), one hc_vault key (token lookup +
# one transit call), one kms key (one KMS call, SigV4) and one kms key with a
# role (STS AssumeRole first). Each figure is the mean over KS_BENCH_N runs
# (default 40), best of KS_BENCH_ROUNDS interleaved rounds (default 3): the
# machine is shared. The doubles are Python: most of the network cost is
# theirs; a real Vault/KMS adds its own latency on top.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
case $build in /*) ;; *) build=$root/$build ;; esac
n=${KS_BENCH_N:-40}
rounds=${KS_BENCH_ROUNDS:-3}
cloak=$build/cli/cloak

if [ ! -x "$cloak" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	cmake --build "$build" -j2 >/dev/null
fi
command -v python3 >/dev/null && command -v curl >/dev/null ||
	{ echo "bench/keysources: needs python3 and curl" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cloak-ks-bench.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$tmp"' EXIT

start() { # start NAME SCRIPT ARGS...: sets NAME_URL
	local name=$1 script=$2 port
	shift 2
	mkfifo "$tmp/$name.in"
	python3 "$root/tests/doubles/$script" "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>/dev/null &
	pids="$pids $!"
	eval "exec {fd_$name}>\"\$tmp/\$name.in\""
	for _ in $(seq 100); do grep -q '^PORT' "$tmp/$name.out" 2>/dev/null && break; sleep 0.05; done
	port=$(awk '/^PORT/ {print $2}' "$tmp/$name.out")
	[ -n "$port" ] || { echo "bench/keysources: $script did not start" >&2; exit 1; }
	eval "${name}_URL=http://127.0.0.1:$port"
}
start VAULT vault_double.py --root-token root
start AWS aws_double.py
ctl() { curl -sS --fail -X POST --data-binary "$2" "$1"; }
ctl "$VAULT_URL/_control/mount" '{"path":"sops","type":"transit"}' >/dev/null
arn=$(ctl "$AWS_URL/_control/kms_key" '{"alias":"sops"}' | sed -n 's/.*"Arn": "\([^"]*\)".*/\1/p')
role=arn:aws:iam::111122223333:role/sops
ctl "$AWS_URL/_control/sts" "{\"role_arn\":\"$role\"}" >/dev/null

export HOME=$tmp VAULT_TOKEN=root SOPS_AGE_KEY_FILE=$root/testkeys/age/identity.txt
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_ENDPOINT_URL=$AWS_URL
unset VAULT_ADDR VAULT_NAMESPACE SOPS_CONFIG AWS_PROFILE
printf 'db:\n    user: app\n    password: s3cr3t\nport: 5432\n' >"$tmp/plain.yaml"
cd "$tmp"

names="age hc_vault kms kms+role"
flags() {
	case $1 in
	age) echo "--age $(cat "$root/testkeys/age/recipient.txt")" ;;
	hc_vault) echo "--hc-vault-transit $VAULT_URL/v1/sops/keys/bench" ;;
	kms) echo "--kms $arn" ;;
	kms+role) echo "--kms $arn+$role" ;;
	esac
}
for k in $names; do
	# shellcheck disable=SC2046
	"$cloak" sops encrypt $(flags "$k") plain.yaml >"enc.$k.yaml"
	"$cloak" sops decrypt "enc.$k.yaml" | cmp -s - plain.yaml || { echo "bench: $k roundtrip failed" >&2; exit 1; }
done

now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }
best() { # best NAME MS: keep the smallest
	local prev
	prev=$(awk -v n="$1" '$1 == n { print $2 }' "$tmp/best" 2>/dev/null || true)
	if [ -z "$prev" ] || awk -v a="$2" -v b="$prev" 'BEGIN { exit !(a < b) }'; then
		grep -v "^$1 " "$tmp/best" >"$tmp/best.new" 2>/dev/null || true
		echo "$1 $2" >>"$tmp/best.new"
		mv "$tmp/best.new" "$tmp/best"
	fi
}
for _ in $(seq "$rounds"); do
	for k in $names; do
		t0=$(now_ms)
		for _ in $(seq "$n"); do
			# shellcheck disable=SC2046
			"$cloak" sops encrypt $(flags "$k") plain.yaml >/dev/null
		done
		t1=$(now_ms)
		for _ in $(seq "$n"); do "$cloak" sops decrypt "enc.$k.yaml" >/dev/null; done
		t2=$(now_ms)
		best "enc.$k" "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')"
		best "dec.$k" "$(awk -v a="$t1" -v b="$t2" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')"
	done
done
echo "cloak sops, one master key, small YAML file, ms per run (best of $rounds rounds of $n):"
printf '  %-10s %10s %10s   %s\n' key encrypt decrypt "network calls per decrypt"
for k in $names; do
	case $k in
	age) calls="none (local baseline)" ;;
	hc_vault) calls="2 to Vault (token lookup-self, transit decrypt)" ;;
	kms) calls="1 to KMS (Decrypt, SigV4)" ;;
	kms+role) calls="2 (STS AssumeRole, KMS Decrypt)" ;;
	esac
	printf '  %-10s %10s %10s   %s\n' "$k" "$(awk -v n="enc.$k" '$1 == n { print $2 }' "$tmp/best")" \
		"$(awk -v n="dec.$k" '$1 == n { print $2 }' "$tmp/best")" "$calls"
done
echo "peer: none here (the Go sops binary is not installed); the age row is the no-network"
echo "      limit. The doubles are single-threaded Python on loopback."
