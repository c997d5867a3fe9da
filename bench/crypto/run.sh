#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/crypto/run.sh [BUILD_DIR]: the crypto core's throughput on one core
# beside `openssl speed` (the physical limit of the same library on the same
# machine), both measured in this run. MB = 10^6 bytes, as openssl counts.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/release}
bin=$build/bench/bench_crypto
key=$root/testkeys/rsa-4096.pkcs1.pem
secs=${BENCH_SECONDS:-3} # whole seconds: openssl speed takes no fractions
[ -x "$bin" ] || { echo "bench/crypto: $bin not built (make bench)" >&2; exit 1; }

ours=$("$bin" -s "$secs" "$key")
get() { awk -v k="$1" '$1 == k { print $2 }' <<<"$ours"; }
# openssl speed -evp: the largest column (16 KiB blocks by default, or the one
# -bytes size), in 1000s of bytes per second -> MB/s.
speed_evp() {
	openssl speed -seconds "$secs" "$@" 2>/dev/null |
		awk '$NF ~ /^[0-9.]+k$/ { v = $NF } END { sub(/k$/, "", v); printf "%.1f", v / 1000 }'
}
ssl_gcm=$(speed_evp -evp aes-256-gcm)
ssl_gcm_1m=$(speed_evp -bytes 1048576 -evp aes-256-gcm)
ssl_chacha=$(speed_evp -evp chacha20-poly1305)
ssl_chacha_1m=$(speed_evp -bytes 1048576 -evp chacha20-poly1305)
ssl_rsa=$(openssl speed -seconds "$secs" rsa4096 2>/dev/null |
	awk '$1 == "rsa" && $2 == 4096 { print $6 }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "crypto core vs openssl speed, one core, $secs s per figure ($(openssl version | cut -d' ' -f1-2), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-38s %11s  %-27s %s\n' "operation" "cloak" "openssl speed: 16 KiB | 1 MiB" "ratio (1 MiB)"
row() { printf '%-38s %11s  %12s | %-12s %6s\n' "$1" "$2 $3" "$4" "$5" "$(ratio "$2" "${5:-$4}")"; }
row "AES-256-GCM seal, 1 MiB buffers" "$(get aes-256-gcm-seal)" "MB/s" "$ssl_gcm" "$ssl_gcm_1m"
row "AES-256-GCM open, 1 MiB buffers" "$(get aes-256-gcm-open)" "MB/s" "$ssl_gcm" "$ssl_gcm_1m"
row "ChaCha20-Poly1305 seal, 1 MiB buffers" "$(get chacha20-poly1305-seal)" "MB/s" "$ssl_chacha" "$ssl_chacha_1m"
row "ChaCha20-Poly1305 open, 1 MiB buffers" "$(get chacha20-poly1305-open)" "MB/s" "$ssl_chacha" "$ssl_chacha_1m"
row "RSA-4096 OAEP-SHA256 decrypt" "$(get rsa-oaep-decrypt)" "op/s" "$ssl_rsa op/s" ""
echo "openssl: 'speed -seconds $secs -evp <cipher>' (encryption; also the reference for open)"
echo "  at its default 16 KiB blocks and with -bytes 1048576; 'speed -seconds $secs rsa4096'"
echo "  private operations (sign/s): an OAEP decrypt is one private operation plus padding."
echo "also measured:"
printf '  %-38s %9s MB/s\n' "XChaCha20-Poly1305 seal, 1 MiB" "$(get xchacha20-poly1305-seal)"
printf '  %-38s %9s MB/s  (not used by cloak for bulk data)\n' "libsodium ChaCha20-Poly1305 seal, 1 MiB" "$(get libsodium-chacha20-poly1305-seal)"
printf '  %-38s %9s calls/s\n' "AES-256-GCM sops value (64 B, 32 B IV)" "$(get aes-256-gcm-sops-64B)"
