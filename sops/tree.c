/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/sops_internal.h"

struct blk {
	struct blk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
};

struct ck_sops_arena {
	struct blk *head;
	int secret;
	size_t next_size;
	size_t total; /* bytes handed out: a cheap limit */
};

#define BLK_HDR ((sizeof(struct blk) + 15) & ~(size_t)15)
#define BLK_MIN ((size_t)16 << 10)
#define BLK_MAX ((size_t)1 << 20)

struct ck_sops_arena *ck_sops__arena_new(int secret)
{
	struct ck_sops_arena *a = ck_calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->secret = secret;
	a->next_size = BLK_MIN;
	return a;
}

void ck_sops__arena_free(struct ck_sops_arena *a)
{
	struct blk *b, *nb;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = nb) {
		nb = b->next;
		if (a->secret) {
			ck_secret_free(b);
		} else {
			/* Ciphertext and keys only, but wipe anyway: it is cheap. */
			ck_freezero(b, BLK_HDR + b->size);
		}
	}
	ck_free(a);
}

static void *arena_take(struct ck_sops_arena *a, size_t n, int zero);

void *ck_sops__arena_alloc(struct ck_sops_arena *a, size_t n)
{
	return arena_take(a, n, 1);
}

void *ck_sops__arena_alloc_raw(struct ck_sops_arena *a, size_t n)
{
	return arena_take(a, n, 0);
}

static void *arena_take(struct ck_sops_arena *a, size_t n, int zero)
{
	struct blk *b = a->head;
	size_t need = (n + 7) & ~(size_t)7, sz;
	uint8_t *p;

	if (n > CK_BUF_MAX || a->total > (size_t)4 << 30)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		/* Big requests get a block of their own behind the current one. */
		int oneoff = need > a->next_size / 4;

		sz = oneoff ? need : a->next_size;
		if (!oneoff && a->next_size < BLK_MAX)
			a->next_size *= 2;
		b = a->secret ? ck_secret_alloc(BLK_HDR + sz) : ck_calloc(1, BLK_HDR + sz);
		if (b == NULL)
			return NULL;
		b->size = sz;
		b->used = 0;
		if (oneoff && a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = (uint8_t *)b + BLK_HDR + b->used;
	b->used += need;
	a->total += need;
	if (zero)
		memset(p, 0, need);
	return p;
}

struct ck_sops_tree *ck_sops_tree_new(void)
{
	struct ck_sops_tree *t = ck_calloc(1, sizeof(*t));

	if (t == NULL)
		goto oom;
	ck_buf_init(&t->src, 0);
	t->pub = ck_sops__arena_new(0);
	t->sec = ck_sops__arena_new(1);
	if (t->pub == NULL || t->sec == NULL)
		goto oom;
	return t;
oom:
	ck_sops_tree_free(t);
	ck_err_set(CK_ENOMEM, "sops: out of memory");
	return NULL;
}

void ck_sops_tree_free(struct ck_sops_tree *t)
{
	if (t == NULL)
		return;
	ck_sops__arena_free(t->pub);
	ck_sops__arena_free(t->sec);
	if (t->docs != NULL)
		ck_freezero(t->docs, t->capdocs * sizeof(*t->docs));
	if (t->src_public) {
		/* ciphertext, keys and clear values only: no wipe (which would
		 * also fault the released pages back in) */
		ck_free(ck_buf_detach(&t->src, NULL));
	}
	ck_buf_dispose(&t->src);
	ck_free(t);
}

int ck_sops__in_src(const struct ck_sops_tree *t, const char *p)
{
	const char *b = (const char *)ck_buf_data(&t->src);

	return p != NULL && b != NULL && p >= b && p < b + ck_buf_len(&t->src);
}

void ck_sops__release_src(struct ck_sops_tree *t, const char *upto)
{
	const char *b = (const char *)ck_buf_data(&t->src);
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;

	if (!t->src_public || b == NULL || upto < b || upto > b + ck_buf_len(&t->src) || page == 0 ||
	    (page & (page - 1)) != 0)
		return;
	lo = ((uintptr_t)b + t->src_released + page - 1) & ~(page - 1);
	hi = (uintptr_t)upto & ~(page - 1);
	if (hi <= lo || hi - lo < ((uintptr_t)1 << 20))
		return;
	/* whole pages strictly inside the buffer; they are never read again */
	if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
		t->src_released = (size_t)(hi - (uintptr_t)b);
}

void *ck_sops_tree_alloc(struct ck_sops_tree *t, size_t n, int secret)
{
	void *p = ck_sops__arena_alloc(secret ? t->sec : t->pub, n);

	if (p == NULL)
		ck_err_set(CK_ENOMEM, "sops: out of memory");
	return p;
}

char *ck_sops_tree_strdup(struct ck_sops_tree *t, const char *s, size_t n, int secret)
{
	char *p = ck_sops_tree_alloc(t, n + 1, secret);

	if (p != NULL && n > 0)
		memcpy(p, s, n);
	return p;
}

int ck_sops_node_text(struct ck_sops_tree *t, struct ck_sops_node *out, enum ck_sops_type type,
                      const char *s, size_t n, int secret)
{
	char *p;

	if (n > UINT32_MAX)
		return ck_err_set(CK_ETOOBIG, "sops: value too long");
	if ((p = ck_sops_tree_strdup(t, s, n, secret)) == NULL)
		return CK_ENOMEM;
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	out->flags = secret ? CK_SOPS_F_SECRET : 0;
	out->len = (uint32_t)n;
	out->u.s = p;
	return CK_OK;
}

void ck_sops_node_null(struct ck_sops_node *out)
{
	memset(out, 0, sizeof(*out));
}

void ck_sops_node_empty(struct ck_sops_node *out, enum ck_sops_type type)
{
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
}

int ck_sops_tree_add_doc(struct ck_sops_tree *t, const struct ck_sops_node *root)
{
	if (t->ndocs == t->capdocs) {
		size_t nc = t->capdocs ? t->capdocs * 2 : 4;
		struct ck_sops_node *nd = ck_calloc(nc, sizeof(*nd));

		if (nd == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		if (t->docs != NULL) {
			memcpy(nd, t->docs, t->ndocs * sizeof(*nd));
			ck_freezero(t->docs, t->capdocs * sizeof(*t->docs));
		}
		t->docs = nd;
		t->capdocs = nc;
	}
	t->docs[t->ndocs++] = *root;
	return CK_OK;
}

static int grow_kids(struct ck_sops_tree *t, struct ck_sops_node *parent, size_t extra)
{
	struct ck_sops_node *nk;
	size_t n = parent->len;

	if (n + extra > UINT32_MAX)
		return ck_err_set(CK_ETOOBIG, "sops: too many items");
	nk = ck_sops_tree_alloc(t, (n + extra) * sizeof(*nk), 0);
	if (nk == NULL)
		return CK_ENOMEM;
	if (n > 0)
		memcpy(nk, parent->u.kids, n * sizeof(*nk));
	parent->u.kids = nk;
	parent->len = (uint32_t)(n + extra);
	return CK_OK;
}

int ck_sops_map_append(struct ck_sops_tree *t, struct ck_sops_node *map,
                       const struct ck_sops_node *key, const struct ck_sops_node *value)
{
	int rc;

	CK_ASSERT(map->type == CK_SOPS_MAP);
	if ((rc = grow_kids(t, map, 2)) < 0)
		return rc;
	map->u.kids[map->len - 2] = *key;
	if (value != NULL) {
		map->u.kids[map->len - 1] = *value;
	} else {
		ck_sops_node_null(&map->u.kids[map->len - 1]);
		map->u.kids[map->len - 1].flags = CK_SOPS_F_NONE;
	}
	return CK_OK;
}

int ck_sops_map_append_str(struct ck_sops_tree *t, struct ck_sops_node *map, const char *key,
                           const struct ck_sops_node *value)
{
	struct ck_sops_node k;
	int rc;

	if ((rc = ck_sops_node_text(t, &k, CK_SOPS_STR, key, strlen(key), 0)) < 0)
		return rc;
	return ck_sops_map_append(t, map, &k, value);
}

int ck_sops_seq_append(struct ck_sops_tree *t, struct ck_sops_node *seq,
                       const struct ck_sops_node *item)
{
	int rc;

	CK_ASSERT(seq->type == CK_SOPS_SEQ);
	if ((rc = grow_kids(t, seq, 1)) < 0)
		return rc;
	seq->u.kids[seq->len - 1] = *item;
	return CK_OK;
}

void ck_sops_node_remove(struct ck_sops_node *parent, size_t i, size_t n)
{
	CK_ASSERT(i + n <= parent->len);
	memmove(parent->u.kids + i, parent->u.kids + i + n,
	        (parent->len - i - n) * sizeof(*parent->u.kids));
	parent->len -= (uint32_t)n;
}

size_t ck_sops_map_items(const struct ck_sops_node *map)
{
	return map != NULL && map->type == CK_SOPS_MAP ? map->len / 2 : 0;
}

long ck_sops_map_find(const struct ck_sops_node *map, const char *key, size_t keylen)
{
	size_t i;

	if (map == NULL || map->type != CK_SOPS_MAP)
		return -1;
	for (i = 0; i + 1 < map->len; i += 2) {
		const struct ck_sops_node *k = &map->u.kids[i];

		if (k->type != CK_SOPS_COMMENT && k->len == keylen &&
		    (keylen == 0 || memcmp(k->u.s, key, keylen) == 0))
			return (long)i;
	}
	return -1;
}

struct ck_sops_node *ck_sops_map_get(const struct ck_sops_node *map, const char *key)
{
	long i = ck_sops_map_find(map, key, strlen(key));

	return i < 0 ? NULL : &map->u.kids[i + 1];
}

int ck_sops_node_is(const struct ck_sops_node *n, const char *s)
{
	size_t l = strlen(s);

	return n != NULL && n->type != CK_SOPS_MAP && n->type != CK_SOPS_SEQ &&
	       n->type != CK_SOPS_NULL && n->len == l && (l == 0 || memcmp(n->u.s, s, l) == 0);
}

int ck_sops_node_clone(struct ck_sops_tree *t, struct ck_sops_node *out,
                       const struct ck_sops_node *in)
{
	struct ck_sops_node *kids;
	uint32_t i;
	int rc;

	*out = *in;
	if (in->type == CK_SOPS_MAP || in->type == CK_SOPS_SEQ) {
		if (in->len == 0)
			return CK_OK;
		if ((t->nodes += in->len) > CK_SOPS_MAX_NODES)
			return ck_err_set(CK_ETOOBIG, "sops: document has too many nodes");
		if ((kids = ck_sops_tree_alloc(t, in->len * sizeof(*kids), 0)) == NULL)
			return CK_ENOMEM;
		for (i = 0; i < in->len; i++)
			if ((rc = ck_sops_node_clone(t, &kids[i], &in->u.kids[i])) < 0)
				return rc;
		out->u.kids = kids;
		return CK_OK;
	}
	if (in->type == CK_SOPS_NULL || in->u.s == NULL)
		return CK_OK;
	if ((out->u.s = ck_sops_tree_strdup(t, in->u.s, in->len,
	                                    (in->flags & CK_SOPS_F_SECRET) != 0)) == NULL)
		return CK_ENOMEM;
	return CK_OK;
}

const char *ck_sops_type_name(enum ck_sops_type type)
{
	switch (type) {
	case CK_SOPS_NULL: return "null";
	case CK_SOPS_STR: return "str";
	case CK_SOPS_INT: return "int";
	case CK_SOPS_UINT: return "uint64";
	case CK_SOPS_FLOAT: return "float";
	case CK_SOPS_BOOL: return "bool";
	case CK_SOPS_TIME: return "time";
	case CK_SOPS_COMMENT: return "comment";
	case CK_SOPS_MAP: return "map";
	case CK_SOPS_SEQ: return "seq";
	}
	return "?";
}
