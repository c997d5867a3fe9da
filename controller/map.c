/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/ctl_map.h"

struct slot {
	char *key;      /* NULL: empty; TOMB: deleted */
	void *value;
	uint64_t hash;
};

struct ck_ctl_map {
	struct slot *slots;
	size_t cap;     /* power of two */
	size_t len;     /* live keys */
	size_t used;    /* live keys + tombstones */
};

static char tomb_mark;
#define TOMB (&tomb_mark)

/* FNV-1a, then a final mix so linear probing sees well-spread bits. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct ck_ctl_map *ck_ctl_map_new(void)
{
	struct ck_ctl_map *m = ck_calloc(1, sizeof(*m));

	if (m == NULL) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		return NULL;
	}
	return m;
}

void ck_ctl_map_free(struct ck_ctl_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL && m->slots[i].key != TOMB)
			ck_free(m->slots[i].key);
	ck_free(m->slots);
	ck_free(m);
}

static struct slot *find(const struct ck_ctl_map *m, const char *key, uint64_t h)
{
	size_t i, mask;

	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->key != TOMB && s->hash == h && strcmp(s->key, key) == 0)
			return s;
	}
}

void *ck_ctl_map_get(const struct ck_ctl_map *m, const char *key)
{
	struct slot *s = find(m, key, hash_str(key));

	return s ? s->value : NULL;
}

int ck_ctl_map_has(const struct ck_ctl_map *m, const char *key)
{
	return find(m, key, hash_str(key)) != NULL;
}

static int grow(struct ck_ctl_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16, i;
	struct slot *ns;

	/* Rehash in place of growing when tombstones are most of the load. */
	if (m->cap && m->len * 2 < m->cap / 2)
		ncap = m->cap;
	ns = ck_calloc(ncap, sizeof(*ns));
	if (ns == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	for (i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		size_t j;

		if (s->key == NULL || s->key == TOMB)
			continue;
		for (j = s->hash & (ncap - 1); ns[j].key != NULL; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *s;
	}
	ck_free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	m->used = m->len;
	return CK_OK;
}

int ck_ctl_map_put(struct ck_ctl_map *m, const char *key, void *value, void **old)
{
	uint64_t h = hash_str(key);
	struct slot *s = find(m, key, h);
	size_t i, mask;
	char *k;

	if (old != NULL)
		*old = NULL;
	if (s != NULL) {
		if (old != NULL)
			*old = s->value;
		s->value = value;
		return CK_OK;
	}
	if ((m->used + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return CK_ENOMEM;
	k = ck_strdup(key);
	if (k == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	mask = m->cap - 1;
	for (i = h & mask; m->slots[i].key != NULL && m->slots[i].key != TOMB; i = (i + 1) & mask)
		;
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = k;
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->len++;
	return CK_OK;
}

void *ck_ctl_map_del(struct ck_ctl_map *m, const char *key)
{
	struct slot *s = find(m, key, hash_str(key));
	void *v;

	if (s == NULL)
		return NULL;
	v = s->value;
	ck_free(s->key);
	s->key = TOMB;
	s->value = NULL;
	m->len--;
	return v;
}

size_t ck_ctl_map_len(const struct ck_ctl_map *m)
{
	return m ? m->len : 0;
}

const char *ck_ctl_map_next(const struct ck_ctl_map *m, size_t *pos, void **value)
{
	while (*pos < m->cap) {
		struct slot *s = &m->slots[(*pos)++];

		if (s->key != NULL && s->key != TOMB) {
			if (value != NULL)
				*value = s->value;
			return s->key;
		}
	}
	return NULL;
}
