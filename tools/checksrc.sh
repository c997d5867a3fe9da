#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mechanical source checks: banned functions, third-party headers outside
# their owning module, relative includes, SPDX lines. Exit 1 on any finding.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
status=0
report() { echo "checksrc: $*"; status=1; }

srcs=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null | grep -v '^build' || \
       find . -name '*.[ch]' -not -path './build*' | sed 's|^\./||')

for f in $srcs; do
	[ -f "$f" ] || continue
	if hits=$(grep -nE '(^|[^_[:alnum:]])(sprintf|vsprintf|strcat|strncat|gets|strcpy|strtok|atoi)[[:space:]]*\(' "$f"); then
		report "$f: banned function: $hits"
	fi
	head -3 "$f" | grep -q 'SPDX-License-Identifier' || report "$f: missing SPDX line"
	grep -n '#include "\.\./' "$f" >/dev/null && report "$f: relative #include \"../\""
	mod=${f%%/*}
	check_owner() { # header-regex owning-modules...
		local re=$1; shift
		if grep -qE "#include <$re" "$f"; then
			for m in "$@"; do [ "$mod" = "$m" ] && return; done
			report "$f: includes <$re...> outside $*"
		fi
	}
	case "$mod" in tests|fuzz|bench) continue ;; esac
	check_owner 'openssl/' core
	check_owner 'sodium' core
	check_owner 'yaml\.h' doc
	check_owner 'jansson\.h' doc
	check_owner 'curl/' net
	check_owner 'git2' hook
done
exit $status
