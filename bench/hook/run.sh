#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/hook/run.sh [BUILD_DIR]: a generated GitOps repository of 20,000 files
# (1% secrets-like manifests: SOPS-encrypted Secrets and SealedSecrets), packed
# as a clone would be, with three planted leaks and a 50-file staged change.
# Prints, from the same run:
#   - `cloak hook run` on the staged change (goal: under 30 ms), beside
#     git-secrets' own pre-commit hook on the same change;
#   - `cloak audit` of the whole tree beside `git secrets --scan` (Debian's
#     git-secrets with --register-aws) on the same tree (goal: 5x faster),
#     with what each one found.
# Wall-clock medians of repeated runs (warm page cache), CPU time beside them;
# with CLOAK_BENCH_CALLGRIND=1 also the instructions each cloak run executes
# (valgrind's callgrind: the figure that does not move with the machine's
# load; the audit counted single-threaded); CLOAK_BENCH_CALLGRIND_DIR=DIR
# keeps the profiles there (callgrind_annotate DIR/audit.cg), and
# CLOAK_BENCH_FILES=2000 makes a small repository for quick profiles.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build/release}" && pwd) || { echo "bench/hook: no build directory" >&2; exit 1; }
cloak=$build/cli/cloak
[ -x "$cloak" ] || { echo "bench/hook: $cloak not built" >&2; exit 1; }
N=${CLOAK_BENCH_FILES:-20000}
RUNS=${CLOAK_BENCH_RUNS:-9}
have_gs=1
command -v git-secrets >/dev/null || { have_gs=0; echo "bench/hook: git-secrets not installed; peer figures skipped" >&2; }

cgdir=
if [ -n "${CLOAK_BENCH_CALLGRIND_DIR:-}" ]; then
	mkdir -p "$CLOAK_BENCH_CALLGRIND_DIR" && cgdir=$(cd "$CLOAK_BENCH_CALLGRIND_DIR" && pwd) || exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-bench-hook.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.org \
	GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.org NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
R=$work/repo
mkdir "$R" && cd "$R" || exit 1
git init -q . && git config core.hooksPath /dev/null && git config gc.auto 0
python3 "$here/gen_repo.py" "$R" "$N" || exit 1
git add -A && git commit -q -m "generated" && git gc -q
nfiles=$(git ls-files | wc -l)
[ "$have_gs" = 1 ] && git secrets --register-aws >/dev/null 2>&1

# the staged change: 45 manifests and 5 secrets-like files edited
i=0
for f in $(git ls-files 'apps/*.yaml' | awk 'NR % 200 == 1' | head -45) $(git ls-files 'secrets/*' | head -5); do
	printf '# edited %d\n' "$i" >> "$f"
	i=$((i + 1))
done
git add -A
staged=$(git diff --cached --name-only | wc -l)

# median and minimum wall time (ms) of RUNS runs of a command, and its exit status
timeit() {
	python3 - "$RUNS" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
wall, cpu = [], []
for k in range(runs + 1):                      # one warm-up run
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    w = (time.perf_counter() - t) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if k:
        wall.append(w)
        cpu.append(((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1000)
print("%.1f %.1f %.1f %d" % (statistics.median(wall), min(wall), statistics.median(cpu), rc))
PY
}

echo "repository: $nfiles files ($((N / 100)) secrets-like), staged change: $staged files"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); audit threads: ${CLOAK_AUDIT_THREADS:-up to 4}; inflater: $(ls /usr/lib/*/libdeflate.so.0 >/dev/null 2>&1 && echo libdeflate || echo zlib)"
echo "wall ms: median (min) of $RUNS runs; cpu ms: median user+sys (the machine is shared: cpu is the steadier figure)"
read -r hook_med hook_min hook_cpu hook_rc < <(timeit "$cloak" hook run)
printf '%-44s wall %7s (%s)  cpu %7s  exit %s   goal: < 30 ms\n' "cloak hook run ($staged staged files)" "$hook_med" "$hook_min" "$hook_cpu" "$hook_rc"
if [ "$have_gs" = 1 ]; then
	read -r gsh_med gsh_min gsh_cpu gsh_rc < <(timeit git secrets --pre_commit_hook)
	printf '%-44s wall %7s (%s)  cpu %7s  exit %s\n' "git secrets --pre_commit_hook (same change)" "$gsh_med" "$gsh_min" "$gsh_cpu" "$gsh_rc"
fi
git commit -q --no-verify -m "change"

read -r au_med au_min au_cpu au_rc < <(timeit "$cloak" audit)
printf '%-44s wall %7s (%s)  cpu %7s  exit %s\n' "cloak audit (HEAD, $nfiles files)" "$au_med" "$au_min" "$au_cpu" "$au_rc"
"$cloak" audit --format json > "$work/cloak.json" 2>/dev/null
if [ "$have_gs" = 1 ]; then
	read -r gs_med gs_min gs_cpu gs_rc < <(timeit git secrets --scan)
	printf '%-44s wall %7s (%s)  cpu %7s  exit %s\n' "git secrets --scan (same tree)" "$gs_med" "$gs_min" "$gs_cpu" "$gs_rc"
	python3 - "$au_med" "$gs_med" "$au_cpu" "$gs_cpu" <<'PY'
import sys
a, g, ac, gc = map(float, sys.argv[1:])
print("%-44s wall %.1fx, cpu %.1fx   goal: >= 5x" % ("cloak audit speed-up over git secrets --scan", g / a, gc / ac))
PY
	git secrets --scan > "$work/gs.txt" 2>&1
fi
if [ "${CLOAK_BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	cg_hook=/dev/null cg_audit=/dev/null
	[ -n "$cgdir" ] && cg_hook=$cgdir/hook.cg cg_audit=$cgdir/audit.cg
	git reset -q --soft HEAD~1 # the staged change again
	hi=$(valgrind --tool=callgrind --callgrind-out-file="$cg_hook" "$cloak" hook run 2>&1 >/dev/null |
		awk '/refs:/ {gsub(",", "", $NF); print $NF}')
	git commit -q --no-verify -m "change"
	ai=$(CLOAK_AUDIT_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$cg_audit" "$cloak" audit 2>&1 >/dev/null |
		awk '/refs:/ {gsub(",", "", $NF); print $NF}')
	printf 'instructions (callgrind): cloak hook run %s M, cloak audit %s M\n' \
		"$(awk -v n="$hi" 'BEGIN { printf "%.1f", n / 1e6 }')" "$(awk -v n="$ai" 'BEGIN { printf "%.1f", n / 1e6 }')"
fi
echo "what each found:"
python3 - "$work/cloak.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter(f["rule"] for f in d["findings"])
print("  cloak audit:      %d findings (%s); %d files checked, %d skipped; 20 rules incl. structural"
      % (len(d["findings"]), ", ".join("%s %d" % kv for kv in sorted(c.items())), d["files_checked"], d["files_skipped"]))
PY
if [ "$have_gs" = 1 ]; then
	printf '  git secrets:      %s matching lines (%s); 3 AWS regexes\n' \
		"$(grep -c '^[^[ ].*:[0-9]*:' "$work/gs.txt")" "$(grep '^[^[ ].*:[0-9]*:' "$work/gs.txt" | cut -d: -f1 | sort -u | tr '\n' ' ')"
fi
