/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON with Go's encoding/json semantics, for template values and provider
 * data: decoding into interface{} (float64 or json.Number numbers, invalid
 * UTF-8 replaced, last duplicate key wins, Go's error texts) and Marshal /
 * MarshalIndent (sorted keys, HTML-safe escapes, Go's float format).
 * Secret values pass through here, so everything lands in the arena or the
 * caller's buffer, never in temporary heap copies.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "tmpl_int.h"

#define JSON_MAX_DEPTH 1000

struct jdec {
	struct ck_ext_arena *a;
	const unsigned char *s;
	size_t n, i;
	unsigned flags;
	unsigned depth;
};

static int jerr_char(struct jdec *d, const char *ctx)
{
	unsigned char c;

	if (d->i >= d->n)
		return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
	c = d->s[d->i];
	if (c == '\'')
		return ck_err_set(CK_EINVAL, "invalid character '\\'' %s", ctx);
	if (c == '"')
		return ck_err_set(CK_EINVAL, "invalid character '\"' %s", ctx);
	if (c < 0x20 || c >= 0x7f) {
		if (c == '\n')
			return ck_err_set(CK_EINVAL, "invalid character '\\n' %s", ctx);
		if (c == '\t')
			return ck_err_set(CK_EINVAL, "invalid character '\\t' %s", ctx);
		if (c == '\r')
			return ck_err_set(CK_EINVAL, "invalid character '\\r' %s", ctx);
		return ck_err_set(CK_EINVAL, "invalid character '\\x%02x' %s", c, ctx);
	}
	return ck_err_set(CK_EINVAL, "invalid character '%c' %s", c, ctx);
}

static void skip_ws(struct jdec *d)
{
	while (d->i < d->n &&
	       (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\n' || d->s[d->i] == '\r'))
		d->i++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_u4(struct jdec *d, size_t at, uint32_t *out)
{
	uint32_t v = 0;
	size_t k;

	if (at + 4 > d->n)
		return -1;
	for (k = 0; k < 4; k++) {
		int h = hexval(d->s[at + k]);

		if (h < 0)
			return -1;
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/* A string starting at the opening quote; the result lives in the arena. */
static int dec_string(struct jdec *d, const char **out, size_t *outlen)
{
	struct ck_buf b;
	size_t start;
	int rc = CK_EINTERNAL;
	char *p;

	d->i++; /* '"' */
	start = d->i;
	/* Fast path: no escapes, valid ASCII. */
	while (d->i < d->n && d->s[d->i] != '"' && d->s[d->i] != '\\' && d->s[d->i] >= 0x20 &&
	       d->s[d->i] < 0x80)
		d->i++;
	if (d->i < d->n && d->s[d->i] == '"') {
		if ((p = ck_ext__arena_strdup(d->a, d->s + start, d->i - start)) == NULL)
			return ck_err_last()->code;
		*out = p;
		*outlen = d->i - start;
		d->i++;
		return CK_OK;
	}
	ck_buf_init_secure(&b, CK_BUF_MAX);
	if ((rc = ck_buf_put(&b, d->s + start, d->i - start)) < 0)
		goto out;
	for (;;) {
		unsigned char c;

		if (d->i >= d->n) {
			rc = ck_err_set(CK_EINVAL, "unexpected end of JSON input");
			goto out;
		}
		c = d->s[d->i];
		if (c == '"') {
			d->i++;
			break;
		}
		if (c < 0x20) {
			rc = jerr_char(d, "in string literal");
			goto out;
		}
		if (c == '\\') {
			uint32_t r, r2;

			if (d->i + 1 >= d->n) {
				d->i++;
				rc = ck_err_set(CK_EINVAL, "unexpected end of JSON input");
				goto out;
			}
			d->i++;
			switch (d->s[d->i]) {
			case '"': case '\\': case '/':
				rc = ck_buf_putc(&b, d->s[d->i]);
				d->i++;
				break;
			case 'b': rc = ck_buf_putc(&b, '\b'); d->i++; break;
			case 'f': rc = ck_buf_putc(&b, '\f'); d->i++; break;
			case 'n': rc = ck_buf_putc(&b, '\n'); d->i++; break;
			case 'r': rc = ck_buf_putc(&b, '\r'); d->i++; break;
			case 't': rc = ck_buf_putc(&b, '\t'); d->i++; break;
			case 'u':
				if (read_u4(d, d->i + 1, &r) < 0) {
					size_t k = d->i + 1;

					while (k < d->n && k < d->i + 5 && hexval(d->s[k]) >= 0)
						k++;
					d->i = k;
					rc = jerr_char(d, "in \\u hexadecimal character escape");
					goto out;
				}
				d->i += 5;
				if (r >= 0xd800 && r < 0xdc00) {
					if (d->i + 1 < d->n && d->s[d->i] == '\\' && d->s[d->i + 1] == 'u' &&
					    read_u4(d, d->i + 2, &r2) == 0 && r2 >= 0xdc00 && r2 < 0xe000) {
						r = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
						d->i += 6;
					} else {
						r = 0xfffd;
					}
				} else if (r >= 0xdc00 && r < 0xe000) {
					r = 0xfffd;
				}
				rc = ck_ext__utf8_put(&b, r);
				break;
			default:
				rc = jerr_char(d, "in string escape code");
				goto out;
			}
			if (rc < 0)
				goto out;
			continue;
		}
		if (c < 0x80) {
			if ((rc = ck_buf_putc(&b, c)) < 0)
				goto out;
			d->i++;
		} else {
			uint32_t r;
			int len = ck_ext__utf8_decode(d->s + d->i, d->n - d->i, &r);

			if (len < 0) {
				rc = ck_ext__utf8_put(&b, 0xfffd);
				d->i++;
			} else {
				rc = ck_buf_put(&b, d->s + d->i, (size_t)len);
				d->i += (size_t)len;
			}
			if (rc < 0)
				goto out;
		}
	}
	if ((p = ck_ext__arena_strdup(d->a, ck_buf_data(&b), ck_buf_len(&b))) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	*out = p;
	*outlen = ck_buf_len(&b);
	rc = CK_OK;
out:
	ck_buf_dispose(&b);
	return rc;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int dec_number(struct jdec *d, struct tv *out)
{
	size_t start = d->i;
	char tmp[400], *end;
	double f;

	if (d->s[d->i] == '-')
		d->i++;
	if (d->i >= d->n)
		return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
	if (d->s[d->i] == '0') {
		d->i++;
	} else if (is_digit(d->s[d->i])) {
		while (d->i < d->n && is_digit(d->s[d->i]))
			d->i++;
	} else {
		return jerr_char(d, "in numeric literal");
	}
	if (d->i < d->n && d->s[d->i] == '.') {
		d->i++;
		if (d->i >= d->n)
			return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
		if (!is_digit(d->s[d->i]))
			return jerr_char(d, "after decimal point in numeric literal");
		while (d->i < d->n && is_digit(d->s[d->i]))
			d->i++;
	}
	if (d->i < d->n && (d->s[d->i] == 'e' || d->s[d->i] == 'E')) {
		d->i++;
		if (d->i < d->n && (d->s[d->i] == '+' || d->s[d->i] == '-'))
			d->i++;
		if (d->i >= d->n)
			return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
		if (!is_digit(d->s[d->i]))
			return jerr_char(d, "in exponent of numeric literal");
		while (d->i < d->n && is_digit(d->s[d->i]))
			d->i++;
	}
	if (d->flags & CK_EXT_JSON_USE_NUMBER) {
		char *p = ck_ext__arena_strdup(d->a, d->s + start, d->i - start);

		if (p == NULL)
			return ck_err_last()->code;
		out->kind = TV_JNUM;
		out->u.s.p = p;
		out->u.s.n = d->i - start;
		return CK_OK;
	}
	if (d->i - start >= sizeof(tmp))
		return ck_err_set(CK_EINVAL, "json: cannot unmarshal number into Go value of type float64");
	memcpy(tmp, d->s + start, d->i - start);
	tmp[d->i - start] = '\0';
	errno = 0;
	f = strtod(tmp, &end);
	if (isinf(f))
		return ck_err_set(CK_EINVAL, "json: cannot unmarshal number %s into Go value of type float64",
		                  tmp);
	*out = tv_float(f);
	return CK_OK;
}

static int dec_literal(struct jdec *d, const char *lit, struct tv *out, struct tv v)
{
	size_t k, len = strlen(lit);

	for (k = 0; k < len; k++) {
		if (d->i + k >= d->n)
			return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
		if (d->s[d->i + k] != (unsigned char)lit[k]) {
			char ctx[64];

			d->i += k;
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", lit, lit[k]);
			return jerr_char(d, ctx);
		}
	}
	d->i += len;
	*out = v;
	return CK_OK;
}

static int dec_value(struct jdec *d, struct tv *out);

static int dec_object(struct jdec *d, struct tv *out)
{
	struct tv_map *m;
	int rc;

	if (++d->depth > JSON_MAX_DEPTH)
		return ck_err_set(CK_ETOOBIG, "json: exceeded max depth");
	if ((m = ck_ext__map_new(d->a, 0)) == NULL)
		return ck_err_last()->code;
	d->i++;
	skip_ws(d);
	if (d->i < d->n && d->s[d->i] == '}') {
		d->i++;
		goto done;
	}
	for (;;) {
		const char *k;
		size_t kn;
		struct tv v = tv_nil();

		skip_ws(d);
		if (d->i >= d->n || d->s[d->i] != '"')
			return jerr_char(d, "looking for beginning of object key string");
		if ((rc = dec_string(d, &k, &kn)) < 0)
			return rc;
		skip_ws(d);
		if (d->i >= d->n || d->s[d->i] != ':')
			return jerr_char(d, "after object key");
		d->i++;
		if ((rc = dec_value(d, &v)) < 0)
			return rc;
		if ((rc = ck_ext__map_set(d->a, m, k, kn, v)) < 0)
			return rc;
		skip_ws(d);
		if (d->i < d->n && d->s[d->i] == ',') {
			d->i++;
			continue;
		}
		if (d->i < d->n && d->s[d->i] == '}') {
			d->i++;
			break;
		}
		return jerr_char(d, "after object key:value pair");
	}
done:
	d->depth--;
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	return CK_OK;
}

static int dec_array(struct jdec *d, struct tv *out)
{
	struct tv_list *l;
	int rc;

	if (++d->depth > JSON_MAX_DEPTH)
		return ck_err_set(CK_ETOOBIG, "json: exceeded max depth");
	if ((l = ck_ext__list_new(d->a, 0)) == NULL)
		return ck_err_last()->code;
	d->i++;
	skip_ws(d);
	if (d->i < d->n && d->s[d->i] == ']') {
		d->i++;
		goto done;
	}
	for (;;) {
		struct tv v = tv_nil();

		if ((rc = dec_value(d, &v)) < 0)
			return rc;
		if ((rc = ck_ext__list_push(d->a, l, v)) < 0)
			return rc;
		skip_ws(d);
		if (d->i < d->n && d->s[d->i] == ',') {
			d->i++;
			continue;
		}
		if (d->i < d->n && d->s[d->i] == ']') {
			d->i++;
			break;
		}
		return jerr_char(d, "after array element");
	}
done:
	d->depth--;
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int dec_value(struct jdec *d, struct tv *out)
{
	struct tv nil_iface = tv_nil();
	int rc;

	skip_ws(d);
	if (d->i >= d->n)
		return ck_err_set(CK_EINVAL, "unexpected end of JSON input");
	switch (d->s[d->i]) {
	case '{':
		return dec_object(d, out);
	case '[':
		return dec_array(d, out);
	case '"': {
		const char *p;
		size_t n;

		if ((rc = dec_string(d, &p, &n)) < 0)
			return rc;
		*out = tv_str(p, n);
		return CK_OK;
	}
	case 't':
		return dec_literal(d, "true", out, tv_bool(1));
	case 'f':
		return dec_literal(d, "false", out, tv_bool(0));
	case 'n':
		nil_iface.flags = TV_F_IFACE;
		return dec_literal(d, "null", out, nil_iface);
	default:
		if (d->s[d->i] == '-' || is_digit(d->s[d->i]))
			return dec_number(d, out);
		return jerr_char(d, "looking for beginning of value");
	}
}

int ck_ext__json_decode(struct ck_ext_arena *a, struct tv *out, const char *s, size_t n,
                        unsigned flags)
{
	struct jdec d = { a, (const unsigned char *)s, n, 0, flags, 0 };
	struct tv v = tv_nil();
	int rc;

	if ((rc = dec_value(&d, &v)) < 0)
		return rc;
	skip_ws(&d);
	if (d.i < d.n)
		return jerr_char(&d, "after top-level value");
	*out = v;
	return CK_OK;
}

/* ------------------------------------------------------------------ encode */

static int enc_string(struct ck_buf *out, const char *s, size_t n, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int rc;

	if ((rc = ck_buf_putc(out, '"')) < 0)
		return rc;
	while (i < n) {
		unsigned char c = p[i];
		char e[8];
		size_t elen = 0;
		uint32_t r;
		int len;

		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' &&
			    ((flags & CK_EXT_JSON_NO_HTML) || (c != '<' && c != '>' && c != '&'))) {
				i++;
				continue;
			}
			e[0] = '\\';
			switch (c) {
			case '"': case '\\': e[1] = (char)c; elen = 2; break;
			case '\b': e[1] = 'b'; elen = 2; break;
			case '\f': e[1] = 'f'; elen = 2; break;
			case '\n': e[1] = 'n'; elen = 2; break;
			case '\r': e[1] = 'r'; elen = 2; break;
			case '\t': e[1] = 't'; elen = 2; break;
			default:
				memcpy(e + 1, "u00", 3);
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				elen = 6;
			}
			if ((rc = ck_buf_put(out, p + start, i - start)) < 0 ||
			    (rc = ck_buf_put(out, e, elen)) < 0)
				return rc;
			i++;
			start = i;
			continue;
		}
		len = ck_ext__utf8_decode(p + i, n - i, &r);
		if (len < 0 || r == 0x2028 || r == 0x2029) {
			if ((rc = ck_buf_put(out, p + start, i - start)) < 0)
				return rc;
			rc = len < 0 ? ck_buf_puts(out, "\\ufffd")
			             : ck_buf_puts(out, r == 0x2028 ? "\\u2028" : "\\u2029");
			if (rc < 0)
				return rc;
			i += len < 0 ? 1 : (size_t)len;
			start = i;
			continue;
		}
		i += (size_t)len;
	}
	if ((rc = ck_buf_put(out, p + start, i - start)) < 0)
		return rc;
	return ck_buf_putc(out, '"');
}

static int enc_float(struct ck_buf *out, double f)
{
	double af = fabs(f);
	size_t start;
	int rc;

	if (isnan(f) || isinf(f))
		return ck_err_set(CK_EINVAL, "json: unsupported value: %s",
		                  isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
	if (af != 0 && (af < 1e-6 || af >= 1e21)) {
		uint8_t *m;
		size_t n;

		start = ck_buf_len(out);
		if ((rc = ck_ext__fmt_float(out, f, 'e')) < 0)
			return rc;
		/* e-07 -> e-7 as Go does */
		m = ck_buf_mutable(out);
		n = ck_buf_len(out);
		if (n - start >= 4 && m[n - 4] == 'e' && m[n - 3] == '-' && m[n - 2] == '0') {
			m[n - 2] = m[n - 1];
			ck_buf_truncate(out, n - 1);
		}
		return CK_OK;
	}
	return ck_ext__fmt_float(out, f, 'f');
}

static int enc_indent(struct ck_buf *out, const char *indent, unsigned depth)
{
	unsigned k;
	int rc;

	if ((rc = ck_buf_putc(out, '\n')) < 0)
		return rc;
	for (k = 0; k < depth; k++)
		if ((rc = ck_buf_puts(out, indent)) < 0)
			return rc;
	return CK_OK;
}

static int enc_value(struct ck_buf *out, const struct tv *v, const char *indent, unsigned flags,
                     unsigned depth)
{
	size_t i;
	int rc = CK_OK;

	if (depth > JSON_MAX_DEPTH)
		return ck_err_set(CK_ETOOBIG, "json: exceeded max depth");
	switch (v->kind) {
	case TV_NIL:
		return ck_buf_puts(out, "null");
	case TV_BOOL:
		return ck_buf_puts(out, v->u.b ? "true" : "false");
	case TV_INT:
	case TV_INT64:
	case TV_UINT8:
		return ck_buf_printf(out, "%lld", (long long)v->u.i);
	case TV_FLOAT:
		return enc_float(out, v->u.f);
	case TV_JNUM:
		return ck_buf_put(out, v->u.s.p, v->u.s.n);
	case TV_STR:
		return enc_string(out, v->u.s.p, v->u.s.n, flags);
	case TV_LIST:
	case TV_SLIST:
		if (v->u.l == NULL)
			return ck_buf_puts(out, "null");
		if ((rc = ck_buf_putc(out, '[')) < 0)
			return rc;
		for (i = 0; i < v->u.l->n && rc >= 0; i++) {
			if (i)
				rc = ck_buf_putc(out, ',');
			if (rc >= 0 && indent)
				rc = enc_indent(out, indent, depth + 1);
			if (rc >= 0)
				rc = enc_value(out, &v->u.l->v[i], indent, flags, depth + 1);
		}
		if (rc >= 0 && indent && v->u.l->n)
			rc = enc_indent(out, indent, depth);
		return rc < 0 ? rc : ck_buf_putc(out, ']');
	case TV_MAP:
	case TV_SMAP:
		if (v->u.m == NULL)
			return ck_buf_puts(out, "null");
		if ((rc = ck_buf_putc(out, '{')) < 0)
			return rc;
		for (i = 0; i < v->u.m->n && rc >= 0; i++) {
			if (i)
				rc = ck_buf_putc(out, ',');
			if (rc >= 0 && indent)
				rc = enc_indent(out, indent, depth + 1);
			if (rc >= 0)
				rc = enc_string(out, v->u.m->k[i].p, v->u.m->k[i].n, flags);
			if (rc >= 0)
				rc = ck_buf_puts(out, indent ? ": " : ":");
			if (rc >= 0)
				rc = enc_value(out, &v->u.m->v[i], indent, flags, depth + 1);
		}
		if (rc >= 0 && indent && v->u.m->n)
			rc = enc_indent(out, indent, depth);
		return rc < 0 ? rc : ck_buf_putc(out, '}');
	}
	return ck_err_set(CK_EINTERNAL, "json: unknown value kind");
}

int ck_ext__json_encode(struct ck_buf *out, const struct tv *v, const char *indent,
                        unsigned flags)
{
	size_t mark = ck_buf_len(out);
	int rc = enc_value(out, v, indent, flags, 0);

	/* core's ck_buf_truncate trips UBSan on a never-grown buffer: guard */
	if (rc < 0 && ck_buf_len(out) > mark)
		ck_buf_truncate(out, mark);
	return rc;
}
