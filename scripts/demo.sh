#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's demo: cloak on built-in defaults, in a scratch directory.
set -eu
build=${1:-build/release}
CLOAK=$(cd "$build" && pwd)/cli/cloak
work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cloak doctor: the crypto core's known-answer self-test"
"$CLOAK" doctor
