/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESO's toYaml / fromYaml (runtime/template/v2/yaml.go) on sigs.k8s.io/yaml:
 * YAML goes through JSON (so numbers become float64 on the way in) and is
 * written back by go-yaml v2 (sorted keys in v2's natural order, sequences
 * not indented under their key, strings quoted when v2 would read them
 * back as another type, literal blocks for multi-line strings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "tmpl_int.h"

/* ------------------------------------------------------------ fromYaml */

/* YAML 1.1 booleans of go-yaml v2 beyond true/false. */
static int v2_bool(const char *t, int *b)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true",
		                           "True", "TRUE", NULL };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false",
		                          "False", "FALSE", NULL };
	size_t i;

	for (i = 0; yes[i]; i++)
		if (strcmp(t, yes[i]) == 0) {
			*b = 1;
			return 1;
		}
	for (i = 0; no[i]; i++)
		if (strcmp(t, no[i]) == 0) {
			*b = 0;
			return 1;
		}
	return 0;
}

static int node_to_tv(struct ck_ext_arena *a, const struct ck_doc_node *n, struct tv *out,
                      unsigned depth)
{
	size_t i;
	int rc;

	if (depth > 256)
		return ck_err_set(CK_ETOOBIG, "yaml: nested too deeply");
	n = ck_doc_resolve(n);
	if (n == NULL) {
		*out = tv_nil();
		out->flags = TV_F_IFACE;
		return CK_OK;
	}
	if (n->kind == CK_DOC_MAP) {
		struct tv_map *m = ck_ext__map_new(a, ck_doc_map_len(n));

		if (m == NULL)
			return ck_err_last()->code;
		for (i = 0; i < ck_doc_map_len(n); i++) {
			const struct ck_doc_node *k = ck_doc_resolve(ck_doc_map_key(n, i));
			struct tv v;
			char *kc;

			if (k == NULL || k->kind != CK_DOC_SCALAR)
				return ck_err_set(CK_EINVAL, "error converting YAML to JSON: yaml: invalid map key");
			if ((rc = node_to_tv(a, ck_doc_map_value(n, i), &v, depth + 1)) < 0)
				return rc;
			if ((kc = ck_ext__arena_strdup(a, k->text, k->len)) == NULL)
				return ck_err_last()->code;
			if ((rc = ck_ext__map_set(a, m, kc, k->len, v)) < 0)
				return rc;
		}
		out->kind = TV_MAP;
		out->flags = 0;
		out->u.m = m;
		return CK_OK;
	}
	if (n->kind == CK_DOC_SEQ) {
		struct tv_list *l = ck_ext__list_new(a, n->nkids);

		if (l == NULL)
			return ck_err_last()->code;
		for (i = 0; i < n->nkids; i++)
			if ((rc = node_to_tv(a, n->kids[i], &l->v[l->n++], depth + 1)) < 0)
				return rc;
		out->kind = TV_LIST;
		out->flags = 0;
		out->u.l = l;
		return CK_OK;
	}
	if (n->style == CK_DOC_PLAIN) {
		int b;

		switch (ck_doc_scalar_type(n)) {
		case CK_DOC_T_NULL:
			*out = tv_nil();
			out->flags = TV_F_IFACE;
			return CK_OK;
		case CK_DOC_T_INT:
		case CK_DOC_T_UINT:
		case CK_DOC_T_FLOAT: {
			double f;

			if (ck_doc_scalar_float(n, &f) < 0) {
				int64_t i64;

				ck_err_clear();
				if (ck_doc_scalar_int(n, &i64) < 0) {
					ck_err_clear();
					break;
				}
				f = (double)i64;
			}
			*out = tv_float(f); /* through JSON: float64 */
			return CK_OK;
		}
		case CK_DOC_T_BOOL:
			*out = tv_bool(n->text[0] == 't' || n->text[0] == 'T');
			return CK_OK;
		default:
			if (v2_bool(n->text, &b)) {
				*out = tv_bool(b);
				return CK_OK;
			}
			break;
		}
	}
	{
		char *t = ck_ext__arena_strdup(a, n->text, n->len);

		if (t == NULL)
			return ck_err_last()->code;
		*out = tv_str(t, n->len);
		return CK_OK;
	}
}

int ck_ext__yaml_to_tv(struct tstate *s, const char *text, size_t n, struct tv *out)
{
	struct ck_doc *d = NULL;
	struct tv_map *m = ck_ext__map_new(s->a, 0);
	struct tv v = { TV_NIL, 0, { 0 } };
	int rc;

	if (m == NULL)
		return ck_err_last()->code;
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	rc = ck_doc_parse_yaml(&d, text, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS);
	if (rc >= 0 && d->ndocs && d->docs[0]) {
		rc = node_to_tv(s->a, d->docs[0], &v, 0);
		if (rc >= 0 && v.kind == TV_MAP) {
			out->u.m = v.u.m;
		} else if (rc >= 0 && !(v.kind == TV_NIL)) {
			rc = ck_err_set(CK_EINVAL,
			                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type map[string]interface {}",
			                v.kind == TV_LIST ? "array" : v.kind == TV_STR ? "string"
			                : v.kind == TV_BOOL ? "bool" : "number");
		}
	}
	ck_doc_free(d);
	if (rc == CK_EINVAL || rc == CK_ETOOBIG) {
		/* ESO puts the error text under "Error" instead of failing */
		char msg[CK_ERR_MSG_MAX];
		char *p;
		size_t len;

		len = (size_t)snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		ck_err_clear();
		if (len >= sizeof(msg))
			len = sizeof(msg) - 1;
		if ((p = ck_ext__arena_strdup(s->a, msg, len)) == NULL)
			return ck_err_last()->code;
		return ck_ext__map_set(s->a, out->u.m, "Error", 5, tv_str(p, len));
	}
	return rc;
}

/* -------------------------------------------------------------- toYaml */

static int is_letter(uint32_t r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r >= 0xc0;
}

static int is_digit(uint32_t r)
{
	return r >= '0' && r <= '9';
}

/* go-yaml v2's keyList.Less for string keys ("natural" digit runs). */
static int v2_less(const char *a, size_t an, const char *b, size_t bn)
{
	uint32_t ar[256], br[256];
	size_t na = 0, nb = 0, i;

	for (i = 0; i < an && na < 256;) {
		int l = ck_ext__utf8_decode((const unsigned char *)a + i, an - i, &ar[na++]);

		i += l < 0 ? 1 : (size_t)l;
	}
	for (i = 0; i < bn && nb < 256;) {
		int l = ck_ext__utf8_decode((const unsigned char *)b + i, bn - i, &br[nb++]);

		i += l < 0 ? 1 : (size_t)l;
	}
	for (i = 0; i < na && i < nb; i++) {
		int al, bl;
		size_t ai, bi;
		int64_t avn = 0, bvn = 0;

		if (ar[i] == br[i])
			continue;
		al = is_letter(ar[i]);
		bl = is_letter(br[i]);
		if (al && bl)
			return ar[i] < br[i];
		if (al || bl)
			return bl;
		if (ar[i] == '0' || br[i] == '0') {
			size_t j;

			for (j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					avn = 1;
					bvn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < na && is_digit(ar[ai]); ai++)
			avn = avn * 10 + (int64_t)(ar[ai] - '0');
		for (bi = i; bi < nb && is_digit(br[bi]); bi++)
			bvn = bvn * 10 + (int64_t)(br[bi] - '0');
		if (avn != bvn)
			return avn < bvn;
		if (ai != bi)
			return ai < bi;
		return ar[i] < br[i];
	}
	return na < nb;
}

/* Would go-yaml v2 read this plain text back as something other than a string? */
static int v2_non_string(struct ck_doc *d, const char *s, size_t n)
{
	struct ck_doc_node *probe;
	int b;

	if (n == 0 || v2_bool(s, &b))
		return 1;
	if ((probe = ck_doc_scalar(d, s, n, CK_DOC_PLAIN)) == NULL)
		return 1;
	switch (ck_doc_scalar_type(probe)) {
	case CK_DOC_T_STR:
		break;
	default:
		return 1;
	}
	/* v2 also reads 0777 and 1_000 as numbers, and base 60 floats */
	if (strspn(s, "0123456789_+-.:") == n && strpbrk(s, "0123456789"))
		return 1;
	return 0;
}

struct yctx {
	struct ck_doc *d;
};

static int number_text(struct ck_buf *b, double f)
{
	/* json.Marshal then v2: integers stay integers, others use 'g' */
	if (f > -9.2e18 && f < 9.2e18 && f == (double)(int64_t)f)
		return ck_buf_printf(b, "%lld", (long long)f);
	return ck_ext__fmt_float(b, f, 'g');
}

static struct ck_doc_node *to_node(struct yctx *y, const struct tv *v, unsigned depth);

static int key_cmp_idx(const struct tv_map *m, size_t a, size_t b)
{
	return v2_less(m->k[a].p, m->k[a].n, m->k[b].p, m->k[b].n);
}

static struct ck_doc_node *to_node(struct yctx *y, const struct tv *v, unsigned depth)
{
	struct ck_doc_node *n = NULL;
	struct ck_buf b;
	size_t i;

	if (depth > 256) {
		ck_err_set(CK_ETOOBIG, "yaml: nested too deeply");
		return NULL;
	}
	ck_buf_init(&b, 4096);
	switch (v->kind) {
	case TV_NIL:
		n = ck_doc_scalar(y->d, "null", 4, CK_DOC_PLAIN);
		break;
	case TV_BOOL:
		n = ck_doc_scalar(y->d, v->u.b ? "true" : "false", v->u.b ? 4 : 5, CK_DOC_PLAIN);
		break;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8:
		if (ck_buf_printf(&b, "%lld", (long long)v->u.i) >= 0)
			n = ck_doc_scalar(y->d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_PLAIN);
		break;
	case TV_FLOAT:
		if (number_text(&b, v->u.f) >= 0)
			n = ck_doc_scalar(y->d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_PLAIN);
		break;
	case TV_JNUM:
		n = ck_doc_scalar(y->d, v->u.s.p, v->u.s.n, CK_DOC_PLAIN);
		break;
	case TV_STR:
		n = ck_doc_scalar(y->d, v->u.s.p, v->u.s.n, CK_DOC_STYLE_ANY);
		if (n == NULL)
			break;
		if (memchr(v->u.s.p, '\n', v->u.s.n))
			n->style = CK_DOC_LITERAL;
		else if (v2_non_string(y->d, v->u.s.p, v->u.s.n))
			n->style = CK_DOC_DQUOTED;
		break;
	case TV_LIST:
	case TV_SLIST:
		if ((n = ck_doc_seq(y->d)) == NULL)
			break;
		if (v->u.l == NULL || v->u.l->n == 0)
			n->style = CK_DOC_FLOW;
		for (i = 0; v->u.l && i < v->u.l->n; i++) {
			struct ck_doc_node *e = to_node(y, &v->u.l->v[i], depth + 1);

			if (e == NULL || ck_doc_seq_append(y->d, n, e) < 0) {
				n = NULL;
				break;
			}
		}
		break;
	case TV_MAP:
	case TV_SMAP: {
		size_t cnt = v->u.m ? v->u.m->n : 0, *order, j;

		if ((n = ck_doc_map(y->d)) == NULL)
			break;
		if (cnt == 0) {
			n->style = CK_DOC_FLOW;
			break;
		}
		if ((order = ck_calloc(cnt, sizeof(*order))) == NULL) {
			ck_err_set(CK_ENOMEM, "yaml: out of memory");
			n = NULL;
			break;
		}
		/* insertion sort by v2's key order (maps here are small) */
		for (i = 0; i < cnt; i++) {
			for (j = i; j > 0 && key_cmp_idx(v->u.m, i, order[j - 1]); j--)
				order[j] = order[j - 1];
			order[j] = i;
		}
		for (i = 0; i < cnt; i++) {
			const struct tv_mkey *k = &v->u.m->k[order[i]];
			struct ck_doc_node *kn = ck_doc_scalar(y->d, k->p, k->n, CK_DOC_STYLE_ANY);
			struct ck_doc_node *vn = to_node(y, &v->u.m->v[order[i]], depth + 1);

			if (kn && v2_non_string(y->d, k->p, k->n))
				kn->style = CK_DOC_DQUOTED;
			if (kn == NULL || vn == NULL || ck_doc_map_append(y->d, n, kn, vn) < 0) {
				n = NULL;
				break;
			}
		}
		ck_free(order);
		break;
	}
	}
	ck_buf_dispose(&b);
	return n;
}

int ck_ext__tv_to_yaml(struct tstate *s, const struct tv *v, struct tv *out)
{
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	struct yctx y;
	struct ck_doc_node *root;
	int rc;

	if ((y.d = ck_doc_new(CK_DOC_SECURE)) == NULL)
		return ck_err_set(CK_ENOMEM, "yaml: out of memory");
	ck_buf_reset(s->scratch);
	if ((root = to_node(&y, v, 0)) == NULL || (rc = ck_doc_add_root(y.d, root)) < 0) {
		rc = ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
		goto out;
	}
	yo.indent = 2;
	yo.indent_sequences = 0;
	yo.keep_styles = 1;
	if ((rc = ck_doc_write_yaml(s->scratch, y.d, &yo)) < 0)
		goto out;
	/* TrimSuffix "\n" */
	if (ck_buf_len(s->scratch) && ck_buf_data(s->scratch)[ck_buf_len(s->scratch) - 1] == '\n')
		ck_buf_truncate(s->scratch, ck_buf_len(s->scratch) - 1);
	{
		char *p = ck_ext__arena_strdup(s->a, ck_buf_data(s->scratch), ck_buf_len(s->scratch));

		if (p == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		*out = tv_str(p, ck_buf_len(s->scratch));
	}
	ck_buf_reset(s->scratch);
	rc = CK_OK;
out:
	ck_doc_free(y.d);
	return rc;
}
