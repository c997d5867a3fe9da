/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tree paths as sops's --extract, set and unset take them: ["key"][0]["x"]
 * (map keys in double quotes, list indices as integers), with sops's
 * Truncate / Set / Unset semantics (list indices count comment items).
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_path.h"
#include "ck/sops_internal.h"

void ck_sops_path_free(struct ck_sops_path *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		ck_free(p->c[i].key);
	ck_free(p->c);
	ck_free(p);
}

static int bad_path(const char *s)
{
	return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_INVALID_TREE_PATH_FORMAT,
	                       "sops: invalid tree path format '%s' (want [\"key\"][0]...)", s);
}

int ck_sops_path_parse(struct ck_sops_path **out, const char *s)
{
	struct ck_sops_path *p = ck_calloc(1, sizeof(*p));
	const char *q = s, *end = s + strlen(s);
	int rc = CK_OK;

	if (p == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	/* sops splits at "][", then strips the outer brackets */
	while (q < end && rc == CK_OK) {
		const char *sep = strstr(q, "][");
		const char *ce = sep ? sep : end;
		const char *cs = q;
		struct ck_sops_pathc *nc;

		if (ce > cs && *cs == '[')
			cs++;
		if (ce > cs && ce[-1] == ']')
			ce--;
		q = sep ? sep + 2 : end;
		if (ce == cs)
			continue;
		if ((nc = ck_calloc(p->n + 1, sizeof(*nc))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			break;
		}
		if (p->c != NULL) {
			memcpy(nc, p->c, p->n * sizeof(*nc));
			ck_free(p->c);
		}
		p->c = nc;
		if (*cs == '"') {
			if (ce - cs < 2 || ce[-1] != '"') {
				rc = bad_path(s);
				break;
			}
			if ((p->c[p->n].key = ck_strndup(cs + 1, (size_t)(ce - cs - 2))) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
				break;
			}
			p->c[p->n].keylen = (size_t)(ce - cs - 2);
		} else {
			int64_t v;

			if (ck_sops__parse_int10(cs, (size_t)(ce - cs), &v) < 0 || v < 0) {
				rc = bad_path(s);
				break;
			}
			p->c[p->n].index = (size_t)v;
			p->c[p->n].is_index = 1;
		}
		p->n++;
	}
	if (rc == CK_OK && p->n == 0)
		rc = bad_path(s);
	if (rc < 0) {
		ck_sops_path_free(p);
		return rc;
	}
	*out = p;
	return CK_OK;
}

static long find_key(const struct ck_sops_node *m, const struct ck_sops_pathc *c)
{
	return ck_sops_map_find(m, c->key, c->keylen);
}

int ck_sops_path_get(const struct ck_sops_node **out, const struct ck_sops_node *root,
                     const struct ck_sops_path *p)
{
	const struct ck_sops_node *cur = root;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct ck_sops_pathc *c = &p->c[i];

		if (!c->is_index) {
			long k = cur->type == CK_SOPS_MAP ? find_key(cur, c) : -1;

			if (k < 0)
				return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_GENERIC,
				                       "sops: component ['%s'] not found", c->key);
			cur = &cur->u.kids[k + 1];
		} else {
			if (cur->type != CK_SOPS_SEQ)
				return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_GENERIC,
				                       "sops: component [%zu] is integer, but tree part is not "
				                       "a slice",
				                       c->index);
			if (c->index >= cur->len)
				return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_GENERIC,
				                       "sops: component [%zu] accesses out of bounds", c->index);
			cur = &cur->u.kids[c->index];
		}
	}
	*out = cur;
	return CK_OK;
}

/* sops's valueFromPathAndLeaf: nested maps/lists holding value at the end. */
static int from_path(struct ck_sops_tree *t, struct ck_sops_node *out, const struct ck_sops_path *p,
                     size_t i, const struct ck_sops_node *value)
{
	struct ck_sops_node inner;
	int rc;

	if (i + 1 == p->n)
		inner = *value;
	else if ((rc = from_path(t, &inner, p, i + 1, value)) < 0)
		return rc;
	if (p->c[i].is_index) {
		ck_sops_node_empty(out, CK_SOPS_SEQ);
		return ck_sops_seq_append(t, out, &inner);
	}
	ck_sops_node_empty(out, CK_SOPS_MAP);
	{
		struct ck_sops_node k;

		if ((rc = ck_sops_node_text(t, &k, CK_SOPS_STR, p->c[i].key, p->c[i].keylen, 0)) < 0)
			return rc;
		return ck_sops_map_append(t, out, &k, &inner);
	}
}

static int set_at(struct ck_sops_tree *t, struct ck_sops_node *cur, const struct ck_sops_path *p,
                  size_t i, const struct ck_sops_node *value)
{
	const struct ck_sops_pathc *c = &p->c[i];
	int rc;

	if (cur->type == CK_SOPS_MAP) {
		long k = c->is_index ? -1 : find_key(cur, c);

		if (k >= 0) {
			if (i + 1 == p->n) {
				cur->u.kids[k + 1] = *value;
				return CK_OK;
			}
			return set_at(t, &cur->u.kids[k + 1], p, i + 1, value);
		}
		if (c->is_index)
			return CK_OK; /* sops silently does nothing here */
		{
			struct ck_sops_node nb;

			if ((rc = from_path(t, &nb, p, i, value)) < 0)
				return rc;
			return ck_sops_map_append(t, cur, &nb.u.kids[0], &nb.u.kids[1]);
		}
	}
	if (cur->type == CK_SOPS_SEQ && c->is_index) {
		if (i + 1 == p->n) {
			if (c->index >= cur->len)
				return ck_sops_seq_append(t, cur, value);
			cur->u.kids[c->index] = *value;
			return CK_OK;
		}
		if (c->index >= cur->len) {
			struct ck_sops_node nb;

			if ((rc = from_path(t, &nb, p, i + 1, value)) < 0)
				return rc;
			return ck_sops_seq_append(t, cur, &nb);
		}
		return set_at(t, &cur->u.kids[c->index], p, i + 1, value);
	}
	/* anything else is replaced by a fresh structure */
	return from_path(t, cur, p, i, value);
}

int ck_sops_path_set(struct ck_sops_tree *t, struct ck_sops_node *root, const struct ck_sops_path *p,
                     const struct ck_sops_node *value)
{
	return set_at(t, root, p, 0, value);
}

int ck_sops_path_unset(struct ck_sops_node *root, const struct ck_sops_path *p)
{
	struct ck_sops_node *cur = root;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct ck_sops_pathc *c = &p->c[i];
		int last = i + 1 == p->n;

		if (cur->type == CK_SOPS_MAP && !c->is_index) {
			long k = find_key(cur, c);

			if (k < 0)
				break;
			if (last) {
				ck_sops_node_remove(cur, (size_t)k, 2);
				return CK_OK;
			}
			cur = &cur->u.kids[k + 1];
		} else if (cur->type == CK_SOPS_SEQ && c->is_index) {
			if (c->index >= cur->len)
				break;
			if (last) {
				ck_sops_node_remove(cur, c->index, 1);
				return CK_OK;
			}
			cur = &cur->u.kids[c->index];
		} else {
			break;
		}
	}
	if (p->c[i].is_index)
		return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_GENERIC,
		                       "sops: component [%zu] not found", p->c[i].index);
	return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_GENERIC,
	                       "sops: component ['%s'] not found", p->c[i].key);
}

static int node_eq(const struct ck_sops_node *a, const struct ck_sops_node *b, unsigned depth)
{
	uint32_t i;

	if (depth > CK_SOPS_MAX_DEPTH + 8 || a->type != b->type || a->len != b->len)
		return 0;
	if (a->type == CK_SOPS_MAP || a->type == CK_SOPS_SEQ) {
		for (i = 0; i < a->len; i++)
			if (!node_eq(&a->u.kids[i], &b->u.kids[i], depth + 1))
				return 0;
		return 1;
	}
	if (a->type == CK_SOPS_NULL)
		return 1;
	return a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0;
}

int ck_sops_node_equal(const struct ck_sops_node *a, const struct ck_sops_node *b)
{
	return node_eq(a, b, 0);
}
