/* SPDX-License-Identifier: Apache-2.0 */
/* struct ck_ext_map: sorted string -> bytes map in a secure arena. */
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/ext.h"
#include "ext_int.h"

struct ck_ext_map *ck_ext_map_new(void)
{
	struct ck_ext_map *m = ck_calloc(1, sizeof(*m));

	if (m == NULL) {
		ck_err_set(CK_ENOMEM, "external: out of memory");
		return NULL;
	}
	ck_ext__arena_init(&m->a, 1, 0);
	return m;
}

void ck_ext_map_free(struct ck_ext_map *m)
{
	if (m == NULL)
		return;
	ck_ext__arena_dispose(&m->a);
	ck_free(m);
}

void ck_ext_map_clear(struct ck_ext_map *m)
{
	ck_ext__arena_reset(&m->a);
	m->m = NULL;
}

struct ck_ext_map *ck_ext__map_new_plain(void)
{
	struct ck_ext_map *m = ck_ext_map_new();

	if (m != NULL)
		m->a.secure = 0; /* labels, annotations: not secret */
	return m;
}

int ck_ext_map_set(struct ck_ext_map *m, const char *key, size_t klen, const void *val,
                   size_t vlen)
{
	char *k, *v;

	if (m->m == NULL && (m->m = ck_ext__map_new(&m->a, 0)) == NULL)
		return ck_err_last()->code;
	if ((v = ck_ext__arena_strdup(&m->a, val, vlen)) == NULL)
		return ck_err_last()->code;
	{
		struct tv *old = ck_ext__map_get(m->m, key, klen);

		if (old != NULL) {
			*old = tv_str(v, vlen);
			return CK_OK;
		}
	}
	if ((k = ck_ext__arena_strdup(&m->a, key, klen)) == NULL)
		return ck_err_last()->code;
	return ck_ext__map_set(&m->a, m->m, k, klen, tv_str(v, vlen));
}

int ck_ext__map_del_key(struct ck_ext_map *m, const char *key, size_t klen)
{
	return m->m ? ck_ext__map_del(m->m, key, klen) : 0;
}

size_t ck_ext_map_len(const struct ck_ext_map *m)
{
	return m && m->m ? m->m->n : 0;
}

const char *ck_ext_map_key(const struct ck_ext_map *m, size_t i, size_t *klen)
{
	if (klen)
		*klen = m->m->k[i].n;
	return m->m->k[i].p;
}

const uint8_t *ck_ext_map_value(const struct ck_ext_map *m, size_t i, size_t *vlen)
{
	if (vlen)
		*vlen = m->m->v[i].u.s.n;
	return (const uint8_t *)m->m->v[i].u.s.p;
}

const uint8_t *ck_ext_map_get(const struct ck_ext_map *m, const char *key, size_t klen,
                              size_t *vlen)
{
	const struct tv *v = m && m->m ? ck_ext__map_get(m->m, key, klen) : NULL;

	if (v == NULL)
		return NULL;
	if (vlen)
		*vlen = v->u.s.n;
	return (const uint8_t *)v->u.s.p;
}
