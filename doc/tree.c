/* SPDX-License-Identifier: Apache-2.0 */
/* The tree: streams, node builders, editors and lookups. */
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "doc_int.h"

static int nomem(void)
{
	return ck_err_set(CK_ENOMEM, "doc: out of memory");
}

/*
 * A NULL node passed on: when a builder just ran out of memory, that is the
 * error (so calls can nest: map_set(d, m, "k", ck_doc_scalar_str(d, v))).
 */
static int bad_arg(const char *msg)
{
	if (ck_err_last()->code == CK_ENOMEM)
		return CK_ENOMEM;
	return ck_err_set(CK_EINVAL, "doc: %s", msg);
}

struct ck_doc *ck_doc_new(unsigned flags)
{
	struct ck_doc *d = ck_calloc(1, sizeof(*d));

	if (d == NULL) {
		nomem();
		return NULL;
	}
	d->flags = flags;
	d->arena = ck_doc__arena_new((flags & CK_DOC_SECURE) != 0);
	if (d->arena == NULL) {
		ck_free(d);
		nomem();
		return NULL;
	}
	return d;
}

void ck_doc_free(struct ck_doc *d)
{
	if (d == NULL)
		return;
	ck_doc__arena_free(d->arena);
	ck_freezero(d, sizeof(*d));
}

char *ck_doc_strdup(struct ck_doc *d, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = ck_doc__alloc(d->arena, len + 1)) == NULL) {
		nomem();
		return NULL;
	}
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

struct ck_doc_node *ck_doc__node(struct ck_doc *d, enum ck_doc_kind kind)
{
	struct ck_doc_node *n = ck_doc__alloc(d->arena, sizeof(*n));

	if (n == NULL) {
		nomem();
		return NULL;
	}
	n->kind = kind;
	return n;
}

int ck_doc__add_root(struct ck_doc *d, struct ck_doc_node *root, int explicit_start)
{
	if (d->ndocs == d->capdocs) {
		size_t cap = d->capdocs ? d->capdocs * 2 : 4;
		struct ck_doc_node **docs;
		unsigned char *ex;

		if (cap > SIZE_MAX / sizeof(*docs))
			return nomem();
		docs = ck_doc__alloc(d->arena, cap * sizeof(*docs));
		ex = ck_doc__alloc(d->arena, cap);
		if (docs == NULL || ex == NULL)
			return nomem();
		if (d->ndocs) {
			memcpy(docs, d->docs, d->ndocs * sizeof(*docs));
			memcpy(ex, d->explicit_start, d->ndocs);
		}
		d->docs = docs;
		d->explicit_start = ex;
		d->capdocs = cap;
	}
	d->docs[d->ndocs] = root;
	d->explicit_start[d->ndocs] = explicit_start ? 1 : 0;
	d->ndocs++;
	return CK_OK;
}

int ck_doc_add_root(struct ck_doc *d, struct ck_doc_node *root)
{
	if (root == NULL && ck_err_last()->code == CK_ENOMEM)
		return CK_ENOMEM;
	return ck_doc__add_root(d, root, 0);
}

struct ck_doc_node *ck_doc_scalar(struct ck_doc *d, const char *text, size_t len,
                                  enum ck_doc_style style)
{
	struct ck_doc_node *n = ck_doc__node(d, CK_DOC_SCALAR);

	if (n == NULL)
		return NULL;
	if ((n->text = ck_doc_strdup(d, text, len)) == NULL)
		return NULL;
	n->len = len;
	n->style = style;
	return n;
}

struct ck_doc_node *ck_doc_scalar_str(struct ck_doc *d, const char *text)
{
	return ck_doc_scalar(d, text, text ? strlen(text) : 0, CK_DOC_STYLE_ANY);
}

struct ck_doc_node *ck_doc_map(struct ck_doc *d)
{
	return ck_doc__node(d, CK_DOC_MAP);
}

struct ck_doc_node *ck_doc_seq(struct ck_doc *d)
{
	return ck_doc__node(d, CK_DOC_SEQ);
}

/* Make room for `more` kids (arena: the old array is left for the arena to wipe). */
static int kids_reserve(struct ck_doc *d, struct ck_doc_node *n, size_t more)
{
	struct ck_doc_node **k;
	size_t cap;

	if (n->nkids + more <= n->capkids)
		return CK_OK;
	cap = n->capkids ? n->capkids * 2 : 8;
	while (cap < n->nkids + more)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(*k) || (k = ck_doc__alloc(d->arena, cap * sizeof(*k))) == NULL)
		return nomem();
	if (n->nkids)
		memcpy(k, n->kids, n->nkids * sizeof(*k));
	n->kids = k;
	n->capkids = cap;
	return CK_OK;
}

int ck_doc_set_text(struct ck_doc *d, struct ck_doc_node *n, const char *text, size_t len,
                    enum ck_doc_style style)
{
	char *t;

	if (n == NULL || n->kind != CK_DOC_SCALAR)
		return ck_err_set(CK_EINVAL, "doc: set_text on a node that is not a scalar");
	if ((t = ck_doc_strdup(d, text, len)) == NULL)
		return CK_ENOMEM;
	n->text = t;
	n->len = len;
	if (style != CK_DOC_STYLE_ANY)
		n->style = style;
	return CK_OK;
}

int ck_doc_set_comment(struct ck_doc *d, char **slot, const char *text)
{
	char *t = NULL;

	if (text != NULL && (t = ck_doc_strdup(d, text, strlen(text))) == NULL)
		return CK_ENOMEM;
	*slot = t;
	return CK_OK;
}

int ck_doc_seq_append(struct ck_doc *d, struct ck_doc_node *seq, struct ck_doc_node *item)
{
	int rc;

	if (seq == NULL || seq->kind != CK_DOC_SEQ || item == NULL)
		return bad_arg("seq_append needs a sequence and an item");
	if ((rc = kids_reserve(d, seq, 1)) < 0)
		return rc;
	seq->kids[seq->nkids++] = item;
	return CK_OK;
}

int ck_doc_map_append(struct ck_doc *d, struct ck_doc_node *map, struct ck_doc_node *key,
                      struct ck_doc_node *value)
{
	return ck_doc_map_insert(d, map, map ? map->nkids / 2 : 0, key, value);
}

int ck_doc_map_insert(struct ck_doc *d, struct ck_doc_node *map, size_t i,
                      struct ck_doc_node *key, struct ck_doc_node *value)
{
	int rc;

	if (map == NULL || map->kind != CK_DOC_MAP || key == NULL || value == NULL)
		return bad_arg("map insert needs a map, a key and a value");
	if (i > map->nkids / 2)
		return ck_err_set(CK_EINVAL, "doc: map insert at %zu past the end (%zu pairs)", i,
		                  map->nkids / 2);
	if ((rc = kids_reserve(d, map, 2)) < 0)
		return rc;
	memmove(map->kids + 2 * i + 2, map->kids + 2 * i, (map->nkids - 2 * i) * sizeof(*map->kids));
	map->kids[2 * i] = key;
	map->kids[2 * i + 1] = value;
	map->nkids += 2;
	return CK_OK;
}

static int key_is(const struct ck_doc_node *k, const char *key, size_t klen)
{
	k = ck_doc_resolve(k);
	return k != NULL && k->kind == CK_DOC_SCALAR && k->len == klen &&
	       (klen == 0 || memcmp(k->text, key, klen) == 0);
}

/* Pair index of the last pair whose key is `key`, or SIZE_MAX. */
static size_t find_key(const struct ck_doc_node *map, const char *key)
{
	size_t klen = strlen(key), i;

	for (i = map->nkids / 2; i-- > 0;)
		if (key_is(map->kids[2 * i], key, klen))
			return i;
	return SIZE_MAX;
}

int ck_doc_map_set(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                   struct ck_doc_node *value)
{
	struct ck_doc_node *k;
	size_t i;

	if (map == NULL || map->kind != CK_DOC_MAP || key == NULL || value == NULL)
		return bad_arg("map_set needs a map, a key and a value");
	if ((i = find_key(map, key)) != SIZE_MAX) {
		map->kids[2 * i + 1] = value;
		return CK_OK;
	}
	if ((k = ck_doc_scalar_str(d, key)) == NULL)
		return CK_ENOMEM;
	return ck_doc_map_append(d, map, k, value);
}

int ck_doc_map_remove(struct ck_doc_node *map, const char *key)
{
	size_t klen, i, j, removed = 0;

	if (map == NULL || map->kind != CK_DOC_MAP || key == NULL)
		return 0;
	klen = strlen(key);
	for (i = 0, j = 0; i < map->nkids / 2; i++) {
		if (key_is(map->kids[2 * i], key, klen)) {
			removed++;
			continue;
		}
		map->kids[2 * j] = map->kids[2 * i];
		map->kids[2 * j + 1] = map->kids[2 * i + 1];
		j++;
	}
	map->nkids = 2 * j;
	return removed ? 1 : 0;
}

const struct ck_doc_node *ck_doc_resolve(const struct ck_doc_node *n)
{
	/* The reader never makes an alias to an alias, but built trees might. */
	int hops = 0;

	while (n != NULL && n->kind == CK_DOC_ALIAS && hops++ < 64)
		n = n->target;
	if (n != NULL && n->kind == CK_DOC_ALIAS)
		return NULL;
	return n;
}

static const struct ck_doc_node *as_map(const struct ck_doc_node *n)
{
	n = ck_doc_resolve(n);
	return n != NULL && n->kind == CK_DOC_MAP ? n : NULL;
}

size_t ck_doc_map_len(const struct ck_doc_node *map)
{
	map = as_map(map);
	return map ? map->nkids / 2 : 0;
}

struct ck_doc_node *ck_doc_map_key(const struct ck_doc_node *map, size_t i)
{
	map = as_map(map);
	if (map == NULL || i >= map->nkids / 2)
		return NULL;
	return (struct ck_doc_node *)ck_doc_resolve(map->kids[2 * i]);
}

struct ck_doc_node *ck_doc_map_value(const struct ck_doc_node *map, size_t i)
{
	map = as_map(map);
	if (map == NULL || i >= map->nkids / 2)
		return NULL;
	return (struct ck_doc_node *)ck_doc_resolve(map->kids[2 * i + 1]);
}

struct ck_doc_node *ck_doc_map_get(const struct ck_doc_node *map, const char *key)
{
	size_t i;

	map = as_map(map);
	if (map == NULL || key == NULL || (i = find_key(map, key)) == SIZE_MAX)
		return NULL;
	return (struct ck_doc_node *)ck_doc_resolve(map->kids[2 * i + 1]);
}

struct ck_doc_node *ck_doc_get_path(const struct ck_doc_node *root, const char *dotted)
{
	const struct ck_doc_node *n = ck_doc_resolve(root);
	const char *p = dotted;
	char part[256];

	if (dotted == NULL)
		return NULL;
	while (n != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		n = ck_doc_map_get(n, part);
		p += len;
		if (*p == '.')
			p++;
	}
	return (struct ck_doc_node *)n;
}

const char *ck_doc_map_get_str(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *v = ck_doc_map_get(map, key);

	return v != NULL && v->kind == CK_DOC_SCALAR ? v->text : NULL;
}

int ck_doc_scalar_is(const struct ck_doc_node *n, const char *s)
{
	return s != NULL && n != NULL && key_is(n, s, strlen(s));
}

/* Pointer map old -> new for ck_doc_clone's anchors. */
struct pmap {
	const void **k;
	void **v;
	size_t cap, n;
};

static size_t phash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static void *pmap_get(const struct pmap *m, const void *k)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = phash(k, m->cap); m->k[i] != NULL; i = (i + 1) & (m->cap - 1))
		if (m->k[i] == k)
			return m->v[i];
	return NULL;
}

static int pmap_put(struct pmap *m, const void *k, void *v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct pmap g = { NULL, NULL, m->cap ? m->cap * 2 : 16, 0 };

		g.k = ck_calloc(g.cap, sizeof(*g.k));
		g.v = ck_calloc(g.cap, sizeof(*g.v));
		if (g.k == NULL || g.v == NULL) {
			ck_free(g.k);
			ck_free(g.v);
			return nomem();
		}
		for (i = 0; i < m->cap; i++)
			if (m->k[i] != NULL)
				(void)pmap_put(&g, m->k[i], m->v[i]);
		ck_free(m->k);
		ck_free(m->v);
		*m = g;
	}
	for (i = phash(k, m->cap); m->k[i] != NULL && m->k[i] != k; i = (i + 1) & (m->cap - 1))
		;
	if (m->k[i] == NULL)
		m->n++;
	m->k[i] = k;
	m->v[i] = v;
	return CK_OK;
}

static char *dup0(struct ck_doc *d, const char *s, int *ok)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = ck_doc_strdup(d, s, strlen(s))) == NULL)
		*ok = 0;
	return r;
}

static struct ck_doc_node *clone_rec(struct ck_doc *d, const struct ck_doc_node *n,
                                     struct pmap *anchors, int depth)
{
	struct ck_doc_node *c;
	int ok = 1;
	size_t i;

	if (depth > CK_DOC__MAX_DEPTH * 4) {
		ck_err_set(CK_ETOOBIG, "doc: clone: tree nested too deeply");
		return NULL;
	}
	if (n->kind == CK_DOC_ALIAS) {
		struct ck_doc_node *t = n->target ? pmap_get(anchors, n->target) : NULL;

		if (t == NULL && n->target != NULL) {
			/* The anchor lies outside the cloned subtree: copy what it stands for. */
			return clone_rec(d, n->target, anchors, depth + 1);
		}
		if ((c = ck_doc__node(d, CK_DOC_ALIAS)) == NULL)
			return NULL;
		c->target = t;
	} else if ((c = ck_doc__node(d, n->kind)) == NULL) {
		return NULL;
	}
	c->style = n->style;
	c->len = n->len;
	c->blank_before = n->blank_before;
	c->line = n->line;
	c->col = n->col;
	c->src_indent = n->src_indent;
	c->tag = dup0(d, n->tag, &ok);
	c->anchor = dup0(d, n->anchor, &ok);
	c->head_comment = dup0(d, n->head_comment, &ok);
	c->line_comment = dup0(d, n->line_comment, &ok);
	c->foot_comment = dup0(d, n->foot_comment, &ok);
	if (n->text != NULL && (c->text = ck_doc_strdup(d, n->text, n->len)) == NULL)
		ok = 0;
	if (!ok)
		return NULL;
	if (n->anchor != NULL && n->kind != CK_DOC_ALIAS && pmap_put(anchors, n, c) < 0)
		return NULL;
	if (n->nkids) {
		if (n->nkids > SIZE_MAX / sizeof(*c->kids) ||
		    (c->kids = ck_doc__alloc(d->arena, n->nkids * sizeof(*c->kids))) == NULL) {
			nomem();
			return NULL;
		}
		c->capkids = n->nkids;
		for (i = 0; i < n->nkids; i++) {
			if ((c->kids[i] = clone_rec(d, n->kids[i], anchors, depth + 1)) == NULL)
				return NULL;
			c->nkids = i + 1;
		}
	}
	return c;
}

struct ck_doc_node *ck_doc_clone(struct ck_doc *d, const struct ck_doc_node *n)
{
	struct pmap anchors = { NULL, NULL, 0, 0 };
	struct ck_doc_node *c;

	if (n == NULL)
		return NULL;
	c = clone_rec(d, n, &anchors, 0);
	ck_free(anchors.k);
	ck_free(anchors.v);
	return c;
}

uint64_t ck_doc__hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int same_key(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->text, b->text, a->len) == 0);
}

int ck_doc__find_dup_key(const struct ck_doc_node *map, size_t *first, size_t *dup)
{
	size_t np = map->nkids / 2, i, j, cap, *slot = NULL;
	int rc = 0;

	if (np <= 16) {
		for (j = 1; j < np; j++) {
			const struct ck_doc_node *kj = map->kids[2 * j];

			if (kj->kind != CK_DOC_SCALAR)
				continue;
			for (i = 0; i < j; i++) {
				const struct ck_doc_node *ki = map->kids[2 * i];

				if (ki->kind == CK_DOC_SCALAR && same_key(ki, kj)) {
					*first = i;
					*dup = j;
					return 1;
				}
			}
		}
		return 0;
	}
	for (cap = 32; cap < np * 2; cap *= 2)
		;
	if ((slot = ck_calloc(cap, sizeof(*slot))) == NULL)
		return nomem();
	for (j = 0; j < np && rc == 0; j++) {
		const struct ck_doc_node *kj = map->kids[2 * j];
		size_t h;

		if (kj->kind != CK_DOC_SCALAR)
			continue;
		for (h = (size_t)ck_doc__hash(kj->text, kj->len) & (cap - 1); slot[h] != 0;
		     h = (h + 1) & (cap - 1)) {
			if (same_key(map->kids[2 * (slot[h] - 1)], kj)) {
				*first = slot[h] - 1;
				*dup = j;
				rc = 1;
				break;
			}
		}
		if (rc == 0)
			slot[h] = j + 1;
	}
	ck_free(slot);
	return rc;
}

long ck_doc__utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long c;
	size_t k, i;

	if (n == 0)
		return -1;
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		c = s[0] & 0x07;
	} else {
		return -1;
	}
	if (n < k)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*len = k;
	return (long)c;
}

int ck_doc__utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (ck_doc__utf8_next(p + i, n - i, &k) < 0)
			return 0;
		i += k;
	}
	return 1;
}

void ck_doc__msg_str(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i, o = 0, lim = n > 40 ? 40 : n;

	if (outsz == 0)
		return;
	for (i = 0; i < lim && o + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
	}
	if (lim < n && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int node_eq(const struct ck_doc_node *a, const struct ck_doc_node *b, unsigned flags,
                   int depth)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (depth > CK_DOC__MAX_DEPTH * 4 || a->kind != b->kind || !str_eq(a->tag, b->tag) ||
	    (a->kind != CK_DOC_ALIAS && !str_eq(a->anchor, b->anchor)) || a->nkids != b->nkids)
		return 0;
	if (a->kind == CK_DOC_SCALAR || a->kind == CK_DOC_ALIAS) {
		if (a->len != b->len || (a->len && memcmp(a->text, b->text, a->len) != 0))
			return 0;
		if (a->kind == CK_DOC_SCALAR && ck_doc_scalar_type(a) != ck_doc_scalar_type(b))
			return 0;
	}
	if ((flags & CK_DOC_EQ_STYLES) && a->style != b->style)
		return 0;
	if ((flags & CK_DOC_EQ_COMMENTS) &&
	    (!str_eq(a->head_comment, b->head_comment) || !str_eq(a->line_comment, b->line_comment) ||
	     !str_eq(a->foot_comment, b->foot_comment) || a->blank_before != b->blank_before))
		return 0;
	for (i = 0; i < a->nkids; i++)
		if (!node_eq(a->kids[i], b->kids[i], flags, depth + 1))
			return 0;
	return 1;
}

int ck_doc_node_equal(const struct ck_doc_node *a, const struct ck_doc_node *b, unsigned flags)
{
	return node_eq(a, b, flags, 0);
}

int ck_doc_equal(const struct ck_doc *a, const struct ck_doc *b, unsigned flags)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->ndocs != b->ndocs)
		return 0;
	if ((flags & CK_DOC_EQ_COMMENTS) && !str_eq(a->head_comment, b->head_comment))
		return 0;
	for (i = 0; i < a->ndocs; i++)
		if (!node_eq(a->docs[i], b->docs[i], flags, 0))
			return 0;
	return 1;
}

void ck_doc__truncate(struct ck_buf *b, size_t n)
{
	if (ck_buf_len(b) > n)
		ck_buf_truncate(b, n);
}

size_t ck_doc__brk(const char *src, size_t n, size_t i)
{
	const unsigned char *s = (const unsigned char *)src;

	if (i >= n)
		return 0;
	if (s[i] == '\n')
		return 1;
	if (s[i] == '\r')
		return i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
	if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0x85)
		return 2;
	if (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
		return 3;
	return 0;
}

int ck_doc__after_brk(const char *src, size_t i)
{
	const unsigned char *s = (const unsigned char *)src;

	if (i == 0)
		return 1;
	if (s[i - 1] == '\n' || s[i - 1] == '\r')
		return 1;
	if (i >= 2 && s[i - 2] == 0xc2 && s[i - 1] == 0x85)
		return 1;
	return i >= 3 && s[i - 3] == 0xe2 && s[i - 2] == 0x80 && (s[i - 1] == 0xa8 || s[i - 1] == 0xa9);
}
