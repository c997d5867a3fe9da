# SPDX-License-Identifier: Apache-2.0
# The command table, help, version and the usage-error convention.
. "$(dirname "$0")/lib.bash"

expect_exit 0 "$CLOAK" --version
expect_out "^cloak version [0-9]"
expect_exit 0 "$CLOAK" help
expect_out "doctor"
expect_exit 0 "$CLOAK" help doctor
expect_out "usage: cloak doctor"
expect_exit 0 "$CLOAK" doctor --help
expect_out "usage: cloak doctor"

expect_exit 2 "$CLOAK"
expect_exit 2 "$CLOAK" doctr
expect_err_line "unknown command 'doctr' (did you mean 'doctor'?)"
expect_exit 2 "$CLOAK" help doctr
expect_err_line "did you mean 'doctor'"
expect_exit 2 "$CLOAK" --verison
expect_err_line "unknown option '--verison' (did you mean '--version'?)"
expect_exit 2 "$CLOAK" doctor --hlep
expect_err_line "unknown option '--hlep' (did you mean '--help'?)"
expect_exit 2 "$CLOAK" doctor extra
expect_err_line "unexpected argument"

expect_exit 0 "$CLOAK" doctor
expect_out "AES-256-GCM (32-byte IV) *ok"
expect_out "X25519 (RFC 7748) *ok"

# libcurl loads on first use: a command that needs it and cannot load it says
# so in one line; commands that do not need it never load it.
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: b}\ndata: {k: dg==}\n' >"$T/s.yaml"
expect_exit 8 env CLOAK_LIBCURL=libnope.so.9 "$CLOAK" seal --cert http://127.0.0.1:9/cert.pem -f "$T/s.yaml"
expect_err_line "cannot load libnope.so.9"
if command -v ldd >/dev/null; then
	ldd "$CLOAK" | grep -q libcurl && fail "cloak links libcurl at start-up" || pass
	ldd "$CLOAK" | grep -q libgit2 && fail "cloak links libgit2 at start-up" || pass
fi
# The same for libgit2, which loads when a git command starts.
(cd "$T" && env CLOAK_LIBGIT2=libnope.so.9 "$CLOAK" audit --worktree) >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && pass || fail "audit without libgit2 should exit 2"
expect_err_line "cannot load libnope.so.9" 

# Write errors are not silent.
if [ -w /dev/full ]; then
	"$CLOAK" --version >/dev/full 2>"$T/err"; [ $? -eq 1 ] && pass || fail "write to /dev/full should fail"
fi
finish
