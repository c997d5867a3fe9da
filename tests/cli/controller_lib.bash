# SPDX-License-Identifier: Apache-2.0
# Helpers for the shell tests that run the fake API server and
# cloak-controller in the background. Source after lib.bash.
#
# Background children must not outlive the test, however it ends: the EXIT
# trap kills them when the script ends on its own or on INT/TERM/HUP, and
# "$DIE_WITH_SHELL cmd &" gives cmd PR_SET_PDEATHSIG=KILL so it dies with
# this shell even when the shell is SIGKILLed (a ctest timeout), when no trap
# runs. Use it on a simple command started with & (then this shell is its
# parent).
if command -v setpriv >/dev/null && setpriv --pdeathsig KILL true 2>/dev/null; then
	DIE_WITH_SHELL="setpriv --pdeathsig KILL"
else
	DIE_WITH_SHELL=""
fi
BG_PIDS=""

# bg_track PID: kill PID (and wait for it) when the script exits.
bg_track() { BG_PIDS="$BG_PIDS $1"; }
# bg_untrack PID: after the script reaped it itself (its pid may be reused).
bg_untrack() { BG_PIDS=$(echo "$BG_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '); }

bg_cleanup() {
	local p
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $BG_PIDS; do
		# SIGKILL what has not gone after 10 s.
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG_PIDS=""
	rm -rf "$T"
}
trap bg_cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; status 1 on timeout.
wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# start_fake ARGS...: the fake API server with --port-file "$T/port"; sets
# FAKE_PID and PORT (60 s to start: on a loaded machine Python and the TLS
# CA take a while).
start_fake() {
	# shellcheck disable=SC2086
	$DIE_WITH_SHELL python3 "$SRC/tests/doubles/fake_apiserver.py" --port-file "$T/port" "$@" \
		>"$T/fake.log" 2>&1 </dev/null &
	FAKE_PID=$!
	bg_track "$FAKE_PID"
	if ! wait_for 60 test -s "$T/port"; then
		echo "FAIL: fake API server did not start: $(cat "$T/fake.log")" >&2
		exit 1
	fi
	PORT=$(cat "$T/port")
}

# free_port: a loopback port for cloak-controller to listen on, below the
# kernel's ephemeral range (a port bind(0) returned may be handed to another
# process's connect() before the controller binds it). Never the same twice.
free_port() {
	python3 - "${CTL_PORTS_GIVEN:-}" <<'PY'
import random, socket, sys
given = set(sys.argv[1].split())
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for i in range(200):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", random.randrange(10000, lo) if lo > 12000 and i < 150 else 0))
    except OSError:
        continue
    p = s.getsockname()[1]
    s.close()
    if str(p) not in given:
        print(p)
        break
PY
}
