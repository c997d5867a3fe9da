/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A read-only git index reader for the pre-commit hook's fast path, and the
 * HEAD-versus-index comparison git itself does with the cache tree.
 *
 * Why: libgit2 1.5 spends ~11 ms loading a 20,000-entry index (an allocation
 * and a hash-map insert per entry, path validation) and then loads every
 * tree of HEAD to diff it, while the index's own cache tree (the TREE
 * extension) already says which directories are unchanged since the last
 * write-tree. Reading the file once, entries in place, and descending only
 * into directories whose cache-tree entry is invalid or differs from HEAD
 * brings the whole staged-change scan under the hook's 30 ms budget.
 *
 * Scope: index versions 2, 3 and 4 with SHA-1 object ids. A split index
 * ("link"), a sparse index ("sdir") or anything unexpected is
 * CK_EUNSUPPORTED, and the caller falls back to libgit2's own index and
 * diff, so behaviour never depends on this file, only speed does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/file.h"
#include "index_int.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int unsup(const char *why)
{
	return ck_err_set(CK_EUNSUPPORTED, "hook: index: %s", why);
}

void ck_hook__ix_dispose(struct ck_hook__ix *ix)
{
	ck_free(ix->e);
	ck_free(ix->paths);
	ck_free(ix->ct);
	if (ix->map != NULL)
		munmap((void *)ix->map, ix->maplen);
	memset(ix, 0, sizeof(*ix));
}

/* The TREE extension: nodes in pre-order, each "name\0count subtrees\n[oid]". */
static int read_tree_ext(struct ck_hook__ix *ix, const uint8_t *p, size_t n)
{
	size_t off = 0, cap = 64, k;

	if ((ix->ct = ck_calloc(cap, sizeof(*ix->ct))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	while (off < n) {
		struct ck_hook__ctnode *c;
		const uint8_t *nul = memchr(p + off, 0, n - off);
		long cnt = 0, sub = 0;
		int neg = 0;

		if (nul == NULL)
			return unsup("bad cache tree");
		if (ix->nct == cap) {
			struct ck_hook__ctnode *nv = ck_calloc(cap * 2, sizeof(*nv));

			if (nv == NULL)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			memcpy(nv, ix->ct, cap * sizeof(*nv));
			ck_free(ix->ct);
			ix->ct = nv;
			cap *= 2;
		}
		c = &ix->ct[ix->nct++];
		c->name = (const char *)p + off;
		c->namelen = (size_t)(nul - (p + off));
		off = (size_t)(nul - p) + 1;
		if (off < n && p[off] == '-') {
			neg = 1;
			off++;
		}
		for (k = 0; off < n && p[off] >= '0' && p[off] <= '9' && k < 10; off++, k++)
			cnt = cnt * 10 + (p[off] - '0');
		if (off >= n || p[off] != ' ')
			return unsup("bad cache tree");
		for (off++, k = 0; off < n && p[off] >= '0' && p[off] <= '9' && k < 10; off++, k++)
			sub = sub * 10 + (p[off] - '0');
		if (off >= n || p[off] != '\n')
			return unsup("bad cache tree");
		off++;
		c->valid = !neg;
		c->nsub = (size_t)sub;
		if (!neg) {
			if (n - off < 20)
				return unsup("bad cache tree");
			c->oid = p + off;
			off += 20;
		}
	}
	return CK_OK;
}

int ck_hook__ix_read(struct ck_hook__ix *ix, const char *path)
{
	const uint8_t *p, *end;
	size_t n, i, off, pathbytes = 0;
	uint32_t ver, cnt;
	int rc;

	memset(ix, 0, sizeof(*ix));
	/* mapped, not read: git replaces the index by renaming a new file over it */
	{
		struct stat st;
		void *m;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return errno == ENOENT ? ck_err_set(CK_ENOTFOUND, "hook: %s: no such file", path)
			                       : ck_err_set(CK_EIO, "hook: %s: %s", path, strerror(errno));
		if (fstat(fd, &st) < 0 || st.st_size < 12 + 20 || st.st_size > (off_t)1 << 30) {
			close(fd);
			return unsup("not an index file");
		}
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			return ck_err_set(CK_EIO, "hook: cannot map %s: %s", path, strerror(errno));
		ix->map = m;
		ix->maplen = (size_t)st.st_size;
	}
	p = ix->map;
	n = ix->maplen;
	if (n < 12 + 20 || memcmp(p, "DIRC", 4) != 0)
		return unsup("not an index file");
	ver = be32(p + 4);
	cnt = be32(p + 8);
	if (ver < 2 || ver > 4)
		return unsup("unknown version");
	end = p + n - 20; /* the trailing checksum */
	if (cnt > 0 && (ix->e = ck_calloc(cnt, sizeof(*ix->e))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	/* v4 compresses paths against the previous one: they are rebuilt into one buffer */
	if (ver == 4 && (ix->paths = ck_alloc(n * 2 + 4096)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	off = 12;
	for (i = 0; i < cnt; i++) {
		struct ck_hook__ixent *e = &ix->e[i];
		const uint8_t *q = p + off;
		uint16_t flags;
		size_t fixed = 62, plen;

		if ((size_t)(end - q) < fixed)
			return unsup("truncated");
		e->mode = be32(q + 24);
		e->oid = q + 40;
		flags = be16(q + 60);
		e->stage = (flags >> 12) & 3;
		if (flags & 0x4000) {
			if (ver < 3 || (size_t)(end - q) < fixed + 2)
				return unsup("bad extended flags");
			e->ita = (be16(q + 62) & 0x2000) != 0;
			fixed += 2;
		}
		if (ver == 4) {
			size_t strip = 0, prev = i > 0 ? e[-1].len : 0, shift = 0;
			const uint8_t *s = q + fixed, *nul;
			char *dst;

			do {
				if (s >= end || shift > 28)
					return unsup("bad path");
				strip = shift == 0 ? (size_t)(*s & 0x7f) : ((strip + 1) << 7) | (*s & 0x7f);
				shift += 7;
			} while (*s++ & 0x80);
			if (strip > prev || (nul = memchr(s, 0, (size_t)(end - s))) == NULL)
				return unsup("bad path");
			plen = prev - strip + (size_t)(nul - s);
			if (pathbytes + plen + 1 > n * 2 + 4096)
				return unsup("paths too long");
			dst = ix->paths + pathbytes;
			if (i > 0)
				memcpy(dst, e[-1].path, prev - strip);
			memcpy(dst + prev - strip, s, (size_t)(nul - s));
			dst[plen] = 0;
			e->path = dst;
			e->len = plen;
			pathbytes += plen + 1;
			off = (size_t)(nul + 1 - p);
		} else {
			const uint8_t *s = q + fixed, *nul = memchr(s, 0, (size_t)(end - s));

			if (nul == NULL)
				return unsup("bad path");
			plen = (size_t)(nul - s);
			if ((flags & 0xfff) != 0xfff && plen != (flags & 0xfff))
				return unsup("bad path length");
			e->path = (const char *)s;
			e->len = plen;
			off += (fixed + plen + 8) & ~(size_t)7;
		}
		if (S_ISDIR(e->mode))
			return unsup("sparse index");
		if (i > 0 && strcmp(e[-1].path, e->path) > 0)
			return unsup("entries out of order");
	}
	ix->n = cnt;
	/* extensions */
	while (p + off + 8 <= end) {
		const uint8_t *x = p + off;
		uint32_t xl = be32(x + 4);

		if ((size_t)(end - x - 8) < xl)
			return unsup("bad extension");
		if (memcmp(x, "link", 4) == 0)
			return unsup("split index");
		if (memcmp(x, "sdir", 4) == 0)
			return unsup("sparse index");
		if (memcmp(x, "TREE", 4) == 0 && (rc = read_tree_ext(ix, x + 8, xl)) < 0)
			return rc;
		off += 8 + xl;
	}
	return CK_OK;
}

const struct ck_hook__ixent *ck_hook__ix_find(const struct ck_hook__ix *ix, const char *path)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix->e[mid].path, path);

		if (c == 0) {
			/* stage 0 sorts first among equal paths */
			while (mid > 0 && strcmp(ix->e[mid - 1].path, path) == 0)
				mid--;
			return ix->e[mid].stage == 0 ? &ix->e[mid] : NULL;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- HEAD versus the index, descending only where the cache tree says so ---- */

struct cmp {
	struct ck_hook__ix *ix;
	int (*load)(void *ctx, const uint8_t *oid, struct ck_hook__tree *out);
	void (*unload)(void *ctx, struct ck_hook__tree *t);
	int (*emit)(void *ctx, const struct ck_hook__ixent *e, const uint8_t *old_oid, uint32_t old_mode);
	void *ctx;
	size_t ct_next; /* next cache-tree node in pre-order */
};

/* Skip a cache-tree node and all its descendants (pre-order). */
static size_t ct_skip(const struct ck_hook__ix *ix, size_t i)
{
	size_t k, n;

	if (i >= ix->nct)
		return ix->nct;
	n = ix->ct[i].nsub;
	i++;
	for (k = 0; k < n; k++)
		i = ct_skip(ix, i);
	return i;
}

/* The child of node `parent` (index into ct) named name, or (size_t)-1. */
static size_t ct_child(const struct ck_hook__ix *ix, size_t parent, const char *name, size_t nl)
{
	size_t i, k;

	if (parent == (size_t)-1 || parent >= ix->nct)
		return (size_t)-1;
	i = parent + 1;
	for (k = 0; k < ix->ct[parent].nsub && i < ix->nct; k++) {
		if (ix->ct[i].namelen == nl && memcmp(ix->ct[i].name, name, nl) == 0)
			return i;
		i = ct_skip(ix, i);
	}
	return (size_t)-1;
}

/* git's tree order: a directory compares as its name followed by '/'. */
static int name_cmp(const char *a, size_t al, int adir, const char *b, size_t bl, int bdir)
{
	size_t m = al < bl ? al : bl;
	int c = memcmp(a, b, m);
	unsigned char ca, cb;

	if (c != 0)
		return c;
	ca = m < al ? (unsigned char)a[m] : (adir ? '/' : 0);
	cb = m < bl ? (unsigned char)b[m] : (bdir ? '/' : 0);
	return (int)ca - (int)cb;
}

/* Every stage-0 entry in [a, b) is new. */
static int all_added(struct cmp *c, size_t a, size_t b)
{
	size_t i;
	int rc;

	for (i = a; i < b; i++)
		if (c->ix->e[i].stage == 0 && !c->ix->e[i].ita && (rc = c->emit(c->ctx, &c->ix->e[i], NULL, 0)) < 0)
			return rc;
	return CK_OK;
}

/*
 * Compare the HEAD tree `t` (NULL: absent) of directory `pre` (length pl,
 * ending in '/' unless root) with index entries [a, b), all under pre.
 * node: this directory's cache-tree node or (size_t)-1.
 */
static int compare(struct cmp *c, const uint8_t *tree_oid, size_t pl, size_t a, size_t b, size_t node)
{
	struct ck_hook__tree t;
	size_t ti = 0, i = a;
	int rc = CK_OK;

	if (tree_oid == NULL)
		return all_added(c, a, b);
	if (node != (size_t)-1 && c->ix->ct[node].valid && memcmp(c->ix->ct[node].oid, tree_oid, 20) == 0)
		return CK_OK; /* unchanged directory: nothing staged below it */
	memset(&t, 0, sizeof(t));
	if ((rc = c->load(c->ctx, tree_oid, &t)) < 0)
		return rc;
	while (rc == CK_OK && (i < b || ti < t.n)) {
		const struct ck_hook__ixent *e = i < b ? &c->ix->e[i] : NULL;
		const char *name = NULL, *slash = NULL;
		size_t nl = 0, j = i;
		int isdir = 0, cmp;

		if (e != NULL) {
			name = e->path + pl;
			slash = memchr(name, '/', e->len - pl);
			nl = slash != NULL ? (size_t)(slash - name) : e->len - pl;
			isdir = slash != NULL;
			if (isdir) /* the index entries of this subdirectory: a contiguous run */
				while (j < b && c->ix->e[j].len > pl + nl && memcmp(c->ix->e[j].path + pl, name, nl) == 0 &&
				       c->ix->e[j].path[pl + nl] == '/')
					j++;
			else
				j = i + 1;
		}
		if (e == NULL)
			cmp = 1;
		else if (ti >= t.n)
			cmp = -1;
		else
			cmp = name_cmp(name, nl, isdir, t.e[ti].name, t.e[ti].namelen, t.e[ti].mode == 040000);
		if (cmp > 0) { /* only in HEAD: deleted, nothing to check */
			ti++;
			continue;
		}
		if (cmp < 0) { /* only in the index: added */
			rc = all_added(c, i, j);
		} else if (isdir) {
			rc = compare(c, t.e[ti].oid, pl + nl + 1, i, j, ct_child(c->ix, node, name, nl));
			ti++;
		} else {
			/* the same file: changed when its id or mode differs (conflicts and
			 * intent-to-add entries are not staged content) */
			size_t k;

			for (k = i; k < j && rc == CK_OK; k++)
				if (c->ix->e[k].stage == 0 && !c->ix->e[k].ita &&
				    (memcmp(c->ix->e[k].oid, t.e[ti].oid, 20) != 0 || c->ix->e[k].mode != t.e[ti].mode))
					rc = c->emit(c->ctx, &c->ix->e[k], t.e[ti].oid, t.e[ti].mode);
			ti++;
		}
		/* conflict stages of the same path follow stage 0: skip them with it */
		while (j < b && !isdir && strcmp(c->ix->e[j].path, e->path) == 0)
			j++;
		i = j;
	}
	c->unload(c->ctx, &t);
	return rc;
}

int ck_hook__ix_diff(struct ck_hook__ix *ix, const uint8_t *head_tree,
                     int (*load)(void *, const uint8_t *, struct ck_hook__tree *),
                     void (*unload)(void *, struct ck_hook__tree *),
                     int (*emit)(void *, const struct ck_hook__ixent *, const uint8_t *, uint32_t),
                     void *ctx)
{
	struct cmp c;

	memset(&c, 0, sizeof(c));
	c.ix = ix;
	c.load = load;
	c.unload = unload;
	c.emit = emit;
	c.ctx = ctx;
	return compare(&c, head_tree, 0, 0, ix->n, ix->nct > 0 ? 0 : (size_t)-1);
}
