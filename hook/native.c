/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cloak hook run` and `cloak audit` on the hook's own repository reader
 * (ck/hook_internal.h), without loading libgit2 at all in the common case. The
 * checks and their order are git.c's; only where the bytes come from
 * differs. Two places still reach for libgit2:
 *
 *  - the line diff of a changed file, and only when the pattern rules would
 *    find something somewhere in the new text (ck_hook__patterns_quiet):
 *    otherwise no choice of added lines can change the outcome, so every
 *    line is scanned and nothing is diffed;
 *  - whatever ck_hook__repo_open leaves to it (CK_EUNSUPPORTED: the caller
 *    runs git.c's libgit2 path instead, before anything was reported).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/file.h"
#include "git_int.h"
#include "hook_int.h"
#include "index_int.h"
#include "ck/hook_internal.h"

static int regular(uint32_t mode)
{
	return mode == 0100644 || mode == 0100755;
}

static int nomem(void)
{
	return ck_err_set(CK_ENOMEM, "hook: out of memory");
}

/* ---- the snapshot other files are read from (.cloak.yaml, .sops.yaml, kustomize) ---- */

struct nsnap {
	struct ck_hook__odbr *rd;
	const struct ck_hook__ix *ix; /* the index, or */
	const uint8_t *root;          /* a tree */
};

static int put_blob(struct ck_hook__odbr *rd, const uint8_t *oid, size_t max, struct ck_buf *out)
{
	struct ck_hook__obj *o = NULL;
	int rc = ck_hook__odb_read(rd, oid, CK_HOOK__OBJ_BLOB, max, &o);

	if (rc == CK_ETOOBIG)
		return ck_err_set(CK_ETOOBIG, "hook: file too big");
	if (rc < 0)
		return rc;
	rc = ck_buf_put(out, o->data, o->len) < 0 ? nomem() : CK_OK;
	ck_hook__obj_unref(o);
	return rc;
}

/* The entry at path below tree root: 1 (*mode, oid), 0 when there is none. */
static int tree_lookup(struct ck_hook__odbr *rd, const uint8_t *root, const char *path, uint32_t *mode,
                       uint8_t oid[20])
{
	uint8_t cur[20];
	const char *p = path;
	int rc;

	memcpy(cur, root, 20);
	for (;;) {
		const char *sl = strchr(p, '/');
		size_t nl = sl != NULL ? (size_t)(sl - p) : strlen(p), off = 0;
		struct ck_hook__obj *o = NULL;
		struct ck_hook__tentry e;

		if (nl == 0)
			return 0;
		if ((rc = ck_hook__odb_read(rd, cur, CK_HOOK__OBJ_TREE, SIZE_MAX, &o)) < 0)
			return rc;
		while ((rc = ck_hook__tree_next(o->data, o->len, &off, &e)) == 1)
			if (e.namelen == nl && memcmp(e.name, p, nl) == 0)
				break;
		if (rc != 1 || (sl != NULL && e.mode != 0040000)) {
			ck_hook__obj_unref(o);
			return rc < 0 ? rc : 0;
		}
		memcpy(cur, e.oid, 20);
		ck_hook__obj_unref(o);
		if (sl == NULL) {
			*mode = e.mode;
			memcpy(oid, cur, 20);
			return 1;
		}
		p = sl + 1;
	}
}

static int nsnap_read(void *ctx, const char *path, struct ck_buf *out, size_t max)
{
	struct nsnap *s = ctx;

	if (s->ix != NULL) {
		const struct ck_hook__ixent *e = ck_hook__ix_find(s->ix, path);

		if (e == NULL || e->ita || !regular(e->mode))
			return CK_ENOTFOUND;
		return put_blob(s->rd, e->oid, max, out);
	}
	if (s->root != NULL) {
		uint8_t oid[20];
		uint32_t mode = 0;
		int rc = tree_lookup(s->rd, s->root, path, &mode, oid);

		if (rc < 0)
			return rc;
		if (rc == 0 || !regular(mode))
			return CK_ENOTFOUND;
		return put_blob(s->rd, oid, max, out);
	}
	return CK_ENOTFOUND;
}

/* ---- the staged change ---- */

struct stg {
	struct ck_hook_scanner *sc;
	struct ck_hook_report *r;
	struct ck_hook__odbr *rd;
	size_t max;
};

static int tload(void *ctx, const uint8_t *oid, struct ck_hook__tree *out)
{
	struct stg *g = ctx;
	struct ck_hook__obj *o = NULL;
	struct ck_hook__tentry e;
	size_t off = 0, n = 0;
	int rc;

	if ((rc = ck_hook__odb_read(g->rd, oid, CK_HOOK__OBJ_TREE, SIZE_MAX, &o)) < 0)
		return rc;
	while ((rc = ck_hook__tree_next(o->data, o->len, &off, &e)) == 1)
		n++;
	if (rc < 0) {
		ck_hook__obj_unref(o);
		return rc;
	}
	if (n > 0 && (out->e = ck_calloc(n, sizeof(*out->e))) == NULL) {
		ck_hook__obj_unref(o);
		return nomem();
	}
	for (off = 0, out->n = 0; out->n < n && ck_hook__tree_next(o->data, o->len, &off, &e) == 1;)
		out->e[out->n++] = e;
	out->priv = o;
	return CK_OK;
}

static void tunload(void *ctx, struct ck_hook__tree *t)
{
	(void)ctx;
	ck_free(t->e);
	ck_hook__obj_unref(t->priv);
	memset(t, 0, sizeof(*t));
}

/* Lines as xdiff cuts them: each with its newline (the last one may have none). */
struct recs {
	const uint8_t *p;
	size_t *off;   /* record i is [off[i], off[i + 1]) */
	size_t n;
};

static int recs_split(struct recs *r, const struct ck_hook__obj *o)
{
	size_t k = 0, i, cnt = 0;

	for (i = 0; i < o->len; i++)
		cnt += o->data[i] == '\n';
	if ((r->off = ck_calloc(cnt + 2, sizeof(*r->off))) == NULL)
		return nomem();
	r->p = o->data;
	for (i = 0; i < o->len; i++)
		if (o->data[i] == '\n')
			r->off[++k] = i + 1;
	if (r->off[k] != o->len)
		r->off[++k] = o->len;
	r->n = k;
	return CK_OK;
}

static int rec_eq(const struct recs *a, size_t i, const struct recs *b, size_t j)
{
	size_t al = a->off[i + 1] - a->off[i], bl = b->off[j + 1] - b->off[j];

	return al == bl && memcmp(a->p + a->off[i], b->p + b->off[j], al) == 0;
}

/*
 * 1 when libgit2's diff of old and new cannot mark any of lines (1-based)
 * as added, 0 when it may, < 0 on error. Why this holds: xdiff classes
 * lines by their exact bytes, trims the common leading and trailing lines
 * before diffing the middle, and afterwards only slides groups of changed
 * lines over lines of the same class; so every line it marks added has the
 * bytes of some line in new's middle. A line outside the middle whose
 * bytes no middle line has is never added.
 */
static int none_added(const struct ck_hook__obj *old, const struct ck_hook__obj *nw, const uint32_t *lines,
                      size_t nl)
{
	struct recs a, b;
	size_t pre = 0, suf = 0, lim, k, m;
	int rc = 1;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (recs_split(&a, old) < 0 || recs_split(&b, nw) < 0) {
		rc = CK_ENOMEM;
		goto out;
	}
	lim = a.n < b.n ? a.n : b.n;
	while (pre < lim && rec_eq(&a, pre, &b, pre))
		pre++;
	while (suf < lim - pre && rec_eq(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	for (k = 0; k < nl && rc == 1; k++) {
		size_t i = lines[k] - 1;

		if (lines[k] == 0 || i >= b.n || (i >= pre && i < b.n - suf)) {
			rc = 0;
			break;
		}
		for (m = pre; m < b.n - suf; m++)
			if (rec_eq(&b, i, &b, m)) {
				rc = 0;
				break;
			}
	}
out:
	ck_free(a.off);
	ck_free(b.off);
	return rc;
}

/* git.c's scan_change on this reader. */
static int temit(void *ctx, const struct ck_hook__ixent *e, const uint8_t *old_oid, uint32_t old_mode)
{
	static const uint8_t zero[20];
	struct stg *g = ctx;
	struct ck_hook__obj *nw = NULL, *old = NULL;
	struct ck_hook__lines l;
	struct ck_hook_lines hl;
	int rc, diffed = 0;

	memset(&l, 0, sizeof(l));
	if (!regular(e->mode)) {
		g->r->skipped++; /* symlinks and submodules (gitlinks) */
		return CK_OK;
	}
	rc = ck_hook__odb_read(g->rd, e->oid, CK_HOOK__OBJ_BLOB, g->max, &nw);
	if (rc == CK_ETOOBIG) {
		ck_err_clear();
		g->r->skipped++;
		return CK_OK;
	}
	if (rc < 0)
		return rc;
	if (old_oid != NULL && regular(old_mode) && memcmp(old_oid, zero, 20) != 0) {
		rc = ck_hook__odb_read(g->rd, old_oid, CK_HOOK__OBJ_BLOB, g->max, &old);
		if (rc == CK_ETOOBIG) {
			ck_err_clear();
			rc = CK_OK; /* a huge old side: every line of the new one counts as added */
		}
		if (rc < 0)
			goto out;
		if (old != NULL && memchr(old->data, 0, old->len < 8000 ? old->len : 8000) == NULL) {
			uint32_t lines[64];
			size_t nl = 0;
			int need = 1;

			rc = ck_hook__pattern_lines(e->path, (const char *)nw->data, nw->len, lines, 64, &nl);
			if (rc == CK_ETOOBIG) {
				ck_err_clear();
				rc = CK_OK;
			} else if (rc == CK_OK && nl == 0) {
				need = 0;
			} else if (rc == CK_OK && (rc = none_added(old, nw, lines, nl)) >= 0) {
				need = rc == 0;
				rc = CK_OK;
			}
			if (rc < 0 || (need && (rc = ck_hook__added_lines(&l, old->data, old->len, nw->data,
			                                                   nw->len, e->path)) < 0))
				goto out;
			diffed = 1; /* no lines at all when none of the change's lines can hold a finding */
		}
	}
	hl.r = (const uint32_t(*)[2])l.r;
	hl.n = l.n;
	rc = ck_hook_scan_blob(g->sc, g->r, e->path, nw->data, nw->len, diffed ? &hl : NULL);
out:
	ck_hook__obj_unref(nw);
	ck_hook__obj_unref(old);
	ck_free(l.r);
	return rc;
}

int ck_hook__native_staged(struct ck_hook_report *r, const char *repo)
{
	struct ck_hook__repo rp;
	struct ck_hook__odbr *rd = NULL;
	struct ck_hook__ix ix;
	struct ck_hook_scanner *sc = NULL;
	struct ck_hook_src src;
	struct nsnap ns;
	struct stg g;
	uint8_t tree[20];
	int rc, unborn = 0;

	memset(&ix, 0, sizeof(ix));
	if ((rc = ck_hook__repo_open(&rp, repo)) < 0)
		return rc;
	if ((rc = ck_hook__odbr_new(&rd, rp.odb)) < 0)
		goto out;
	rc = ck_hook__ix_read(&ix, rp.index);
	if (rc == CK_ENOTFOUND && !ck_file_exists(rp.index)) {
		ck_err_clear();
		rc = CK_OK; /* no index yet: nothing staged */
	} else if (rc < 0 && rc != CK_ENOMEM) {
		/* a split or sparse index, or one this reader cannot read: libgit2's call */
		rc = ck_err_set(CK_EUNSUPPORTED, "hook: index: %s", ck_err_last()->msg);
		goto out;
	}
	if (rc < 0 || (rc = ck_hook__repo_head_tree(&rp, rd, tree, &unborn)) < 0)
		goto out;
	ns.rd = rd;
	ns.ix = &ix;
	ns.root = NULL;
	src.read = nsnap_read;
	src.ctx = &ns;
	if ((rc = ck_hook_scanner_new(&sc, &src, CK_HOOK_STAGED)) < 0)
		goto out;
	g.sc = sc;
	g.r = r;
	g.rd = rd;
	g.max = ck_hook_config_max_size(ck_hook_scanner_config(sc));
	rc = ck_hook__ix_diff(&ix, unborn ? NULL : tree, tload, tunload, temit, &g);
	if (rc == CK_OK)
		ck_hook_report_sort(r);
out:
	ck_hook_scanner_free(sc);
	ck_hook__ix_dispose(&ix);
	ck_hook__odbr_free(rd);
	ck_hook__repo_dispose(&rp);
	return rc;
}

/* ---- the audit of a tree ---- */

/*
 * Every entry of every tree the walk read, by path: the scanner's reads of
 * other files (.sops.yaml of each directory, kustomize references) are a
 * hash lookup, and a path in a directory the walk listed that is not here
 * does not exist. Only paths outside the walk (`cloak audit PATH`) go down
 * the trees again.
 */
struct pent {
	size_t path;    /* offset in names */
	uint32_t mode;
	uint8_t walked; /* a directory whose tree was listed */
	uint8_t oid[20];
};

struct pmap {
	struct pent *v;
	size_t n, cap;
	char *names;      /* every path, NUL-terminated */
	size_t nlen, ncap;
	uint32_t *slots;  /* index + 1; 0 empty */
	size_t mask;
	size_t *jobs;     /* entries to check, in pack order once sorted */
	uint64_t *keys;
	size_t njobs, jcap;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static const char *pname(const struct pmap *m, size_t i)
{
	return m->names + m->v[i].path;
}

static int pmap_add(struct pmap *m, const char *path, size_t n, uint32_t mode, const uint8_t *oid)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 1024;
		struct pent *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			return nomem();
		if (m->n > 0)
			memcpy(nv, m->v, m->n * sizeof(*nv));
		ck_free(m->v);
		m->v = nv;
		m->cap = nc;
	}
	if (m->nlen + n + 1 > m->ncap) {
		size_t nc = m->ncap ? m->ncap : 1 << 16;
		char *nb;

		while (nc < m->nlen + n + 1)
			nc *= 2;
		if ((nb = ck_alloc(nc)) == NULL)
			return nomem();
		if (m->nlen > 0)
			memcpy(nb, m->names, m->nlen);
		ck_free(m->names);
		m->names = nb;
		m->ncap = nc;
	}
	m->v[m->n].path = m->nlen;
	m->v[m->n].mode = mode;
	m->v[m->n].walked = 0;
	memcpy(m->v[m->n].oid, oid, 20);
	memcpy(m->names + m->nlen, path, n);
	m->names[m->nlen + n] = 0;
	m->nlen += n + 1;
	m->n++;
	return CK_OK;
}

static int pmap_job(struct pmap *m, size_t i)
{
	if (m->njobs == m->jcap) {
		size_t nc = m->jcap ? m->jcap * 2 : 1024;
		size_t *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			return nomem();
		if (m->njobs > 0)
			memcpy(nv, m->jobs, m->njobs * sizeof(*nv));
		ck_free(m->jobs);
		m->jobs = nv;
		m->jcap = nc;
	}
	m->jobs[m->njobs++] = i;
	return CK_OK;
}

static int pmap_index(struct pmap *m)
{
	size_t ns = 16, i;

	while (ns < 2 * m->n + 2)
		ns *= 2;
	if ((m->slots = ck_calloc(ns, sizeof(*m->slots))) == NULL)
		return nomem();
	m->mask = ns - 1;
	for (i = 0; i < m->n; i++) {
		const char *p = pname(m, i);
		size_t k = (size_t)fnv(p, strlen(p)) & m->mask;

		while (m->slots[k] != 0)
			k = (k + 1) & m->mask;
		m->slots[k] = (uint32_t)(i + 1);
	}
	return CK_OK;
}

/* Index of path (n bytes), or -1. */
static long pmap_find(const struct pmap *m, const char *path, size_t n)
{
	size_t k = (size_t)fnv(path, n) & m->mask;

	for (; m->slots[k] != 0; k = (k + 1) & m->mask) {
		const char *q = pname(m, m->slots[k] - 1);

		if (strncmp(q, path, n) == 0 && q[n] == 0)
			return (long)m->slots[k] - 1;
	}
	return -1;
}

static void pmap_dispose(struct pmap *m)
{
	ck_free(m->v);
	ck_free(m->slots);
	ck_free(m->jobs);
	ck_free(m->keys);
	ck_free(m->names);
	memset(m, 0, sizeof(*m));
}

/* A tree snapshot read through the map: 1 found, 0 absent, -1 not known (go down the trees). */
static int pmap_read(const struct pmap *m, struct ck_hook__odbr *rd, const char *path, size_t max,
                     struct ck_buf *out, int *rc)
{
	const char *sl = strrchr(path, '/');
	long i = pmap_find(m, path, strlen(path));

	if (i >= 0) {
		*rc = regular(m->v[i].mode) ? put_blob(rd, m->v[i].oid, max, out) : CK_ENOTFOUND;
		return 1;
	}
	if (sl == NULL || ((i = pmap_find(m, path, (size_t)(sl - path))) >= 0 && m->v[i].walked)) {
		*rc = CK_ENOTFOUND; /* the directory was listed and has no such entry */
		return 0;
	}
	return -1;
}

struct walker {
	struct ck_hook__odbr *rd;
	const struct ck_hook__filt *f;
	const struct ck_hook_config *cfg;
	size_t skipped;  /* added to the report once the walk is through */
	struct pmap *m;
	char path[4096]; /* deeper paths are rare: the walk refuses them (git allows 4096 too) */
};

/* git.c's tree_cb over a pre-order walk: the files to check, nothing read but trees. */
static int walk(struct walker *w, const uint8_t *oid, size_t keep, int depth)
{
	struct ck_hook__obj *o = NULL;
	struct ck_hook__tentry e;
	const char *path = w->path;
	size_t off = 0;
	int rc, m;

	if (depth > 1024)
		return ck_err_set(CK_EIO, "hook: trees nested too deep");
	if ((rc = ck_hook__odb_read(w->rd, oid, CK_HOOK__OBJ_TREE, SIZE_MAX, &o)) < 0)
		return rc;
	while ((rc = ck_hook__tree_next(o->data, o->len, &off, &e)) == 1) {
		size_t me, len = keep + e.namelen;

		if (len + 2 > sizeof(w->path)) {
			rc = ck_err_set(CK_EUNSUPPORTED, "hook: a path longer than %zu bytes", sizeof(w->path));
			break;
		}
		memcpy(w->path + keep, e.name, e.namelen);
		w->path[len] = 0;
		me = w->m->n;
		if ((rc = pmap_add(w->m, path, len, e.mode, e.oid)) < 0)
			break;
		if (e.mode == 0040000) {
			if (ck_hook__filt_match(w->f, path, 1) == 0)
				continue;
			w->m->v[me].walked = 1;
			w->path[len] = '/';
			w->path[len + 1] = 0;
			if ((rc = walk(w, e.oid, len + 1, depth + 1)) < 0)
				break;
			continue;
		}
		if ((m = ck_hook__filt_match(w->f, path, 0)) != 1)
			continue;
		if (!regular(e.mode) || ck_hook_config_skips(w->cfg, path)) {
			w->skipped++; /* symlinks, submodules, allowlisted paths: not even read */
			continue;
		}
		if ((rc = pmap_job(w->m, me)) < 0)
			break;
	}
	w->path[keep] = 0;
	ck_hook__obj_unref(o);
	return rc < 0 ? rc : CK_OK;
}

/*
 * Jobs in pack order: an LSD radix sort on the keys, a byte at a time,
 * skipping bytes every key shares (the walk's order is already close to the
 * pack's, but a comparison sort of 20,000 entries costs more than the walk).
 */
static int sort_jobs(struct pmap *m)
{
	size_t *tmp_j = NULL, n = m->njobs, i, b;
	uint64_t *tmp_k = NULL;
	int rc = CK_OK;

	if (n < 2)
		return CK_OK;
	if ((tmp_j = ck_calloc(n, sizeof(*tmp_j))) == NULL || (tmp_k = ck_calloc(n, sizeof(*tmp_k))) == NULL) {
		rc = nomem();
		goto out;
	}
	for (b = 0; b < 64; b += 8) {
		size_t cnt[256], pos = 0, c;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(m->keys[i] >> b) & 255]++;
		if (cnt[(m->keys[0] >> b) & 255] == n)
			continue;
		for (c = 0; c < 256; c++) {
			size_t t = cnt[c];

			cnt[c] = pos;
			pos += t;
		}
		for (i = 0; i < n; i++) {
			size_t d = cnt[(m->keys[i] >> b) & 255]++;

			tmp_k[d] = m->keys[i];
			tmp_j[d] = m->jobs[i];
		}
		memcpy(m->keys, tmp_k, n * sizeof(*tmp_k));
		memcpy(m->jobs, tmp_j, n * sizeof(*tmp_j));
	}
out:
	ck_free(tmp_j);
	ck_free(tmp_k);
	return rc;
}

struct asnap {
	struct ck_hook__odbr *rd;
	const struct pmap *m;
	const uint8_t *root;
};

static int asnap_read(void *ctx, const char *path, struct ck_buf *out, size_t max)
{
	struct asnap *s = ctx;
	struct nsnap ns;
	int rc = CK_OK;

	if (pmap_read(s->m, s->rd, path, max, out, &rc) >= 0)
		return rc;
	ns.rd = s->rd;
	ns.ix = NULL;
	ns.root = s->root;
	return nsnap_read(&ns, path, out, max);
}

#define CHUNK 128

struct worker {
	struct ck_hook__odb *db;
	const uint8_t *root;
	const struct pmap *m;
	size_t max;
	size_t *next;   /* shared: the next chunk of jobs */
	int *stop;      /* shared: a worker failed */
	struct ck_hook_report r;
	int rc;
	char err[CK_ERR_MSG_MAX];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ck_hook__odbr *rd = NULL;
	struct ck_hook_scanner *sc = NULL;
	struct ck_hook_src src;
	struct asnap as;
	const struct pmap *m = w->m;
	int rc;

	if ((rc = ck_hook__odbr_new(&rd, w->db)) < 0)
		goto out;
	as.rd = rd;
	as.m = m;
	as.root = w->root;
	src.read = asnap_read;
	src.ctx = &as;
	if ((rc = ck_hook_scanner_new(&sc, &src, 0)) < 0)
		goto out;
	while (rc == CK_OK && !__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		size_t c = __atomic_fetch_add(w->next, CHUNK, __ATOMIC_RELAXED), i, end;

		if (c >= m->njobs)
			break;
		end = c + CHUNK < m->njobs ? c + CHUNK : m->njobs;
		for (i = c; i < end && rc == CK_OK; i++) {
			const struct pent *e = &m->v[m->jobs[i]];
			struct ck_hook__obj *o = NULL;

			rc = ck_hook__odb_read_at(rd, e->oid, m->keys[i], CK_HOOK__OBJ_BLOB, w->max, &o);
			if (rc == CK_ETOOBIG) {
				ck_err_clear();
				w->r.skipped++;
				rc = CK_OK;
				continue;
			}
			if (rc == CK_OK)
				rc = ck_hook_scan_blob(sc, &w->r, pname(m, m->jobs[i]), o->data, o->len, NULL);
			ck_hook__obj_unref(o);
		}
	}
out:
	if (rc < 0) {
		snprintf(w->err, sizeof(w->err), "%s", ck_err_last()->msg);
		__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
	}
	w->rc = rc;
	ck_hook_scanner_free(sc);
	ck_hook__odbr_free(rd);
	return NULL;
}

static int run_jobs(struct ck_hook_report *r, struct ck_hook__odb *db, const uint8_t *root,
                    struct pmap *m, size_t max)
{
	struct worker w[9];
	pthread_t th[9];
	size_t n, i, k, next = 0;
	int stop = 0, rc;

	if (m->njobs > 0 && (m->keys = ck_calloc(m->njobs, sizeof(*m->keys))) == NULL)
		return nomem();
	for (i = 0; i < m->njobs; i++)
		m->keys[i] = ck_hook__odb_order(db, m->v[m->jobs[i]].oid);
	if ((rc = sort_jobs(m)) < 0)
		return rc;
	n = ck_hook__audit_threads(m->njobs);
	if (n > 9)
		n = 9;
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].db = db;
		w[i].root = root;
		w[i].m = m;
		w[i].max = max;
		w[i].next = &next;
		w[i].stop = &stop;
		ck_hook_report_init(&w[i].r);
	}
	for (i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
			break;
	work(&w[0]);
	for (k = 1; k < i; k++)
		pthread_join(th[k], NULL);
	if (i < n)
		rc = ck_err_set(CK_EINTERNAL, "hook: cannot start audit threads");
	for (k = 0; k < n && rc == CK_OK; k++)
		if (w[k].rc < 0)
			rc = ck_err_set(w[k].rc, "%s", w[k].err);
	for (k = 0; k < n; k++) {
		if (rc == CK_OK)
			rc = ck_hook__report_merge(r, &w[k].r);
		ck_hook_report_dispose(&w[k].r);
	}
	return rc;
}

int ck_hook__native_audit(struct ck_hook_report *r, const struct ck_hook_audit_opts *o)
{
	struct ck_hook__repo rp;
	struct ck_hook__odbr *rd = NULL;
	struct ck_hook_scanner *sc = NULL;
	struct ck_hook__filt f;
	struct ck_hook_src src;
	struct nsnap ns;
	struct walker w;
	struct pmap m;
	uint8_t tree[20];
	size_t i;
	int rc, unborn = 0;

	if (o->worktree || (o->rev != NULL && strcmp(o->rev, "HEAD") != 0))
		return ck_err_set(CK_EUNSUPPORTED, "hook: the working tree and revisions are libgit2's");
	memset(&f, 0, sizeof(f));
	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	if ((rc = ck_hook__repo_open(&rp, o->repo)) < 0)
		return rc;
	if ((rc = ck_hook__odbr_new(&rd, rp.odb)) < 0 ||
	    (rc = ck_hook__repo_head_tree(&rp, rd, tree, &unborn)) < 0)
		goto out;
	if (unborn) {
		rc = ck_err_set(CK_ENOTFOUND, "hook: unknown revision 'HEAD' (no commit yet? try --worktree)");
		goto out;
	}
	if ((rc = ck_hook__filt_make(&f, o, rp.workdir)) < 0)
		goto out;
	for (i = 0; i < f.n; i++) {
		uint8_t oid[20];
		uint32_t mode;

		if (f.p[i][0] == '\0')
			continue;
		if ((rc = tree_lookup(rd, tree, f.p[i], &mode, oid)) < 0)
			goto out;
		if (rc == 0) {
			rc = ck_err_set(CK_ENOTFOUND, "hook: %s: no such file or directory in HEAD", o->paths[i]);
			goto out;
		}
	}
	ns.rd = rd;
	ns.ix = NULL;
	ns.root = tree;
	src.read = nsnap_read;
	src.ctx = &ns;
	if ((rc = ck_hook_scanner_new(&sc, &src, 0)) < 0)
		goto out;
	w.rd = rd;
	w.f = &f;
	w.cfg = ck_hook_scanner_config(sc);
	w.m = &m;
	w.path[0] = 0;
	if ((rc = walk(&w, tree, 0, 0)) < 0)
		goto out;
	r->skipped += w.skipped;
	if ((rc = pmap_index(&m)) < 0 ||
	    (rc = run_jobs(r, rp.odb, tree, &m, ck_hook_config_max_size(ck_hook_scanner_config(sc)))) < 0)
		goto out;
	ck_hook_report_sort(r);
out:
	ck_hook_scanner_free(sc);
	ck_hook__filt_dispose(&f);
	pmap_dispose(&m);
	ck_hook__odbr_free(rd);
	ck_hook__repo_dispose(&rp);
	return rc;
}
