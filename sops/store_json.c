/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON store as sops has it: the document must be an object; keys keep their
 * order (duplicates are kept); strings are str, true/false bool, null null,
 * numbers int when they parse as int64 (sops 3.13.2) else float64. Output is
 * Go's encoding/json form re-indented with json.Indent (tab by default),
 * comments dropped, a final newline.
 */
#include <math.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_internal.h"
#include "stores.h"

struct jr {
	struct ck_sops_tree *t;
	const char *s, *p, *end;
	int secret;
	unsigned depth;
	struct ck_sops_node *stk;
	size_t nstk, capstk;
	struct ck_buf tmp;
	struct ck_buf canon;
};

static int jerr(struct jr *r, const char *what)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
	                       "json: %s at offset %zu", what, (size_t)(r->p - r->s));
}

static void ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int jpush(struct jr *r, const struct ck_sops_node *n)
{
	if (r->nstk == r->capstk) {
		size_t nc = r->capstk ? r->capstk * 2 : 256;
		struct ck_sops_node *ns = ck_calloc(nc, sizeof(*ns));

		if (ns == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		if (r->stk != NULL) {
			memcpy(ns, r->stk, r->nstk * sizeof(*ns));
			ck_free(r->stk);
		}
		r->stk = ns;
		r->capstk = nc;
	}
	if (++r->t->nodes > CK_SOPS_MAX_NODES)
		return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "json: document has too many nodes");
	r->stk[r->nstk++] = *n;
	return CK_OK;
}

static int jfinish(struct jr *r, size_t base, enum ck_sops_type type, struct ck_sops_node *out)
{
	size_t n = r->nstk - base;
	struct ck_sops_node *kids = NULL;

	if (n > UINT32_MAX)
		return ck_err_set(CK_ETOOBIG, "json: collection too big");
	if (n > 0) {
		if ((kids = ck_sops_tree_alloc(r->t, n * sizeof(*kids), 0)) == NULL)
			return CK_ENOMEM;
		memcpy(kids, r->stk + base, n * sizeof(*kids));
	}
	r->nstk = base;
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	out->len = (uint32_t)n;
	out->u.kids = kids;
	return CK_OK;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int put_rune(struct ck_buf *b, uint32_t u)
{
	uint8_t o[4];
	size_t n;

	if (u < 0x80) {
		o[0] = (uint8_t)u;
		n = 1;
	} else if (u < 0x800) {
		o[0] = (uint8_t)(0xc0 | u >> 6);
		o[1] = (uint8_t)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		o[0] = (uint8_t)(0xe0 | u >> 12);
		o[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		o[0] = (uint8_t)(0xf0 | u >> 18);
		o[1] = (uint8_t)(0x80 | ((u >> 12) & 0x3f));
		o[2] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
		o[3] = (uint8_t)(0x80 | (u & 0x3f));
		n = 4;
	}
	return ck_buf_put(b, o, n);
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint32_t u;
	size_t w, k;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		w = 2;
		u = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		w = 3;
		u = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		w = 4;
		u = p[0] & 0x07;
	} else {
		return 0;
	}
	if (w > n)
		return 0;
	for (k = 1; k < w; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		u = u << 6 | (p[k] & 0x3f);
	}
	if ((w == 2 && u < 0x80) || (w == 3 && u < 0x800) || (w == 4 && u < 0x10000) ||
	    u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
		return 0;
	return w;
}

/*
 * A JSON string at p (Go's decoder: escapes, surrogate pairs, invalid UTF-8
 * and lone surrogates become U+FFFD). Zero copy when no escapes.
 */
static int jstring(struct jr *r, struct ck_sops_node *out, int key)
{
	const char *s = ++r->p, *q = s;
	int plain = 1;
	struct ck_buf *b = &r->tmp;

	while (q < r->end && *q != '"') {
		uint8_t c = (uint8_t)*q;

		if (c < 0x20) {
			r->p = q;
			return jerr(r, "invalid character in string literal");
		}
		if (c == '\\') {
			plain = 0;
			q += 2;
			continue;
		}
		if (c >= 0x80) {
			size_t w = utf8_len((const uint8_t *)q, (size_t)(r->end - q));

			if (w == 0)
				plain = 0;
			q += w ? w : 1;
			continue;
		}
		q++;
	}
	if (q >= r->end) {
		r->p = r->end;
		return jerr(r, "unexpected end of input in string");
	}
	memset(out, 0, sizeof(*out));
	out->type = CK_SOPS_STR;
	if (plain) {
		out->u.s = s;
		out->len = (uint32_t)(q - s);
		r->p = q + 1;
		return CK_OK;
	}
	ck_buf_reset(b);
	r->p = s;
	while (*r->p != '"') {
		uint8_t c = (uint8_t)*r->p;
		int rc = CK_OK;

		if (c == '\\') {
			char e = r->p[1];
			uint32_t u, u2;

			switch (e) {
			case '"': rc = ck_buf_putc(b, '"'); r->p += 2; break;
			case '\\': rc = ck_buf_putc(b, '\\'); r->p += 2; break;
			case '/': rc = ck_buf_putc(b, '/'); r->p += 2; break;
			case 'b': rc = ck_buf_putc(b, '\b'); r->p += 2; break;
			case 'f': rc = ck_buf_putc(b, '\f'); r->p += 2; break;
			case 'n': rc = ck_buf_putc(b, '\n'); r->p += 2; break;
			case 'r': rc = ck_buf_putc(b, '\r'); r->p += 2; break;
			case 't': rc = ck_buf_putc(b, '\t'); r->p += 2; break;
			case 'u':
				if (r->end - r->p < 6 || hex4(r->p + 2, &u) < 0)
					return jerr(r, "invalid \\u escape");
				r->p += 6;
				if (u >= 0xd800 && u < 0xdc00 && r->end - r->p >= 6 && r->p[0] == '\\' &&
				    r->p[1] == 'u' && hex4(r->p + 2, &u2) == 0 && u2 >= 0xdc00 && u2 < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
					r->p += 6;
				} else if (u >= 0xd800 && u < 0xe000) {
					u = 0xfffd;
				}
				rc = put_rune(b, u);
				break;
			default:
				return jerr(r, "invalid escape in string");
			}
		} else if (c >= 0x80) {
			size_t w = utf8_len((const uint8_t *)r->p, (size_t)(r->end - r->p));

			if (w == 0) {
				rc = put_rune(b, 0xfffd);
				r->p++;
			} else {
				rc = ck_buf_put(b, r->p, w);
				r->p += w;
			}
		} else {
			rc = ck_buf_putc(b, (char)c);
			r->p++;
		}
		if (rc < 0)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
	}
	r->p++;
	if ((out->u.s = ck_sops_tree_strdup(r->t, (const char *)ck_buf_data(b), ck_buf_len(b),
	                                    r->secret && !key)) == NULL)
		return CK_ENOMEM;
	out->len = (uint32_t)ck_buf_len(b);
	if (r->secret && !key)
		out->flags |= CK_SOPS_F_SECRET;
	return CK_OK;
}

static int jnumber(struct jr *r, struct ck_sops_node *out)
{
	const char *s = r->p, *q = r->p;
	int64_t iv;
	double fv;
	int rc;

	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end)
		return jerr(r, "invalid number");
	if (*q == '0') {
		q++;
	} else if (*q >= '1' && *q <= '9') {
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	} else {
		return jerr(r, "invalid character looking for beginning of value");
	}
	if (q < r->end && *q == '.') {
		q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return jerr(r, "invalid number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return jerr(r, "invalid number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	r->p = q;
	memset(out, 0, sizeof(*out));
	ck_buf_reset(&r->canon);
	if (ck_sops__parse_int10(s, (size_t)(q - s), &iv) == CK_OK) {
		out->type = CK_SOPS_INT;
		rc = ck_buf_printf(&r->canon, "%lld", (long long)iv);
	} else {
		if (ck_sops__parse_float(s, (size_t)(q - s), &fv) < 0)
			return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
			                       "json: number %.*s out of range", (int)(q - s), s);
		out->type = CK_SOPS_FLOAT;
		rc = ck_sops__fmt_float(&r->canon, fv, 'f');
	}
	if (rc < 0)
		return rc;
	out->len = (uint32_t)ck_buf_len(&r->canon);
	if ((out->u.s = ck_sops_tree_strdup(r->t, (const char *)ck_buf_data(&r->canon), out->len,
	                                    r->secret)) == NULL)
		return CK_ENOMEM;
	if (r->secret)
		out->flags |= CK_SOPS_F_SECRET;
	return CK_OK;
}

static int word(struct jr *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

static int jvalue(struct jr *r, struct ck_sops_node *out)
{
	size_t base;
	int rc;

	ws(r);
	if (r->p >= r->end)
		return jerr(r, "unexpected end of JSON input");
	switch (*r->p) {
	case '{':
	case '[': {
		int obj = *r->p == '{';
		char close = obj ? '}' : ']';

		if (++r->depth > CK_SOPS_MAX_DEPTH)
			return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
			                       "json: nesting too deep");
		r->p++;
		base = r->nstk;
		ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
		} else {
			for (;;) {
				struct ck_sops_node k, v;

				ws(r);
				if (obj) {
					if (r->p >= r->end || *r->p != '"')
						return jerr(r, "expected object key");
					if ((rc = jstring(r, &k, 1)) < 0)
						return rc;
					ws(r);
					if (r->p >= r->end || *r->p != ':')
						return jerr(r, "expected ':' after object key");
					r->p++;
					if ((rc = jpush(r, &k)) < 0)
						return rc;
				}
				if ((rc = jvalue(r, &v)) < 0 || (rc = jpush(r, &v)) < 0)
					return rc;
				ws(r);
				if (r->p < r->end && *r->p == ',') {
					r->p++;
					continue;
				}
				if (r->p < r->end && *r->p == close) {
					r->p++;
					break;
				}
				return jerr(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
		r->depth--;
		return jfinish(r, base, obj ? CK_SOPS_MAP : CK_SOPS_SEQ, out);
	}
	case '"':
		return jstring(r, out, 0);
	case 't':
		if (!word(r, "true"))
			break;
		memset(out, 0, sizeof(*out));
		out->type = CK_SOPS_BOOL;
		out->u.s = "True";
		out->len = 4;
		return CK_OK;
	case 'f':
		if (!word(r, "false"))
			break;
		memset(out, 0, sizeof(*out));
		out->type = CK_SOPS_BOOL;
		out->u.s = "False";
		out->len = 5;
		return CK_OK;
	case 'n':
		if (!word(r, "null"))
			break;
		ck_sops_node_null(out);
		return CK_OK;
	default:
		return jnumber(r, out);
	}
	return jerr(r, "invalid character looking for beginning of value");
}

int ck_sops__json_read(struct ck_sops_tree *t, int secret)
{
	struct jr r;
	struct ck_sops_node root;
	int rc;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.s = r.p = (const char *)ck_buf_data(&t->src);
	r.end = r.s + ck_buf_len(&t->src);
	r.secret = secret;
	ck_buf_init(&r.canon, 0);
	if (secret)
		ck_buf_init_secure(&r.tmp, 0);
	else
		ck_buf_init(&r.tmp, 0);
	ws(&r);
	if (r.p >= r.end) {
		rc = jerr(&r, "unexpected end of JSON input");
		goto out;
	}
	if (*r.p != '{') {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                     "SOPS only supports JSON files with a top-level object (starting "
		                     "with '{'), not %s. To encrypt this file, wrap it in an object, "
		                     "e.g., {\"data\": [...]}",
		                     *r.p == '[' ? "arrays" : "other JSON types");
		goto out;
	}
	if ((rc = jvalue(&r, &root)) < 0)
		goto out;
	ws(&r);
	if (r.p < r.end) {
		rc = jerr(&r, "invalid character after top-level value");
		goto out;
	}
	rc = ck_sops_tree_add_doc(t, &root);
out:
	ck_free(r.stk);
	ck_buf_dispose(&r.tmp);
	ck_buf_dispose(&r.canon);
	return rc;
}

/* ---- output ---- */

struct jw {
	struct ck_buf *out;
	const char *indent;
	size_t indlen;
	int compact; /* json.Marshal form: no whitespace at all */
	int rc;
	struct ck_buf tmp;
};

static void jput(struct jw *w, const void *p, size_t n)
{
	if (w->rc == CK_OK && ck_buf_put(w->out, p, n) < 0)
		w->rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
}

static void jnewline(struct jw *w, unsigned depth)
{
	unsigned i;

	if (w->compact)
		return;
	jput(w, "\n", 1);
	for (i = 0; i < depth; i++)
		jput(w, w->indent, w->indlen);
}

/* Go json.Marshal of a string (HTML-safe escaping, invalid UTF-8 -> U+FFFD). */
int ck_sops__json_string(struct ck_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, start = 0;
	int rc = ck_buf_putc(out, '"');

	while (rc == CK_OK && i < n) {
		uint8_t c = p[i];
		const char *esc = NULL;
		char u6[6];

		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
				i++;
				continue;
			}
			rc = ck_buf_put(out, s + start, i - start);
			switch (c) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			default:
				u6[0] = '\\';
				u6[1] = 'u';
				u6[2] = '0';
				u6[3] = '0';
				u6[4] = hex[c >> 4];
				u6[5] = hex[c & 15];
				if (rc == CK_OK)
					rc = ck_buf_put(out, u6, 6);
			}
			if (esc != NULL && rc == CK_OK)
				rc = ck_buf_puts(out, esc);
			start = ++i;
			continue;
		}
		{
			size_t w = utf8_len(p + i, n - i);

			if (w == 0) {
				rc = ck_buf_put(out, s + start, i - start);
				if (rc == CK_OK)
					rc = ck_buf_puts(out, "\\ufffd");
				start = ++i;
				continue;
			}
			if (w == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
				rc = ck_buf_put(out, s + start, i - start);
				if (rc == CK_OK)
					rc = ck_buf_puts(out, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
				i += 3;
				start = i;
				continue;
			}
			i += w;
		}
	}
	if (rc == CK_OK)
		rc = ck_buf_put(out, s + start, i - start);
	if (rc == CK_OK)
		rc = ck_buf_putc(out, '"');
	return rc < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory") : CK_OK;
}

static void jscalar(struct jw *w, const struct ck_sops_node *v)
{
	double d;

	switch (v->type) {
	case CK_SOPS_NULL:
		jput(w, "null", 4);
		return;
	case CK_SOPS_BOOL:
		if (ck_sops_node_is(v, "True"))
			jput(w, "true", 4);
		else
			jput(w, "false", 5);
		return;
	case CK_SOPS_INT:
	case CK_SOPS_UINT:
		jput(w, v->u.s, v->len);
		return;
	case CK_SOPS_FLOAT:
		if (ck_sops__parse_float(v->u.s, v->len, &d) < 0 || isnan(d) || isinf(d)) {
			if (w->rc == CK_OK)
				w->rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
				                        "json: unsupported value: %.*s", (int)v->len, v->u.s);
			return;
		}
		if (w->rc == CK_OK && ck_sops__fmt_float(w->out, d, 'j') < 0)
			w->rc = CK_ENOMEM;
		return;
	default: /* STR, TIME */
		if (w->rc == CK_OK && (v->flags & CK_SOPS_F_ENCBIN)) {
			/* ENC[...] needs no escaping */
			if (ck_buf_putc(w->out, '"') < 0 || ck_sops__encbin_text(w->out, v) < 0 ||
			    ck_buf_putc(w->out, '"') < 0)
				w->rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			return;
		}
		if (w->rc == CK_OK)
			w->rc = ck_sops__json_string(w->out, v->u.s, v->len);
		return;
	}
}

static int has_content(const struct ck_sops_node *n, const struct ck_sops_node *xk)
{
	uint32_t i, st = n->type == CK_SOPS_MAP ? 2 : 1;

	if (xk != NULL)
		return 1;
	for (i = 0; i < n->len; i += st)
		if (n->u.kids[i].type != CK_SOPS_COMMENT)
			return 1;
	return 0;
}

static void jnode(struct jw *w, const struct ck_sops_node *n, unsigned depth,
                  const struct ck_sops_node *xk, const struct ck_sops_node *xv)
{
	uint32_t i;
	int first = 1;

	if (depth > CK_SOPS_MAX_DEPTH + 4) {
		if (w->rc == CK_OK)
			w->rc = ck_err_set(CK_ETOOBIG, "json: nesting too deep");
		return;
	}
	if (n->type == CK_SOPS_MAP) {
		if (!has_content(n, xk)) {
			jput(w, "{}", 2);
			return;
		}
		jput(w, "{", 1);
		for (i = 0; i + 1 < n->len + (xk ? 2u : 0u) && w->rc == CK_OK; i += 2) {
			const struct ck_sops_node *k = i < n->len ? &n->u.kids[i] : xk;
			const struct ck_sops_node *v = i < n->len ? &n->u.kids[i + 1] : xv;

			if (k->type == CK_SOPS_COMMENT)
				continue;
			if (!first)
				jput(w, ",", 1);
			first = 0;
			jnewline(w, depth + 1);
			if (w->rc == CK_OK)
				w->rc = ck_sops__json_string(w->out, k->u.s, k->len);
			jput(w, ": ", w->compact ? 1 : 2);
			jnode(w, v, depth + 1, NULL, NULL);
		}
		jnewline(w, depth);
		jput(w, "}", 1);
		return;
	}
	if (n->type == CK_SOPS_SEQ) {
		if (!has_content(n, NULL)) {
			jput(w, "[]", 2);
			return;
		}
		jput(w, "[", 1);
		for (i = 0; i < n->len && w->rc == CK_OK; i++) {
			if (n->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if (!first)
				jput(w, ",", 1);
			first = 0;
			jnewline(w, depth + 1);
			jnode(w, &n->u.kids[i], depth + 1, NULL, NULL);
		}
		jnewline(w, depth);
		jput(w, "]", 1);
		return;
	}
	jscalar(w, n);
}

int ck_sops__json_emit(struct ck_buf *out, const struct ck_sops_node *root, int indent,
                       const struct ck_sops_node *xk, const struct ck_sops_node *xv, int newline)
{
	struct jw w;
	char sp[16];

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.compact = indent == -2;
	if (indent < 0) {
		w.indent = "\t";
		w.indlen = 1;
	} else {
		if (indent > 15)
			indent = 15;
		memset(sp, ' ', sizeof(sp));
		w.indent = sp;
		w.indlen = (size_t)indent;
	}
	jnode(&w, root, 0, xk, xv);
	if (newline)
		jput(&w, "\n", 1);
	return w.rc;
}
