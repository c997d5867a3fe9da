# SPDX-License-Identifier: Apache-2.0
# The hook's own repository reader (hook/odb.c, repo.c, native.c) against
# libgit2 (CLOAK_HOOK_GIT=libgit2) on the same repositories: `cloak audit`
# of packed, delta-compressed, loose and borrowed (alternates) objects,
# with path arguments, --repo, .sops.yaml and kustomizations in
# subdirectories, allowlists, size limits, symlinks and submodules, every
# inflater and thread count; `cloak hook run` on changes that leave an old
# finding alone, that copy a finding's line, that rewrite it, and a binary
# file turned into text. Outputs must be byte-identical.
. "$(dirname "$0")/lib.bash"

command -v git >/dev/null || { echo "*** SKIPPED: git not installed ***" >&2; exit 77; }
export HOME=$T GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE CLOAK_HOOK_GIT CLOAK_HOOK_DIFF CLOAK_HOOK_INFLATE
git config --global init.defaultBranch main
git config --global gc.auto 0
RCPT=$(cat "$SRC/testkeys/age/recipient.txt")

# Credential-shaped values are assembled here so this file holds none.
GHTOK="gh""p_Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0Xc2Vb7"
AKID="AKIA""Q3XW7ZP2MNR5TBLD"
SAK="Zq8Wx3Kv9Lm2Np7Rt4Yb""Hj6Fd1Sa5Gc0Vn3Bm8Xq"

# same LABEL CMD...: the command's output and status with the hook's reader
# and with libgit2 are identical (and the first is kept in $T/native).
same() {
	local label=$1; shift
	"$@" >"$T/native" 2>&1
	local a=$?
	CLOAK_HOOK_GIT=libgit2 "$@" >"$T/lg2" 2>&1
	local b=$?
	if [ "$a" -ne "$b" ] || ! cmp -s "$T/native" "$T/lg2"; then
		fail "$label: reader and libgit2 differ ($a/$b): $(diff "$T/native" "$T/lg2" | head -20)"
	else
		pass
	fi
}

# ---- a repository with something for every check ----
R=$T/repo
mkdir "$R" && cd "$R" && git init -q . || exit 1
mkdir -p apps/a apps/b secrets/x secrets/y kust/base docs
for i in $(seq 1 40); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\ndata:\n  k: "%d"\n  pad: "%s"\n' \
		"$i" "$i" "$(seq 1 $((i * 5)) | tr '\n' ' ')" > "apps/a/c$i.yaml"
	cp "apps/a/c$i.yaml" "apps/b/c$i.yaml"; echo "# b" >> "apps/b/c$i.yaml"
done
printf 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: %s\n' "$RCPT" > .sops.yaml
printf 'creation_rules:\n  - path_regex: \\.env$\n    age: %s\n' "$RCPT" > secrets/y/.sops.yaml
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: hunter2-hunter2\n' > secrets/x/s.yaml
printf 'DB_PASSWORD=plain\n' > secrets/y/app.env
printf 'not: sops\nvalue: 1\n' > secrets/x/plain.yaml
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n  - name: g\n    files: [creds.txt]\n' > kust/base/kustomization.yaml
printf 'user=admin\n' > kust/base/creds.txt
printf 'env:\n  GITHUB_TOKEN: %s\n' "$GHTOK" > apps/a/ci.yaml
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$AKID" "$SAK" > docs/aws.env
head -c 3000 /dev/urandom > docs/blob.bin
seq 1 400000 > docs/huge.txt
ln -s ../apps docs/link
printf 'allow:\n  - paths: ["apps/b/"]\n    reason: test\n' > .cloak.yaml
git add -A && git commit -q -m one
# a submodule entry (gitlink)
git update-index --add --cacheinfo 160000,"$(git rev-parse HEAD)",vendor/sub && git commit -q -m sub
printf 'max_file_size: 1000000\nallow:\n  - paths: ["apps/b/"]\n    reason: test\n' > .cloak.yaml
git add -A && git commit -q -m two

# ---- audit: loose objects, then packed with deep deltas, then borrowed ----
same "audit, loose objects" "$CLOAK" audit --format json
grep -q '"github-token"' "$T/native" && grep -q '"aws-credentials"' "$T/native" &&
	grep -q '"k8s-secret-plaintext"' "$T/native" && grep -q '"kustomize-unencrypted-file"' "$T/native" &&
	grep -q '"sops-unencrypted"' "$T/native" && pass || fail "audit missed a finding: $(cat "$T/native")"
git repack -q -a -d -f --depth=50 --window=50
same "audit, packed" "$CLOAK" audit --format json
for t in 1 2 3; do
	CLOAK_AUDIT_THREADS=$t "$CLOAK" audit --format json > "$T/t$t" 2>&1
	cmp -s "$T/t$t" "$T/native" && pass || fail "audit with $t threads differs"
done
CLOAK_HOOK_INFLATE=zlib "$CLOAK" audit --format json > "$T/z" 2>&1
cmp -s "$T/z" "$T/native" && pass || fail "audit with zlib differs"
same "audit, text" "$CLOAK" audit
same "audit, sarif" "$CLOAK" audit --format sarif
same "audit of a file" "$CLOAK" audit apps/a/ci.yaml
same "audit of a directory" "$CLOAK" audit secrets
same "audit of several paths" "$CLOAK" audit secrets/y kust docs/aws.env
(cd apps && same "audit from a subdirectory" "$CLOAK" audit a)
(cd apps && same "audit from a subdirectory, path outside" "$CLOAK" audit ../secrets/x)
same "audit of a missing path" "$CLOAK" audit no/such
same "audit of a path outside" "$CLOAK" audit /etc
(cd "$T" && same "audit --repo" "$CLOAK" audit --repo "$R/apps" --format json)
git clone -q --shared "$R" "$T/alt"
(cd "$T/alt" && echo "password = \"$SAK\"" > extra.ini && git add extra.ini && git commit -q -m alt &&
	same "audit through alternates" "$CLOAK" audit --format json)
git clone -q "$R" "$T/refd" && (cd "$T/refd" && git -c repack.useDeltaBaseOffset=false repack -q -a -d -f &&
	same "audit of reference deltas" "$CLOAK" audit --format json)
# what the reader leaves to libgit2 still works, through libgit2
git init -q "$T/empty"
(cd "$T/empty" && same "audit of an unborn branch" "$CLOAK" audit)
grep -q "no commit yet" "$T/native" && pass || fail "unborn audit message: $(cat "$T/native")"
git -C "$T/refd" config core.worktree "$T/refd"
(cd "$T/refd" && same "audit with core.worktree" "$CLOAK" audit --format json)
git clone -q --bare "$R" "$T/bare.git"
(cd "$T/bare.git" && same "audit of a bare repository" "$CLOAK" audit --format json)
(cd "$R" && GIT_DIR=$R/.git same "audit with GIT_DIR" "$CLOAK" audit --format json)

# ---- without libgit2: the reader alone serves ordinary repositories; the rest fails cleanly ----
(cd "$R" && CLOAK_LIBGIT2=libnope.so.9 "$CLOAK" audit --format json > "$T/nolib" 2>&1; echo "exit $?" >> "$T/nolib")
grep -q '"github-token"' "$T/nolib" && grep -q "exit 1" "$T/nolib" && pass || fail "audit without libgit2: $(tail -3 "$T/nolib")"
for cmd in "audit --rev HEAD~1" "hook install"; do
	(cd "$R" && CLOAK_LIBGIT2=libnope.so.9 "$CLOAK" $cmd > "$T/out" 2> "$T/err")
	rc=$?
	[ "$rc" -eq 2 ] && grep -q "libnope" "$T/err" && pass || fail "$cmd without libgit2: exit $rc: $(cat "$T/err")"
done
(cd "$R" && CLOAK_LIBGIT2=libnope.so.9 CLOAK_HOOK_GIT=libgit2 "$CLOAK" audit > "$T/out" 2> "$T/err")
[ $? -eq 2 ] && pass || fail "forced libgit2 audit without libgit2 did not fail cleanly: $(cat "$T/err")"

# ---- hook run: which lines a change adds, without a diff where none is needed ----
H=$T/hook
mkdir "$H" && cd "$H" && git init -q . || exit 1
{ printf 'env:\n  GITHUB_TOKEN: %s\n' "$GHTOK"; seq 1 50 | sed 's/^/  k/; s/$/: v/'; } > ci.yaml
printf 'a: 1\nb: 2\n' > other.yaml
printf 'x\000y' > turned.txt
git add -A && git commit -q -m base
printf '  appended: yes\n' >> ci.yaml && git add ci.yaml
same "an edit away from an old finding" "$CLOAK" hook run --format json
grep -q '"findings": \[\]' "$T/native" && pass || fail "an old finding blocked an unrelated change: $(cat "$T/native")"
# ... and libgit2 was not even loaded for it
LD_DEBUG=files "$CLOAK" hook run >/dev/null 2>"$T/ld"
grep -q "libgit2" "$T/ld" && fail "libgit2 was loaded for an ordinary staged change" || pass
grep -q "libz\|libdeflate" "$T/ld" && pass || fail "LD_DEBUG shows no library loads: $(head -3 "$T/ld")"
git commit -q --no-verify -m edit
sed -i 's/^  k10: v$/  k10: v\n  GITHUB_TOKEN: '"$GHTOK"'/' ci.yaml && git add ci.yaml
same "an old finding's line copied" "$CLOAK" hook run --format json
grep -q '"github-token"' "$T/native" && pass || fail "a copied token line was not reported"
git reset -q --hard
sed -i "s/^  GITHUB_TOKEN: .*/  GITHUB_TOKEN: ${GHTOK%??}xy/" ci.yaml && git add ci.yaml
same "an old finding rewritten" "$CLOAK" hook run --format json
grep -q '"github-token"' "$T/native" && pass || fail "a rewritten token was not reported"
git reset -q --hard
{ echo "  GITHUB_TOKEN: $GHTOK"; cat ci.yaml; } > ci.new && mv ci.new ci.yaml && git add ci.yaml
same "a duplicate above the old one" "$CLOAK" hook run --format json
git reset -q --hard
printf 'token = "%s"\n' "$GHTOK" > turned.txt && git add turned.txt
same "a binary file turned into text" "$CLOAK" hook run --format json
grep -q '"github-token"' "$T/native" && pass || fail "text that replaced a binary was not checked"
git reset -q --hard
# many trigger lines (more than the reader lists): the diff decides
for i in $(seq 1 80); do echo "  t$i: $GHTOK"; done >> other.yaml && git commit -q --no-verify -am many
echo "  last: 1" >> other.yaml && git add other.yaml
same "a change next to many old findings" "$CLOAK" hook run --format json
grep -q '"findings": \[\]' "$T/native" && pass || fail "old findings blocked an unrelated change"
git reset -q --hard
# linked worktree and GIT_DIR, as git runs the hook
git worktree add -q "$T/hookwt" && cd "$T/hookwt" && printf 'p: %s\n' "$GHTOK" > wt.yaml && git add wt.yaml
same "a linked worktree" "$CLOAK" hook run --format json
GIT_DIR=$H/.git/worktrees/hookwt GIT_INDEX_FILE=$H/.git/worktrees/hookwt/index \
	same "a linked worktree, as git runs hooks" "$CLOAK" hook run --format json
grep -q '"github-token"' "$T/native" && pass || fail "linked worktree change not reported"

finish
