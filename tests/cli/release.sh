# SPDX-License-Identifier: Apache-2.0
# The release build that `make demo` runs (gcc, no sanitizers) links and
# works; `make test` builds it before running ctest.
. "$(dirname "$0")/lib.bash"
REL=$SRC/build/release/cli/cloak
if [ ! -x "$REL" ]; then
	echo "*** SKIPPED: no release build at $REL (run 'make build-release') ***" >&2
	exit 77
fi
expect_exit 0 "$REL" --version
expect_out "^cloak version"
expect_exit 0 "$REL" doctor
expect_out "X25519 (RFC 7748) *ok"
for c in seal sops external hook audit age; do
	if grep -q "\"$c\"" "$SRC/cli/cmds.def"; then
		expect_exit 0 "$REL" help "$c"
	fi
done
CTL=$SRC/build/release/controller/cloak-controller
if [ -x "$CTL" ]; then
	expect_exit 0 "$CTL" --version
fi
finish
