/* SPDX-License-Identifier: Apache-2.0 */
/* Arena, lists and maps for template values (see tmpl_int.h). */
#include <stdalign.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/secret.h"
#include "tmpl_int.h"

struct ck_ext_chunk {
	struct ck_ext_chunk *next;
	size_t cap, used;
	max_align_t data[];
};

#define CHUNK_MIN ((size_t)8 << 10)
#define CHUNK_MAXGROW ((size_t)1 << 20)
#define ARENA_LIMIT ((size_t)256 << 20)

void ck_ext__arena_init(struct ck_ext_arena *a, int secure, size_t limit)
{
	a->head = NULL;
	a->total = 0;
	a->limit = limit ? limit : ARENA_LIMIT;
	a->secure = secure;
}

void ck_ext__arena_dispose(struct ck_ext_arena *a)
{
	struct ck_ext_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (a->secure)
			ck_secret_free(c);
		else
			ck_freezero(c, sizeof(*c) + c->cap);
	}
	a->head = NULL;
	a->total = 0;
}

void ck_ext__arena_reset(struct ck_ext_arena *a)
{
	struct ck_ext_chunk *c = a->head, *next;

	if (c == NULL)
		return;
	/* keep the newest (largest) chunk: secure chunks are expensive to map */
	for (next = c->next; next != NULL;) {
		struct ck_ext_chunk *n2 = next->next;

		if (a->secure)
			ck_secret_free(next);
		else
			ck_freezero(next, sizeof(*next) + next->cap);
		next = n2;
	}
	ck_memzero(c->data, c->used);
	c->used = 0;
	c->next = NULL;
	a->total = c->cap;
}

void *ck_ext__arena_alloc(struct ck_ext_arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	struct ck_ext_chunk *c = a->head;
	size_t need, cap;
	void *p;

	if (n > a->limit)
		goto toobig;
	need = (n + al - 1) & ~(al - 1);
	if (need == 0)
		need = al;
	if (c == NULL || c->cap - c->used < need) {
		cap = a->total < CHUNK_MIN ? CHUNK_MIN : a->total;
		if (cap > CHUNK_MAXGROW)
			cap = CHUNK_MAXGROW;
		if (cap < need)
			cap = need;
		if (a->total + cap > a->limit)
			goto toobig;
		c = a->secure ? ck_secret_alloc(sizeof(*c) + cap) : ck_calloc(1, sizeof(*c) + cap);
		if (c == NULL) {
			ck_err_set(CK_ENOMEM, "template: out of memory");
			return NULL;
		}
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += cap;
	}
	p = (unsigned char *)c->data + c->used;
	c->used += need;
	return p;
toobig:
	ck_err_set(CK_ETOOBIG, "template: values exceed the %zu-byte memory limit", a->limit);
	return NULL;
}

char *ck_ext__arena_strdup(struct ck_ext_arena *a, const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX || (s = ck_ext__arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

const char *ck_ext__tv_typename(const struct tv *v)
{
	switch (v->kind) {
	case TV_NIL: return (v->flags & TV_F_IFACE) ? "interface {}" : "<nil>";
	case TV_BOOL: return "bool";
	case TV_INT: return "int";
	case TV_INT64: return "int64";
	case TV_UINT8: return "uint8";
	case TV_FLOAT: return "float64";
	case TV_JNUM: return "json.Number";
	case TV_STR: return "string";
	case TV_LIST: return "[]interface {}";
	case TV_SLIST: return "[]string";
	case TV_MAP: return "map[string]interface {}";
	case TV_SMAP: return "map[string]string";
	}
	return "?";
}

int ck_ext__tv_is_intkind(const struct tv *v)
{
	return v->kind == TV_INT || v->kind == TV_INT64 || v->kind == TV_UINT8;
}

struct tv_list *ck_ext__list_new(struct ck_ext_arena *a, size_t cap)
{
	struct tv_list *l = ck_ext__arena_alloc(a, sizeof(*l));

	if (l == NULL)
		return NULL;
	if (cap) {
		if (cap > SIZE_MAX / sizeof(struct tv) ||
		    (l->v = ck_ext__arena_alloc(a, cap * sizeof(struct tv))) == NULL)
			return NULL;
		l->cap = cap;
	}
	return l;
}

int ck_ext__list_push(struct ck_ext_arena *a, struct tv_list *l, struct tv v)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4;
		struct tv *nv;

		if (ncap > SIZE_MAX / sizeof(struct tv) ||
		    (nv = ck_ext__arena_alloc(a, ncap * sizeof(struct tv))) == NULL)
			return ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(struct tv));
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = v;
	return CK_OK;
}

struct tv_map *ck_ext__map_new(struct ck_ext_arena *a, size_t cap)
{
	struct tv_map *m = ck_ext__arena_alloc(a, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (cap) {
		if (cap > SIZE_MAX / sizeof(struct tv) ||
		    (m->k = ck_ext__arena_alloc(a, cap * sizeof(struct tv_mkey))) == NULL ||
		    (m->v = ck_ext__arena_alloc(a, cap * sizeof(struct tv))) == NULL)
			return NULL;
		m->cap = cap;
	}
	return m;
}

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* Index of key, or -(insertion point) - 1. */
static long long map_find(const struct tv_map *m, const char *k, size_t n)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = keycmp(m->k[mid].p, m->k[mid].n, k, n);

		if (c == 0)
			return (long long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long long)lo - 1;
}

struct tv *ck_ext__map_get(const struct tv_map *m, const char *k, size_t n)
{
	long long i;

	if (m == NULL || m->n == 0)
		return NULL;
	i = map_find(m, k, n);
	return i >= 0 ? &m->v[i] : NULL;
}

int ck_ext__map_set(struct ck_ext_arena *a, struct tv_map *m, const char *k, size_t n,
                    struct tv v)
{
	long long i = map_find(m, k, n);
	size_t at;

	if (i >= 0) {
		m->v[i] = v;
		return CK_OK;
	}
	at = (size_t)(-i - 1);
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 8;
		struct tv_mkey *nk;
		struct tv *nv;

		if (ncap > SIZE_MAX / sizeof(struct tv) ||
		    (nk = ck_ext__arena_alloc(a, ncap * sizeof(*nk))) == NULL ||
		    (nv = ck_ext__arena_alloc(a, ncap * sizeof(*nv))) == NULL)
			return ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
		if (m->n) {
			memcpy(nk, m->k, m->n * sizeof(*nk));
			memcpy(nv, m->v, m->n * sizeof(*nv));
		}
		m->k = nk;
		m->v = nv;
		m->cap = ncap;
	}
	memmove(&m->k[at + 1], &m->k[at], (m->n - at) * sizeof(*m->k));
	memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof(*m->v));
	m->k[at].p = k;
	m->k[at].n = n;
	m->v[at] = v;
	m->n++;
	return CK_OK;
}

int ck_ext__map_del(struct tv_map *m, const char *k, size_t n)
{
	long long i;
	size_t at;

	if (m == NULL || m->n == 0 || (i = map_find(m, k, n)) < 0)
		return 0;
	at = (size_t)i;
	memmove(&m->k[at], &m->k[at + 1], (m->n - at - 1) * sizeof(*m->k));
	memmove(&m->v[at], &m->v[at + 1], (m->n - at - 1) * sizeof(*m->v));
	m->n--;
	return 1;
}

struct tv_map *ck_ext__map_copy(struct ck_ext_arena *a, const struct tv_map *m)
{
	struct tv_map *c = ck_ext__map_new(a, m && m->n ? m->n : 0);

	if (c == NULL || m == NULL || m->n == 0)
		return c;
	memcpy(c->k, m->k, m->n * sizeof(*c->k));
	memcpy(c->v, m->v, m->n * sizeof(*c->v));
	c->n = m->n;
	return c;
}

int ck_ext__tv_truth(const struct tv *v)
{
	switch (v->kind) {
	case TV_NIL: return 0;
	case TV_BOOL: return v->u.b;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8: return v->u.i != 0;
	case TV_FLOAT: return v->u.f != 0;
	case TV_JNUM:
	case TV_STR: return v->u.s.n != 0;
	case TV_LIST:
	case TV_SLIST: return v->u.l != NULL && v->u.l->n != 0;
	case TV_MAP:
	case TV_SMAP: return v->u.m != NULL && v->u.m->n != 0;
	}
	return -1;
}

int ck_ext__tv_empty(const struct tv *v)
{
	return !ck_ext__tv_truth(v);
}
