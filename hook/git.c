/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The git side: which blobs a commit or a tree holds, read straight from the
 * object database (no checkout, no working tree, no index writes), fed to
 * the scanner. controller.md section 3.4 is the design.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git_dl.h"

#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/hook_git.h"
#include "git_int.h"
#include "hook_int.h"
#include "index_int.h"

/*
 * ck_hook_git_init only records that libgit2 may be used: it is loaded and
 * initialised by git_need() when a path actually calls it (its global init
 * alone parses every system CA certificate, more than a whole staged check
 * on the hook's own reader costs). Calls come from the command's thread,
 * before any audit thread starts.
 */
static int wanted;
static int inited;

int ck_hook_git_init(void)
{
	wanted++;
	return CK_OK;
}

static int git_need(void)
{
	static char load_error[256];
	static int loaded;

	if (inited)
		return CK_OK;
	if (!loaded && ck__git_load(load_error, sizeof(load_error)) != 0)
		/* The hook's contract: 2 for an internal error, 1 means findings. */
		return ck_err_set_exit(CK_EINTERNAL, 2, "hook: %s", load_error);
	loaded = 1;
	if (git_libgit2_init() < 0)
		return ck_err_set(CK_EINTERNAL, "hook: libgit2 initialisation failed");
	inited = 1;
	/*
	 * Blobs are read once each: caching them only costs memory. Hash
	 * verification on every read guards against disk corruption, which
	 * git itself does not re-check on read either; it doubles the cost of
	 * an audit.
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_BLOB, (size_t)0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	return CK_OK;
}

void ck_hook_git_shutdown(void)
{
	if (wanted > 0 && --wanted == 0 && inited) {
		git_libgit2_shutdown();
		inited = 0;
	}
}

int ck_hook__libgit2_forced(void)
{
	const char *a = getenv("CLOAK_HOOK_GIT"), *b = getenv("CLOAK_HOOK_DIFF");

	return (a != NULL && strcmp(a, "libgit2") == 0) || (b != NULL && strcmp(b, "libgit2") == 0);
}

static int gerr(int code, int gitrc, const char *what)
{
	const git_error *e = git_error_last();

	if (gitrc == GIT_ENOTFOUND && code == CK_EIO)
		code = CK_ENOTFOUND;
	return ck_err_set(code, "hook: %s: %s", what, e != NULL && e->message ? e->message : "git error");
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * libgit2 1.5's GIT_REPOSITORY_OPEN_FROM_ENV refuses $GIT_WORK_TREE and
 * $GIT_COMMON_DIR ("unimplemented"); git sets them for `git --work-tree`
 * and some worktree set-ups. Then open $GIT_DIR (or search from the current
 * directory) and apply the work tree, index and object directory by hand.
 */
static int open_env_by_hand(git_repository **out)
{
	const char *gitdir = env("GIT_DIR"), *wt = env("GIT_WORK_TREE");
	const char *idx = env("GIT_INDEX_FILE"), *objs = env("GIT_OBJECT_DIRECTORY");
	git_index *index = NULL;
	git_odb *odb = NULL;
	int g;

	g = gitdir != NULL ? git_repository_open_ext(out, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)
	                   : git_repository_open_ext(out, ".", 0, env("GIT_CEILING_DIRECTORIES"));
	if (g < 0)
		return gerr(g == GIT_ENOTFOUND ? CK_ENOTFOUND : CK_EIO, g, "cannot open the git repository");
	if (wt != NULL) {
		const char *cur = git_repository_workdir(*out);
		char a[PATH_MAX], b[PATH_MAX];

		/* set_workdir leaks a little in libgit2 1.5: only when it changes something */
		if (cur == NULL || realpath(cur, a) == NULL || realpath(wt, b) == NULL || strcmp(a, b) != 0) {
			if ((g = git_repository_set_workdir(*out, wt, 0)) < 0)
				goto fail;
		}
	}
	if (idx != NULL) {
		if ((g = git_index_open(&index, idx)) < 0)
			goto fail;
		g = git_repository_set_index(*out, index);
		git_index_free(index);
		if (g < 0)
			goto fail;
	}
	if (objs != NULL) {
		if ((g = git_odb_open(&odb, objs)) < 0)
			goto fail;
		g = git_repository_set_odb(*out, odb);
		git_odb_free(odb);
		if (g < 0)
			goto fail;
	}
	return CK_OK;
fail:
	git_repository_free(*out);
	*out = NULL;
	return gerr(CK_EIO, g, "cannot open the git repository as the environment says");
}

static int open_repo(git_repository **out, const char *path)
{
	int g;

	*out = NULL;
	if ((g = git_need()) < 0)
		return g;
	if (path == NULL && (env("GIT_WORK_TREE") != NULL || env("GIT_COMMON_DIR") != NULL))
		return open_env_by_hand(out);
	if (path == NULL)
		g = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	else
		g = git_repository_open_ext(out, path, 0, NULL);
	if (g < 0)
		return gerr(g == GIT_ENOTFOUND ? CK_ENOTFOUND : CK_EIO, g, "cannot open the git repository");
	return CK_OK;
}

/* Read a blob, refusing sizes over max before inflating it. */
static int read_blob(git_odb_object **out, git_odb *odb, const git_oid *id, size_t max, int *big)
{
	size_t len = 0;
	git_object_t type;
	int g;

	*out = NULL;
	*big = 0;
	if ((g = git_odb_read_header(&len, &type, odb, id)) < 0)
		return gerr(CK_EIO, g, "cannot read an object");
	if (type != GIT_OBJECT_BLOB)
		return ck_err_set(CK_EIO, "hook: object is not a blob");
	if (len > max) {
		*big = 1;
		return CK_OK;
	}
	if ((g = git_odb_read(out, odb, id)) < 0)
		return gerr(CK_EIO, g, "cannot read a blob");
	return CK_OK;
}

/* ---- snapshots: index, tree, working tree ---- */

enum snap_kind { SNAP_INDEX, SNAP_TREE, SNAP_WORKTREE };

struct snap {
	enum snap_kind kind;
	git_repository *repo;
	git_odb *odb;
	git_index *index;    /* index snapshot (also read for the working tree's ignore rules) */
	struct ck_hook__ix *fast; /* index snapshot read by index.c (then index is NULL) */
	git_tree *tree;      /* tree snapshot */
	const char *root;    /* working-tree snapshot: the directory */
};

static int put_blob(struct ck_buf *out, git_odb *odb, const git_oid *id, size_t max)
{
	git_odb_object *o = NULL;
	int big = 0, rc;

	if ((rc = read_blob(&o, odb, id, max, &big)) < 0)
		return rc;
	if (big)
		return ck_err_set(CK_ETOOBIG, "hook: file too big");
	rc = ck_buf_put(out, git_odb_object_data(o), git_odb_object_size(o)) < 0
	         ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
	git_odb_object_free(o);
	return rc;
}

static int regular_mode(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static int snap_read(void *ctx, const char *path, struct ck_buf *out, size_t max)
{
	struct snap *s = ctx;

	if (s->kind == SNAP_INDEX && s->fast != NULL) {
		const struct ck_hook__ixent *e = ck_hook__ix_find(s->fast, path);
		git_oid id;

		if (e == NULL || e->ita || !regular_mode(e->mode))
			return CK_ENOTFOUND;
		git_oid_fromraw(&id, e->oid);
		return put_blob(out, s->odb, &id, max);
	}
	if (s->kind == SNAP_INDEX && s->index != NULL) {
		const git_index_entry *e = git_index_get_bypath(s->index, path, 0);

		if (e == NULL || !regular_mode(e->mode))
			return CK_ENOTFOUND;
		return put_blob(out, s->odb, &e->id, max);
	}
	if (s->kind == SNAP_TREE && s->tree != NULL) {
		git_tree_entry *e = NULL;
		int rc;

		if (git_tree_entry_bypath(&e, s->tree, path) < 0) {
			git_error_clear();
			return CK_ENOTFOUND;
		}
		rc = regular_mode(git_tree_entry_filemode(e)) ? put_blob(out, s->odb, git_tree_entry_id(e), max)
		                                               : CK_ENOTFOUND;
		git_tree_entry_free(e);
		return rc;
	}
	if (s->kind == SNAP_WORKTREE && s->root != NULL) {
		struct ck_buf full;
		struct stat st;
		int rc;

		ck_buf_init(&full, 0);
		if (ck_buf_printf(&full, "%s/%s", s->root, path) < 0) {
			ck_buf_dispose(&full);
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		}
		if (lstat(ck_buf_cstr(&full), &st) < 0 || !S_ISREG(st.st_mode))
			rc = CK_ENOTFOUND;
		else if ((size_t)st.st_size > max)
			rc = ck_err_set(CK_ETOOBIG, "hook: file too big");
		else
			rc = ck_file_read(out, ck_buf_cstr(&full), max);
		ck_buf_dispose(&full);
		return rc;
	}
	return CK_ENOTFOUND;
}

static void snap_dispose(struct snap *s)
{
	/* libgit2 may never have loaded (git_need failed): nothing to free. */
	if (!inited) {
		memset(s, 0, sizeof(*s));
		return;
	}
	git_tree_free(s->tree);
	git_index_free(s->index);
	git_odb_free(s->odb);
	git_repository_free(s->repo);
	memset(s, 0, sizeof(*s));
}

/* ---- the staged change ---- */

/* HEAD's tree, or NULL on an unborn branch (the empty tree). */
static int head_tree(git_tree **out, git_repository *repo)
{
	git_object *o = NULL;
	int g;

	*out = NULL;
	g = git_revparse_single(&o, repo, "HEAD^{tree}");
	if (g == GIT_ENOTFOUND || g == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return CK_OK;
	}
	if (g < 0)
		return gerr(CK_EIO, g, "cannot read HEAD");
	*out = (git_tree *)o;
	return CK_OK;
}

int ck_hook__added_lines(struct ck_hook__lines *l, const void *old, size_t oldn, const void *new_,
                         size_t newn, const char *path)
{
	git_diff_options opts;
	git_patch *patch = NULL;
	size_t h, nh;
	int g, rc = CK_OK;

	if ((rc = git_need()) < 0)
		return rc;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;
	opts.interhunk_lines = 0;
	opts.flags = GIT_DIFF_FORCE_TEXT;
	g = git_patch_from_buffers(&patch, old, oldn, path, new_, newn, path, &opts);
	if (g < 0)
		return gerr(CK_EIO, g, "cannot diff a staged file");
	nh = git_patch_num_hunks(patch);
	for (h = 0; h < nh && rc == CK_OK; h++) {
		const git_diff_hunk *hunk;
		size_t nl;

		if (git_patch_get_hunk(&hunk, &nl, patch, h) < 0 || hunk->new_lines <= 0)
			continue;
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 16;
			uint32_t (*nv)[2] = ck_calloc(nc, sizeof(*nv));

			if (nv == NULL) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				break;
			}
			if (l->n > 0)
				memcpy(nv, l->r, l->n * sizeof(*nv));
			ck_free(l->r);
			l->r = nv;
			l->cap = nc;
		}
		/* with no context lines a hunk's new side is exactly the added lines */
		l->r[l->n][0] = (uint32_t)hunk->new_start;
		l->r[l->n][1] = (uint32_t)(hunk->new_start + hunk->new_lines - 1);
		l->n++;
	}
	git_patch_free(patch);
	return rc;
}

/*
 * Check one staged file: the new blob whole, the pattern rules on the lines
 * the change adds (every line when there is no old text side: a new file,
 * or a binary or too big old one).
 */
static int scan_change(struct ck_hook_scanner *sc, struct ck_hook_report *r, struct snap *s,
                       const char *path, uint32_t mode, const git_oid *id, uint32_t old_mode,
                       const git_oid *old_id, size_t max)
{
	git_odb_object *newo = NULL, *oldo = NULL;
	struct ck_hook__lines l;
	struct ck_hook_lines hl;
	int big = 0, diffed = 0, rc;

	memset(&l, 0, sizeof(l));
	if (!regular_mode(mode)) {
		r->skipped++; /* symlinks and submodules (gitlinks) */
		return CK_OK;
	}
	if ((rc = read_blob(&newo, s->odb, id, max, &big)) < 0)
		goto out;
	if (big) {
		r->skipped++;
		goto out;
	}
	if (old_id != NULL && regular_mode(old_mode) && !git_oid_is_zero(old_id)) {
		if ((rc = read_blob(&oldo, s->odb, old_id, max, &big)) < 0)
			goto out;
		if (oldo != NULL && memchr(git_odb_object_data(oldo), 0,
		                           git_odb_object_size(oldo) < 8000 ? git_odb_object_size(oldo) : 8000) == NULL) {
			if ((rc = ck_hook__added_lines(&l, git_odb_object_data(oldo), git_odb_object_size(oldo),
			                               git_odb_object_data(newo), git_odb_object_size(newo),
			                               path)) < 0)
				goto out;
			diffed = 1;
		}
	}
	hl.r = (const uint32_t(*)[2])l.r;
	hl.n = l.n;
	rc = ck_hook_scan_blob(sc, r, path, git_odb_object_data(newo), git_odb_object_size(newo),
	                       diffed ? &hl : NULL);
out:
	git_odb_object_free(newo);
	git_odb_object_free(oldo);
	ck_free(l.r);
	return rc;
}

static int scan_delta(struct ck_hook_scanner *sc, struct ck_hook_report *r, struct snap *s,
                      const git_diff_delta *d, size_t max)
{
	int has_old = d->status != GIT_DELTA_ADDED;

	return scan_change(sc, r, s, d->new_file.path, d->new_file.mode, &d->new_file.id,
	                   has_old ? d->old_file.mode : 0, has_old ? &d->old_file.id : NULL, max);
}

/* ---- the fast path: index.c's reader and cache-tree comparison ---- */

struct fast {
	struct ck_hook_scanner *sc;
	struct ck_hook_report *r;
	struct snap *s;
	size_t max;
};

static int fast_load(void *ctx, const uint8_t *oid, struct ck_hook__tree *out)
{
	struct fast *f = ctx;
	git_tree *t = NULL;
	git_oid id;
	size_t i, n;
	int g;

	git_oid_fromraw(&id, oid);
	if ((g = git_tree_lookup(&t, f->s->repo, &id)) < 0)
		return gerr(CK_EIO, g, "cannot read a tree of HEAD");
	n = git_tree_entrycount(t);
	out->priv = t;
	out->n = n;
	if (n > 0 && (out->e = ck_calloc(n, sizeof(*out->e))) == NULL) {
		git_tree_free(t);
		out->priv = NULL;
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	}
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);

		out->e[i].name = git_tree_entry_name(e);
		out->e[i].namelen = strlen(out->e[i].name);
		out->e[i].mode = (uint32_t)git_tree_entry_filemode(e);
		out->e[i].oid = git_tree_entry_id(e)->id;
	}
	return CK_OK;
}

static void fast_unload(void *ctx, struct ck_hook__tree *t)
{
	(void)ctx;
	ck_free(t->e);
	git_tree_free(t->priv);
	memset(t, 0, sizeof(*t));
}

static int fast_emit(void *ctx, const struct ck_hook__ixent *e, const uint8_t *old_oid, uint32_t old_mode)
{
	struct fast *f = ctx;
	git_oid id, oid_old;

	git_oid_fromraw(&id, e->oid);
	if (old_oid != NULL)
		git_oid_fromraw(&oid_old, old_oid);
	return scan_change(f->sc, f->r, f->s, e->path, e->mode, &id, old_mode,
	                   old_oid != NULL ? &oid_old : NULL, f->max);
}

/* The index file git's environment names (the temporary one of `git commit -a`). */
static int index_path(struct ck_buf *out, git_repository *repo, const char *repo_arg)
{
	const char *e = repo_arg == NULL ? env("GIT_INDEX_FILE") : NULL;

	if (e != NULL)
		return ck_buf_puts(out, e) < 0 ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
	return ck_buf_printf(out, "%sindex", git_repository_path(repo)) < 0
	           ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
}

static int run_staged_libgit2(struct ck_hook_report *r, const char *repo)
{
	struct snap s;
	struct ck_hook_src src;
	struct ck_hook_scanner *sc = NULL;
	struct ck_hook__ix ix;
	struct ck_buf ipath;
	git_tree *head = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	size_t i, nd, max;
	int g, rc, fast = 0;

	memset(&s, 0, sizeof(s));
	memset(&ix, 0, sizeof(ix));
	ck_buf_init(&ipath, 0);
	s.kind = SNAP_INDEX;
	if ((rc = open_repo(&s.repo, repo)) < 0)
		goto out;
	if (git_repository_is_bare(s.repo)) {
		rc = ck_err_set(CK_EINVAL, "hook: a bare repository has no staged changes");
		goto out;
	}
	if ((g = git_repository_odb(&s.odb, s.repo)) < 0) {
		rc = gerr(CK_EIO, g, "cannot open the object database");
		goto out;
	}
	if ((rc = head_tree(&head, s.repo)) < 0)
		goto out;
	/* the fast path unless told otherwise or the index is one it leaves to libgit2 */
	if (!ck_hook__libgit2_forced()) {
		if ((rc = index_path(&ipath, s.repo, repo)) < 0)
			goto out;
		rc = ck_hook__ix_read(&ix, ck_buf_cstr(&ipath));
		if (rc == CK_ENOTFOUND && !ck_file_exists(ck_buf_cstr(&ipath)))
			rc = CK_OK; /* no index yet: nothing staged */
		if (rc == CK_OK) {
			fast = 1;
			s.fast = &ix;
		} else if (rc == CK_ENOMEM) {
			goto out;
		}
		ck_err_clear();
		rc = CK_OK;
	}
	/* FROM_ENV mode has already pointed the index at $GIT_INDEX_FILE */
	if (!fast && (g = git_repository_index(&s.index, s.repo)) < 0) {
		rc = gerr(CK_EIO, g, "cannot read the index");
		goto out;
	}
	src.read = snap_read;
	src.ctx = &s;
	if ((rc = ck_hook_scanner_new(&sc, &src, CK_HOOK_STAGED)) < 0)
		goto out;
	max = ck_hook_config_max_size(ck_hook_scanner_config(sc));
	if (fast) {
		struct fast f = { sc, r, &s, max };

		rc = ck_hook__ix_diff(&ix, head != NULL ? git_tree_id(head)->id : NULL, fast_load, fast_unload,
		                      fast_emit, &f);
		goto sorted;
	}
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
	opts.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
	if ((g = git_diff_tree_to_index(&diff, s.repo, head, s.index, &opts)) < 0) {
		rc = gerr(CK_EIO, g, "cannot diff HEAD against the index");
		goto out;
	}
	nd = git_diff_num_deltas(diff);
	for (i = 0; i < nd && rc == CK_OK; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		switch (d->status) {
		case GIT_DELTA_ADDED:
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_RENAMED:
		case GIT_DELTA_COPIED:
		case GIT_DELTA_TYPECHANGE:
			rc = scan_delta(sc, r, &s, d, max);
			break;
		default:
			break; /* deleted, unmodified, conflicted entries */
		}
	}
sorted:
	if (rc == CK_OK)
		ck_hook_report_sort(r);
out:
	if (inited) { /* not when libgit2 could not be loaded */
		git_diff_free(diff);
		git_tree_free(head);
	}
	ck_hook_scanner_free(sc);
	snap_dispose(&s);
	ck_hook__ix_dispose(&ix);
	ck_buf_dispose(&ipath);
	return rc;
}

/* ---- audit ---- */

int ck_hook__filt_match(const struct ck_hook__filt *f, const char *path, int is_dir)
{
	size_t i, pl = strlen(path);

	if (f->n == 0)
		return 1;
	for (i = 0; i < f->n; i++) {
		size_t l = strlen(f->p[i]);

		if (l == 0 || (strncmp(path, f->p[i], l) == 0 && (path[l] == '\0' || path[l] == '/')))
			return 1;
		if (is_dir && pl < l && strncmp(f->p[i], path, pl) == 0 && f->p[i][pl] == '/')
			return 2;
	}
	return 0;
}

struct audit {
	struct ck_hook_scanner *sc;
	struct ck_hook_report *r;
	struct snap *s;
	const struct ck_hook__filt *f;
	size_t max;
	struct ck_buf path;
	struct jobs *jobs;
	int rc;
};

struct job {
	char *path;
	git_oid id;
};

struct jobs {
	struct job *v;
	size_t n, cap;
};

static void jobs_dispose(struct jobs *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		ck_free(j->v[i].path);
	ck_free(j->v);
	memset(j, 0, sizeof(*j));
}

/* Collect the blobs to check (the walk itself reads only trees). */
static int tree_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct audit *a = payload;
	git_filemode_t mode = git_tree_entry_filemode(e);
	struct jobs *j = a->jobs;
	int m;

	ck_buf_reset(&a->path);
	if (ck_buf_puts(&a->path, root) < 0 || ck_buf_puts(&a->path, git_tree_entry_name(e)) < 0) {
		a->rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		return -1;
	}
	m = ck_hook__filt_match(a->f, ck_buf_cstr(&a->path), mode == GIT_FILEMODE_TREE);
	if (mode == GIT_FILEMODE_TREE)
		return m == 0 ? 1 : 0; /* 1: skip this subtree */
	if (m != 1)
		return 0;
	if (!regular_mode(mode) ||
	    ck_hook_config_skips(ck_hook_scanner_config(a->sc), ck_buf_cstr(&a->path))) {
		a->r->skipped++; /* symlinks, submodules, allowlisted paths: not even read */
		return 0;
	}
	if (j->n == j->cap) {
		size_t nc = j->cap ? j->cap * 2 : 1024;
		struct job *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL) {
			a->rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			return -1;
		}
		if (j->n > 0)
			memcpy(nv, j->v, j->n * sizeof(*nv));
		ck_free(j->v);
		j->v = nv;
		j->cap = nc;
	}
	if ((j->v[j->n].path = ck_strdup(ck_buf_cstr(&a->path))) == NULL) {
		a->rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		return -1;
	}
	git_oid_cpy(&j->v[j->n].id, git_tree_entry_id(e));
	j->n++;
	return 0;
}

/*
 * One audit worker: its own repository handle, tree, scanner and report
 * (libgit2 objects are not shared between threads), every step-th job.
 */
struct worker {
	const char *gitdir;
	git_oid tree;
	const struct jobs *jobs;
	size_t start, step, max;
	struct ck_hook_report r;
	int rc;
	char err[CK_ERR_MSG_MAX];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct snap s;
	struct ck_hook_src src;
	struct ck_hook_scanner *sc = NULL;
	size_t i;
	int g, rc;

	memset(&s, 0, sizeof(s));
	s.kind = SNAP_TREE;
	if ((g = git_repository_open_ext(&s.repo, w->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0 ||
	    (g = git_repository_odb(&s.odb, s.repo)) < 0 || (g = git_tree_lookup(&s.tree, s.repo, &w->tree)) < 0) {
		rc = gerr(CK_EIO, g, "cannot open the repository");
		goto out;
	}
	src.read = snap_read;
	src.ctx = &s;
	if ((rc = ck_hook_scanner_new(&sc, &src, 0)) < 0)
		goto out;
	for (i = w->start; i < w->jobs->n && rc == CK_OK; i += w->step) {
		git_odb_object *o = NULL;
		int big = 0;

		if ((rc = read_blob(&o, s.odb, &w->jobs->v[i].id, w->max, &big)) < 0)
			break;
		if (big) {
			w->r.skipped++;
			continue;
		}
		rc = ck_hook_scan_blob(sc, &w->r, w->jobs->v[i].path, git_odb_object_data(o),
		                       git_odb_object_size(o), NULL);
		git_odb_object_free(o);
	}
out:
	if (rc < 0)
		snprintf(w->err, sizeof(w->err), "%s", ck_err_last()->msg);
	w->rc = rc;
	ck_hook_scanner_free(sc);
	snap_dispose(&s);
	return NULL;
}

/* Threads for an audit: up to 4 on a big tree, 1 where libgit2's environment matters. */
size_t ck_hook__audit_threads(size_t njobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *e = getenv("CLOAK_AUDIT_THREADS");

	if (e != NULL && e[0] >= '1' && e[0] <= '9' && e[1] == '\0')
		return (size_t)(e[0] - '0');
	if (njobs < 512 || cpus < 2 || env("GIT_OBJECT_DIRECTORY") != NULL ||
	    env("GIT_ALTERNATE_OBJECT_DIRECTORIES") != NULL)
		return 1;
	return cpus > 4 ? 4 : (size_t)cpus;
}

static int audit_tree(struct audit *a, struct ck_hook_report *r)
{
	struct jobs jobs;
	struct worker w[9];
	pthread_t th[9];
	size_t n, i, k;
	int g, rc = CK_OK;

	memset(&jobs, 0, sizeof(jobs));
	memset(w, 0, sizeof(w));
	a->jobs = &jobs;
	if ((g = git_tree_walk(a->s->tree, GIT_TREEWALK_PRE, tree_cb, a)) < 0) {
		rc = a->rc < 0 ? a->rc : gerr(CK_EIO, g, "cannot walk the tree");
		goto out;
	}
	n = ck_hook__audit_threads(jobs.n);
	for (i = 0; i < n; i++) {
		w[i].gitdir = git_repository_path(a->s->repo);
		git_oid_cpy(&w[i].tree, git_tree_id(a->s->tree));
		w[i].jobs = &jobs;
		w[i].start = i;
		w[i].step = n;
		w[i].max = a->max;
		ck_hook_report_init(&w[i].r);
	}
	for (i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
			break;
	work(&w[0]);
	for (k = 1; k < i; k++)
		pthread_join(th[k], NULL);
	if (i < n) {
		rc = ck_err_set(CK_EINTERNAL, "hook: cannot start audit threads");
		goto merge;
	}
	for (k = 0; k < n && rc == CK_OK; k++)
		if (w[k].rc < 0)
			rc = ck_err_set(w[k].rc, "%s", w[k].err);
merge:
	for (k = 0; k < n; k++) {
		if (rc == CK_OK)
			rc = ck_hook__report_merge(r, &w[k].r);
		ck_hook_report_dispose(&w[k].r);
	}
out:
	jobs_dispose(&jobs);
	a->jobs = NULL;
	return rc;
}

static int is_nested_repo(const char *dir)
{
	struct ck_buf p;
	struct stat st;
	int yes;

	ck_buf_init(&p, 0);
	yes = ck_buf_printf(&p, "%s/.git", dir) == 0 && lstat(ck_buf_cstr(&p), &st) == 0;
	ck_buf_dispose(&p);
	return yes;
}

/* Walk a directory of the working tree; rel is repository-relative ("" = root). */
static int walk_dir(struct audit *a, const char *root, const char *rel, int depth)
{
	struct ck_buf dirp, relp;
	struct dirent **ents = NULL;
	int n = 0, i, rc = CK_OK;

	if (depth > 256)
		return CK_OK;
	ck_buf_init(&dirp, 0);
	ck_buf_init(&relp, 0);
	if (ck_buf_printf(&dirp, "%s%s%s", root, rel[0] ? "/" : "", rel) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if ((n = scandir(ck_buf_cstr(&dirp), &ents, NULL, alphasort)) < 0) {
		rc = ck_err_set(CK_EIO, "hook: %s: %s", ck_buf_cstr(&dirp), strerror(errno));
		goto out;
	}
	for (i = 0; i < n && rc == CK_OK; i++) {
		const char *name = ents[i]->d_name;
		struct stat st;
		int ign = 0, m;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".git") == 0)
			continue;
		ck_buf_reset(&relp);
		if (ck_buf_printf(&relp, "%s%s%s", rel, rel[0] ? "/" : "", name) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		ck_buf_reset(&dirp);
		if (ck_buf_printf(&dirp, "%s/%s", root, ck_buf_cstr(&relp)) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		if (lstat(ck_buf_cstr(&dirp), &st) < 0)
			continue;
		m = ck_hook__filt_match(a->f, ck_buf_cstr(&relp), S_ISDIR(st.st_mode));
		if (m == 0)
			continue;
		if (a->s->repo != NULL) {
			if (S_ISDIR(st.st_mode) && ck_buf_putc(&relp, '/') < 0) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				break;
			}
			if (git_ignore_path_is_ignored(&ign, a->s->repo, ck_buf_cstr(&relp)) < 0) {
				git_error_clear();
				ign = 0;
			}
			if (S_ISDIR(st.st_mode))
				ck_buf_truncate(&relp, ck_buf_len(&relp) - 1);
			/* tracked files are never ignored */
			if (ign && !S_ISDIR(st.st_mode) && a->s->index != NULL &&
			    git_index_get_bypath(a->s->index, ck_buf_cstr(&relp), 0) != NULL)
				ign = 0;
			if (ign)
				continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (is_nested_repo(ck_buf_cstr(&dirp))) {
				a->r->skipped++; /* a submodule or another repository */
				continue;
			}
			rc = walk_dir(a, root, ck_buf_cstr(&relp), depth + 1);
			continue;
		}
		if (m != 1)
			continue;
		if (!S_ISREG(st.st_mode) || (size_t)st.st_size > a->max ||
		    ck_hook_config_skips(ck_hook_scanner_config(a->sc), ck_buf_cstr(&relp))) {
			a->r->skipped++;
			continue;
		}
		{
			struct ck_buf data;

			ck_buf_init(&data, 0);
			rc = ck_file_read(&data, ck_buf_cstr(&dirp), a->max);
			if (rc == CK_ETOOBIG) {
				a->r->skipped++;
				rc = CK_OK;
			} else if (rc == CK_OK) {
				rc = ck_hook_scan_blob(a->sc, a->r, ck_buf_cstr(&relp),
				                       (const char *)ck_buf_data(&data), ck_buf_len(&data), NULL);
			}
			ck_buf_dispose(&data);
		}
	}
out:
	for (i = 0; ents != NULL && i < n; i++)
		free(ents[i]);
	free(ents);
	ck_buf_dispose(&dirp);
	ck_buf_dispose(&relp);
	return rc;
}

/* Turn the command-line paths into repository-relative prefixes. */
int ck_hook__filt_make(struct ck_hook__filt *f, const struct ck_hook_audit_opts *o, const char *root)
{
	char cwd[PATH_MAX], rroot[PATH_MAX];
	struct ck_buf joined, norm;
	const char *prefix = "";
	size_t i, rl;
	int rc = CK_OK;

	memset(f, 0, sizeof(*f));
	if (o->npaths == 0)
		return CK_OK;
	if (getcwd(cwd, sizeof(cwd)) == NULL || realpath(root, rroot) == NULL)
		return ck_err_set(CK_EIO, "hook: cannot resolve the current directory: %s", strerror(errno));
	rl = strlen(rroot);
	while (rl > 1 && rroot[rl - 1] == '/')
		rroot[--rl] = '\0';
	if (strncmp(cwd, rroot, rl) == 0 && (cwd[rl] == '/' || cwd[rl] == '\0'))
		prefix = cwd[rl] == '/' ? cwd + rl + 1 : "";
	else if (strcmp(rroot, "/") != 0)
		return ck_err_set(CK_EUSAGE, "hook: the current directory is outside the repository");
	if ((f->p = ck_calloc(o->npaths, sizeof(*f->p))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	ck_buf_init(&joined, 0);
	ck_buf_init(&norm, 0);
	for (i = 0; i < o->npaths && rc == CK_OK; i++) {
		const char *arg = o->paths[i];

		ck_buf_reset(&joined);
		if (arg[0] == '/') {
			if (strncmp(arg, rroot, rl) != 0 || (arg[rl] != '/' && arg[rl] != '\0')) {
				rc = ck_err_set(CK_EUSAGE, "hook: %s is outside the repository", arg);
				break;
			}
			rc = ck_hook__path_norm(&norm, NULL, arg[rl] ? arg + rl + 1 : ".");
		} else {
			rc = ck_hook__path_norm(&norm, prefix, arg);
		}
		if (rc == CK_EINVAL)
			rc = ck_err_set(CK_EUSAGE, "hook: %s is outside the repository", arg);
		if (rc == CK_OK && (f->p[i] = ck_strdup(ck_buf_cstr(&norm))) == NULL)
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		f->n = i + 1;
	}
	ck_buf_dispose(&joined);
	ck_buf_dispose(&norm);
	return rc;
}

void ck_hook__filt_dispose(struct ck_hook__filt *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		ck_free(f->p[i]);
	ck_free(f->p);
	memset(f, 0, sizeof(*f));
}

/* Each path argument must name something in the snapshot. */
static int check_paths(const struct ck_hook__filt *f, struct snap *s, const char *const *args, const char *what)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		int ok = 1;

		if (f->p[i][0] == '\0')
			continue;
		if (s->tree != NULL) {
			git_tree_entry *e = NULL;

			ok = git_tree_entry_bypath(&e, s->tree, f->p[i]) == 0;
			git_tree_entry_free(e);
			git_error_clear();
		} else {
			struct ck_buf p;
			struct stat st;

			ck_buf_init(&p, 0);
			ok = ck_buf_printf(&p, "%s/%s", s->root, f->p[i]) == 0 && lstat(ck_buf_cstr(&p), &st) == 0;
			ck_buf_dispose(&p);
		}
		if (!ok)
			return ck_err_set(CK_ENOTFOUND, "hook: %s: no such file or directory in %s", args[i], what);
	}
	return CK_OK;
}

static int audit_libgit2(struct ck_hook_report *r, const struct ck_hook_audit_opts *o)
{
	struct snap s;
	struct ck_hook_src src;
	struct audit a;
	struct ck_hook__filt f;
	char cwd[PATH_MAX];
	const char *what;
	int g, rc;

	memset(&s, 0, sizeof(s));
	memset(&a, 0, sizeof(a));
	memset(&f, 0, sizeof(f));
	ck_buf_init(&a.path, 0);
	rc = open_repo(&s.repo, o->repo);
	if (rc == CK_ENOTFOUND && o->worktree && o->repo == NULL) {
		ck_err_clear();
		rc = CK_OK; /* a plain directory: every file under it */
	}
	if (rc < 0)
		goto out;
	if (s.repo != NULL && (g = git_repository_odb(&s.odb, s.repo)) < 0) {
		rc = gerr(CK_EIO, g, "cannot open the object database");
		goto out;
	}
	s.kind = o->worktree ? SNAP_WORKTREE : SNAP_TREE;
	if (o->worktree) {
		if (s.repo != NULL) {
			if (git_repository_is_bare(s.repo)) {
				rc = ck_err_set(CK_EUSAGE, "hook: a bare repository has no working tree");
				goto out;
			}
			s.root = git_repository_workdir(s.repo);
			if (git_repository_index(&s.index, s.repo) < 0) {
				git_error_clear();
				s.index = NULL;
			}
		} else {
			if (getcwd(cwd, sizeof(cwd)) == NULL) {
				rc = ck_err_set(CK_EIO, "hook: cannot read the current directory: %s", strerror(errno));
				goto out;
			}
			s.root = cwd;
		}
		what = "the working tree";
	} else {
		git_object *obj = NULL, *t = NULL;
		const char *rev = o->rev ? o->rev : "HEAD";

		if ((g = git_revparse_single(&obj, s.repo, rev)) < 0) {
			rc = g == GIT_ENOTFOUND || g == GIT_EUNBORNBRANCH
			         ? ck_err_set(CK_ENOTFOUND, "hook: unknown revision '%s'%s", rev,
			                      strcmp(rev, "HEAD") == 0 ? " (no commit yet? try --worktree)" : "")
			         : gerr(CK_EINVAL, g, "bad revision");
			goto out;
		}
		g = git_object_peel(&t, obj, GIT_OBJECT_TREE);
		git_object_free(obj);
		if (g < 0) {
			rc = gerr(CK_EINVAL, g, "revision has no tree");
			goto out;
		}
		s.tree = (git_tree *)t;
		what = rev;
	}
	{
		const char *root = s.root != NULL ? s.root : git_repository_workdir(s.repo);

		if (root == NULL)
			root = git_repository_path(s.repo);
		if ((rc = ck_hook__filt_make(&f, o, root)) < 0 ||
		    (rc = check_paths(&f, &s, (const char *const *)o->paths, what)) < 0)
			goto out;
	}
	src.read = snap_read;
	src.ctx = &s;
	if ((rc = ck_hook_scanner_new(&a.sc, &src, 0)) < 0)
		goto out;
	a.r = r;
	a.s = &s;
	a.f = &f;
	a.max = ck_hook_config_max_size(ck_hook_scanner_config(a.sc));
	if (s.tree != NULL) {
		rc = audit_tree(&a, r);
	} else {
		size_t rl = strlen(s.root);
		char *root = ck_strdup(s.root);

		if (root == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		while (rl > 1 && root[rl - 1] == '/')
			root[--rl] = '\0';
		rc = walk_dir(&a, root, "", 0);
		ck_free(root);
	}
	if (rc == CK_OK)
		ck_hook_report_sort(r);
out:
	ck_hook_scanner_free(a.sc);
	ck_buf_dispose(&a.path);
	ck_hook__filt_dispose(&f);
	snap_dispose(&s);
	return rc;
}

/*
 * The hook's own reader first (ck/hook_internal.h); libgit2 for what it leaves
 * alone, and for everything when CLOAK_HOOK_GIT=libgit2 (the tests compare
 * both).
 */
int ck_hook_run_staged(struct ck_hook_report *r, const char *repo)
{
	int rc;

	if (!ck_hook__libgit2_forced()) {
		if ((rc = ck_hook__native_staged(r, repo)) != CK_EUNSUPPORTED)
			return rc;
		ck_err_clear();
	}
	return run_staged_libgit2(r, repo);
}

int ck_hook_audit(struct ck_hook_report *r, const struct ck_hook_audit_opts *o)
{
	int rc;

	if (!ck_hook__libgit2_forced()) {
		if ((rc = ck_hook__native_audit(r, o)) != CK_EUNSUPPORTED)
			return rc;
		ck_err_clear();
	}
	return audit_libgit2(r, o);
}

/* ---- install ---- */

#define HOOK_MARK "# cloak pre-commit hook"
#define CHAINED "pre-commit.cloak-chained"

static int hooks_dir(struct ck_buf *out, git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf b = GIT_BUF_INIT;
	int g, rc = CK_OK;

	ck_buf_reset(out);
	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_path(&b, cfg, "core.hooksPath") == 0 && b.ptr != NULL && b.ptr[0]) {
		const char *wd = git_repository_workdir(repo);

		if (b.ptr[0] == '/' || wd == NULL)
			rc = ck_buf_puts(out, b.ptr) < 0 ? CK_ENOMEM : CK_OK;
		else
			rc = ck_buf_printf(out, "%s%s", wd, b.ptr) < 0 ? CK_ENOMEM : CK_OK;
	} else {
		git_error_clear();
		g = ck_buf_printf(out, "%shooks", git_repository_commondir(repo));
		rc = g < 0 ? CK_ENOMEM : CK_OK;
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	if (rc == CK_ENOMEM)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	while (ck_buf_len(out) > 1 && ck_buf_cstr(out)[ck_buf_len(out) - 1] == '/')
		ck_buf_truncate(out, ck_buf_len(out) - 1);
	return CK_OK;
}

static int shell_quote(struct ck_buf *b, const char *s)
{
	if (ck_buf_putc(b, '\'') < 0)
		return CK_ENOMEM;
	for (; *s; s++) {
		if (*s == '\'' ? ck_buf_puts(b, "'\\''") < 0 : ck_buf_putc(b, *s) < 0)
			return CK_ENOMEM;
	}
	return ck_buf_putc(b, '\'') < 0 ? CK_ENOMEM : CK_OK;
}

static int hook_text(struct ck_buf *t, const char *cloak)
{
	if (ck_buf_printf(t, "#!/bin/sh\n" HOOK_MARK
	                     ": installed by `cloak hook install`, removed by `cloak hook uninstall`.\n"
	                     "# It refuses commits whose staged files hold plaintext secrets, then runs\n"
	                     "# the hook it replaced (" CHAINED "), if any.\n"
	                     "cloak=") < 0 ||
	    shell_quote(t, cloak) < 0 ||
	    ck_buf_puts(t, "\n[ -x \"$cloak\" ] || cloak=cloak\n"
	                   "\"$cloak\" hook run || exit $?\n"
	                   "chained=\"$(dirname \"$0\")/" CHAINED "\"\n"
	                   "if [ -x \"$chained\" ]; then\n"
	                   "\texec \"$chained\" \"$@\"\n"
	                   "fi\n") < 0)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	return CK_OK;
}

static int ours(const char *path, int *exists)
{
	struct ck_buf t;
	int yes;

	ck_buf_init(&t, 0);
	*exists = ck_file_exists(path);
	yes = *exists && ck_file_read(&t, path, 1 << 20) == CK_OK &&
	      memmem(ck_buf_data(&t), ck_buf_len(&t), HOOK_MARK, sizeof(HOOK_MARK) - 1) != NULL;
	ck_err_clear();
	ck_buf_dispose(&t);
	return yes;
}

int ck_hook_install(struct ck_buf *msg, const char *repo, const char *cloak, int force)
{
	git_repository *r = NULL;
	struct ck_buf dir, hook, chained, text;
	int rc, exists = 0, mine;

	ck_buf_init(&dir, 0);
	ck_buf_init(&hook, 0);
	ck_buf_init(&chained, 0);
	ck_buf_init(&text, 0);
	if ((rc = open_repo(&r, repo)) < 0 || (rc = hooks_dir(&dir, r)) < 0)
		goto out;
	if (ck_buf_printf(&hook, "%s/pre-commit", ck_buf_cstr(&dir)) < 0 ||
	    ck_buf_printf(&chained, "%s/" CHAINED, ck_buf_cstr(&dir)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if (mkdir(ck_buf_cstr(&dir), 0755) < 0 && errno != EEXIST) {
		rc = ck_err_set(CK_EIO, "hook: cannot create %s: %s", ck_buf_cstr(&dir), strerror(errno));
		goto out;
	}
	mine = ours(ck_buf_cstr(&hook), &exists);
	if (mine && !force) {
		rc = ck_buf_printf(msg, "cloak: the pre-commit hook is already installed in %s",
		                   ck_buf_cstr(&hook)) < 0 ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
		goto out;
	}
	if (exists && !mine) {
		if (ck_file_exists(ck_buf_cstr(&chained)) && !force) {
			rc = ck_err_set(CK_EIO, "hook: %s already exists; move it away or use --force to "
			                "replace it with the current hook", ck_buf_cstr(&chained));
			goto out;
		}
		if (rename(ck_buf_cstr(&hook), ck_buf_cstr(&chained)) < 0) {
			rc = ck_err_set(CK_EIO, "hook: cannot rename %s: %s", ck_buf_cstr(&hook), strerror(errno));
			goto out;
		}
	}
	if ((rc = hook_text(&text, cloak)) < 0 ||
	    (rc = ck_file_write_atomic(ck_buf_cstr(&hook), ck_buf_data(&text), ck_buf_len(&text), 0755)) < 0)
		goto out;
	if (chmod(ck_buf_cstr(&hook), 0755) < 0) {
		rc = ck_err_set(CK_EIO, "hook: cannot make %s executable: %s", ck_buf_cstr(&hook), strerror(errno));
		goto out;
	}
	rc = ck_buf_printf(msg, "cloak: installed the pre-commit hook in %s%s%s", ck_buf_cstr(&hook),
	                   exists && !mine ? "; the existing hook runs after it as " : "",
	                   exists && !mine ? CHAINED : "") < 0
	         ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
out:
	if (r != NULL)
		git_repository_free(r);
	ck_buf_dispose(&dir);
	ck_buf_dispose(&hook);
	ck_buf_dispose(&chained);
	ck_buf_dispose(&text);
	return rc;
}

int ck_hook_uninstall(struct ck_buf *msg, const char *repo)
{
	git_repository *r = NULL;
	struct ck_buf dir, hook, chained;
	int rc, exists = 0, restored = 0;

	ck_buf_init(&dir, 0);
	ck_buf_init(&hook, 0);
	ck_buf_init(&chained, 0);
	if ((rc = open_repo(&r, repo)) < 0 || (rc = hooks_dir(&dir, r)) < 0)
		goto out;
	if (ck_buf_printf(&hook, "%s/pre-commit", ck_buf_cstr(&dir)) < 0 ||
	    ck_buf_printf(&chained, "%s/" CHAINED, ck_buf_cstr(&dir)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if (!ours(ck_buf_cstr(&hook), &exists)) {
		rc = exists ? ck_err_set(CK_EINVAL, "hook: %s is not cloak's hook; left alone", ck_buf_cstr(&hook))
		            : ck_err_set(CK_ENOTFOUND, "hook: no pre-commit hook is installed in %s",
		                         ck_buf_cstr(&dir));
		goto out;
	}
	if (ck_file_exists(ck_buf_cstr(&chained))) {
		if (rename(ck_buf_cstr(&chained), ck_buf_cstr(&hook)) < 0) {
			rc = ck_err_set(CK_EIO, "hook: cannot restore %s: %s", ck_buf_cstr(&chained), strerror(errno));
			goto out;
		}
		restored = 1;
	} else if (unlink(ck_buf_cstr(&hook)) < 0) {
		rc = ck_err_set(CK_EIO, "hook: cannot remove %s: %s", ck_buf_cstr(&hook), strerror(errno));
		goto out;
	}
	rc = ck_buf_printf(msg, "cloak: removed the pre-commit hook from %s%s", ck_buf_cstr(&dir),
	                   restored ? "; the previous hook is back in place" : "") < 0
	         ? ck_err_set(CK_ENOMEM, "hook: out of memory") : CK_OK;
out:
	if (r != NULL)
		git_repository_free(r);
	ck_buf_dispose(&dir);
	ck_buf_dispose(&hook);
	ck_buf_dispose(&chained);
	return rc;
}
