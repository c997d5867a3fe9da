/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Template functions: Go's builtins and the sprig v3 functions ESO
 * registers (minus env/expandenv), in the tiers ESO templates use: core,
 * strings/encoding, structured data. Semantics follow sprig's source,
 * including its quirks (b64dec returns the decoder's error text, fromJson
 * returns nil on bad input, get returns "" for a missing key). Functions ESO
 * knows that are not implemented here are listed as TF_UNSUPPORTED so the
 * parser names them in a clear error instead of failing later.
 *
 * Every string a function builds lives in the execution's secure arena.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/err.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "ext_int.h"
#include "ext_regex.h"
#include "tmpl_int.h"

/* ------------------------------------------------------------ helpers */

struct sb {
	struct ck_ext_arena *a;
	char *p;
	size_t n, cap;
};

static int sb_grow(struct sb *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->n + more + 1 <= b->cap)
		return CK_OK;
	if (more > SIZE_MAX / 4 - b->n)
		return ck_err_set(CK_ETOOBIG, "template: string too long");
	ncap = b->cap ? b->cap : 32;
	while (ncap < b->n + more + 1)
		ncap *= 2;
	if ((np = ck_ext__arena_alloc(b->a, ncap)) == NULL)
		return ck_err_last()->code;
	if (b->n)
		memcpy(np, b->p, b->n);
	b->p = np;
	b->cap = ncap;
	return CK_OK;
}

static int sb_put(struct sb *b, const void *d, size_t n)
{
	int rc;

	if (n == 0)
		return CK_OK;
	if ((rc = sb_grow(b, n)) < 0)
		return rc;
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return CK_OK;
}

static int sb_putc(struct sb *b, char c)
{
	return sb_put(b, &c, 1);
}

static void sb_done(struct sb *b, struct tv *out)
{
	*out = tv_str(b->p ? b->p : "", b->n);
}

#define SB_INIT(s) { (s)->a, NULL, 0, 0 }

static int ret_scratch(struct tstate *s, struct tv *out)
{
	char *p = ck_ext__arena_strdup(s->a, ck_buf_data(s->scratch), ck_buf_len(s->scratch));

	if (p == NULL)
		return ck_err_last()->code;
	*out = tv_str(p, ck_buf_len(s->scratch));
	ck_buf_reset(s->scratch);
	return CK_OK;
}

static int ret_copy(struct tstate *s, struct tv *out, const void *p, size_t n)
{
	char *c = ck_ext__arena_strdup(s->a, p, n);

	if (c == NULL)
		return ck_err_last()->code;
	*out = tv_str(c, n);
	return CK_OK;
}

static int is_list(const struct tv *v)
{
	return v->kind == TV_LIST || v->kind == TV_SLIST;
}

static size_t list_len(const struct tv *v)
{
	return v->u.l ? v->u.l->n : 0;
}

/* reflect Kind name as sprig's messages print it */
static const char *kind_name(const struct tv *v)
{
	switch (v->kind) {
	case TV_NIL: return "invalid";
	case TV_BOOL: return "bool";
	case TV_INT: return "int";
	case TV_INT64: return "int64";
	case TV_UINT8: return "uint8";
	case TV_FLOAT: return "float64";
	case TV_JNUM:
	case TV_STR: return "string";
	case TV_LIST:
	case TV_SLIST: return "slice";
	default: return "map";
	}
}

int ck_ext__strval(struct tstate *s, const struct tv *v, struct tv *out)
{
	int rc;

	if (v->kind == TV_STR) {
		*out = *v;
		return CK_OK;
	}
	if (v->kind == TV_JNUM) {
		*out = tv_str(v->u.s.p, v->u.s.n);
		return CK_OK;
	}
	ck_buf_reset(s->scratch);
	if ((rc = ck_ext__fmt_value(s->scratch, v)) < 0)
		return rc;
	return ret_scratch(s, out);
}

/* reflect.DeepEqual for our values. */
static int deep_equal(const struct tv *a, const struct tv *b)
{
	size_t k;

	if (a->kind != b->kind) {
		/* a []string and a []interface{} are different types */
		return 0;
	}
	switch (a->kind) {
	case TV_NIL: return 1;
	case TV_BOOL: return a->u.b == b->u.b;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8: return a->u.i == b->u.i;
	case TV_FLOAT: return a->u.f == b->u.f;
	case TV_JNUM:
	case TV_STR:
		return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
	case TV_LIST:
	case TV_SLIST:
		if ((a->u.l == NULL) != (b->u.l == NULL))
			return 0;
		if (list_len(a) != list_len(b))
			return 0;
		for (k = 0; k < list_len(a); k++)
			if (!deep_equal(&a->u.l->v[k], &b->u.l->v[k]))
				return 0;
		return 1;
	default:
		if ((a->u.m == NULL) != (b->u.m == NULL))
			return 0;
		if (a->u.m == NULL)
			return 1;
		if (a->u.m->n != b->u.m->n)
			return 0;
		for (k = 0; k < a->u.m->n; k++) {
			if (a->u.m->k[k].n != b->u.m->k[k].n ||
			    memcmp(a->u.m->k[k].p, b->u.m->k[k].p, a->u.m->k[k].n) != 0 ||
			    !deep_equal(&a->u.m->v[k], &b->u.m->v[k]))
				return 0;
		}
		return 1;
	}
}

/* ------------------------------------------------------------- builtins */

static int f_not(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(!ck_ext__tv_truth(&a[0]));
	return CK_OK;
}

static int f_andor(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return ck_err_set(CK_EINTERNAL, "template: and/or evaluated by the executor");
}

enum bkind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING };

static enum bkind basic_kind(const struct tv *v)
{
	switch (v->kind) {
	case TV_BOOL: return K_BOOL;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8: return K_INT;
	case TV_FLOAT: return K_FLOAT;
	case TV_STR:
	case TV_JNUM: return K_STRING;
	default: return K_INVALID;
	}
}

static int str_cmp(const struct tv *a, const struct tv *b)
{
	size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
	int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;

	if (c)
		return c;
	return a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n;
}

/* One == comparison; CK_OK with *eq set, or a function failure. */
static int eq1(struct tstate *s, const struct tv *x, const struct tv *y, int *eq)
{
	enum bkind k1 = basic_kind(x), k2 = basic_kind(y);
	int xvalid = x->kind != TV_NIL, yvalid = y->kind != TV_NIL;

	*eq = 0;
	if (k1 != k2) {
		if (xvalid && yvalid)
			return ck_ext__func_fail(s, "incompatible types for comparison");
		return CK_OK;
	}
	switch (k1) {
	case K_BOOL: *eq = x->u.b == y->u.b; return CK_OK;
	case K_INT: *eq = x->u.i == y->u.i; return CK_OK;
	case K_FLOAT: *eq = x->u.f == y->u.f; return CK_OK;
	case K_STRING: *eq = str_cmp(x, y) == 0; return CK_OK;
	default:
		if (!xvalid || !yvalid) {
			*eq = xvalid == yvalid;
			return CK_OK;
		}
		/* maps and slices are not comparable in Go */
		return ck_ext__func_fail(s, "non-comparable types %s, %s", ck_ext__tv_typename(x),
		                         ck_ext__tv_typename(y));
	}
}

static int f_eq(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t k;
	int rc, eq = 0;

	if (n < 2)
		return ck_ext__func_fail(s, "missing argument for comparison");
	for (k = 1; k < n; k++) {
		if ((rc = eq1(s, &a[0], &a[k], &eq)) < 0)
			return rc;
		if (eq)
			break;
	}
	*out = tv_bool(eq);
	return CK_OK;
}

static int f_ne(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc, eq;

	if ((rc = eq1(s, &a[0], &a[1], &eq)) < 0)
		return rc;
	*out = tv_bool(!eq);
	return CK_OK;
}

static int lt1(struct tstate *s, const struct tv *x, const struct tv *y, int *lt)
{
	enum bkind k1 = basic_kind(x), k2 = basic_kind(y);

	if (k1 == K_INVALID || k2 == K_INVALID)
		return ck_ext__func_fail(s, "invalid type for comparison");
	if (k1 != k2)
		return ck_ext__func_fail(s, "incompatible types for comparison");
	switch (k1) {
	case K_INT: *lt = x->u.i < y->u.i; return CK_OK;
	case K_FLOAT: *lt = x->u.f < y->u.f; return CK_OK;
	case K_STRING: *lt = str_cmp(x, y) < 0; return CK_OK;
	default: return ck_ext__func_fail(s, "invalid type for comparison");
	}
}

static int f_lt(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc, lt = 0;

	if ((rc = lt1(s, &a[0], &a[1], &lt)) < 0)
		return rc;
	*out = tv_bool(lt);
	return CK_OK;
}

static int f_le(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc, lt = 0, eq = 0;

	if ((rc = lt1(s, &a[0], &a[1], &lt)) < 0)
		return rc;
	if (!lt && (rc = eq1(s, &a[0], &a[1], &eq)) < 0)
		return rc;
	*out = tv_bool(lt || eq);
	return CK_OK;
}

static int f_gt(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc = f_le(s, out, a, n);

	if (rc >= 0)
		out->u.b = !out->u.b;
	return rc;
}

static int f_ge(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc = f_lt(s, out, a, n);

	if (rc >= 0)
		out->u.b = !out->u.b;
	return rc;
}

static int f_len(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	switch (a[0].kind) {
	case TV_STR:
	case TV_JNUM: *out = tv_int(TV_INT, (int64_t)a[0].u.s.n); return CK_OK;
	case TV_LIST:
	case TV_SLIST: *out = tv_int(TV_INT, (int64_t)list_len(&a[0])); return CK_OK;
	case TV_MAP:
	case TV_SMAP: *out = tv_int(TV_INT, a[0].u.m ? (int64_t)a[0].u.m->n : 0); return CK_OK;
	case TV_NIL:
		return ck_ext__func_fail(s, "len of %s", a[0].flags & TV_F_IFACE ? "nil pointer"
		                                                                 : "untyped nil");
	default:
		return ck_ext__func_fail(s, "len of type %s", ck_ext__tv_typename(&a[0]));
	}
}

static int index_arg(struct tstate *s, const struct tv *idx, size_t cap, int inclusive,
                     size_t *out)
{
	int64_t x;

	if (idx->kind == TV_NIL)
		return ck_ext__func_fail(s, "cannot index slice/array with nil");
	if (!ck_ext__tv_is_intkind(idx))
		return ck_ext__func_fail(s, "cannot index slice/array with type %s",
		                         ck_ext__tv_typename(idx));
	x = idx->u.i;
	if (x < 0 || (uint64_t)x > cap || (!inclusive && (uint64_t)x == cap))
		return ck_ext__func_fail(s, "index out of range: %lld", (long long)x);
	*out = (size_t)x;
	return CK_OK;
}

static int f_index(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv item = a[0];
	size_t k, x = 0;
	int rc;

	if (item.kind == TV_NIL)
		return ck_ext__func_fail(s, "index of untyped nil");
	for (k = 1; k < n; k++) {
		const struct tv *idx = &a[k];

		if (item.kind == TV_NIL)
			return ck_ext__func_fail(s, "index of nil pointer");
		switch (item.kind) {
		case TV_LIST:
		case TV_SLIST:
			if ((rc = index_arg(s, idx, list_len(&item), 0, &x)) < 0)
				return rc;
			item = item.u.l->v[x];
			break;
		case TV_STR:
			if ((rc = index_arg(s, idx, item.u.s.n, 0, &x)) < 0)
				return rc;
			item = tv_int(TV_UINT8, (unsigned char)item.u.s.p[x]);
			break;
		case TV_MAP:
		case TV_SMAP: {
			struct tv *v;

			if (idx->kind == TV_NIL)
				return ck_ext__func_fail(s, "value is nil; should be of type string");
			if (idx->kind != TV_STR)
				return ck_ext__func_fail(s, "value has type %s; should be string",
				                         ck_ext__tv_typename(idx));
			v = ck_ext__map_get(item.u.m, idx->u.s.p, idx->u.s.n);
			if (v != NULL) {
				item = *v;
			} else if (item.kind == TV_SMAP) {
				item = tv_str("", 0);
			} else {
				item = tv_nil();
				item.flags = TV_F_IFACE;
			}
			break;
		}
		default:
			return ck_ext__func_fail(s, "can't index item of type %s",
			                         ck_ext__tv_typename(&item));
		}
	}
	*out = item;
	return CK_OK;
}

/* Go's builtin slice (the Go function set; sprig replaces it for ESO). */
static int f_goslice(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t idx[3] = { 0, 0, 0 }, cap, k;
	int rc;

	if (a[0].kind == TV_NIL)
		return ck_ext__func_fail(s, "slice of untyped nil");
	if (n - 1 > 3)
		return ck_ext__func_fail(s, "too many slice indexes: %zu", n - 1);
	if (a[0].kind == TV_STR) {
		if (n - 1 == 3)
			return ck_ext__func_fail(s, "cannot 3-index slice a string");
		cap = a[0].u.s.n;
	} else if (is_list(&a[0])) {
		cap = list_len(&a[0]);
	} else {
		return ck_ext__func_fail(s, "can't slice item of type %s", ck_ext__tv_typename(&a[0]));
	}
	idx[1] = cap;
	for (k = 1; k < n; k++)
		if ((rc = index_arg(s, &a[k], cap, 1, &idx[k - 1])) < 0)
			return rc;
	if (idx[0] > idx[1])
		return ck_ext__func_fail(s, "invalid slice index: %zu > %zu", idx[0], idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		return ck_ext__func_fail(s, "invalid slice index: %zu > %zu", idx[1], idx[2]);
	if (a[0].kind == TV_STR) {
		*out = tv_str(a[0].u.s.p + idx[0], idx[1] - idx[0]);
	} else {
		struct tv_list *l = ck_ext__list_new(s->a, 0);

		if (l == NULL)
			return ck_err_last()->code;
		if (a[0].u.l != NULL) {
			l->v = a[0].u.l->v + idx[0];
			l->n = l->cap = idx[1] - idx[0];
		}
		out->kind = a[0].kind;
		out->flags = 0;
		out->u.l = l;
	}
	return CK_OK;
}

static int f_print(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc;

	ck_buf_reset(s->scratch);
	if ((rc = ck_ext__fmt_sprint(s->scratch, a, n, 0)) < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_println(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc;

	ck_buf_reset(s->scratch);
	if ((rc = ck_ext__fmt_sprint(s->scratch, a, n, 1)) < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_printf(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc;

	ck_buf_reset(s->scratch);
	if ((rc = ck_ext__fmt_sprintf(s->scratch, a[0].u.s.p, a[0].u.s.n, a + 1, n - 1)) < 0)
		return rc;
	return ret_scratch(s, out);
}

/* evalArgs of html/js/urlquery: Sprint with "no value" for nil. */
static int eval_args(struct tstate *s, struct tv *a, size_t n, struct tv *out)
{
	size_t k;
	int rc;

	if (n == 1 && a[0].kind == TV_STR) {
		*out = a[0];
		return CK_OK;
	}
	for (k = 0; k < n; k++)
		if (a[k].kind == TV_NIL)
			a[k] = tv_str("<no value>", 10);
	ck_buf_reset(s->scratch);
	if ((rc = ck_ext__fmt_sprint(s->scratch, a, n, 0)) < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_html(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	struct tv str;
	size_t k;
	int rc;

	if ((rc = eval_args(s, a, n, &str)) < 0)
		return rc;
	for (k = 0; k < str.u.s.n && rc >= 0; k++) {
		switch (str.u.s.p[k]) {
		case '"': rc = sb_put(&b, "&#34;", 5); break;
		case '\'': rc = sb_put(&b, "&#39;", 5); break;
		case '&': rc = sb_put(&b, "&amp;", 5); break;
		case '<': rc = sb_put(&b, "&lt;", 4); break;
		case '>': rc = sb_put(&b, "&gt;", 4); break;
		case '\0': rc = sb_put(&b, "\xef\xbf\xbd", 3); break;
		default: rc = sb_putc(&b, str.u.s.p[k]);
		}
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_js(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sb b = SB_INIT(s);
	struct tv str;
	size_t k;
	int rc;

	if ((rc = eval_args(s, a, n, &str)) < 0)
		return rc;
	for (k = 0; k < str.u.s.n && rc >= 0;) {
		unsigned char c = (unsigned char)str.u.s.p[k];

		if (c < 0x80) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			switch (c) {
			case '\\': rc = sb_put(&b, "\\\\", 2); break;
			case '\'': rc = sb_put(&b, "\\'", 2); break;
			case '"': rc = sb_put(&b, "\\\"", 2); break;
			case '<': rc = sb_put(&b, "\\u003C", 6); break;
			case '>': rc = sb_put(&b, "\\u003E", 6); break;
			case '&': rc = sb_put(&b, "\\u0026", 6); break;
			case '=': rc = sb_put(&b, "\\u003D", 6); break;
			default:
				rc = c < ' ' ? sb_put(&b, e, 6) : sb_putc(&b, (char)c);
			}
			k++;
		} else {
			uint32_t r;
			int len = ck_ext__utf8_decode((const unsigned char *)str.u.s.p + k,
			                              str.u.s.n - k, &r);

			if (len < 0) {
				rc = sb_put(&b, "\\uFFFD", 6);
				k++;
			} else {
				rc = sb_put(&b, str.u.s.p + k, (size_t)len);
				k += (size_t)len;
			}
		}
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_urlquery(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sb b = SB_INIT(s);
	struct tv str;
	size_t k;
	int rc;

	if ((rc = eval_args(s, a, n, &str)) < 0)
		return rc;
	for (k = 0; k < str.u.s.n && rc >= 0; k++) {
		unsigned char c = (unsigned char)str.u.s.p[k];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			rc = sb_putc(&b, (char)c);
		} else if (c == ' ') {
			rc = sb_putc(&b, '+');
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			rc = sb_put(&b, e, 3);
		}
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_call(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (a[0].kind == TV_NIL)
		return ck_ext__func_fail(s, "call of nil");
	return ck_ext__func_fail(s, "non-function of type %s", ck_ext__tv_typename(&a[0]));
}

/* ------------------------------------------------------- sprig: core */

static int f_default(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (n < 2 || ck_ext__tv_empty(&a[1]))
		*out = a[0];
	else
		*out = a[1];
	return CK_OK;
}

static int f_empty(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(ck_ext__tv_empty(&a[0]));
	return CK_OK;
}

static int f_coalesce(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t k;

	*out = tv_nil();
	for (k = 0; k < n; k++) {
		if (!ck_ext__tv_empty(&a[k])) {
			*out = a[k];
			break;
		}
	}
	return CK_OK;
}

static int f_all(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (ck_ext__tv_empty(&a[k]))
			break;
	*out = tv_bool(k == n);
	return CK_OK;
}

static int f_any(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!ck_ext__tv_empty(&a[k]))
			break;
	*out = tv_bool(k < n);
	return CK_OK;
}

static int f_ternary(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = a[2].u.b ? a[0] : a[1];
	return CK_OK;
}

static int f_tostring(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return ck_ext__strval(s, &a[0], out);
}

static int f_fail(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	/* the message is the template author's text, not a secret */
	return ck_ext__func_fail(s, "%.*s", (int)(a[0].u.s.n > 512 ? 512 : a[0].u.s.n),
	                         a[0].u.s.p);
}

static int f_typeof(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const char *t = a[0].kind == TV_NIL ? "<nil>" : ck_ext__tv_typename(&a[0]);

	*out = tv_str(t, strlen(t));
	return CK_OK;
}

static int f_kindof(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const char *k = kind_name(&a[0]);

	if (a[0].kind == TV_NIL)
		return ck_ext__func_fail(s, "runtime error: invalid memory address or nil pointer dereference");
	*out = tv_str(k, strlen(k));
	return CK_OK;
}

static int f_kindis(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const char *k = kind_name(&a[1]);

	if (a[1].kind == TV_NIL)
		return ck_ext__func_fail(s, "runtime error: invalid memory address or nil pointer dereference");
	*out = tv_bool(strlen(k) == a[0].u.s.n && memcmp(k, a[0].u.s.p, a[0].u.s.n) == 0);
	return CK_OK;
}

static int f_typeis(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const char *t = a[1].kind == TV_NIL ? "<nil>" : ck_ext__tv_typename(&a[1]);

	*out = tv_bool(strlen(t) == a[0].u.s.n && memcmp(t, a[0].u.s.p, a[0].u.s.n) == 0);
	return CK_OK;
}

static int f_deepequal(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(deep_equal(&a[0], &a[1]));
	return CK_OK;
}

/* Go integer syntax with base prefix (strconv.ParseInt(s, 0, 64)); 0 on success. */
static int parse_int0(const char *p, size_t n, int64_t *out)
{
	char tmp[80], *end;
	long long v;
	size_t k, j = 0;
	int base = 10, neg = 0;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	k = 0;
	if (p[k] == '+' || p[k] == '-') {
		neg = p[k] == '-';
		k++;
	}
	if (n - k > 2 && p[k] == '0' && (p[k + 1] == 'x' || p[k + 1] == 'X')) {
		base = 16;
		k += 2;
	} else if (n - k > 2 && p[k] == '0' && (p[k + 1] == 'b' || p[k + 1] == 'B')) {
		base = 2;
		k += 2;
	} else if (n - k > 2 && p[k] == '0' && (p[k + 1] == 'o' || p[k + 1] == 'O')) {
		base = 8;
		k += 2;
	} else if (n - k > 1 && p[k] == '0') {
		base = 8;
		k++;
	}
	if (k >= n)
		return -1;
	if (neg)
		tmp[j++] = '-';
	for (; k < n; k++) {
		if (p[k] == '_')
			continue;
		if (!((p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'f') ||
		      (p[k] >= 'A' && p[k] <= 'F')))
			return -1;
		tmp[j++] = p[k];
	}
	tmp[j] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, base);
	if (*end != '\0' || errno == ERANGE || end == tmp)
		return -1;
	*out = v;
	return 0;
}

/* cast.ToInt64 as sprig uses it (errors give 0). */
static int64_t to_int64(const struct tv *v)
{
	switch (v->kind) {
	case TV_BOOL: return v->u.b;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8: return v->u.i;
	case TV_FLOAT:
		if (isnan(v->u.f) || v->u.f >= 9.3e18 || v->u.f <= -9.3e18)
			return INT64_MIN;
		return (int64_t)v->u.f;
	case TV_STR:
	case TV_JNUM: {
		const char *p = v->u.s.p;
		size_t n = v->u.s.n, k;
		int64_t r;

		/* trimZeroDecimal: "1.00" -> "1" */
		for (k = 0; k < n; k++) {
			if (p[k] == '.') {
				size_t j;

				for (j = k + 1; j < n && p[j] == '0'; j++)
					;
				if (j == n && k > 0)
					n = k;
				break;
			}
		}
		return parse_int0(p, n, &r) == 0 ? r : 0;
	}
	default: return 0;
	}
}

static double to_float64(const struct tv *v)
{
	switch (v->kind) {
	case TV_BOOL: return v->u.b;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8: return (double)v->u.i;
	case TV_FLOAT: return v->u.f;
	case TV_STR:
	case TV_JNUM: {
		char tmp[128], *end;
		double f;

		if (v->u.s.n == 0 || v->u.s.n >= sizeof(tmp))
			return 0;
		memcpy(tmp, v->u.s.p, v->u.s.n);
		tmp[v->u.s.n] = '\0';
		f = strtod(tmp, &end);
		return *end == '\0' ? f : 0;
	}
	default: return 0;
	}
}

static int f_int64(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_int(TV_INT64, to_int64(&a[0]));
	return CK_OK;
}

static int f_int(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_int(TV_INT, to_int64(&a[0]));
	return CK_OK;
}

static int f_float64(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_float(to_float64(&a[0]));
	return CK_OK;
}

static int f_atoi(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	char tmp[32], *end;
	long long v = 0;

	if (a[0].u.s.n > 0 && a[0].u.s.n < sizeof(tmp)) {
		memcpy(tmp, a[0].u.s.p, a[0].u.s.n);
		tmp[a[0].u.s.n] = '\0';
		errno = 0;
		v = strtoll(tmp, &end, 10);
		if (*end != '\0' || errno == ERANGE || tmp[0] == ' ' || tmp[0] == '\t')
			v = 0;
	}
	*out = tv_int(TV_INT, v);
	return CK_OK;
}

static int f_add(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	uint64_t r = 0;
	size_t k;

	for (k = 0; k < n; k++)
		r += (uint64_t)to_int64(&a[k]);
	*out = tv_int(TV_INT64, (int64_t)r);
	return CK_OK;
}

static int f_add1(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_int(TV_INT64, (int64_t)((uint64_t)to_int64(&a[0]) + 1));
	return CK_OK;
}

static int f_sub(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_int(TV_INT64, (int64_t)((uint64_t)to_int64(&a[0]) - (uint64_t)to_int64(&a[1])));
	return CK_OK;
}

static int f_mul(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	uint64_t r = (uint64_t)to_int64(&a[0]);
	size_t k;

	for (k = 1; k < n; k++)
		r *= (uint64_t)to_int64(&a[k]);
	*out = tv_int(TV_INT64, (int64_t)r);
	return CK_OK;
}

static int f_div(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t x = to_int64(&a[0]), y = to_int64(&a[1]);

	if (y == 0)
		return ck_ext__func_fail(s, "runtime error: integer divide by zero");
	*out = tv_int(TV_INT64, (x == INT64_MIN && y == -1) ? x : x / y);
	return CK_OK;
}

static int f_mod(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t x = to_int64(&a[0]), y = to_int64(&a[1]);

	if (y == 0)
		return ck_ext__func_fail(s, "runtime error: integer divide by zero");
	*out = tv_int(TV_INT64, y == -1 ? 0 : x % y);
	return CK_OK;
}

static int f_max(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t r = to_int64(&a[0]);
	size_t k;

	for (k = 1; k < n; k++)
		if (to_int64(&a[k]) > r)
			r = to_int64(&a[k]);
	*out = tv_int(TV_INT64, r);
	return CK_OK;
}

static int f_min(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t r = to_int64(&a[0]);
	size_t k;

	for (k = 1; k < n; k++)
		if (to_int64(&a[k]) < r)
			r = to_int64(&a[k]);
	*out = tv_int(TV_INT64, r);
	return CK_OK;
}

static int f_floor(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_float(floor(to_float64(&a[0])));
	return CK_OK;
}

static int f_ceil(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_float(ceil(to_float64(&a[0])));
	return CK_OK;
}

/* ------------------------------------------------ sprig: strings/encoding */

static int b64_decode_go(struct tstate *s, const struct tv *in, struct tv *out, int url)
{
	size_t bad = 0;
	int rc;

	ck_buf_reset(s->scratch);
	rc = ck_ext__go_b64decode(s->scratch, in->u.s.p, in->u.s.n, url, &bad);
	if (rc == CK_EINVAL) {
		/* sprig returns the decoder's error text as the value */
		char msg[64];
		int len = snprintf(msg, sizeof(msg), "illegal base64 data at input byte %zu", bad);

		ck_buf_reset(s->scratch);
		return ret_copy(s, out, msg, (size_t)len);
	}
	if (rc < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_b64enc(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc;

	ck_buf_reset(s->scratch);
	if ((rc = ck_b64_encode(s->scratch, a[0].u.s.p, a[0].u.s.n, CK_B64_STD)) < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_b64dec(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return b64_decode_go(s, &a[0], out, 0);
}

/* Unicode case mapping for ASCII, Latin-1, Greek and Cyrillic basics. */
static uint32_t to_upper_r(uint32_t r)
{
	if (r >= 'a' && r <= 'z')
		return r - 32;
	if ((r >= 0xe0 && r <= 0xfe && r != 0xf7))
		return r - 32;
	if (r == 0xff)
		return 0x178;
	if (r >= 0x3b1 && r <= 0x3c9 && r != 0x3c2)
		return r - 32;
	if (r >= 0x430 && r <= 0x44f)
		return r - 32;
	if (r >= 0x450 && r <= 0x45f)
		return r - 80;
	if (r >= 0x100 && r <= 0x17f && (r & 1) && r != 0x131 && r != 0x149 && r != 0x17f &&
	    !(r >= 0x138 && r <= 0x148))
		return r - 1;
	return r;
}

static uint32_t to_lower_r(uint32_t r)
{
	if (r >= 'A' && r <= 'Z')
		return r + 32;
	if ((r >= 0xc0 && r <= 0xde && r != 0xd7))
		return r + 32;
	if (r >= 0x391 && r <= 0x3a9 && r != 0x3a2)
		return r + 32;
	if (r >= 0x410 && r <= 0x42f)
		return r + 32;
	if (r >= 0x400 && r <= 0x40f)
		return r + 80;
	if (r >= 0x100 && r <= 0x17f && !(r & 1) && r != 0x130 && r != 0x138 &&
	    !(r >= 0x139 && r <= 0x148))
		return r + 1;
	return r;
}

static int map_runes(struct tstate *s, const struct tv *in, struct tv *out,
                     uint32_t (*fn)(uint32_t))
{
	struct sb b = SB_INIT(s);
	const unsigned char *p = (const unsigned char *)in->u.s.p;
	size_t k = 0, n = in->u.s.n;
	int rc = CK_OK;

	if ((rc = sb_grow(&b, n)) < 0)
		return rc;
	while (k < n) {
		uint32_t r;
		int len = ck_ext__utf8_decode(p + k, n - k, &r);

		if (len < 0) {
			rc = sb_put(&b, "\xef\xbf\xbd", 3); /* Go maps invalid bytes to U+FFFD */
			k++;
		} else {
			uint32_t m = fn(r);

			if (m == r) {
				rc = sb_put(&b, p + k, (size_t)len);
			} else {
				unsigned char e[4];
				size_t el;

				if (m < 0x80) {
					e[0] = (unsigned char)m;
					el = 1;
				} else if (m < 0x800) {
					e[0] = (unsigned char)(0xc0 | (m >> 6));
					e[1] = (unsigned char)(0x80 | (m & 0x3f));
					el = 2;
				} else {
					e[0] = (unsigned char)(0xe0 | (m >> 12));
					e[1] = (unsigned char)(0x80 | ((m >> 6) & 0x3f));
					e[2] = (unsigned char)(0x80 | (m & 0x3f));
					el = 3;
				}
				rc = sb_put(&b, e, el);
			}
			k += (size_t)len;
		}
		if (rc < 0)
			return rc;
	}
	sb_done(&b, out);
	return CK_OK;
}

static int f_upper(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return map_runes(s, &a[0], out, to_upper_r);
}

static int f_lower(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return map_runes(s, &a[0], out, to_lower_r);
}

static int is_uspace(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xa0:
	case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
		return 1;
	default:
		return r >= 0x2000 && r <= 0x200a;
	}
}

static int is_letter_digit(uint32_t r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
	       r == '_' || (r >= 0x80 && !is_uspace(r));
}

/* strings.Title */
static int f_title(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	const unsigned char *p = (const unsigned char *)a[0].u.s.p;
	size_t k = 0, len = a[0].u.s.n;
	uint32_t prev = ' ';
	int rc = CK_OK;

	while (k < len && rc >= 0) {
		uint32_t r;
		int l = ck_ext__utf8_decode(p + k, len - k, &r);
		int sep = !is_letter_digit(prev);

		if (l < 0) {
			rc = sb_put(&b, p + k, 1);
			k++;
			prev = 0xfffd;
			continue;
		}
		if (sep && to_upper_r(r) != r) {
			struct tv one = tv_str((const char *)p + k, (size_t)l), up;

			if ((rc = map_runes(s, &one, &up, to_upper_r)) >= 0)
				rc = sb_put(&b, up.u.s.p, up.u.s.n);
		} else {
			rc = sb_put(&b, p + k, (size_t)l);
		}
		prev = r;
		k += (size_t)l;
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_untitle(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	uint32_t r;
	int l, rc;

	if (a[0].u.s.n == 0) {
		*out = a[0];
		return CK_OK;
	}
	l = ck_ext__utf8_decode((const unsigned char *)a[0].u.s.p, a[0].u.s.n, &r);
	if (l < 0) {
		*out = a[0];
		return CK_OK;
	}
	{
		struct tv first = tv_str(a[0].u.s.p, (size_t)l), low;

		if ((rc = map_runes(s, &first, &low, to_lower_r)) < 0 ||
		    (rc = sb_put(&b, low.u.s.p, low.u.s.n)) < 0 ||
		    (rc = sb_put(&b, a[0].u.s.p + l, a[0].u.s.n - (size_t)l)) < 0)
			return rc;
	}
	sb_done(&b, out);
	return CK_OK;
}

static int f_trim(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const unsigned char *p = (const unsigned char *)a[0].u.s.p;
	size_t st = 0, en = a[0].u.s.n;

	while (st < en) {
		uint32_t r;
		int l = ck_ext__utf8_decode(p + st, en - st, &r);

		if (l < 0 || !is_uspace(r))
			break;
		st += (size_t)l;
	}
	while (en > st) {
		size_t b = en - 1;
		uint32_t r;
		int l;

		while (b > st && (p[b] & 0xc0) == 0x80)
			b--;
		l = ck_ext__utf8_decode(p + b, en - b, &r);
		if (l < 0 || (size_t)l != en - b || !is_uspace(r))
			break;
		en = b;
	}
	*out = tv_str(a[0].u.s.p + st, en - st);
	return CK_OK;
}

static int in_cutset(const struct tv *cut, const unsigned char *p, size_t l)
{
	size_t k = 0;

	while (k < cut->u.s.n) {
		uint32_t r;
		int cl = ck_ext__utf8_decode((const unsigned char *)cut->u.s.p + k, cut->u.s.n - k, &r);
		size_t step = cl < 0 ? 1 : (size_t)cl;

		if (step == l && memcmp(cut->u.s.p + k, p, l) == 0)
			return 1;
		k += step;
	}
	return 0;
}

/* strings.Trim(s, cutset) */
static int f_trimall(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const unsigned char *p = (const unsigned char *)a[1].u.s.p;
	size_t st = 0, en = a[1].u.s.n;

	while (st < en) {
		uint32_t r;
		int l = ck_ext__utf8_decode(p + st, en - st, &r);
		size_t step = l < 0 ? 1 : (size_t)l;

		if (!in_cutset(&a[0], p + st, step))
			break;
		st += step;
	}
	while (en > st) {
		size_t b = en - 1;

		while (b > st && (p[b] & 0xc0) == 0x80)
			b--;
		if (!in_cutset(&a[0], p + b, en - b))
			break;
		en = b;
	}
	*out = tv_str(a[1].u.s.p + st, en - st);
	return CK_OK;
}

static int f_trimprefix(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = a[1];
	if (a[0].u.s.n <= a[1].u.s.n && memcmp(a[1].u.s.p, a[0].u.s.p, a[0].u.s.n) == 0) {
		out->u.s.p += a[0].u.s.n;
		out->u.s.n -= a[0].u.s.n;
	}
	return CK_OK;
}

static int f_trimsuffix(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = a[1];
	if (a[0].u.s.n <= a[1].u.s.n &&
	    memcmp(a[1].u.s.p + a[1].u.s.n - a[0].u.s.n, a[0].u.s.p, a[0].u.s.n) == 0)
		out->u.s.n -= a[0].u.s.n;
	return CK_OK;
}

static int f_contains(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	size_t k;
	int found = a[0].u.s.n == 0;

	for (k = 0; !found && k + a[0].u.s.n <= a[1].u.s.n; k++)
		if (memcmp(a[1].u.s.p + k, a[0].u.s.p, a[0].u.s.n) == 0)
			found = 1;
	*out = tv_bool(found);
	return CK_OK;
}

static int f_hasprefix(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(a[0].u.s.n <= a[1].u.s.n &&
	               memcmp(a[1].u.s.p, a[0].u.s.p, a[0].u.s.n) == 0);
	return CK_OK;
}

static int f_hassuffix(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(a[0].u.s.n <= a[1].u.s.n &&
	               memcmp(a[1].u.s.p + a[1].u.s.n - a[0].u.s.n, a[0].u.s.p, a[0].u.s.n) == 0);
	return CK_OK;
}

/* strings.Replace(src, old, new, -1) */
static int replace_all(struct tstate *s, const struct tv *src, const struct tv *old,
                       const struct tv *nw, struct tv *out)
{
	struct sb b = SB_INIT(s);
	const char *p = src->u.s.p;
	size_t n = src->u.s.n, k = 0;
	int rc = CK_OK;

	if (old->u.s.n == 0) {
		/* empty old: insert new before every rune and at the end */
		while (k < n && rc >= 0) {
			uint32_t r;
			int l = ck_ext__utf8_decode((const unsigned char *)p + k, n - k, &r);
			size_t step = l < 0 ? 1 : (size_t)l;

			if ((rc = sb_put(&b, nw->u.s.p, nw->u.s.n)) >= 0)
				rc = sb_put(&b, p + k, step);
			k += step;
		}
		if (rc >= 0)
			rc = sb_put(&b, nw->u.s.p, nw->u.s.n);
	} else {
		while (k < n && rc >= 0) {
			if (k + old->u.s.n <= n && memcmp(p + k, old->u.s.p, old->u.s.n) == 0) {
				rc = sb_put(&b, nw->u.s.p, nw->u.s.n);
				k += old->u.s.n;
			} else {
				rc = sb_putc(&b, p[k]);
				k++;
			}
		}
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_replace(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return replace_all(s, &a[2], &a[0], &a[1], out);
}

static int f_repeat(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	int64_t k;
	int rc;

	if (a[0].u.i < 0)
		return ck_ext__func_fail(s, "strings: negative Repeat count");
	if (a[1].u.s.n && (uint64_t)a[0].u.i > (((size_t)64 << 20) / a[1].u.s.n))
		return ck_ext__func_fail(s, "strings: Repeat output length overflow");
	for (k = 0; k < a[0].u.i; k++)
		if ((rc = sb_put(&b, a[1].u.s.p, a[1].u.s.n)) < 0)
			return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_substr(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t st = a[0].u.i, en = a[1].u.i, len = (int64_t)a[2].u.s.n;

	if (st < 0) {
		if (en < 0 || en > len)
			return ck_ext__func_fail(s, "runtime error: slice bounds out of range [:%lld] with length %lld",
			                         (long long)en, (long long)len);
		*out = tv_str(a[2].u.s.p, (size_t)en);
		return CK_OK;
	}
	if (en < 0 || en > len) {
		if (st > len)
			return ck_ext__func_fail(s, "runtime error: slice bounds out of range [%lld:%lld]",
			                         (long long)st, (long long)len);
		*out = tv_str(a[2].u.s.p + st, (size_t)(len - st));
		return CK_OK;
	}
	if (st > en)
		return ck_ext__func_fail(s, "runtime error: slice bounds out of range [%lld:%lld]",
		                         (long long)st, (long long)en);
	*out = tv_str(a[2].u.s.p + st, (size_t)(en - st));
	return CK_OK;
}

static int f_trunc(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t c = a[0].u.i, len = (int64_t)a[1].u.s.n;

	*out = a[1];
	if (c < 0 && len + c > 0) {
		out->u.s.p += len + c;
		out->u.s.n = (size_t)-c;
	} else if (c >= 0 && len > c) {
		out->u.s.n = (size_t)c;
	}
	return CK_OK;
}

static int f_nospace(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	const unsigned char *p = (const unsigned char *)a[0].u.s.p;
	size_t k = 0;
	int rc = CK_OK;

	while (k < a[0].u.s.n && rc >= 0) {
		uint32_t r;
		int l = ck_ext__utf8_decode(p + k, a[0].u.s.n - k, &r);
		size_t step = l < 0 ? 1 : (size_t)l;

		if (l < 0 || !is_uspace(r))
			rc = sb_put(&b, p + k, step);
		k += step;
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_quote(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	size_t k;
	int rc, first = 1;

	for (k = 0; k < n; k++) {
		struct tv sv;

		if (a[k].kind == TV_NIL)
			continue;
		if ((rc = ck_ext__strval(s, &a[k], &sv)) < 0)
			return rc;
		ck_buf_reset(s->scratch);
		if ((rc = ck_ext__fmt_quote(s->scratch, sv.u.s.p, sv.u.s.n)) < 0)
			return rc;
		if ((!first && (rc = sb_putc(&b, ' ')) < 0) ||
		    (rc = sb_put(&b, ck_buf_data(s->scratch), ck_buf_len(s->scratch))) < 0)
			return rc;
		first = 0;
	}
	ck_buf_reset(s->scratch);
	sb_done(&b, out);
	return CK_OK;
}

static int f_squote(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	size_t k;
	int rc, first = 1;

	for (k = 0; k < n; k++) {
		struct tv sv;

		if (a[k].kind == TV_NIL)
			continue;
		if ((rc = ck_ext__strval(s, &a[k], &sv)) < 0)
			return rc;
		if ((!first && (rc = sb_putc(&b, ' ')) < 0) || (rc = sb_putc(&b, '\'')) < 0 ||
		    (rc = sb_put(&b, sv.u.s.p, sv.u.s.n)) < 0 || (rc = sb_putc(&b, '\'')) < 0)
			return rc;
		first = 0;
	}
	sb_done(&b, out);
	return CK_OK;
}

static int f_cat(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	size_t k;
	int rc, first = 1;

	for (k = 0; k < n; k++) {
		struct tv sv;

		if (a[k].kind == TV_NIL)
			continue;
		ck_buf_reset(s->scratch);
		if ((rc = ck_ext__fmt_value(s->scratch, &a[k])) < 0 ||
		    (rc = ret_scratch(s, &sv)) < 0)
			return rc;
		if ((!first && (rc = sb_putc(&b, ' ')) < 0) || (rc = sb_put(&b, sv.u.s.p, sv.u.s.n)) < 0)
			return rc;
		first = 0;
	}
	sb_done(&b, out);
	return CK_OK;
}

static int indent_str(struct tstate *s, int64_t spaces, const struct tv *v, int nl,
                      struct tv *out)
{
	struct sb b = SB_INIT(s);
	int64_t k;
	size_t i;
	int rc = CK_OK;

	if (spaces > 4096)
		return ck_ext__func_fail(s, "indent of %lld spaces is too large", (long long)spaces);
	if (nl)
		rc = sb_putc(&b, '\n');
	for (k = 0; k < spaces && rc >= 0; k++)
		rc = sb_putc(&b, ' ');
	for (i = 0; i < v->u.s.n && rc >= 0; i++) {
		rc = sb_putc(&b, v->u.s.p[i]);
		if (v->u.s.p[i] == '\n')
			for (k = 0; k < spaces && rc >= 0; k++)
				rc = sb_putc(&b, ' ');
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

static int f_indent(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (a[0].u.i < 0)
		return ck_ext__func_fail(s, "strings: negative Repeat count");
	return indent_str(s, a[0].u.i, &a[1], 0, out);
}

static int f_nindent(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (a[0].u.i < 0)
		return ck_ext__func_fail(s, "strings: negative Repeat count");
	return indent_str(s, a[0].u.i, &a[1], 1, out);
}

static int f_plural(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = a[2].u.i == 1 ? a[0] : a[1];
	return CK_OK;
}

/* sprig strslice: a list of the non-nil elements' string forms. */
static int strslice(struct tstate *s, const struct tv *v, struct tv *out)
{
	struct tv_list *l = NULL;
	size_t k;
	int rc;

	if (v->kind == TV_SLIST) {
		*out = *v;
		return CK_OK;
	}
	if ((l = ck_ext__list_new(s->a, is_list(v) ? list_len(v) : 1)) == NULL)
		return ck_err_last()->code;
	if (is_list(v)) {
		for (k = 0; k < list_len(v); k++) {
			struct tv sv;

			if (v->u.l->v[k].kind == TV_NIL)
				continue;
			if ((rc = ck_ext__strval(s, &v->u.l->v[k], &sv)) < 0 ||
			    (rc = ck_ext__list_push(s->a, l, sv)) < 0)
				return rc;
		}
	} else if (v->kind != TV_NIL) {
		struct tv sv;

		if ((rc = ck_ext__strval(s, v, &sv)) < 0 || (rc = ck_ext__list_push(s->a, l, sv)) < 0)
			return rc;
	}
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int f_join(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	struct tv sl = { TV_NIL, 0, { 0 } };
	size_t k;
	int rc;

	if ((rc = strslice(s, &a[1], &sl)) < 0)
		return rc;
	for (k = 0; k < list_len(&sl); k++) {
		if ((k && (rc = sb_put(&b, a[0].u.s.p, a[0].u.s.n)) < 0) ||
		    (rc = sb_put(&b, sl.u.l->v[k].u.s.p, sl.u.l->v[k].u.s.n)) < 0)
			return rc;
	}
	sb_done(&b, out);
	return CK_OK;
}

static int f_tostrings(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return strslice(s, &a[0], out);
}

/* strings.SplitN(orig, sep, n) pieces (n < 0: all). */
static int split_pieces(struct tstate *s, const struct tv *sep, const struct tv *orig,
                        int64_t max, struct tv_list **out)
{
	struct tv_list *l = ck_ext__list_new(s->a, 0);
	const char *p = orig->u.s.p;
	size_t n = orig->u.s.n, k = 0, st = 0;
	int rc;

	if (l == NULL)
		return ck_err_last()->code;
	*out = l;
	if (max == 0)
		return CK_OK;
	if (sep->u.s.n == 0) {
		/* explode into runes */
		while (k < n) {
			uint32_t r;
			int len = ck_ext__utf8_decode((const unsigned char *)p + k, n - k, &r);
			size_t step = len < 0 ? 1 : (size_t)len;

			if (max > 0 && (int64_t)l->n == max - 1)
				step = n - k;
			if ((rc = ck_ext__list_push(s->a, l, tv_str(p + k, step))) < 0)
				return rc;
			k += step;
		}
		return CK_OK;
	}
	while (k + sep->u.s.n <= n) {
		if ((max < 0 || (int64_t)l->n < max - 1) && memcmp(p + k, sep->u.s.p, sep->u.s.n) == 0) {
			if ((rc = ck_ext__list_push(s->a, l, tv_str(p + st, k - st))) < 0)
				return rc;
			k += sep->u.s.n;
			st = k;
		} else {
			k++;
		}
	}
	return ck_ext__list_push(s->a, l, tv_str(p + st, n - st));
}

static int pieces_to_smap(struct tstate *s, struct tv_list *l, struct tv *out)
{
	struct tv_map *m = ck_ext__map_new(s->a, l->n);
	size_t k;
	int rc;

	if (m == NULL)
		return ck_err_last()->code;
	for (k = 0; k < l->n; k++) {
		char key[32];
		int kl = snprintf(key, sizeof(key), "_%zu", k);
		char *kp = ck_ext__arena_strdup(s->a, key, (size_t)kl);

		if (kp == NULL)
			return ck_err_last()->code;
		if ((rc = ck_ext__map_set(s->a, m, kp, (size_t)kl, l->v[k])) < 0)
			return rc;
	}
	out->kind = TV_SMAP;
	out->flags = 0;
	out->u.m = m;
	return CK_OK;
}

static int f_split(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	int rc;

	if ((rc = split_pieces(s, &a[0], &a[1], -1, &l)) < 0)
		return rc;
	return pieces_to_smap(s, l, out);
}

static int f_splitn(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	int rc;

	if ((rc = split_pieces(s, &a[0], &a[2], a[1].u.i, &l)) < 0)
		return rc;
	return pieces_to_smap(s, l, out);
}

static int f_splitlist(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	int rc;

	if ((rc = split_pieces(s, &a[0], &a[1], -1, &l)) < 0)
		return rc;
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int cmp_tv_str(const void *x, const void *y)
{
	const struct tv *a = x, *b = y;

	return str_cmp(a, b);
}

static int f_sortalpha(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv sl = { TV_NIL, 0, { 0 } };
	struct tv_list *l = NULL;
	int rc;

	if ((rc = strslice(s, &a[0], &sl)) < 0)
		return rc;
	if ((l = ck_ext__list_new(s->a, list_len(&sl))) == NULL)
		return ck_err_last()->code;
	if (list_len(&sl)) {
		memcpy(l->v, sl.u.l->v, list_len(&sl) * sizeof(struct tv));
		l->n = list_len(&sl);
		qsort(l->v, l->n, sizeof(struct tv), cmp_tv_str);
	}
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int hexsum(struct tstate *s, struct tv *out, const uint8_t *d, size_t n)
{
	int rc;

	ck_buf_reset(s->scratch);
	if ((rc = ck_hex_encode(s->scratch, d, n)) < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_sha256sum(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	uint8_t d[CK_SHA256_LEN];
	int rc;

	ck_sha256(d, a[0].u.s.p, a[0].u.s.n);
	rc = hexsum(s, out, d, sizeof(d));
	ck_memzero(d, sizeof(d));
	return rc;
}

static int f_sha512sum(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	uint8_t d[CK_SHA512_LEN];
	int rc;

	ck_sha512(d, a[0].u.s.p, a[0].u.s.n);
	rc = hexsum(s, out, d, sizeof(d));
	ck_memzero(d, sizeof(d));
	return rc;
}

static int f_adler32sum(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	uint32_t x = 1, y = 0;
	size_t k;
	char buf[16];
	int len;

	for (k = 0; k < a[0].u.s.n; k++) {
		x = (x + (unsigned char)a[0].u.s.p[k]) % 65521;
		y = (y + x) % 65521;
	}
	len = snprintf(buf, sizeof(buf), "%u", (y << 16) | x);
	return ret_copy(s, out, buf, (size_t)len);
}

/* --------------------------------------------------------- sprig: regex */

static int compile_re(struct tstate *s, const struct tv *re, struct ck_ext_regex **out)
{
	int rc = ck_ext_regex_compile(out, re->u.s.p, re->u.s.n);

	if (rc == CK_EINVAL) {
		char msg[CK_ERR_MSG_MAX];

		/* drop the "regexp: " module prefix, keep Go's wording */
		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		return ck_ext__func_fail(s, "%s", msg);
	}
	return rc;
}

static int f_regexmatch(struct tstate *s, struct tv *out, struct tv *a, size_t n, int must)
{
	struct ck_ext_regex *re = NULL;
	int rc = compile_re(s, &a[0], &re);

	if (rc < 0) {
		ck_ext_regex_free(re);
		if (!must && rc == CK_EINVAL) {
			*out = tv_bool(0);
			return CK_OK;
		}
		return rc;
	}
	*out = tv_bool(ck_ext_regex_match(re, a[1].u.s.p, a[1].u.s.n, 0, NULL, 0) > 0);
	ck_ext_regex_free(re);
	return CK_OK;
}

static int f_regexmatch0(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return f_regexmatch(s, out, a, n, 0);
}

static int f_regexmatch1(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return f_regexmatch(s, out, a, n, 1);
}

static int regex_find(struct tstate *s, struct tv *out, struct tv *a, size_t n, int must)
{
	struct ck_ext_regex *re = NULL;
	size_t m[2];
	int rc = compile_re(s, &a[0], &re);

	if (rc < 0) {
		ck_ext_regex_free(re);
		if (!must && rc == CK_EINVAL)
			return ck_ext__func_fail(s, "%s", "regexp: invalid pattern");
		return rc;
	}
	if (ck_ext_regex_match(re, a[1].u.s.p, a[1].u.s.n, 0, m, 1) > 0)
		*out = tv_str(a[1].u.s.p + m[0], m[1] - m[0]);
	else
		*out = tv_str("", 0);
	ck_ext_regex_free(re);
	return CK_OK;
}

static int f_regexfind0(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_find(s, out, a, n, 0);
}

static int f_regexfind1(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_find(s, out, a, n, 1);
}

static int regex_findall(struct tstate *s, struct tv *out, struct tv *a, size_t n, int must)
{
	struct ck_ext_regex *re = NULL;
	struct tv_list *l = NULL;
	size_t pos = 0, m[2];
	int64_t lim = a[2].u.i, found = 0;
	int rc = compile_re(s, &a[0], &re), prev_empty_end = -1;

	if (rc < 0) {
		ck_ext_regex_free(re);
		return rc;
	}
	if ((l = ck_ext__list_new(s->a, 0)) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	while (pos <= a[1].u.s.n && (lim < 0 || found < lim)) {
		if (ck_ext_regex_match(re, a[1].u.s.p, a[1].u.s.n, pos, m, 1) <= 0)
			break;
		if (m[1] == m[0] && (long long)m[0] == prev_empty_end) {
			pos = m[0] + 1;
			continue;
		}
		if ((rc = ck_ext__list_push(s->a, l, tv_str(a[1].u.s.p + m[0], m[1] - m[0]))) < 0)
			goto out;
		found++;
		prev_empty_end = (int)m[1];
		pos = m[1] > m[0] ? m[1] : m[1] + 1;
	}
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	rc = CK_OK;
out:
	ck_ext_regex_free(re);
	return rc;
}

static int f_regexfindall0(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_findall(s, out, a, n, 0);
}

static int f_regexfindall1(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_findall(s, out, a, n, 1);
}

static int regex_replace(struct tstate *s, struct tv *out, struct tv *a, int literal)
{
	struct ck_ext_regex *re = NULL;
	struct ck_buf *b = s->scratch;
	int rc = compile_re(s, &a[0], &re);

	if (rc < 0) {
		ck_ext_regex_free(re);
		return rc;
	}
	ck_buf_reset(b);
	rc = ck_ext_regex_replace_all(b, re, a[1].u.s.p, a[1].u.s.n, a[2].u.s.p, a[2].u.s.n,
	                              literal);
	ck_ext_regex_free(re);
	if (rc < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_regexreplaceall(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_replace(s, out, a, 0);
}

static int f_regexreplaceliteral(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return regex_replace(s, out, a, 1);
}

static int f_regexsplit(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct ck_ext_regex *re = NULL;
	struct tv_list *l = NULL;
	size_t pos = 0, beg = 0, m[2];
	int64_t lim = a[2].u.i;
	int rc = compile_re(s, &a[0], &re);

	if (rc < 0) {
		ck_ext_regex_free(re);
		return rc;
	}
	if ((l = ck_ext__list_new(s->a, 0)) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	if (lim == 0)
		goto done;
	if (re != NULL && a[0].u.s.n > 0 && a[1].u.s.n == 0) {
		if ((rc = ck_ext__list_push(s->a, l, tv_str("", 0))) < 0)
			goto out;
		goto done;
	}
	while (pos <= a[1].u.s.n) {
		if (lim > 0 && (int64_t)l->n == lim - 1)
			break;
		if (ck_ext_regex_match(re, a[1].u.s.p, a[1].u.s.n, pos, m, 1) <= 0)
			break;
		if (m[1] == 0) {
			pos = 1;
			if (a[1].u.s.n == 0)
				break;
			continue;
		}
		if ((rc = ck_ext__list_push(s->a, l, tv_str(a[1].u.s.p + beg, m[0] - beg))) < 0)
			goto out;
		beg = m[1];
		pos = m[1] > m[0] ? m[1] : m[1] + 1;
	}
	if ((rc = ck_ext__list_push(s->a, l, tv_str(a[1].u.s.p + beg, a[1].u.s.n - beg))) < 0)
		goto out;
done:
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	rc = CK_OK;
out:
	ck_ext_regex_free(re);
	return rc;
}

static int f_regexquotemeta(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct sb b = SB_INIT(s);
	size_t k;
	int rc = CK_OK;

	for (k = 0; k < a[0].u.s.n && rc >= 0; k++) {
		if (strchr("\\.+*?()|[]{}^$", a[0].u.s.p[k]) && a[0].u.s.p[k])
			rc = sb_putc(&b, '\\');
		if (rc >= 0)
			rc = sb_putc(&b, a[0].u.s.p[k]);
	}
	if (rc < 0)
		return rc;
	sb_done(&b, out);
	return CK_OK;
}

/* ------------------------------------------------- sprig: structured data */

static int f_fromjson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc = ck_ext__json_decode(s->a, out, a[0].u.s.p, a[0].u.s.n, 0);

	if (rc == CK_EINVAL || rc == CK_ETOOBIG) {
		ck_err_clear();
		*out = tv_nil(); /* sprig ignores the error */
		return CK_OK;
	}
	return rc;
}

static int f_mustfromjson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc = ck_ext__json_decode(s->a, out, a[0].u.s.p, a[0].u.s.n, 0);

	if (rc == CK_EINVAL || rc == CK_ETOOBIG) {
		char msg[CK_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		return ck_ext__func_fail(s, "%s", msg);
	}
	return rc;
}

static int to_json(struct tstate *s, struct tv *out, const struct tv *v, const char *indent,
                   unsigned flags, int must)
{
	int rc;

	ck_buf_reset(s->scratch);
	rc = ck_ext__json_encode(s->scratch, v, indent, flags);
	if (rc == CK_EINVAL) {
		char msg[CK_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		if (must)
			return ck_ext__func_fail(s, "%s", msg);
		ck_err_clear();
		*out = tv_str("", 0);
		return CK_OK;
	}
	if (rc < 0)
		return rc;
	return ret_scratch(s, out);
}

static int f_tojson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return to_json(s, out, &a[0], NULL, 0, 0);
}

static int f_musttojson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return to_json(s, out, &a[0], NULL, 0, 1);
}

static int f_toprettyjson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return to_json(s, out, &a[0], "  ", 0, 0);
}

static int f_musttoprettyjson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return to_json(s, out, &a[0], "  ", 0, 1);
}

static int f_torawjson(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return to_json(s, out, &a[0], NULL, CK_EXT_JSON_NO_HTML, 1);
}

static int f_dict(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_map *m = ck_ext__map_new(s->a, (n + 1) / 2);
	size_t k;
	int rc;

	if (m == NULL)
		return ck_err_last()->code;
	for (k = 0; k < n; k += 2) {
		struct tv key;

		if ((rc = ck_ext__strval(s, &a[k], &key)) < 0)
			return rc;
		if ((rc = ck_ext__map_set(s->a, m, key.u.s.p, key.u.s.n,
		                          k + 1 < n ? a[k + 1] : tv_str("", 0))) < 0)
			return rc;
	}
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	return CK_OK;
}

static int f_get(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv *v = ck_ext__map_get(a[0].u.m, a[1].u.s.p, a[1].u.s.n);

	*out = v ? *v : tv_str("", 0);
	return CK_OK;
}

static int f_set(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc;

	if (a[0].u.m == NULL)
		return ck_ext__func_fail(s, "assignment to entry in nil map");
	if ((rc = ck_ext__map_set(s->a, a[0].u.m, a[1].u.s.p, a[1].u.s.n, a[2])) < 0)
		return rc;
	*out = a[0];
	return CK_OK;
}

static int f_unset(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	ck_ext__map_del(a[0].u.m, a[1].u.s.p, a[1].u.s.n);
	*out = a[0];
	return CK_OK;
}

static int f_haskey(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	*out = tv_bool(ck_ext__map_get(a[0].u.m, a[1].u.s.p, a[1].u.s.n) != NULL);
	return CK_OK;
}

static int f_keys(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = ck_ext__list_new(s->a, 0);
	size_t k, j;
	int rc;

	if (l == NULL)
		return ck_err_last()->code;
	/* Go's order is random; sorted is one of the valid orders */
	for (k = 0; k < n; k++)
		for (j = 0; a[k].u.m && j < a[k].u.m->n; j++)
			if ((rc = ck_ext__list_push(s->a, l, tv_str(a[k].u.m->k[j].p,
			                                            a[k].u.m->k[j].n))) < 0)
				return rc;
	if (n > 1 && l->n)
		qsort(l->v, l->n, sizeof(struct tv), cmp_tv_str);
	out->kind = TV_SLIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int f_values(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = ck_ext__list_new(s->a, a[0].u.m ? a[0].u.m->n : 0);

	if (l == NULL)
		return ck_err_last()->code;
	if (a[0].u.m && a[0].u.m->n) {
		memcpy(l->v, a[0].u.m->v, a[0].u.m->n * sizeof(struct tv));
		l->n = a[0].u.m->n;
	}
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int f_pluck(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = ck_ext__list_new(s->a, 0);
	size_t k;
	int rc;

	if (l == NULL)
		return ck_err_last()->code;
	for (k = 1; k < n; k++) {
		struct tv *v = ck_ext__map_get(a[k].u.m, a[0].u.s.p, a[0].u.s.n);

		if (v && (rc = ck_ext__list_push(s->a, l, *v)) < 0)
			return rc;
	}
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int pick_omit(struct tstate *s, struct tv *out, struct tv *a, size_t n, int pick)
{
	struct tv_map *m = ck_ext__map_new(s->a, 0);
	size_t k, j;
	int rc;

	if (m == NULL)
		return ck_err_last()->code;
	for (j = 0; a[0].u.m && j < a[0].u.m->n; j++) {
		int listed = 0;

		for (k = 1; k < n && !listed; k++)
			listed = a[k].u.s.n == a[0].u.m->k[j].n &&
			         memcmp(a[k].u.s.p, a[0].u.m->k[j].p, a[k].u.s.n) == 0;
		if (listed == pick &&
		    (rc = ck_ext__map_set(s->a, m, a[0].u.m->k[j].p, a[0].u.m->k[j].n,
		                          a[0].u.m->v[j])) < 0)
			return rc;
	}
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	return CK_OK;
}

static int f_pick(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return pick_omit(s, out, a, n, 1);
}

static int f_omit(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return pick_omit(s, out, a, n, 0);
}

/* mergo.Merge into dst (overwrite: mergo.WithOverride), deep for maps. */
static int merge_into(struct tstate *s, struct tv_map *dst, const struct tv_map *src,
                      int overwrite, unsigned depth)
{
	size_t k;
	int rc;

	if (depth > 100)
		return ck_ext__func_fail(s, "dictionary merge failed");
	for (k = 0; src && k < src->n; k++) {
		struct tv *d = ck_ext__map_get(dst, src->k[k].p, src->k[k].n);
		const struct tv *sv = &src->v[k];

		if (d && d->kind == TV_MAP && sv->kind == TV_MAP && d->u.m && sv->u.m) {
			if ((rc = merge_into(s, d->u.m, sv->u.m, overwrite, depth + 1)) < 0)
				return rc;
			continue;
		}
		if (d == NULL || ck_ext__tv_empty(d) || (overwrite && !ck_ext__tv_empty(sv)))
			if ((rc = ck_ext__map_set(s->a, dst, src->k[k].p, src->k[k].n, *sv)) < 0)
				return rc;
	}
	return CK_OK;
}

static int do_merge(struct tstate *s, struct tv *out, struct tv *a, size_t n, int overwrite)
{
	size_t k;
	int rc;

	if (a[0].u.m == NULL)
		return ck_ext__func_fail(s, "dictionary merge failed");
	for (k = 1; k < n; k++)
		if ((rc = merge_into(s, a[0].u.m, a[k].u.m, overwrite, 0)) < 0)
			return rc;
	*out = a[0];
	return CK_OK;
}

static int f_merge(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return do_merge(s, out, a, n, 0);
}

static int f_mergeoverwrite(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return do_merge(s, out, a, n, 1);
}

static int f_dig(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	const struct tv *cur;
	size_t k;

	if (n < 3)
		return ck_ext__func_fail(s, "dig needs at least three arguments");
	cur = &a[n - 1];
	if (cur->kind != TV_MAP)
		return ck_ext__func_fail(s, "interface conversion: interface {} is %s, not map[string]interface {}",
		                         ck_ext__tv_typename(cur));
	for (k = 0; k + 2 < n; k++) {
		const struct tv *v;

		if (a[k].kind != TV_STR)
			return ck_ext__func_fail(s, "interface conversion: interface {} is %s, not string",
			                         ck_ext__tv_typename(&a[k]));
		if (cur->kind != TV_MAP)
			return ck_ext__func_fail(s, "interface conversion: interface {} is %s, not map[string]interface {}",
			                         ck_ext__tv_typename(cur));
		v = ck_ext__map_get(cur->u.m, a[k].u.s.p, a[k].u.s.n);
		if (v == NULL) {
			*out = a[n - 2];
			return CK_OK;
		}
		cur = v;
	}
	*out = *cur;
	return CK_OK;
}

static int f_list(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = ck_ext__list_new(s->a, n);

	if (l == NULL)
		return ck_err_last()->code;
	if (n)
		memcpy(l->v, a, n * sizeof(*a));
	l->n = n;
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

/* A fresh []interface{} copy of a slice value. */
static int list_copy(struct tstate *s, const struct tv *v, size_t extra, struct tv_list **out)
{
	struct tv_list *l = ck_ext__list_new(s->a, list_len(v) + extra);

	if (l == NULL)
		return ck_err_last()->code;
	if (list_len(v))
		memcpy(l->v, v->u.l->v, list_len(v) * sizeof(struct tv));
	l->n = list_len(v);
	*out = l;
	return CK_OK;
}

static void set_list(struct tv *out, struct tv_list *l)
{
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
}

static int not_list(struct tstate *s, const char *what, const struct tv *v)
{
	return ck_ext__func_fail(s, "Cannot %s on type %s", what, kind_name(v));
}

static int f_push(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	int rc;

	if (!is_list(&a[0]))
		return not_list(s, "push", &a[0]);
	if ((rc = list_copy(s, &a[0], 1, &l)) < 0)
		return rc;
	l->v[l->n++] = a[1];
	set_list(out, l);
	return CK_OK;
}

static int f_prepend(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	int rc;

	if (!is_list(&a[0]))
		return not_list(s, "prepend", &a[0]);
	if ((rc = list_copy(s, &a[0], 1, &l)) < 0)
		return rc;
	memmove(l->v + 1, l->v, l->n * sizeof(struct tv));
	l->v[0] = a[1];
	l->n++;
	set_list(out, l);
	return CK_OK;
}

static int f_first(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find first on type %s", kind_name(&a[0]));
	*out = list_len(&a[0]) ? a[0].u.l->v[0] : tv_nil();
	return CK_OK;
}

static int f_last(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find last on type %s", kind_name(&a[0]));
	*out = list_len(&a[0]) ? a[0].u.l->v[list_len(&a[0]) - 1] : tv_nil();
	return CK_OK;
}

static int sublist(struct tstate *s, struct tv *out, const struct tv *v, size_t from, size_t to)
{
	struct tv_list *l = ck_ext__list_new(s->a, to - from);

	if (l == NULL)
		return ck_err_last()->code;
	if (to > from)
		memcpy(l->v, v->u.l->v + from, (to - from) * sizeof(struct tv));
	l->n = to - from;
	set_list(out, l);
	return CK_OK;
}

static int f_rest(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find rest on type %s", kind_name(&a[0]));
	if (list_len(&a[0]) == 0) {
		*out = tv_nil();
		return CK_OK;
	}
	return sublist(s, out, &a[0], 1, list_len(&a[0]));
}

static int f_initial(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find initial on type %s", kind_name(&a[0]));
	if (list_len(&a[0]) == 0) {
		*out = tv_nil();
		return CK_OK;
	}
	return sublist(s, out, &a[0], 0, list_len(&a[0]) - 1);
}

static int f_reverse(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	size_t k, len;
	int rc;

	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find reverse on type %s", kind_name(&a[0]));
	if ((rc = list_copy(s, &a[0], 0, &l)) < 0)
		return rc;
	len = l->n;
	for (k = 0; k < len / 2; k++) {
		struct tv t = l->v[k];

		l->v[k] = l->v[len - 1 - k];
		l->v[len - 1 - k] = t;
	}
	set_list(out, l);
	return CK_OK;
}

static int f_compact(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	size_t k;

	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot compact on type %s", kind_name(&a[0]));
	if ((l = ck_ext__list_new(s->a, list_len(&a[0]))) == NULL)
		return ck_err_last()->code;
	for (k = 0; k < list_len(&a[0]); k++)
		if (!ck_ext__tv_empty(&a[0].u.l->v[k]))
			l->v[l->n++] = a[0].u.l->v[k];
	set_list(out, l);
	return CK_OK;
}

static int in_list(const struct tv *list, const struct tv *needle)
{
	size_t k;

	for (k = 0; k < list_len(list); k++)
		if (deep_equal(&list->u.l->v[k], needle))
			return 1;
	return 0;
}

static int f_uniq(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	struct tv cur;
	size_t k;

	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find uniq on type %s", kind_name(&a[0]));
	if ((l = ck_ext__list_new(s->a, list_len(&a[0]))) == NULL)
		return ck_err_last()->code;
	set_list(&cur, l);
	for (k = 0; k < list_len(&a[0]); k++)
		if (!in_list(&cur, &a[0].u.l->v[k]))
			l->v[l->n++] = a[0].u.l->v[k];
	*out = cur;
	return CK_OK;
}

static int f_without(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = NULL;
	struct tv omit;
	size_t k;

	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "Cannot find without on type %s", kind_name(&a[0]));
	if ((l = ck_ext__list_new(s->a, list_len(&a[0]))) == NULL)
		return ck_err_last()->code;
	{
		struct tv_list ol = { n - 1, n - 1, a + 1 };

		omit.kind = TV_LIST;
		omit.u.l = &ol;
		for (k = 0; k < list_len(&a[0]); k++)
			if (!in_list(&omit, &a[0].u.l->v[k]))
				l->v[l->n++] = a[0].u.l->v[k];
	}
	set_list(out, l);
	return CK_OK;
}

static int f_has(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	if (a[1].kind == TV_NIL) {
		*out = tv_bool(0);
		return CK_OK;
	}
	if (!is_list(&a[1]))
		return ck_ext__func_fail(s, "Cannot find has on type %s", kind_name(&a[1]));
	*out = tv_bool(in_list(&a[1], &a[0]));
	return CK_OK;
}

static int f_concat(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	struct tv_list *l = ck_ext__list_new(s->a, 0);
	size_t k, j;
	int rc;

	if (l == NULL)
		return ck_err_last()->code;
	for (k = 0; k < n; k++) {
		if (!is_list(&a[k]))
			return ck_ext__func_fail(s, "Cannot concat type %s as list", kind_name(&a[k]));
		for (j = 0; j < list_len(&a[k]); j++)
			if ((rc = ck_ext__list_push(s->a, l, a[k].u.l->v[j])) < 0)
				return rc;
	}
	set_list(out, l);
	return CK_OK;
}

/* sprig's slice (it replaces Go's builtin slice in the ESO function set) */
static int f_sprigslice(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int64_t st = 0, en;
	size_t len;

	if (!is_list(&a[0]))
		return ck_ext__func_fail(s, "list should be type of slice or array but %s",
		                         kind_name(&a[0]));
	len = list_len(&a[0]);
	if (len == 0) {
		*out = tv_nil();
		return CK_OK;
	}
	en = (int64_t)len;
	if (n > 1)
		st = to_int64(&a[1]);
	if (n > 2)
		en = to_int64(&a[2]);
	if (st < 0 || en < st || en > (int64_t)len)
		return ck_ext__func_fail(s, "reflect: slice index out of range");
	{
		struct tv_list *l = ck_ext__list_new(s->a, 0);

		if (l == NULL)
			return ck_err_last()->code;
		l->v = a[0].u.l->v + st;
		l->n = l->cap = (size_t)(en - st);
		out->kind = a[0].kind;
		out->flags = 0;
		out->u.l = l;
	}
	return CK_OK;
}

static int f_fromyaml(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	return ck_ext__yaml_to_tv(s, a[0].u.s.p, a[0].u.s.n, out);
}

static int f_toyaml(struct tstate *s, struct tv *out, struct tv *a, size_t n)
{
	int rc = ck_ext__tv_to_yaml(s, &a[0], out);

	if (rc == CK_EINVAL || rc == CK_ETOOBIG) {
		ck_err_clear(); /* ESO swallows marshal errors: "" */
		*out = tv_str("", 0);
		return CK_OK;
	}
	return rc;
}

/* ------------------------------------------------------------ the table */

#define B(name, fn, nin, fl, p0, p1) { name, fn, nin, (uint8_t)(TF_BUILTIN | (fl)), { p0, p1, 0, 0 } }
#define E(name, fn, nin, fl, p0, p1, p2) { name, fn, nin, (uint8_t)(TF_ESO | (fl)), { p0, p1, p2, 0 } }
#define U(name) { name, NULL, 0, TF_ESO | TF_UNSUPPORTED, { 0, 0, 0, 0 } }
#define V TF_VARIADIC

static const struct tfunc funcs[] = {
	/* Go builtins */
	B("and", f_andor, 2, V, P_VALUE, P_VALUE),
	B("or", f_andor, 2, V, P_VALUE, P_VALUE),
	B("not", f_not, 1, 0, P_VALUE, 0),
	B("eq", f_eq, 2, V, P_VALUE, P_VALUE),
	B("ne", f_ne, 2, 0, P_VALUE, P_VALUE),
	B("lt", f_lt, 2, 0, P_VALUE, P_VALUE),
	B("le", f_le, 2, 0, P_VALUE, P_VALUE),
	B("gt", f_gt, 2, 0, P_VALUE, P_VALUE),
	B("ge", f_ge, 2, 0, P_VALUE, P_VALUE),
	B("len", f_len, 1, 0, P_VALUE, 0),
	B("index", f_index, 2, V, P_VALUE, P_VALUE),
	B("slice", f_goslice, 2, V | TF_GOONLY, P_VALUE, P_VALUE),
	B("print", f_print, 1, V, P_ANY, 0),
	B("println", f_println, 1, V, P_ANY, 0),
	B("printf", f_printf, 2, V, P_STR, P_ANY),
	B("html", f_html, 1, V, P_ANY, 0),
	B("js", f_js, 1, V, P_ANY, 0),
	B("urlquery", f_urlquery, 1, V, P_ANY, 0),
	B("call", f_call, 2, V, P_VALUE, P_VALUE),

	/* tier 1: core */
	E("default", f_default, 2, V, P_ANY, P_ANY, 0),
	E("empty", f_empty, 1, 0, P_ANY, 0, 0),
	E("coalesce", f_coalesce, 1, V, P_ANY, 0, 0),
	E("all", f_all, 1, V, P_ANY, 0, 0),
	E("any", f_any, 1, V, P_ANY, 0, 0),
	E("ternary", f_ternary, 3, 0, P_ANY, P_ANY, P_BOOL),
	E("toString", f_tostring, 1, 0, P_ANY, 0, 0),
	E("fail", f_fail, 1, 0, P_STR, 0, 0),
	E("typeOf", f_typeof, 1, 0, P_ANY, 0, 0),
	E("typeIs", f_typeis, 2, 0, P_STR, P_ANY, 0),
	E("kindOf", f_kindof, 1, 0, P_ANY, 0, 0),
	E("kindIs", f_kindis, 2, 0, P_STR, P_ANY, 0),
	E("deepEqual", f_deepequal, 2, 0, P_ANY, P_ANY, 0),
	E("int64", f_int64, 1, 0, P_ANY, 0, 0),
	E("int", f_int, 1, 0, P_ANY, 0, 0),
	E("float64", f_float64, 1, 0, P_ANY, 0, 0),
	E("atoi", f_atoi, 1, 0, P_STR, 0, 0),
	E("add", f_add, 1, V, P_ANY, 0, 0),
	E("add1", f_add1, 1, 0, P_ANY, 0, 0),
	E("sub", f_sub, 2, 0, P_ANY, P_ANY, 0),
	E("mul", f_mul, 2, V, P_ANY, P_ANY, 0),
	E("div", f_div, 2, 0, P_ANY, P_ANY, 0),
	E("mod", f_mod, 2, 0, P_ANY, P_ANY, 0),
	E("max", f_max, 2, V, P_ANY, P_ANY, 0),
	E("biggest", f_max, 2, V, P_ANY, P_ANY, 0),
	E("min", f_min, 2, V, P_ANY, P_ANY, 0),
	E("floor", f_floor, 1, 0, P_ANY, 0, 0),
	E("ceil", f_ceil, 1, 0, P_ANY, 0, 0),

	/* tier 2: strings and encodings */
	E("b64enc", f_b64enc, 1, 0, P_STR, 0, 0),
	E("b64dec", f_b64dec, 1, 0, P_STR, 0, 0),
	E("upper", f_upper, 1, 0, P_STR, 0, 0),
	E("lower", f_lower, 1, 0, P_STR, 0, 0),
	E("title", f_title, 1, 0, P_STR, 0, 0),
	E("untitle", f_untitle, 1, 0, P_STR, 0, 0),
	E("trim", f_trim, 1, 0, P_STR, 0, 0),
	E("trimAll", f_trimall, 2, 0, P_STR, P_STR, 0),
	E("trimall", f_trimall, 2, 0, P_STR, P_STR, 0),
	E("trimPrefix", f_trimprefix, 2, 0, P_STR, P_STR, 0),
	E("trimSuffix", f_trimsuffix, 2, 0, P_STR, P_STR, 0),
	E("contains", f_contains, 2, 0, P_STR, P_STR, 0),
	E("hasPrefix", f_hasprefix, 2, 0, P_STR, P_STR, 0),
	E("hasSuffix", f_hassuffix, 2, 0, P_STR, P_STR, 0),
	E("replace", f_replace, 3, 0, P_STR, P_STR, P_STR),
	E("repeat", f_repeat, 2, 0, P_INT, P_STR, 0),
	E("substr", f_substr, 3, 0, P_INT, P_INT, P_STR),
	E("trunc", f_trunc, 2, 0, P_INT, P_STR, 0),
	E("nospace", f_nospace, 1, 0, P_STR, 0, 0),
	E("quote", f_quote, 1, V, P_ANY, 0, 0),
	E("squote", f_squote, 1, V, P_ANY, 0, 0),
	E("cat", f_cat, 1, V, P_ANY, 0, 0),
	E("indent", f_indent, 2, 0, P_INT, P_STR, 0),
	E("nindent", f_nindent, 2, 0, P_INT, P_STR, 0),
	E("plural", f_plural, 3, 0, P_STR, P_STR, P_INT),
	E("join", f_join, 2, 0, P_STR, P_ANY, 0),
	E("split", f_split, 2, 0, P_STR, P_STR, 0),
	E("splitn", f_splitn, 3, 0, P_STR, P_INT, P_STR),
	E("splitList", f_splitlist, 2, 0, P_STR, P_STR, 0),
	E("toStrings", f_tostrings, 1, 0, P_ANY, 0, 0),
	E("sortAlpha", f_sortalpha, 1, 0, P_ANY, 0, 0),
	E("sha256sum", f_sha256sum, 1, 0, P_STR, 0, 0),
	E("sha512sum", f_sha512sum, 1, 0, P_STR, 0, 0),
	E("adler32sum", f_adler32sum, 1, 0, P_STR, 0, 0),
	E("regexMatch", f_regexmatch0, 2, 0, P_STR, P_STR, 0),
	E("mustRegexMatch", f_regexmatch1, 2, 0, P_STR, P_STR, 0),
	E("regexFind", f_regexfind0, 2, 0, P_STR, P_STR, 0),
	E("mustRegexFind", f_regexfind1, 2, 0, P_STR, P_STR, 0),
	E("regexFindAll", f_regexfindall0, 3, 0, P_STR, P_STR, P_INT),
	E("mustRegexFindAll", f_regexfindall1, 3, 0, P_STR, P_STR, P_INT),
	E("regexReplaceAll", f_regexreplaceall, 3, 0, P_STR, P_STR, P_STR),
	E("mustRegexReplaceAll", f_regexreplaceall, 3, 0, P_STR, P_STR, P_STR),
	E("regexReplaceAllLiteral", f_regexreplaceliteral, 3, 0, P_STR, P_STR, P_STR),
	E("mustRegexReplaceAllLiteral", f_regexreplaceliteral, 3, 0, P_STR, P_STR, P_STR),
	E("regexSplit", f_regexsplit, 3, 0, P_STR, P_STR, P_INT),
	E("mustRegexSplit", f_regexsplit, 3, 0, P_STR, P_STR, P_INT),
	E("regexQuoteMeta", f_regexquotemeta, 1, 0, P_STR, 0, 0),

	/* tier 3: structured data */
	E("fromJson", f_fromjson, 1, 0, P_STR, 0, 0),
	E("mustFromJson", f_mustfromjson, 1, 0, P_STR, 0, 0),
	E("toJson", f_tojson, 1, 0, P_ANY, 0, 0),
	E("mustToJson", f_musttojson, 1, 0, P_ANY, 0, 0),
	E("toPrettyJson", f_toprettyjson, 1, 0, P_ANY, 0, 0),
	E("mustToPrettyJson", f_musttoprettyjson, 1, 0, P_ANY, 0, 0),
	E("toRawJson", f_torawjson, 1, 0, P_ANY, 0, 0),
	E("mustToRawJson", f_torawjson, 1, 0, P_ANY, 0, 0),
	E("fromYaml", f_fromyaml, 1, 0, P_STR, 0, 0),
	E("toYaml", f_toyaml, 1, 0, P_ANY, 0, 0),
	E("dict", f_dict, 1, V, P_ANY, 0, 0),
	E("get", f_get, 2, 0, P_MAP, P_STR, 0),
	E("set", f_set, 3, 0, P_MAP, P_STR, P_ANY),
	E("unset", f_unset, 2, 0, P_MAP, P_STR, 0),
	E("hasKey", f_haskey, 2, 0, P_MAP, P_STR, 0),
	E("keys", f_keys, 1, V, P_MAP, 0, 0),
	E("values", f_values, 1, 0, P_MAP, 0, 0),
	E("pluck", f_pluck, 2, V, P_STR, P_MAP, 0),
	E("pick", f_pick, 2, V, P_MAP, P_STR, 0),
	E("omit", f_omit, 2, V, P_MAP, P_STR, 0),
	E("merge", f_merge, 2, V, P_MAP, P_MAP, 0),
	E("mustMerge", f_merge, 2, V, P_MAP, P_MAP, 0),
	E("mergeOverwrite", f_mergeoverwrite, 2, V, P_MAP, P_MAP, 0),
	E("mustMergeOverwrite", f_mergeoverwrite, 2, V, P_MAP, P_MAP, 0),
	E("dig", f_dig, 1, V, P_ANY, 0, 0),
	E("list", f_list, 1, V, P_ANY, 0, 0),
	E("tuple", f_list, 1, V, P_ANY, 0, 0),
	E("append", f_push, 2, 0, P_ANY, P_ANY, 0),
	E("push", f_push, 2, 0, P_ANY, P_ANY, 0),
	E("mustAppend", f_push, 2, 0, P_ANY, P_ANY, 0),
	E("mustPush", f_push, 2, 0, P_ANY, P_ANY, 0),
	E("prepend", f_prepend, 2, 0, P_ANY, P_ANY, 0),
	E("mustPrepend", f_prepend, 2, 0, P_ANY, P_ANY, 0),
	E("first", f_first, 1, 0, P_ANY, 0, 0),
	E("mustFirst", f_first, 1, 0, P_ANY, 0, 0),
	E("last", f_last, 1, 0, P_ANY, 0, 0),
	E("mustLast", f_last, 1, 0, P_ANY, 0, 0),
	E("rest", f_rest, 1, 0, P_ANY, 0, 0),
	E("mustRest", f_rest, 1, 0, P_ANY, 0, 0),
	E("initial", f_initial, 1, 0, P_ANY, 0, 0),
	E("mustInitial", f_initial, 1, 0, P_ANY, 0, 0),
	E("reverse", f_reverse, 1, 0, P_ANY, 0, 0),
	E("mustReverse", f_reverse, 1, 0, P_ANY, 0, 0),
	E("compact", f_compact, 1, 0, P_ANY, 0, 0),
	E("mustCompact", f_compact, 1, 0, P_ANY, 0, 0),
	E("uniq", f_uniq, 1, 0, P_ANY, 0, 0),
	E("mustUniq", f_uniq, 1, 0, P_ANY, 0, 0),
	E("without", f_without, 2, V, P_ANY, P_ANY, 0),
	E("mustWithout", f_without, 2, V, P_ANY, P_ANY, 0),
	E("has", f_has, 2, 0, P_ANY, P_ANY, 0),
	E("mustHas", f_has, 2, 0, P_ANY, P_ANY, 0),
	E("concat", f_concat, 1, V, P_ANY, 0, 0),
	E("slice", f_sprigslice, 2, V, P_ANY, P_ANY, 0),
	E("mustSlice", f_sprigslice, 2, V, P_ANY, P_ANY, 0),

	/* known to ESO, not implemented by cloak: a clear parse error */
	U("pkcs12key"), U("pkcs12keyPass"), U("pkcs12cert"), U("pkcs12certPass"),
	U("pemToPkcs12"), U("pemToPkcs12Pass"), U("fullPemToPkcs12"), U("fullPemToPkcs12Pass"),
	U("pemTruststoreToPKCS12"), U("pemTruststoreToPKCS12Pass"), U("filterPEM"),
	U("filterCertChain"), U("certSANs"), U("jwkPublicKeyPem"), U("jwkPrivateKeyPem"),
	U("rsaDecrypt"), U("getSecretKey"), U("getSecretKeys"),
	U("hello"), U("ago"), U("date"), U("date_in_zone"), U("date_modify"), U("dateInZone"),
	U("dateModify"), U("duration"), U("durationRound"), U("htmlDate"), U("htmlDateInZone"),
	U("must_date_modify"), U("mustDateModify"), U("mustToDate"), U("now"), U("toDate"),
	U("unixEpoch"), U("abbrev"), U("abbrevboth"), U("initials"), U("randAlphaNum"),
	U("randAlpha"), U("randAscii"), U("randNumeric"), U("swapcase"), U("shuffle"),
	U("snakecase"), U("camelcase"), U("kebabcase"), U("wrap"), U("wrapWith"), U("sha1sum"),
	U("seq"), U("toDecimal"), U("until"), U("untilStep"), U("randInt"), U("add1f"),
	U("addf"), U("subf"), U("divf"), U("mulf"), U("maxf"), U("minf"), U("round"),
	U("b32enc"), U("b32dec"), U("hexdec"), U("typeIsLike"), U("base"), U("dir"), U("clean"),
	U("ext"), U("isAbs"), U("osBase"), U("osClean"), U("osDir"), U("osExt"), U("osIsAbs"),
	U("deepCopy"), U("mustDeepCopy"), U("chunk"), U("mustChunk"), U("bcrypt"),
	U("htpasswd"), U("genPrivateKey"), U("derivePassword"), U("buildCustomCert"), U("genCA"),
	U("genCAWithKey"), U("genSelfSignedCert"), U("genSelfSignedCertWithKey"),
	U("genSignedCert"), U("genSignedCertWithKey"), U("encryptAES"), U("decryptAES"),
	U("randBytes"), U("uuidv4"), U("semver"), U("semverCompare"), U("urlParse"),
	U("urlJoin"),
};

const struct tfunc *ck_ext__func_find(const char *name, size_t n, unsigned set)
{
	size_t k;

	for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++) {
		const struct tfunc *f = &funcs[k];

		if (strlen(f->name) != n || memcmp(f->name, name, n) != 0)
			continue;
		if ((f->flags & TF_ESO) && !(set & CK_TMPL_FUNCS_ESO))
			continue;
		if ((f->flags & TF_GOONLY) && (set & CK_TMPL_FUNCS_ESO))
			continue;
		return f;
	}
	return NULL;
}

