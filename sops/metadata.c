/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_meta.h"
#include "ck/sops_internal.h"

static const char *const rule_names[] = {
	NULL,
	"unencrypted_suffix",
	"encrypted_suffix",
	"unencrypted_regex",
	"encrypted_regex",
	"unencrypted_comment_regex",
	"encrypted_comment_regex",
};

const char *ck_sops_rule_name(enum ck_sops_rule r)
{
	return r > CK_SOPS_RULE_NONE && r <= CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX ? rule_names[r]
	                                                                          : "";
}

enum ck_sops_rule ck_sops_rule_from_name(const char *name)
{
	int i;

	for (i = 1; i <= CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX; i++)
		if (strcmp(rule_names[i], name) == 0)
			return (enum ck_sops_rule)i;
	return CK_SOPS_RULE_NONE;
}

void ck_sops_meta_init(struct ck_sops_meta *m)
{
	memset(m, 0, sizeof(*m));
}

void ck_sops_meta_dispose(struct ck_sops_meta *m)
{
	size_t g, i;

	if (m == NULL)
		return;
	ck_free(m->lastmodified);
	ck_free(m->mac);
	ck_free(m->version);
	ck_free(m->rule_value);
	for (g = 0; g < m->ngroups; g++) {
		for (i = 0; i < m->groups[g].n; i++)
			ck_sops_key_free(m->groups[g].keys[i]);
		ck_free(m->groups[g].keys);
	}
	ck_free(m->groups);
	memset(m, 0, sizeof(*m));
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return CK_OK;
	if ((*dst = ck_strdup(src)) == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	return CK_OK;
}

int ck_sops_meta_add_key(struct ck_sops_meta *m, size_t g, struct ck_sops_key *k)
{
	struct ck_sops_group *grp;
	struct ck_sops_key **nk;

	CK_ASSERT(g <= m->ngroups);
	if (g == m->ngroups) {
		struct ck_sops_group *ng = ck_calloc(m->ngroups + 1, sizeof(*ng));

		if (ng == NULL) {
			ck_sops_key_free(k);
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		}
		if (m->groups != NULL) {
			memcpy(ng, m->groups, m->ngroups * sizeof(*ng));
			ck_free(m->groups);
		}
		m->groups = ng;
		m->ngroups++;
	}
	if (k == NULL)
		return CK_OK; /* just create the group */
	grp = &m->groups[g];
	if ((nk = ck_calloc(grp->n + 1, sizeof(*nk))) == NULL) {
		ck_sops_key_free(k);
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	}
	if (grp->keys != NULL) {
		memcpy(nk, grp->keys, grp->n * sizeof(*nk));
		ck_free(grp->keys);
	}
	nk[grp->n++] = k;
	grp->keys = nk;
	return CK_OK;
}

int ck_sops_meta_copy(struct ck_sops_meta *dst, const struct ck_sops_meta *src)
{
	size_t g, i;
	int rc;

	ck_sops_meta_init(dst);
	dst->rule = src->rule;
	dst->mac_only_encrypted = src->mac_only_encrypted;
	dst->shamir_threshold = src->shamir_threshold;
	if ((rc = dup_opt(&dst->lastmodified, src->lastmodified)) < 0 ||
	    (rc = dup_opt(&dst->mac, src->mac)) < 0 || (rc = dup_opt(&dst->version, src->version)) < 0 ||
	    (rc = dup_opt(&dst->rule_value, src->rule_value)) < 0)
		goto fail;
	for (g = 0; g < src->ngroups; g++) {
		if ((rc = ck_sops_meta_add_key(dst, g, NULL)) < 0)
			goto fail;
		for (i = 0; i < src->groups[g].n; i++) {
			struct ck_sops_key *k;

			if ((rc = ck_sops_key_clone(&k, src->groups[g].keys[i])) < 0 ||
			    (rc = ck_sops_meta_add_key(dst, g, k)) < 0)
				goto fail;
		}
	}
	return CK_OK;
fail:
	ck_sops_meta_dispose(dst);
	return rc;
}

size_t ck_sops_meta_key_count(const struct ck_sops_meta *m)
{
	size_t g, n = 0;

	for (g = 0; g < m->ngroups; g++)
		n += m->groups[g].n;
	return n;
}

/* ---- reading ---- */

#define merr(fmt, what) \
	ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE, fmt, what)

/* A scalar field as a string (weak typing); NULL when absent or null. */
static int field_str(const struct ck_sops_node *map, const char *name, char **out)
{
	const struct ck_sops_node *v = ck_sops_map_get(map, name);

	*out = NULL;
	if (v == NULL || v->type == CK_SOPS_NULL)
		return CK_OK;
	if (v->type == CK_SOPS_MAP || v->type == CK_SOPS_SEQ)
		return merr("sops metadata: '%s' must be a string", name);
	if (v->type == CK_SOPS_BOOL) {
		*out = ck_strdup(ck_sops_node_is(v, "True") ? "true" : "false");
	} else {
		*out = ck_strndup(v->len ? v->u.s : "", v->len);
	}
	if (*out == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	return CK_OK;
}

static int check_time(const char *s, const char *what)
{
	struct ck_sops_time t;

	if (s == NULL || ck_sops__parse_time(s, strlen(s), 1, &t) < 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "sops metadata: %s \"%s\" is not an RFC 3339 time", what,
		                       s ? s : "");
	return CK_OK;
}

static int read_key(struct ck_sops_key **out, enum ck_sops_ktype type,
                    const struct ck_sops_node *map)
{
	const struct ck_sops_keysource *ks = ck_sops_keysource_get(type);
	struct ck_sops_key *k = ck_sops_key_new(type);
	const char *const *f;
	char *v = NULL;
	int rc = CK_OK;

	if (k == NULL)
		return CK_ENOMEM;
	if (map->type != CK_SOPS_MAP) {
		rc = merr("sops metadata: entries of '%s' must be maps", ks->name);
		goto out;
	}
	if ((rc = field_str(map, "enc", &k->enc)) < 0)
		goto out;
	if (ks->has_created_at) {
		if ((rc = field_str(map, "created_at", &k->created_at)) < 0 ||
		    (rc = check_time(k->created_at, "created_at")) < 0)
			goto out;
	}
	for (f = ks->fields; *f != NULL; f++) {
		if ((rc = field_str(map, *f, &v)) < 0)
			goto out;
		if (v != NULL) {
			rc = ck_sops_key_set_field(k, *f, v);
			ck_free(v);
			v = NULL;
			if (rc < 0)
				goto out;
		}
	}
	if (type == CK_SOPS_K_KMS) {
		const struct ck_sops_node *ctx = ck_sops_map_get(map, "context");
		uint32_t i;

		if (ctx != NULL && ctx->type == CK_SOPS_MAP) {
			for (i = 0; i + 1 < ctx->len; i += 2) {
				const struct ck_sops_node *ck = &ctx->u.kids[i], *cv = &ctx->u.kids[i + 1];
				char *name, *val;

				if (ck->type == CK_SOPS_COMMENT || cv->type == CK_SOPS_MAP ||
				    cv->type == CK_SOPS_SEQ)
					continue;
				name = ck_strndup(ck->len ? ck->u.s : "", ck->len);
				val = ck_strndup(cv->len ? cv->u.s : "", cv->len);
				if (name == NULL || val == NULL) {
					ck_free(name);
					ck_free(val);
					rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
					goto out;
				}
				rc = ck_sops_key_add_context(k, name, val);
				ck_free(name);
				ck_free(val);
				if (rc < 0)
					goto out;
			}
		}
	}
	*out = k;
	k = NULL;
out:
	ck_sops_key_free(k);
	return rc;
}

/* Keys of one group in sops's type order. */
static int read_group(struct ck_sops_meta *m, size_t g, const struct ck_sops_node *map, int *any)
{
	int t, rc;

	*any = 0;
	for (t = 0; t < CK_SOPS_K_NTYPES; t++) {
		const struct ck_sops_keysource *ks = ck_sops_keysource_get((enum ck_sops_ktype)t);
		const struct ck_sops_node *list = ck_sops_map_get(map, ks->name);
		uint32_t i;

		if (list == NULL || list->type == CK_SOPS_NULL)
			continue;
		if (list->type != CK_SOPS_SEQ)
			return merr("sops metadata: '%s' must be a list", ks->name);
		for (i = 0; i < list->len; i++) {
			struct ck_sops_key *k = NULL;

			if (list->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if ((rc = read_key(&k, (enum ck_sops_ktype)t, &list->u.kids[i])) < 0 ||
			    (rc = ck_sops_meta_add_key(m, g, k)) < 0)
				return rc;
			*any = 1;
		}
	}
	return CK_OK;
}

static int read_int(const struct ck_sops_node *v, int *out)
{
	int64_t x;
	double d;

	if (v == NULL || v->type == CK_SOPS_NULL)
		return CK_OK;
	if ((v->type == CK_SOPS_INT || v->type == CK_SOPS_STR) &&
	    ck_sops__parse_int10(v->u.s, v->len, &x) == CK_OK && x >= 0 && x <= 255) {
		*out = (int)x;
		return CK_OK;
	}
	if (v->type == CK_SOPS_FLOAT && ck_sops__parse_float(v->u.s, v->len, &d) == CK_OK &&
	    d >= 0 && d <= 255 && d == (int)d) {
		*out = (int)d;
		return CK_OK;
	}
	return merr("sops metadata: '%s' is not a small integer", "shamir_threshold");
}

int ck_sops_meta_from_node(struct ck_sops_meta *m, const struct ck_sops_node *map)
{
	const struct ck_sops_node *v;
	int rc, any, r, nrules = 0;

	ck_sops_meta_init(m);
	if (map == NULL || map->type != CK_SOPS_MAP) {
		rc = merr("%s", "sops metadata is not a map");
		goto fail;
	}
	if ((rc = field_str(map, "lastmodified", &m->lastmodified)) < 0 ||
	    (rc = check_time(m->lastmodified, "lastmodified")) < 0 ||
	    (rc = field_str(map, "mac", &m->mac)) < 0 ||
	    (rc = field_str(map, "version", &m->version)) < 0)
		goto fail;
	if (m->mac != NULL && m->mac[0] == '\0') {
		ck_free(m->mac);
		m->mac = NULL;
	}
	for (r = 1; r <= CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX; r++) {
		char *s;

		if ((rc = field_str(map, rule_names[r], &s)) < 0)
			goto fail;
		if (s == NULL || s[0] == '\0') {
			ck_free(s);
			continue;
		}
		nrules++;
		ck_free(m->rule_value);
		m->rule_value = s;
		m->rule = (enum ck_sops_rule)r;
	}
	if (nrules > 1) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                     "Cannot use more than one of encrypted_suffix, unencrypted_suffix, "
		                     "encrypted_regex, unencrypted_regex, encrypted_comment_regex, or "
		                     "unencrypted_comment_regex in the same file");
		goto fail;
	}
	if (nrules == 0) {
		m->rule = CK_SOPS_RULE_UNENCRYPTED_SUFFIX;
		if ((m->rule_value = ck_strdup(CK_SOPS_DEFAULT_UNENCRYPTED_SUFFIX)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto fail;
		}
	}
	v = ck_sops_map_get(map, "mac_only_encrypted");
	if (v != NULL && v->type != CK_SOPS_NULL) {
		int b = 0;

		/* like sops: anything that is not a true boolean is false */
		if ((v->type == CK_SOPS_BOOL || v->type == CK_SOPS_STR) &&
		    ck_sops__parse_bool(v->u.s, v->len, &b) < 0)
			b = 0;
		else if (v->type == CK_SOPS_INT)
			b = !ck_sops_node_is(v, "0");
		m->mac_only_encrypted = b;
	}
	if ((rc = read_int(ck_sops_map_get(map, "shamir_threshold"), &m->shamir_threshold)) < 0)
		goto fail;
	/* flat lists win over key_groups */
	if ((rc = read_group(m, 0, map, &any)) < 0)
		goto fail;
	if (!any) {
		const struct ck_sops_node *kg = ck_sops_map_get(map, "key_groups");

		if (kg != NULL && kg->type == CK_SOPS_SEQ) {
			uint32_t j;

			for (j = 0; j < kg->len; j++) {
				const struct ck_sops_node *gm = &kg->u.kids[j];

				if (gm->type == CK_SOPS_COMMENT)
					continue;
				if (gm->type != CK_SOPS_MAP) {
					rc = merr("%s", "sops metadata: key_groups entries must be maps");
					goto fail;
				}
				if ((rc = ck_sops_meta_add_key(m, m->ngroups, NULL)) < 0 ||
				    (rc = read_group(m, m->ngroups - 1, gm, &any)) < 0)
					goto fail;
			}
		}
	}
	if (m->ngroups == 0 || ck_sops_meta_key_count(m) == 0) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                     "No keys found in file");
		goto fail;
	}
	return CK_OK;
fail:
	ck_sops_meta_dispose(m);
	return rc;
}

/* ---- writing (sops 3.13: every map sorted by key) ---- */

struct kvn {
	const char *name;
	struct ck_sops_node v;
};

static int kvn_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kvn *)a)->name, ((const struct kvn *)b)->name);
}

static int build_map(struct ck_sops_tree *t, struct ck_sops_node *out, struct kvn *items, size_t n)
{
	size_t i;
	int rc;

	qsort(items, n, sizeof(*items), kvn_cmp);
	ck_sops_node_empty(out, CK_SOPS_MAP);
	for (i = 0; i < n; i++)
		if ((rc = ck_sops_map_append_str(t, out, items[i].name, &items[i].v)) < 0)
			return rc;
	return CK_OK;
}

static int str_val(struct ck_sops_tree *t, struct ck_sops_node *n, const char *s)
{
	return ck_sops_node_text(t, n, CK_SOPS_STR, s ? s : "", s ? strlen(s) : 0, 0);
}

static int is_omitempty(const struct ck_sops_keysource *ks, const char *f)
{
	const char *const *o;

	for (o = ks->omitempty; o != NULL && *o != NULL; o++)
		if (strcmp(*o, f) == 0)
			return 1;
	return 0;
}

static int key_node(struct ck_sops_tree *t, struct ck_sops_node *out, const struct ck_sops_key *k)
{
	const struct ck_sops_keysource *ks = ck_sops_keysource_get(k->type);
	struct kvn items[16];
	size_t n = 0, i;
	const char *const *f;
	int rc;

	memset(items, 0, sizeof(items));
	items[n].name = "enc";
	if ((rc = str_val(t, &items[n++].v, k->enc)) < 0)
		return rc;
	if (ks->has_created_at) {
		items[n].name = "created_at";
		if ((rc = str_val(t, &items[n++].v, k->created_at)) < 0)
			return rc;
	}
	for (f = ks->fields; *f != NULL && n < 14; f++) {
		const char *v = ck_sops_key_field(k, *f);

		if ((v == NULL || v[0] == '\0') && is_omitempty(ks, *f))
			continue;
		items[n].name = *f;
		if ((rc = str_val(t, &items[n++].v, v)) < 0)
			return rc;
	}
	if (k->type == CK_SOPS_K_KMS && k->ncontext > 0) {
		struct ck_sops_node cm;

		ck_sops_node_empty(&cm, CK_SOPS_MAP);
		for (i = 0; i < k->ncontext; i++) {
			struct ck_sops_node cv;

			if ((rc = str_val(t, &cv, k->context[i].value)) < 0 ||
			    (rc = ck_sops_map_append_str(t, &cm, k->context[i].name, &cv)) < 0)
				return rc;
		}
		items[n].name = "context";
		items[n++].v = cm;
	}
	return build_map(t, out, items, n);
}

/* The per-type lists of one group; always_vault_age: key_groups entries
 * keep `age` and `hc_vault` even when empty (sops 3.13). */
static int group_items(struct ck_sops_tree *t, struct kvn *items, size_t *n,
                       const struct ck_sops_group *g, int always_vault_age)
{
	int ty, rc;
	size_t i;

	for (ty = 0; ty < CK_SOPS_K_NTYPES; ty++) {
		const struct ck_sops_keysource *ks = ck_sops_keysource_get((enum ck_sops_ktype)ty);
		struct ck_sops_node list;
		int count = 0;

		ck_sops_node_empty(&list, CK_SOPS_SEQ);
		for (i = 0; i < g->n; i++) {
			struct ck_sops_node kn;

			if (g->keys[i]->type != (enum ck_sops_ktype)ty)
				continue;
			if ((rc = key_node(t, &kn, g->keys[i])) < 0 ||
			    (rc = ck_sops_seq_append(t, &list, &kn)) < 0)
				return rc;
			count++;
		}
		if (count == 0 && !(always_vault_age && (ty == CK_SOPS_K_AGE || ty == CK_SOPS_K_HC_VAULT)))
			continue;
		items[*n].name = ks->name;
		items[(*n)++].v = list;
	}
	return CK_OK;
}

int ck_sops_meta_to_node(struct ck_sops_tree *t, struct ck_sops_node *out,
                         const struct ck_sops_meta *m)
{
	struct kvn items[32];
	size_t n = 0, g;
	int rc;

	memset(items, 0, sizeof(items));
	if (m->ngroups == 1) {
		if ((rc = group_items(t, items, &n, &m->groups[0], 0)) < 0)
			return rc;
	} else if (m->ngroups > 1) {
		struct ck_sops_node kg;

		ck_sops_node_empty(&kg, CK_SOPS_SEQ);
		for (g = 0; g < m->ngroups; g++) {
			struct kvn gi[CK_SOPS_K_NTYPES];
			struct ck_sops_node gm;
			size_t gn = 0;

			memset(gi, 0, sizeof(gi));
			if ((rc = group_items(t, gi, &gn, &m->groups[g], 1)) < 0 ||
			    (rc = build_map(t, &gm, gi, gn)) < 0 || (rc = ck_sops_seq_append(t, &kg, &gm)) < 0)
				return rc;
		}
		items[n].name = "key_groups";
		items[n++].v = kg;
	}
	items[n].name = "lastmodified";
	if ((rc = str_val(t, &items[n++].v, m->lastmodified)) < 0)
		return rc;
	items[n].name = "mac";
	if ((rc = str_val(t, &items[n++].v, m->mac)) < 0)
		return rc;
	if (m->rule != CK_SOPS_RULE_NONE && m->rule_value != NULL && m->rule_value[0] != '\0') {
		items[n].name = ck_sops_rule_name(m->rule);
		if ((rc = str_val(t, &items[n++].v, m->rule_value)) < 0)
			return rc;
	}
	if (m->mac_only_encrypted) {
		items[n].name = "mac_only_encrypted";
		if ((rc = ck_sops_node_text(t, &items[n++].v, CK_SOPS_BOOL, "True", 4, 0)) < 0)
			return rc;
	}
	if (m->shamir_threshold > 0) {
		char num[16];

		snprintf(num, sizeof(num), "%d", m->shamir_threshold);
		items[n].name = "shamir_threshold";
		if ((rc = ck_sops_node_text(t, &items[n++].v, CK_SOPS_INT, num, strlen(num), 0)) < 0)
			return rc;
	}
	items[n].name = "version";
	if ((rc = str_val(t, &items[n++].v, m->version ? m->version : CK_SOPS_VERSION)) < 0)
		return rc;
	return build_map(t, out, items, n);
}

/* ---- flattening (dotenv, INI) ---- */

static int flat_walk(struct ck_sops_tree *t, struct ck_sops_node *out, struct ck_buf *path,
                     const struct ck_sops_node *v, int escape_nl, unsigned depth)
{
	size_t plen = ck_buf_len(path);
	uint32_t i, idx = 0;
	int rc = CK_OK;

	if (depth > 64)
		return ck_err_set(CK_ETOOBIG, "sops metadata nested too deep");
	if (v->type == CK_SOPS_MAP) {
		for (i = 0; i + 1 < v->len && rc == CK_OK; i += 2) {
			if (v->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if ((rc = ck_buf_puts(path, "__map_")) < 0 ||
			    (rc = ck_buf_put(path, v->u.kids[i].u.s, v->u.kids[i].len)) < 0)
				break;
			rc = flat_walk(t, out, path, &v->u.kids[i + 1], escape_nl, depth + 1);
			ck_buf_truncate(path, plen);
		}
		return rc;
	}
	if (v->type == CK_SOPS_SEQ) {
		for (i = 0; i < v->len && rc == CK_OK; i++) {
			if (v->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if ((rc = ck_buf_printf(path, "__list_%u", idx++)) < 0)
				break;
			rc = flat_walk(t, out, path, &v->u.kids[i], escape_nl, depth + 1);
			ck_buf_truncate(path, plen);
		}
		return rc;
	}
	if (v->type == CK_SOPS_NULL)
		return CK_OK;
	{
		struct ck_sops_node k, val;
		struct ck_buf s;

		ck_buf_init(&s, 0);
		if (v->type == CK_SOPS_BOOL)
			rc = ck_buf_puts(&s, ck_sops_node_is(v, "True") ? "true" : "false");
		else if (escape_nl) {
			size_t j;

			for (j = 0; j < v->len && rc == CK_OK; j++)
				rc = v->u.s[j] == '\n' ? ck_buf_put(&s, "\\n", 2) : ck_buf_putc(&s, v->u.s[j]);
		} else {
			rc = ck_buf_put(&s, v->u.s, v->len);
		}
		if (rc == CK_OK)
			rc = ck_sops_node_text(t, &k, CK_SOPS_STR, ck_buf_cstr(path), ck_buf_len(path), 0);
		if (rc == CK_OK)
			rc = ck_sops_node_text(t, &val, CK_SOPS_STR, (const char *)ck_buf_data(&s),
			                       ck_buf_len(&s), 0);
		if (rc == CK_OK)
			rc = ck_sops_map_append(t, out, &k, &val);
		ck_buf_dispose(&s);
		return rc;
	}
}

int ck_sops_meta_flatten(struct ck_sops_tree *t, struct ck_sops_node *out,
                         const struct ck_sops_node *meta, const char *prefix, int escape_nl)
{
	struct ck_buf path;
	uint32_t i;
	int rc = CK_OK;

	ck_sops_node_empty(out, CK_SOPS_MAP);
	ck_buf_init(&path, 0);
	for (i = 0; i + 1 < meta->len && rc == CK_OK; i += 2) {
		ck_buf_reset(&path);
		if ((rc = ck_buf_puts(&path, prefix)) == CK_OK &&
		    (rc = ck_buf_put(&path, meta->u.kids[i].u.s, meta->u.kids[i].len)) == CK_OK)
			rc = flat_walk(t, out, &path, &meta->u.kids[i + 1], escape_nl, 0);
	}
	ck_buf_dispose(&path);
	return rc;
}

/* Builder tree for unflatten. */
struct bn {
	int kind; /* 0 unset, 1 leaf, 2 map, 3 list */
	const struct ck_sops_node *leaf;
	char **keys;
	size_t *keylens;
	struct bn **kids;
	size_t n, cap;
};

static void bn_free(struct bn *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		bn_free(b->kids[i]);
		if (b->keys != NULL)
			ck_free(b->keys[i]);
	}
	ck_free(b->kids);
	ck_free(b->keys);
	ck_free(b->keylens);
	ck_free(b);
}

static struct bn *bn_child(struct bn *b, const char *key, size_t kl, long idx)
{
	size_t i;

	if (idx >= 0) {
		if ((size_t)idx < b->n)
			return b->kids[idx];
	} else {
		for (i = 0; i < b->n; i++)
			if (b->keylens[i] == kl && memcmp(b->keys[i], key, kl) == 0)
				return b->kids[i];
	}
	if (b->n == b->cap || (idx >= 0 && (size_t)idx >= b->cap)) {
		size_t nc = b->cap ? b->cap * 2 : 4;
		struct bn **nk;
		char **nks;
		size_t *nl;

		while (idx >= 0 && (size_t)idx >= nc)
			nc *= 2;
		nk = ck_calloc(nc, sizeof(*nk));
		nks = ck_calloc(nc, sizeof(*nks));
		nl = ck_calloc(nc, sizeof(*nl));
		if (nk == NULL || nks == NULL || nl == NULL) {
			ck_free(nk);
			ck_free(nks);
			ck_free(nl);
			return NULL;
		}
		if (b->n > 0) {
			memcpy(nk, b->kids, b->n * sizeof(*nk));
			memcpy(nks, b->keys, b->n * sizeof(*nks));
			memcpy(nl, b->keylens, b->n * sizeof(*nl));
		}
		ck_free(b->kids);
		ck_free(b->keys);
		ck_free(b->keylens);
		b->kids = nk;
		b->keys = nks;
		b->keylens = nl;
		b->cap = nc;
	}
	if (idx >= 0) {
		while (b->n <= (size_t)idx) {
			if ((b->kids[b->n] = ck_calloc(1, sizeof(struct bn))) == NULL)
				return NULL;
			b->n++;
		}
		return b->kids[idx];
	}
	if ((b->keys[b->n] = ck_strndup(key, kl)) == NULL ||
	    (b->kids[b->n] = ck_calloc(1, sizeof(struct bn))) == NULL)
		return NULL;
	b->keylens[b->n] = kl;
	return b->kids[b->n++];
}

static int bn_to_node(struct ck_sops_tree *t, struct ck_sops_node *out, const struct bn *b,
                      int unescape_nl)
{
	size_t i;
	int rc;

	if (b->kind == 1) {
		const struct ck_sops_node *l = b->leaf;

		if (unescape_nl && l->type == CK_SOPS_STR) {
			char *d = ck_sops_tree_alloc(t, l->len + 1, 0);
			size_t o = 0, j;

			if (d == NULL)
				return CK_ENOMEM;
			for (j = 0; j < l->len; j++) {
				if (l->u.s[j] == '\\' && j + 1 < l->len && l->u.s[j + 1] == 'n') {
					d[o++] = '\n';
					j++;
				} else {
					d[o++] = l->u.s[j];
				}
			}
			ck_sops_node_empty(out, CK_SOPS_STR);
			out->u.s = d;
			out->len = (uint32_t)o;
			return CK_OK;
		}
		*out = *l;
		return CK_OK;
	}
	if (b->kind == 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "sops metadata: list indices must be 0..n-1");
	ck_sops_node_empty(out, b->kind == 2 ? CK_SOPS_MAP : CK_SOPS_SEQ);
	for (i = 0; i < b->n; i++) {
		struct ck_sops_node v;

		if ((rc = bn_to_node(t, &v, b->kids[i], unescape_nl)) < 0)
			return rc;
		if (b->kind == 2) {
			struct ck_sops_node k;

			if ((rc = ck_sops_node_text(t, &k, CK_SOPS_STR, b->keys[i], b->keylens[i], 0)) < 0 ||
			    (rc = ck_sops_map_append(t, out, &k, &v)) < 0)
				return rc;
		} else if ((rc = ck_sops_seq_append(t, out, &v)) < 0) {
			return rc;
		}
	}
	return CK_OK;
}

int ck_sops_meta_unflatten(struct ck_sops_tree *t, struct ck_sops_node *out,
                           const struct ck_sops_node *flat, int unescape_nl)
{
	struct bn *root = ck_calloc(1, sizeof(*root));
	uint32_t i;
	int rc = CK_OK;

	if (root == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	root->kind = 2;
	for (i = 0; i + 1 < flat->len && rc == CK_OK; i += 2) {
		const struct ck_sops_node *k = &flat->u.kids[i];
		const char *s, *e, *tok;
		struct bn *cur = root;
		int tokkind = 2; /* the first token is a map key */

		if (k->type == CK_SOPS_COMMENT)
			continue;
		s = k->u.s;
		e = s + k->len;
		tok = s;
		for (;;) {
			const char *m = NULL, *p;
			int nextkind = 0;
			struct bn *child;
			long idx = -1;

			for (p = tok; p < e; p++) {
				if (e - p >= 6 && memcmp(p, "__map_", 6) == 0) {
					m = p;
					nextkind = 2;
					break;
				}
				if (e - p >= 7 && memcmp(p, "__list_", 7) == 0) {
					m = p;
					nextkind = 3;
					break;
				}
			}
			if (m == NULL)
				m = e;
			if (tokkind == 3) {
				int64_t x;

				if (ck_sops__parse_int10(tok, (size_t)(m - tok), &x) < 0 || x < 0 || x > 100000) {
					rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
					                     "sops metadata: bad list index in '%.*s'",
					                     (int)k->len, k->u.s);
					break;
				}
				idx = (long)x;
			}
			if ((cur->kind != 0 && cur->kind != tokkind) || cur->kind == 1) {
				rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
				                     "sops metadata: '%.*s' is both a value and a container",
				                     (int)k->len, k->u.s);
				break;
			}
			cur->kind = tokkind;
			if ((child = bn_child(cur, tok, (size_t)(m - tok), idx)) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
				break;
			}
			if (m == e) {
				if (child->kind != 0) {
					rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
					                     "sops metadata: '%.*s' is both a value and a "
					                     "container",
					                     (int)k->len, k->u.s);
					break;
				}
				child->kind = 1;
				child->leaf = &flat->u.kids[i + 1];
				break;
			}
			cur = child;
			tokkind = nextkind;
			tok = m + (nextkind == 2 ? 6 : 7);
		}
	}
	if (rc == CK_OK)
		rc = bn_to_node(t, out, root, unescape_nl);
	bn_free(root);
	return rc;
}
