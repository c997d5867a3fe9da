# SPDX-License-Identifier: Apache-2.0
# The pre-commit framework (Debian's pre-commit) running cloak from this
# repository's .pre-commit-hooks.yaml, offline: the hook repository is a local
# git repository holding the manifest, the hooks use `language: system`, and
# `cloak` is found on PATH.
. "$(dirname "$0")/lib.bash"

command -v pre-commit >/dev/null || { echo "*** SKIPPED: pre-commit not installed ***" >&2; exit 77; }
command -v git >/dev/null || { echo "*** SKIPPED: git not installed ***" >&2; exit 77; }
export HOME=$T GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org NO_COLOR=1 \
	PRE_COMMIT_HOME=$T/pre-commit-home PRE_COMMIT_COLOR=never
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
git config --global init.defaultBranch main
mkdir "$T/bin" && ln -s "$CLOAK" "$T/bin/cloak"
export PATH=$T/bin:$PATH

# The hook repository: the project's manifest, committed.
H=$T/hooks-repo
mkdir "$H" && cp "$SRC/.pre-commit-hooks.yaml" "$H/" && (cd "$H" && git init -q . && git add . &&
	git commit -q -m manifest) || exit 1
REV=$(git -C "$H" rev-parse HEAD)

R=$T/repo
mkdir "$R" && cd "$R" && git init -q . || exit 1
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $H
    rev: $REV
    hooks:
      - id: cloak
      - id: cloak-audit
EOF
git add .pre-commit-config.yaml
expect_exit 0 pre-commit validate-manifest "$H/.pre-commit-hooks.yaml"
expect_exit 0 pre-commit validate-config .pre-commit-config.yaml
expect_exit 0 pre-commit install
grep -q "pre-commit" .git/hooks/pre-commit && pass || fail "pre-commit did not install its hook"

# clean: the first commit goes through the framework and cloak
echo "hello" > README
git add README
expect_exit 0 git commit -q -m first
grep -q "cloak (no plaintext secrets in staged changes)" "$T/out" "$T/err" && pass ||
	fail "cloak did not run: $(cat "$T/out" "$T/err")"

# a plaintext Secret is refused, with cloak's finding in the output
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-hunter2\n' > secret.yaml
git add secret.yaml
expect_exit 1 git commit -q -m secret
grep -q "secret.yaml:6: k8s-secret-plaintext" "$T/out" "$T/err" && pass ||
	fail "no finding in pre-commit's output: $(cat "$T/out" "$T/err")"
[ "$(git rev-list --count HEAD)" = 1 ] && pass || fail "the Secret was committed"

# pre-commit stashes unstaged changes; cloak reads the index either way:
# a clean staged version with a plaintext working-tree edit passes
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n' > secret.yaml
git add secret.yaml
printf 'stringData:\n  password: hunter2-hunter2\n' >> secret.yaml
expect_exit 0 git commit -q -m "empty secret"
grep -q "hunter2" secret.yaml && pass || fail "the unstaged edit was lost"

# the manual-stage audit hook checks the files it is given
expect_exit 1 pre-commit run --hook-stage manual cloak-audit --files secret.yaml
grep -q "k8s-secret-plaintext" "$T/out" && pass || fail "cloak-audit found nothing: $(cat "$T/out")"
git checkout -q -- secret.yaml
expect_exit 0 pre-commit run --hook-stage manual cloak-audit --all-files

finish
