#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages cloak needs to build, test and demo, only when
# some are missing (a second run does nothing). Needs root for apt-get.
set -eu
pkgs="cmake make gcc clang libclang-rt-14-dev pkg-config git python3
libssl-dev libsodium-dev libyaml-dev libjansson-dev libcurl4-openssl-dev
libgit2-dev libcmocka-dev zlib1g-dev libdeflate-dev age gnupg git-secrets pre-commit
ca-certificates openssl time"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# The fake API server is checked against a real kubectl: Debian's
# kubernetes-client unless some other kubectl is already installed.
command -v kubectl >/dev/null 2>&1 || missing="$missing kubernetes-client"
[ -z "$missing" ] && exit 0
echo "cloak: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
