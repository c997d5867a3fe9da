/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The git side of the hook (libgit2, which only this module includes):
 * which blobs to check, read straight from the object database, and the
 * pre-commit hook file itself. The checks are ck/hook.h's.
 *
 * Repositories are opened as git's environment says: with repo == NULL,
 * git_repository_open_ext(..., GIT_REPOSITORY_OPEN_FROM_ENV), which honours
 * GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE (the temporary index of
 * `git commit -a` / `git commit PATHS`), GIT_OBJECT_DIRECTORY and
 * GIT_CEILING_DIRECTORIES, and otherwise searches upwards from the current
 * directory. Nothing here writes the index or the working tree.
 *
 * Errors: CK_ENOTFOUND (no repository, unknown revision), CK_EINVAL (bad
 * revision syntax), CK_EIO (git errors, with libgit2's message), CK_ENOMEM.
 */
#ifndef CK_HOOK_GIT_H
#define CK_HOOK_GIT_H

#include <stddef.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/hook.h"

/*
 * libgit2 global state (the CLI calls these for CK_NEEDS_GIT commands).
 * init only allows libgit2: it is loaded (dlopen) and initialised when a
 * path first needs it, and ordinary repositories never do (see below).
 */
int ck_hook_git_init(void) CK_WUR;
void ck_hook_git_shutdown(void);

/*
 * The pre-commit check: diff HEAD's tree (the empty tree on an unborn
 * branch) against the index, and check the staged blob of every added,
 * modified, copied, renamed or type-changed file; deleted files, symlinks and
 * submodule entries are skipped. Pattern rules see only the lines the change
 * adds (every line of a new file, or of one whose old side is binary or too
 * big). repo: a path to open, or NULL for the environment (see above).
 *
 * An ordinary repository is read without libgit2 (ck/hook_internal.h): the
 * hook's own opener, object reader (packs mapped once, loose objects,
 * alternates) and index reader (versions 2-4, read in place and compared
 * with HEAD only below directories its cache tree marks as changed). A
 * changed file is diffed (libgit2's diff) only when a pattern rule would
 * fire on a line the diff could count as added; otherwise the answer is
 * the same whatever the diff says. Anything else (a split or sparse index,
 * GIT_WORK_TREE and the other variables that move a repository, bare
 * repositories, repository extensions...) or CLOAK_HOOK_GIT=libgit2 (also
 * CLOAK_HOOK_DIFF=libgit2) takes libgit2's repository, index and
 * git_diff_tree_to_index() instead: same findings, the tests compare both.
 * libgit2 1.5 cannot read a split index either: that is an error, so the
 * commit is refused, never waved through.
 */
int ck_hook_run_staged(struct ck_hook_report *r, const char *repo) CK_WUR;

struct ck_hook_audit_opts {
	const char *repo;      /* NULL: from the environment / current directory */
	const char *rev;       /* tree to check; NULL: HEAD */
	int worktree;          /* check the working tree instead of a revision */
	char *const *paths;    /* limit to these files or directories (relative to the
	                          current directory); NULL/0: everything */
	size_t npaths;
};

/*
 * `cloak audit`: every file of a revision's tree, or of the working tree
 * (tracked and untracked files that are not ignored; outside a repository,
 * every file under the current directory), with every line counted as added.
 * A path argument that names nothing is CK_ENOTFOUND. A revision's blobs
 * are read by up to 4 threads (CLOAK_AUDIT_THREADS=N overrides), each with
 * its own reader and scanner. HEAD of an ordinary repository is read by the
 * hook's own reader, in pack order; other revisions, the working tree and
 * what the reader leaves alone go through libgit2 (as for
 * ck_hook_run_staged).
 */
int ck_hook_audit(struct ck_hook_report *r, const struct ck_hook_audit_opts *o) CK_WUR;

/*
 * Install .git/hooks/pre-commit (core.hooksPath honoured) that runs
 * `<cloak> hook run`. An existing hook that is not cloak's is kept: it is
 * renamed to pre-commit.cloak-chained and run after cloak's check passes.
 * Already installed: nothing to do (force: rewrite it). A leftover
 * pre-commit.cloak-chained that would be overwritten is CK_EIO unless force.
 * cloak: the absolute path of the binary the hook should run. A one-line
 * description of what was done is appended to msg.
 */
int ck_hook_install(struct ck_buf *msg, const char *repo, const char *cloak, int force) CK_WUR;

/*
 * Remove cloak's hook and put a chained hook back in its place.
 * CK_ENOTFOUND when no hook is installed; CK_EINVAL when the hook there is
 * not cloak's (it is left alone).
 */
int ck_hook_uninstall(struct ck_buf *msg, const char *repo) CK_WUR;

#endif
