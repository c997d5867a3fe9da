#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate the TEST-ONLY keys in this directory with the openssl CLI.
# These keys are public on purpose: never use them for anything real.
#
#   ./mkkeys.sh          regenerate every section below
#   ./mkkeys.sh rsa      only one section
#
# Each engineer's key kinds live in their own section (a function named
# keys_<section>); add a function and list it in `sections` to add kinds.
# Regenerating changes every key: tests must derive expectations from the
# files (or from the peer tools), never hard-code key bytes.
set -euo pipefail
cd "$(dirname "$0")"
sections="rsa"

# RSA (core): PKCS#1 and PKCS#8 private keys, SPKI and PKCS#1 public keys,
# a self-signed certificate of the Sealed Secrets controller's shape, and a
# few keys the loaders must refuse.
keys_rsa() {
	local bits
	for bits in 2048 4096; do
		openssl genrsa -traditional -out "rsa-$bits.pkcs1.pem" "$bits" 2>/dev/null
		openssl pkey -in "rsa-$bits.pkcs1.pem" -out "rsa-$bits.pkcs8.pem"
		openssl pkey -in "rsa-$bits.pkcs1.pem" -pubout -out "rsa-$bits.pub.pem"
		openssl rsa -in "rsa-$bits.pkcs1.pem" -RSAPublicKey_out \
			-out "rsa-$bits.pkcs1-pub.pem" 2>/dev/null
	done
	# The controller's certificate: empty subject and issuer (--my-cn ""),
	# random 128-bit serial, 3650 days, keyUsage=encipherOnly (critical),
	# basicConstraints CA:TRUE (critical), subjectKeyIdentifier, SHA-256.
	openssl req -x509 -new -key rsa-4096.pkcs1.pem -subj "/" -days 3650 -sha256 \
		-set_serial "0x$(openssl rand -hex 16)" -config /dev/null \
		-addext "keyUsage=critical,encipherOnly" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "subjectKeyIdentifier=hash" -out rsa-4096.cert.pem
	# Keys that must be refused: too small, encrypted (PKCS#8 and legacy
	# PEM encryption, passphrase "test"), and not RSA.
	openssl genrsa -out rsa-1024.pkcs8.pem 1024 2>/dev/null
	openssl pkcs8 -topk8 -in rsa-2048.pkcs8.pem -passout pass:test \
		-out rsa-2048.encrypted-pkcs8.pem
	openssl rsa -in rsa-2048.pkcs1.pem -traditional -aes128 -passout pass:test \
		-out rsa-2048.encrypted-legacy.pem 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec-p256.pkcs8.pem
	openssl req -x509 -new -key ec-p256.pkcs8.pem -subj "/CN=cloak test EC" -days 3650 \
		-config /dev/null -out ec-p256.cert.pem
}

want=${1:-$sections}
for s in $want; do
	"keys_$s"
done
echo "mkkeys.sh: regenerated: $want"
