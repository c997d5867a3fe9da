/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ctl_int.h"

int ck_ctl__put_str(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                    const char *value)
{
	struct ck_doc_node *v = ck_doc_scalar(d, value, strlen(value), CK_DOC_DQUOTED);

	if (v == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	return ck_doc_map_set(d, map, key, v);
}

int ck_ctl__put_raw(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                    const char *literal)
{
	struct ck_doc_node *v = ck_doc_scalar(d, literal, strlen(literal), CK_DOC_PLAIN);

	if (v == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	return ck_doc_map_set(d, map, key, v);
}

struct ck_doc_node *ck_ctl__put_map(struct ck_doc *d, struct ck_doc_node *map, const char *key)
{
	struct ck_doc_node *m = ck_doc_map_get(map, key);

	if (m != NULL && m->kind == CK_DOC_MAP)
		return m;
	m = ck_doc_map(d);
	if (m == NULL || ck_doc_map_set(d, map, key, m) < 0) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		return NULL;
	}
	return m;
}

int ck_ctl__write_json(struct ck_buf *out, const struct ck_doc_node *n)
{
	struct ck_doc_json_opts o = { "", 0, 0 };

	return ck_doc_write_json(out, n, &o);
}

int ck_ctl__secure_body(struct ck_buf *b, size_t max)
{
	ck_buf_init_secure(b, max);
	return ck_buf_grow(b, (max < 4096 ? max : 4096) - 1);
}
