# SPDX-License-Identifier: Apache-2.0
# cloak hook / cloak audit end to end with real git in temporary repositories:
# staged plaintext refused, the same file encrypted with cloak sops passes,
# `git commit -a` and `git commit PATH` (temporary indexes), the first commit
# on an unborn branch, renames, deletions, binaries, submodule entries,
# symlinks, added-lines-only patterns, allowlists and fingerprints, install
# with chaining, audit of a revision / the working tree / paths, exit codes.
. "$(dirname "$0")/lib.bash"

command -v git >/dev/null || { echo "*** SKIPPED: git not installed ***" >&2; exit 77; }
export HOME=$T GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
export SOPS_AGE_KEY_FILE=$SRC/testkeys/age/identity.txt
RCPT=$(cat "$SRC/testkeys/age/recipient.txt")
RCPT2=$(cat "$SRC/testkeys/age/recipient2.txt")
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# Credential-shaped values are assembled here so this file holds none.
BODY=Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0Xc2Vb7
GHTOK="gh""p_$BODY"

secret_yaml() { # NAME VALUE
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: shop\ntype: Opaque\nstringData:\n  password: %s\n' "$1" "$2"
}

# The fast path (index.c: the index read in place, only directories the cache
# tree marks changed compared) must find exactly what libgit2's diff finds.
same_as_libgit2() { # LABEL
	"$CLOAK" hook run --format json >"$T/fast.json" 2>&1
	local a=$?
	CLOAK_HOOK_DIFF=libgit2 "$CLOAK" hook run --format json >"$T/lg2.json" 2>&1
	local b=$?
	if [ "$a" -ne "$b" ] || ! cmp -s "$T/fast.json" "$T/lg2.json"; then
		fail "$1: fast path and libgit2 differ: $(diff "$T/fast.json" "$T/lg2.json" | head -20)"
	else
		pass
	fi
}

R=$T/repo
mkdir "$R" && cd "$R" && git init -q . || exit 1

# ---- the hook installed: the first commit on an unborn branch ----
expect_exit 0 "$CLOAK" hook install
expect_out "installed the pre-commit hook"
[ -x .git/hooks/pre-commit ] && pass || fail "hook not executable"
expect_exit 0 "$CLOAK" hook install
expect_out "already installed"

secret_yaml db hunter2-hunter2 > secret.yaml
git add secret.yaml
expect_exit 1 "$CLOAK" hook run
expect_out "secret.yaml:8: k8s-secret-plaintext: Secret shop/db has 1 plaintext value (stringData.password)"
expect_out "fix: cloak sops encrypt"
grep -q hunter2 "$T/out" && fail "the plaintext value was printed" || pass
same_as_libgit2 "unborn branch"
expect_exit 1 git commit -q -m first
git rev-parse -q --verify HEAD >/dev/null && fail "a commit was made on the unborn branch" || pass
grep -q "k8s-secret-plaintext" "$T/out" "$T/err" && pass || fail "the hook did not explain the refusal"

# ---- the same file encrypted with cloak sops passes ----
expect_exit 0 "$CLOAK" sops encrypt --age "$RCPT" --encrypted-regex '^(data|stringData)$' --in-place secret.yaml
git add secret.yaml
expect_exit 0 "$CLOAK" hook run
expect_out "no findings in the staged changes (1 file checked)"
expect_exit 0 git commit -q -m "encrypted secret"
git rev-parse -q --verify HEAD >/dev/null && pass || fail "first commit missing"

# ---- git commit -a: the hook must read git's temporary index ----
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' > app.yaml
git add app.yaml && git commit -q -m app || fail "commit app.yaml"
secret_yaml app hunter3-hunter3 > app.yaml   # modified, not staged
expect_exit 0 "$CLOAK" hook run              # the real index holds nothing new
expect_exit 1 git commit -q -a -m "commit -a"
[ "$(git log --format=%s -1)" = app ] && pass || fail "commit -a went through"
expect_exit 1 git commit -q -m "commit PATH" app.yaml
[ "$(git log --format=%s -1)" = app ] && pass || fail "commit PATH went through"
git diff --cached --quiet && pass || fail "the hook changed the index"
grep -q hunter3 app.yaml && pass || fail "the hook changed the working tree"
git checkout -q -- app.yaml

# ---- patterns: added lines only; deleted and renamed files ----
printf 'line one\nGITHUB_TOKEN=%s\nline three\n' "$GHTOK" > ci.env
git add ci.env
expect_exit 1 "$CLOAK" hook run
expect_out "ci.env:2: github-token: GitHub token (ghp_... 40 characters, redacted)"
grep -q "$BODY" "$T/out" && fail "token printed" || pass
git commit -q --no-verify -m "token slipped in (no-verify)"
git tag leaked
printf 'line one changed\nGITHUB_TOKEN=%s\nline three\n' "$GHTOK" > ci.env
git add ci.env
expect_exit 0 "$CLOAK" hook run          # the token line is not an added line
git commit -q -m "unrelated change" || fail "unrelated change refused"
git mv ci.env renamed.env
expect_exit 1 "$CLOAK" hook run          # a renamed file arrives whole at its new path
expect_out "renamed.env:2: github-token"
same_as_libgit2 "rename"
git reset -q --hard
git rm -q ci.env
expect_exit 0 "$CLOAK" hook run          # deleting a secret is what we want
git commit -q -m "remove token" || fail "deletion refused"

# ---- binary files, symlinks, submodule entries are skipped ----
printf '\000\001-----BEGIN RSA PRIVATE KEY-----\nAAAA\n' > blob.bin
ln -s secret.yaml link.yaml
SUB=$(git rev-parse HEAD)
git add blob.bin link.yaml
git update-index --add --cacheinfo 160000,"$SUB",vendor/sub
expect_exit 0 "$CLOAK" hook run --format json
grep -q '"files_skipped": 3' "$T/out" && pass || fail "binary/symlink/submodule not skipped: $(cat "$T/out")"
same_as_libgit2 "binary, symlink, gitlink"
git commit -q -m "binary, symlink, gitlink" || fail "commit of skipped entries refused"

# ---- malformed YAML is a finding with its line, never a crash ----
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData: [\n  a: b\n' > broken.yaml
git add broken.yaml
expect_exit 1 "$CLOAK" hook run
expect_out "broken.yaml:[0-9]*: malformed-document: cannot parse YAML"
git reset -q broken.yaml && rm broken.yaml

# ---- rules through the hook: age key, SealedSecret, kustomize, .sops.yaml ----
cp "$SRC/testkeys/age/identity.txt" keys.txt
git add keys.txt
expect_exit 1 "$CLOAK" hook run
expect_out "keys.txt:3: age-secret-key"
git reset -q keys.txt && rm keys.txt

secret_yaml db sealed-value-1 > plain-for-seal.yaml
"$CLOAK" seal --cert "$SRC/testkeys/rsa-4096.cert.pem" -o yaml -f plain-for-seal.yaml > sealed.yaml 2>/dev/null
rm plain-for-seal.yaml
git add sealed.yaml
expect_exit 0 "$CLOAK" hook run
sed -i 's/\(password: \)Ag/\1Xg/' sealed.yaml
git add sealed.yaml
expect_exit 1 "$CLOAK" hook run
expect_out "sealed.yaml:[0-9]*: sealed-malformed: SealedSecret shop/db: encryptedData.password has a length prefix"
git reset -q sealed.yaml && rm sealed.yaml

mkdir -p kus
printf 'secretGenerator:\n  - name: db\n    literals:\n      - password=plain\n    envs:\n      - db.env\n' > kus/kustomization.yaml
printf 'PASSWORD=plain\n' > kus/db.env
git add kus
expect_exit 1 "$CLOAK" hook run
expect_out "kus/kustomization.yaml:4: kustomize-literals"
expect_out "kus/kustomization.yaml:6: kustomize-unencrypted-file: secretGenerator db reads kus/db.env"
printf 'secretGenerator:\n  - name: db\n    envs:\n      - db.env\n' > kus/kustomization.yaml
(cd kus && "$CLOAK" sops encrypt --age "$RCPT" --in-place db.env) || fail "encrypt db.env"
git add kus
expect_exit 0 "$CLOAK" hook run
git commit -q -m kustomize || fail "encrypted generator refused"
printf 'PASSWORD=changed\n' > kus/db.env   # only the env file changes: the kustomization above names it
git add kus/db.env
expect_exit 1 "$CLOAK" hook run
expect_out "kus/kustomization.yaml:4: kustomize-unencrypted-file"
same_as_libgit2 "kustomize reference"
# index versions and a split index (which the fast path leaves to libgit2)
git update-index --index-version 4
same_as_libgit2 "index v4"
expect_exit 1 "$CLOAK" hook run
git update-index --split-index        # neither libgit2 1.5 nor index.c reads it: fail closed
expect_exit 2 "$CLOAK" hook run
expect_err_line "unsupported mandatory extension: 'link'"
git update-index --no-split-index --index-version 2
git checkout -q HEAD -- kus/db.env

printf 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: %s\n' "$RCPT" > .sops.yaml
mkdir -p secrets
printf 'db:\n  user: app\n  password: plain\n' > secrets/app.yaml
git add .sops.yaml secrets
expect_exit 1 "$CLOAK" hook run
expect_out "secrets/app.yaml:2: sops-unencrypted"
"$CLOAK" sops encrypt --age "$RCPT2" --in-place secrets/app.yaml || fail "encrypt for the other key"
git add secrets
expect_exit 1 "$CLOAK" hook run
expect_out "sops-wrong-keys: secrets/app.yaml is encrypted for none of the keys"
expect_out "cloak sops updatekeys secrets/app.yaml"
SOPS_AGE_KEY_FILE=$SRC/testkeys/age/identity2.txt "$CLOAK" sops updatekeys -y secrets/app.yaml >"$T/uk" 2>&1 || fail "updatekeys: $(cat "$T/uk")"
git add secrets
expect_exit 0 "$CLOAK" hook run
git commit -q -m "sops rule" || fail "sops rule commit refused"

# ---- allowlist: paths, fingerprints, inline markers ----
printf 'db:\n  password: %s\n' "Zq8Wx3Kv9Lm2Np7Rt4Yb" > values.yaml
git add values.yaml
expect_exit 1 "$CLOAK" hook run --format json
FP=$(sed -n 's/.*"fingerprint": "\(secret-assignment:[^"]*\)".*/\1/p' "$T/out")
[ -n "$FP" ] && pass || fail "no fingerprint in the JSON output: $(cat "$T/out")"
printf 'allow:\n  - fingerprints: ["%s"]\n' "$FP" > .cloak.yaml
git add .cloak.yaml
expect_exit 0 "$CLOAK" hook run
expect_out "1 allowed"
printf 'db:\n  password: %s\n' "Pq8Wx3Kv9Lm2Np7Rt4Yc" > values.yaml   # another value: another fingerprint
git add values.yaml
expect_exit 1 "$CLOAK" hook run
printf 'db:\n  password: %s # cloak:allow secret-assignment\n' "Pq8Wx3Kv9Lm2Np7Rt4Yc" > values.yaml
git add values.yaml
expect_exit 0 "$CLOAK" hook run
printf 'allow:\n  - paths: ["values.yaml"]\n    rules: [secret-assignment]\n' > .cloak.yaml
printf 'db:\n  password: %s\n' "Pq8Wx3Kv9Lm2Np7Rt4Yc" > values.yaml
git add .cloak.yaml values.yaml
expect_exit 0 "$CLOAK" hook run
printf 'allow:\n  - paths: [x]\n    color: red\n' > .cloak.yaml
git add .cloak.yaml
expect_exit 1 "$CLOAK" hook run
expect_out ".cloak.yaml:3: config-invalid"
git rm -q --cached .cloak.yaml values.yaml && rm .cloak.yaml values.yaml

# ---- reports: SARIF 2.1.0, JSON ----
secret_yaml x y > s2.yaml && git add s2.yaml
expect_exit 1 "$CLOAK" hook run --format sarif
cp "$T/out" "$T/report.sarif"
python3 - "$T/report.sarif" <<'PY' && pass || fail "SARIF structure"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and len(d["runs"]) == 1
run = d["runs"][0]
rules = run["tool"]["driver"]["rules"]
res = run["results"]
assert len(res) == 1 and res[0]["ruleId"] == "k8s-secret-plaintext"
assert rules[res[0]["ruleIndex"]]["id"] == res[0]["ruleId"]
loc = res[0]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "s2.yaml" and loc["region"]["startLine"] == 8
PY
SCHEMA=${CLOAK_SARIF_SCHEMA:-}
for s in /usr/local/lib/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json \
	/usr/lib/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json; do
	[ -z "$SCHEMA" ] && [ -f "$s" ] && SCHEMA=$s
done
if [ -n "$SCHEMA" ] && python3 -c 'import jsonschema' 2>/dev/null; then
	python3 - "$SCHEMA" "$T/report.sarif" <<'PY' && pass || fail "SARIF does not validate against $SCHEMA"
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
else
	echo "note: SARIF 2.1.0 schema not found (set CLOAK_SARIF_SCHEMA); structure checked only" >&2
fi
git reset -q s2.yaml && rm s2.yaml

# ---- the environment: GIT_DIR / GIT_WORK_TREE from elsewhere, subdirectories ----
secret_yaml env z > env.yaml && git add env.yaml
(cd / && GIT_DIR=$R/.git GIT_WORK_TREE=$R "$CLOAK" hook run >/dev/null) ; [ $? -eq 1 ] && pass || fail "GIT_DIR not honoured"
(cd secrets && "$CLOAK" hook run >/dev/null); [ $? -eq 1 ] && pass || fail "run from a subdirectory"
git reset -q env.yaml && rm env.yaml

# ---- audit: a revision, the working tree, paths ----
expect_exit 0 "$CLOAK" audit
expect_out "no findings in HEAD"
expect_exit 1 "$CLOAK" audit --rev "leaked"
expect_out "ci.env:2: github-token"
expect_exit 0 "$CLOAK" audit --rev "leaked" secret.yaml app.yaml
secret_yaml wt v > untracked.yaml
printf 'untracked-ignored.yaml\n' > .gitignore
cp untracked.yaml untracked-ignored.yaml
expect_exit 1 "$CLOAK" audit --worktree
expect_out "untracked.yaml:8: k8s-secret-plaintext"
grep -q "untracked-ignored.yaml" "$T/out" && fail "ignored file audited" || pass
(cd secrets && "$CLOAK" audit --worktree . >"$T/out" 2>&1); [ $? -eq 0 ] && pass || fail "audit of a subdirectory: $(cat "$T/out")"
expect_exit 1 "$CLOAK" audit --worktree untracked.yaml
printf 'allow:\n  - paths: [untracked.yaml]\n' > .cloak.yaml   # the working tree's allowlist, untracked
expect_exit 0 "$CLOAK" audit --worktree untracked.yaml
rm .cloak.yaml
expect_exit 2 "$CLOAK" audit --worktree no-such-file
expect_err_line "no-such-file: no such file"
expect_exit 2 "$CLOAK" audit --rev no-such-rev
expect_err_line "unknown revision"
expect_exit 2 "$CLOAK" audit --rev HEAD --worktree
rm untracked.yaml untracked-ignored.yaml .gitignore
mkdir "$T/plain" && secret_yaml p q > "$T/plain/s.yaml"
(cd "$T/plain" && "$CLOAK" audit --worktree >"$T/out" 2>&1); [ $? -eq 1 ] && pass || fail "audit outside a repository"

# ---- usage errors exit 2 ----
expect_exit 2 "$CLOAK" hook run --bogus
expect_exit 2 "$CLOAK" hook run --format xml
expect_exit 2 "$CLOAK" hook nope
(cd "$T" && "$CLOAK" hook run >/dev/null 2>&1); [ $? -eq 2 ] && pass || fail "hook run outside a repository"

# ---- a linked worktree: its own index, the main repository's hook ----
git worktree add -q "$T/linked" && cd "$T/linked" || exit 1
secret_yaml wt linked-value > linked.yaml && git add linked.yaml
expect_exit 1 git commit -q -m linked
grep -q "linked.yaml:8: k8s-secret-plaintext" "$T/out" "$T/err" && pass || fail "linked worktree not checked"
same_as_libgit2 "linked worktree"
cd "$R" || exit 1

# ---- fast path against libgit2 on random staged changes in a nested tree ----
Z=$T/random
mkdir "$Z" && cd "$Z" && git init -q . || exit 1
for d in a a/b a/b/c a/bb d e.f e.f/g; do mkdir -p "$d"; for k in 1 2 3; do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%s}\ndata: {k: "%s"}\n' "$k" "$d" > "$d/f$k.yaml"
done; done
printf 'x\n' > a.txt; printf 'y\n' > a-b.txt
git add -A && git commit -q --no-verify -m base
for round in 1 2 3 4 5 6; do
	n=0
	for f in $(git ls-files | awk -v r="$round" 'NR % (r + 1) == 0'); do
		n=$((n + 1))
		case $((n % 4)) in
		0) secret_yaml "r$round" "v$n" > "$f" ;;
		1) printf '# edit %s\n' "$round" >> "$f" ;;
		2) git rm -q --cached "$f" ;;
		3) mkdir -p "new$round/$n" && secret_yaml "n$n" "w$n" > "new$round/$n/s.yaml" ;;
		esac
	done
	git add -A a e.f "new$round" 2>/dev/null
	same_as_libgit2 "random round $round"
	[ $((round % 2)) -eq 0 ] && git commit -q --no-verify -m "round $round"
done
cd "$R" || exit 1

# ---- install chains to an existing hook; uninstall restores it ----
C=$T/chain
mkdir "$C" && cd "$C" && git init -q . || exit 1
printf '#!/bin/sh\necho chained >> "%s/chained.log"\n' "$T" > .git/hooks/pre-commit
chmod +x .git/hooks/pre-commit
expect_exit 0 "$CLOAK" hook install
expect_out "existing hook runs after it"
[ -x .git/hooks/pre-commit.cloak-chained ] && pass || fail "existing hook not kept"
echo ok > ok.txt && git add ok.txt && git commit -q -m ok || fail "clean commit refused"
[ "$(cat "$T/chained.log" 2>/dev/null)" = chained ] && pass || fail "chained hook did not run"
secret_yaml c d > bad.yaml && git add bad.yaml
expect_exit 1 git commit -q -m bad
[ "$(wc -l <"$T/chained.log")" -eq 1 ] && pass || fail "chained hook ran after a refusal"
git reset -q bad.yaml && rm bad.yaml
printf '#!/bin/sh\n' > .git/hooks/pre-commit.other
expect_exit 0 "$CLOAK" hook uninstall
expect_out "previous hook is back"
grep -q chained .git/hooks/pre-commit && pass || fail "chained hook not restored"
expect_exit 2 "$CLOAK" hook uninstall
expect_err_line "not cloak's hook"
rm .git/hooks/pre-commit
expect_exit 2 "$CLOAK" hook uninstall
expect_err_line "no pre-commit hook is installed"
# core.hooksPath
git config core.hooksPath myhooks
expect_exit 0 "$CLOAK" hook install
[ -x myhooks/pre-commit ] && pass || fail "core.hooksPath not honoured"
# a leftover chained hook is not overwritten without --force
printf '#!/bin/sh\nexit 0\n' > myhooks/pre-commit.cloak-chained
printf '#!/bin/sh\nexit 0\n' > myhooks/pre-commit
expect_exit 2 "$CLOAK" hook install
expect_err_line "already exists"
expect_exit 0 "$CLOAK" hook install --force

# ---- cloak's own repository passes its own audit (its .cloak.yaml allows the fixtures) ----
if git -C "$SRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	expect_exit 0 "$CLOAK" audit --repo "$SRC"
	expect_out "^cloak: no findings in HEAD"
else
	echo "note: $SRC is not a git checkout; the self-audit check is skipped" >&2
fi

finish
