# SPDX-License-Identifier: Apache-2.0
# Shared helpers for CLI tests. Source it; it sets CLOAK and a private $T.
set -u
CLOAK=${CLOAK_BIN:?CLOAK_BIN must point at the cloak binary}
SRC=${CLOAK_SOURCE_DIR:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/cloak-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
PASSES=0

vectors() {
	local d=${CLOAK_VECTORS:-$SRC/../shared/vectors}
	if [ ! -d "$d/$1" ]; then
		echo "*** SKIPPED: shared vectors not found at $d/$1 (set CLOAK_VECTORS) ***" >&2
		exit 77
	fi
	echo "$d/$1"
}

pass() { PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# expect_exit CODE CMD...: run CMD, check its exit status.
expect_exit() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" -ne "$want" ]; then
		fail "'$*' exited $got, want $want; stderr: $(head -c 400 "$T/err")"
	else
		pass
	fi
}

# expect_err_line PATTERN: stderr of the last expect_exit is one line matching PATTERN.
expect_err_line() {
	local lines
	lines=$(wc -l <"$T/err")
	if [ "$lines" -ne 1 ] || ! grep -q -- "$1" "$T/err"; then
		fail "stderr should be one line matching '$1', got: $(cat "$T/err")"
	else
		pass
	fi
}

expect_out() {
	if ! grep -q -- "$1" "$T/out"; then
		fail "stdout should match '$1', got: $(head -c 400 "$T/out")"
	else
		pass
	fi
}

finish() {
	echo "$PASSES checks passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}
