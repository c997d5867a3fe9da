/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's fmt and strconv formatting for template values: %v printing of every
 * value kind, Sprint/Sprintln spacing rules, the Sprintf verbs ESO templates
 * use, strconv.Quote and shortest round-trip float formatting.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "tmpl_int.h"

/* ------------------------------------------------------------------ UTF-8 */

int ck_ext__utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*r = c;
	return (int)len;
bad:
	*r = 0xfffd;
	return -1; /* one invalid byte */
}

int ck_ext__utf8_put(struct ck_buf *out, uint32_t r)
{
	unsigned char b[4];
	size_t n;

	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = 0xfffd;
	if (r < 0x80) {
		b[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		b[0] = (unsigned char)(0xc0 | (r >> 6));
		b[1] = (unsigned char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (r >> 12));
		b[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (r >> 18));
		b[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (r & 0x3f));
		n = 4;
	}
	return ck_buf_put(out, b, n);
}

/* unicode.IsPrint, approximated outside ASCII and Latin-1. */
static int is_print(uint32_t r)
{
	if (r < 0x20 || r == 0x7f)
		return 0;
	if (r < 0x7f)
		return 1;
	if (r < 0xa1 || r == 0xad)
		return 0;
	if (r == 0x2028 || r == 0x2029 || (r >= 0x200b && r <= 0x200f) || r == 0xfeff ||
	    (r >= 0xd800 && r <= 0xdfff) || r == 0xfffe || r == 0xffff || r == 0x3000 ||
	    (r >= 0x2000 && r <= 0x200a) || r == 0x1680 || r == 0x202f || r == 0x205f ||
	    (r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
		return 0;
	return 1;
}

static int quote_with(struct ck_buf *out, const char *s, size_t n, char q, int ascii)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int rc;

	if ((rc = ck_buf_putc(out, q)) < 0)
		return rc;
	while (i < n) {
		uint32_t r;
		int len = ck_ext__utf8_decode(p + i, n - i, &r);
		char e[12];

		if (len < 0) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[p[i] >> 4];
			e[3] = hex[p[i] & 15];
			if ((rc = ck_buf_put(out, e, 4)) < 0)
				return rc;
			i++;
			continue;
		}
		if (r == (uint32_t)q || r == '\\') {
			e[0] = '\\';
			e[1] = (char)r;
			rc = ck_buf_put(out, e, 2);
		} else if (r < 0x80 ? is_print(r) : (!ascii && is_print(r))) {
			rc = ck_buf_put(out, p + i, (size_t)len);
		} else {
			switch (r) {
			case '\a': rc = ck_buf_puts(out, "\\a"); break;
			case '\b': rc = ck_buf_puts(out, "\\b"); break;
			case '\f': rc = ck_buf_puts(out, "\\f"); break;
			case '\n': rc = ck_buf_puts(out, "\\n"); break;
			case '\r': rc = ck_buf_puts(out, "\\r"); break;
			case '\t': rc = ck_buf_puts(out, "\\t"); break;
			case '\v': rc = ck_buf_puts(out, "\\v"); break;
			default:
				if (r < ' ' || r == 0x7f)
					rc = ck_buf_printf(out, "\\x%02x", (unsigned)r);
				else if (r < 0x10000)
					rc = ck_buf_printf(out, "\\u%04x", (unsigned)r);
				else
					rc = ck_buf_printf(out, "\\U%08x", (unsigned)r);
			}
		}
		if (rc < 0)
			return rc;
		i += (size_t)len;
	}
	return ck_buf_putc(out, q);
}

int ck_ext__fmt_quote(struct ck_buf *out, const char *s, size_t n)
{
	return quote_with(out, s, n, '"', 0);
}

/* ---------------------------------------------------------------- floats */

/*
 * Shortest decimal digits that read back as f (like strconv with precision
 * -1): digits d[0..nd), value = 0.d * 10^dp. f must be finite and non-zero.
 */
static void shortest(double f, char *d, int *nd, int *dp)
{
	char tmp[40];
	int p, i, k, e;

	for (p = 0; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp = [-]D[.DDD]e[+-]XX */
	k = 0;
	for (i = tmp[0] == '-'; tmp[i] != 'e'; i++)
		if (tmp[i] != '.')
			d[k++] = tmp[i];
	e = (int)strtol(tmp + i + 1, NULL, 10);
	while (k > 1 && d[k - 1] == '0')
		k--;
	*nd = k;
	*dp = e + 1;
}

static int put_e(struct ck_buf *out, const char *d, int nd, int dp, int prec, char ech)
{
	int rc, exp, i;

	if ((rc = ck_buf_putc(out, nd ? d[0] : '0')) < 0)
		return rc;
	if (prec > 0) {
		if ((rc = ck_buf_putc(out, '.')) < 0)
			return rc;
		for (i = 1; i <= prec; i++)
			if ((rc = ck_buf_putc(out, i < nd ? d[i] : '0')) < 0)
				return rc;
	}
	exp = nd ? dp - 1 : 0;
	return ck_buf_printf(out, "%c%c%02d", ech, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static int put_f(struct ck_buf *out, const char *d, int nd, int dp, int prec)
{
	int rc = CK_OK, i;

	if (dp > 0) {
		for (i = 0; i < dp && rc >= 0; i++)
			rc = ck_buf_putc(out, i < nd ? d[i] : '0');
	} else {
		rc = ck_buf_putc(out, '0');
	}
	if (rc >= 0 && prec > 0) {
		rc = ck_buf_putc(out, '.');
		for (i = 0; i < prec && rc >= 0; i++) {
			int j = dp + i;

			rc = ck_buf_putc(out, j < 0 || j >= nd ? '0' : d[j]);
		}
	}
	return rc;
}

int ck_ext__fmt_float(struct ck_buf *out, double f, char fmt)
{
	char d[32];
	int nd, dp, rc, exp;

	if (isnan(f))
		return ck_buf_puts(out, "NaN");
	if (isinf(f))
		return ck_buf_puts(out, f > 0 ? "+Inf" : "-Inf");
	if (signbit(f) && (rc = ck_buf_putc(out, '-')) < 0)
		return rc;
	if (f == 0) {
		nd = 0;
		dp = 0;
	} else {
		shortest(fabs(f), d, &nd, &dp);
	}
	switch (fmt) {
	case 'e':
		return put_e(out, d, nd, dp, nd ? nd - 1 : 0, 'e');
	case 'f':
		return put_f(out, d, nd, dp, nd - dp > 0 ? nd - dp : 0);
	default:
		exp = dp - 1;
		if (nd && (exp < -4 || exp >= 6)) /* shortest: precision 6 decides */
			return put_e(out, d, nd, dp, nd - 1, 'e');
		return put_f(out, d, nd, dp, nd - dp > 0 ? nd - dp : 0);
	}
}

/* ------------------------------------------------------------ fmt engine */

struct spec {
	int minus, plus, sharp, space, zero;
	int wid, prec; /* -1 = absent */
	int plusv, sharpv;
};

static int pad_put(struct ck_buf *out, const struct spec *sp, const char *s, size_t n,
                   int numeric)
{
	size_t runes = 0, i;
	int rc;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			runes++;
	if (sp->wid < 0 || runes >= (size_t)sp->wid)
		return ck_buf_put(out, s, n);
	if (sp->minus) {
		if ((rc = ck_buf_put(out, s, n)) < 0)
			return rc;
		for (i = runes; i < (size_t)sp->wid; i++)
			if ((rc = ck_buf_putc(out, ' ')) < 0)
				return rc;
		return CK_OK;
	}
	if (sp->zero && numeric) {
		/* zeros go after the sign */
		size_t sign = n && (s[0] == '-' || s[0] == '+' || s[0] == ' ');

		if (sign && (rc = ck_buf_put(out, s, 1)) < 0)
			return rc;
		for (i = runes; i < (size_t)sp->wid; i++)
			if ((rc = ck_buf_putc(out, '0')) < 0)
				return rc;
		return ck_buf_put(out, s + sign, n - sign);
	}
	for (i = runes; i < (size_t)sp->wid; i++)
		if ((rc = ck_buf_putc(out, ' ')) < 0)
			return rc;
	return ck_buf_put(out, s, n);
}

static int fmt_int(struct ck_buf *out, const struct spec *sp, const struct tv *v, char verb)
{
	char tmp[96], *p = tmp + sizeof(tmp);
	int64_t i = v->u.i;
	uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	unsigned base = 10;
	const char *digs = "0123456789abcdef";
	int ndig = 0, prec = sp->prec;
	const char *prefix = "";

	switch (verb) {
	case 'b': base = 2; if (sp->sharp) prefix = "0b"; break;
	case 'o': base = 8; if (sp->sharp) prefix = "0"; break;
	case 'O': base = 8; prefix = "0o"; break;
	case 'x': base = 16; if (sp->sharp) prefix = "0x"; break;
	case 'X': base = 16; digs = "0123456789ABCDEF"; if (sp->sharp) prefix = "0X"; break;
	default: break;
	}
	do {
		*--p = digs[u % base];
		u /= base;
		ndig++;
	} while (u && p > tmp + 40);
	if (prec == 0 && i == 0) {
		p = tmp + sizeof(tmp);
		ndig = 0;
	}
	while (prec > ndig && p > tmp + 30) {
		*--p = '0';
		ndig++;
	}
	if (strcmp(prefix, "0") == 0 && p[0] == '0')
		prefix = "";
	{
		size_t pl = strlen(prefix);

		p -= pl;
		memcpy(p, prefix, pl);
	}
	if (i < 0)
		*--p = '-';
	else if (sp->plus)
		*--p = '+';
	else if (sp->space)
		*--p = ' ';
	{
		struct spec s2 = *sp;

		if (sp->prec >= 0)
			s2.zero = 0; /* Go: precision turns off zero padding */
		return pad_put(out, &s2, p, (size_t)(tmp + sizeof(tmp) - p), 1);
	}
}

static int fmt_floatv(struct ck_buf *out, const struct spec *sp, double f, char verb)
{
	struct ck_buf b = CK_BUF_INIT;
	int rc;

	ck_buf_init(&b, 4096);
	if (sp->plus && !signbit(f) && !isnan(f))
		rc = ck_buf_putc(&b, '+');
	else if (sp->space && !signbit(f) && !isnan(f))
		rc = ck_buf_putc(&b, ' ');
	else
		rc = CK_OK;
	if (rc < 0)
		goto out;
	if (isinf(f) || isnan(f)) {
		rc = ck_buf_puts(&b, isnan(f) ? "NaN" : f > 0 ? (ck_buf_len(&b) ? "Inf" : "+Inf")
		                                              : "-Inf");
		if (rc >= 0) {
			struct spec s2 = *sp;

			s2.zero = 0;
			rc = pad_put(out, &s2, ck_buf_cstr(&b), ck_buf_len(&b), 1);
		}
		goto out;
	}
	if (verb == 'v')
		verb = 'g';
	if (verb == 'F')
		verb = 'f';
	if ((verb == 'g' || verb == 'G') && sp->prec < 0) {
		size_t start = ck_buf_len(&b);

		rc = ck_ext__fmt_float(&b, f, 'g');
		if (rc >= 0 && verb == 'G') {
			uint8_t *m = ck_buf_mutable(&b);
			size_t k;

			for (k = start; k < ck_buf_len(&b); k++)
				if (m[k] == 'e')
					m[k] = 'E';
		}
	} else {
		int prec = sp->prec < 0 ? 6 : sp->prec;

		/* literal formats only (-Wformat-nonliteral) */
		switch (verb) {
		case 'e': rc = sp->sharp ? ck_buf_printf(&b, "%#.*e", prec, f) : ck_buf_printf(&b, "%.*e", prec, f); break;
		case 'E': rc = sp->sharp ? ck_buf_printf(&b, "%#.*E", prec, f) : ck_buf_printf(&b, "%.*E", prec, f); break;
		case 'f': rc = sp->sharp ? ck_buf_printf(&b, "%#.*f", prec, f) : ck_buf_printf(&b, "%.*f", prec, f); break;
		case 'G': rc = sp->sharp ? ck_buf_printf(&b, "%#.*G", prec, f) : ck_buf_printf(&b, "%.*G", prec, f); break;
		default: rc = sp->sharp ? ck_buf_printf(&b, "%#.*g", prec, f) : ck_buf_printf(&b, "%.*g", prec, f); break;
		}
	}
	if (rc >= 0)
		rc = pad_put(out, sp, ck_buf_cstr(&b), ck_buf_len(&b), 1);
out:
	ck_buf_dispose(&b);
	return rc;
}

static int fmt_str(struct ck_buf *out, const struct spec *sp, const char *s, size_t n,
                   char verb)
{
	struct ck_buf b = CK_BUF_INIT;
	struct spec s2 = *sp;
	size_t i;
	int rc = CK_OK;

	s2.zero = 0;
	if (verb == 's' || verb == 'v') {
		if (sp->prec >= 0) { /* precision counts runes */
			size_t runes = 0;

			for (i = 0; i < n; i++) {
				if (((unsigned char)s[i] & 0xc0) != 0x80) {
					if (runes == (size_t)sp->prec)
						break;
					runes++;
				}
			}
			n = i;
		}
		return pad_put(out, &s2, s, n, 0);
	}
	ck_buf_init(&b, CK_BUF_MAX);
	if (verb == 'q') {
		rc = quote_with(&b, s, n, '"', sp->plus);
	} else { /* x, X */
		const char *digs = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";

		if (sp->prec >= 0 && (size_t)sp->prec < n)
			n = (size_t)sp->prec;
		for (i = 0; i < n && rc >= 0; i++) {
			if (sp->space && i > 0)
				rc = ck_buf_putc(&b, ' ');
			if (rc >= 0 && sp->sharp && (i == 0 || sp->space))
				rc = ck_buf_puts(&b, verb == 'x' ? "0x" : "0X");
			if (rc >= 0)
				rc = ck_buf_putc(&b, digs[(unsigned char)s[i] >> 4]);
			if (rc >= 0)
				rc = ck_buf_putc(&b, digs[(unsigned char)s[i] & 15]);
		}
	}
	if (rc >= 0)
		rc = pad_put(out, &s2, ck_buf_cstr(&b), ck_buf_len(&b), 0);
	ck_buf_dispose(&b);
	return rc;
}

static int print_one(struct ck_buf *out, const struct spec *sp, const struct tv *v, char verb,
                     int depth);

static int bad_verb(struct ck_buf *out, const struct tv *v, char verb)
{
	struct spec plain = { 0, 0, 0, 0, 0, -1, -1, 0, 0 };
	int rc;

	if ((rc = ck_buf_printf(out, "%%!%c(", verb)) < 0)
		return rc;
	if (v->kind == TV_NIL)
		rc = ck_buf_puts(out, "<nil>");
	else if ((rc = ck_buf_printf(out, "%s=", ck_ext__tv_typename(v))) >= 0)
		rc = print_one(out, &plain, v, 'v', 0);
	if (rc < 0)
		return rc;
	return ck_buf_putc(out, ')');
}

/* %#v: Go syntax, for the shapes templates produce. */
static int print_gosyntax(struct ck_buf *out, const struct tv *v, int top)
{
	struct spec plain = { 0, 0, 0, 0, 0, -1, -1, 0, 0 };
	size_t i;
	int rc = CK_OK;

	switch (v->kind) {
	case TV_NIL:
		return ck_buf_puts(out, top ? "<nil>" : "interface {}(nil)");
	case TV_STR:
		return ck_ext__fmt_quote(out, v->u.s.p, v->u.s.n);
	case TV_JNUM:
		if ((rc = ck_buf_puts(out, "\"")) >= 0 &&
		    (rc = ck_buf_put(out, v->u.s.p, v->u.s.n)) >= 0)
			rc = ck_buf_puts(out, "\"");
		return rc;
	case TV_UINT8:
		return ck_buf_printf(out, "0x%x", (unsigned)v->u.i);
	case TV_LIST:
	case TV_SLIST:
		if (v->u.l == NULL)
			return ck_buf_printf(out, "%s(nil)", ck_ext__tv_typename(v));
		if ((rc = ck_buf_printf(out, "%s{", ck_ext__tv_typename(v))) < 0)
			return rc;
		for (i = 0; i < v->u.l->n && rc >= 0; i++) {
			if (i)
				rc = ck_buf_puts(out, ", ");
			if (rc >= 0)
				rc = print_gosyntax(out, &v->u.l->v[i], 0);
		}
		return rc < 0 ? rc : ck_buf_putc(out, '}');
	case TV_MAP:
	case TV_SMAP:
		if (v->u.m == NULL)
			return ck_buf_printf(out, "%s(nil)", ck_ext__tv_typename(v));
		if ((rc = ck_buf_printf(out, "%s{", ck_ext__tv_typename(v))) < 0)
			return rc;
		for (i = 0; i < v->u.m->n && rc >= 0; i++) {
			if (i)
				rc = ck_buf_puts(out, ", ");
			if (rc >= 0)
				rc = ck_ext__fmt_quote(out, v->u.m->k[i].p, v->u.m->k[i].n);
			if (rc >= 0)
				rc = ck_buf_putc(out, ':');
			if (rc >= 0)
				rc = print_gosyntax(out, &v->u.m->v[i], 0);
		}
		return rc < 0 ? rc : ck_buf_putc(out, '}');
	default:
		return print_one(out, &plain, v, 'v', 1);
	}
}

static int print_one(struct ck_buf *out, const struct spec *sp, const struct tv *v, char verb,
                     int depth)
{
	size_t i;
	int rc = CK_OK;

	if (verb == 'T')
		return pad_put(out, sp, v->kind == TV_NIL ? "<nil>" : ck_ext__tv_typename(v),
		               strlen(v->kind == TV_NIL ? "<nil>" : ck_ext__tv_typename(v)), 0);
	if (verb == 'v' && sp->sharpv)
		return print_gosyntax(out, v, depth == 0);
	switch (v->kind) {
	case TV_NIL:
		if (verb == 'v')
			return pad_put(out, sp, "<nil>", 5, 0);
		return bad_verb(out, v, verb);
	case TV_BOOL:
		if (verb == 'v' || verb == 't')
			return pad_put(out, sp, v->u.b ? "true" : "false", v->u.b ? 4 : 5, 0);
		return bad_verb(out, v, verb);
	case TV_INT:
	case TV_INT64:
	case TV_UINT8:
		switch (verb) {
		case 'v':
		case 'd':
			return fmt_int(out, sp, v, 'd');
		case 'b': case 'o': case 'O': case 'x': case 'X':
			return fmt_int(out, sp, v, verb);
		case 'c': {
			struct ck_buf b = CK_BUF_INIT;

			ck_buf_init(&b, 16);
			rc = ck_ext__utf8_put(&b, (uint32_t)v->u.i);
			if (rc >= 0)
				rc = pad_put(out, sp, ck_buf_cstr(&b), ck_buf_len(&b), 0);
			ck_buf_dispose(&b);
			return rc;
		}
		case 'q': {
			struct ck_buf b = CK_BUF_INIT, r = CK_BUF_INIT;

			ck_buf_init(&b, 64);
			ck_buf_init(&r, 16);
			rc = ck_ext__utf8_put(&r, (uint32_t)v->u.i);
			if (rc >= 0)
				rc = quote_with(&b, ck_buf_cstr(&r), ck_buf_len(&r), '\'', sp->plus);
			if (rc >= 0)
				rc = pad_put(out, sp, ck_buf_cstr(&b), ck_buf_len(&b), 0);
			ck_buf_dispose(&b);
			ck_buf_dispose(&r);
			return rc;
		}
		case 'U': {
			char tmp[32];
			int n = snprintf(tmp, sizeof(tmp), "U+%04llX", (unsigned long long)v->u.i);

			return pad_put(out, sp, tmp, (size_t)n, 0);
		}
		default:
			return bad_verb(out, v, verb);
		}
	case TV_FLOAT:
		switch (verb) {
		case 'v': case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
			return fmt_floatv(out, sp, v->u.f, verb);
		default:
			return bad_verb(out, v, verb);
		}
	case TV_JNUM:
	case TV_STR:
		switch (verb) {
		case 'v': case 's': case 'q': case 'x': case 'X':
			return fmt_str(out, sp, v->u.s.p, v->u.s.n, verb);
		default:
			return bad_verb(out, v, verb);
		}
	case TV_LIST:
	case TV_SLIST:
		if ((rc = ck_buf_putc(out, '[')) < 0)
			return rc;
		for (i = 0; v->u.l != NULL && i < v->u.l->n && rc >= 0; i++) {
			if (i)
				rc = ck_buf_putc(out, ' ');
			if (rc >= 0)
				rc = print_one(out, sp, &v->u.l->v[i], verb, depth + 1);
		}
		return rc < 0 ? rc : ck_buf_putc(out, ']');
	case TV_MAP:
	case TV_SMAP:
		if ((rc = ck_buf_puts(out, "map[")) < 0)
			return rc;
		for (i = 0; v->u.m != NULL && i < v->u.m->n && rc >= 0; i++) {
			struct tv k = tv_str(v->u.m->k[i].p, v->u.m->k[i].n);

			if (i)
				rc = ck_buf_putc(out, ' ');
			if (rc >= 0)
				rc = print_one(out, sp, &k, verb, depth + 1);
			if (rc >= 0)
				rc = ck_buf_putc(out, ':');
			if (rc >= 0)
				rc = print_one(out, sp, &v->u.m->v[i], verb, depth + 1);
		}
		return rc < 0 ? rc : ck_buf_putc(out, ']');
	}
	return CK_OK;
}

int ck_ext__fmt_value(struct ck_buf *out, const struct tv *v)
{
	struct spec plain = { 0, 0, 0, 0, 0, -1, -1, 0, 0 };

	return print_one(out, &plain, v, 'v', 0);
}

int ck_ext__fmt_sprint(struct ck_buf *out, const struct tv *args, size_t n, int ln)
{
	size_t i;
	int rc = CK_OK, prev_str = 0;

	for (i = 0; i < n && rc >= 0; i++) {
		int is_str = args[i].kind == TV_STR || args[i].kind == TV_JNUM;

		/* Sprint: a space between operands when neither is a string */
		if (i > 0 && (ln || (!is_str && !prev_str)))
			rc = ck_buf_putc(out, ' ');
		if (rc >= 0)
			rc = ck_ext__fmt_value(out, &args[i]);
		prev_str = is_str;
	}
	if (rc >= 0 && ln)
		rc = ck_buf_putc(out, '\n');
	return rc;
}

static int parse_num(const char *f, size_t n, size_t *i, int *out)
{
	int v = 0, any = 0;

	while (*i < n && f[*i] >= '0' && f[*i] <= '9') {
		if (v > 1000000)
			return -1;
		v = v * 10 + (f[*i] - '0');
		(*i)++;
		any = 1;
	}
	*out = v;
	return any;
}

int ck_ext__fmt_sprintf(struct ck_buf *out, const char *f, size_t n, const struct tv *args,
                        size_t nargs)
{
	size_t i = 0, argi = 0;
	int rc = CK_OK;

	while (i < n && rc >= 0) {
		struct spec sp = { 0, 0, 0, 0, 0, -1, -1, 0, 0 };
		size_t start = i;
		uint32_t verb;
		int len, r;

		while (i < n && f[i] != '%')
			i++;
		if (i > start && (rc = ck_buf_put(out, f + start, i - start)) < 0)
			break;
		if (i >= n)
			break;
		i++; /* '%' */
		for (; i < n; i++) {
			switch (f[i]) {
			case '#': sp.sharp = 1; continue;
			case '0': sp.zero = !sp.minus; continue;
			case '+': sp.plus = 1; continue;
			case '-': sp.minus = 1; sp.zero = 0; continue;
			case ' ': sp.space = 1; continue;
			default: break;
			}
			break;
		}
		if (i < n && f[i] == '*') {
			i++;
			if (argi >= nargs || !ck_ext__tv_is_intkind(&args[argi]) ||
			    args[argi].u.i > 1000000 || args[argi].u.i < -1000000) {
				rc = ck_buf_puts(out, "%!(BADWIDTH)");
				if (argi < nargs)
					argi++;
			} else {
				sp.wid = (int)args[argi++].u.i;
				if (sp.wid < 0) {
					sp.minus = 1;
					sp.zero = 0;
					sp.wid = -sp.wid;
				}
			}
		} else if ((r = parse_num(f, n, &i, &sp.wid)) <= 0) {
			if (r < 0)
				rc = ck_buf_puts(out, "%!(NOVERB)");
			sp.wid = -1;
		}
		if (rc >= 0 && i < n && f[i] == '.') {
			i++;
			if (i < n && f[i] == '*') {
				i++;
				if (argi >= nargs || !ck_ext__tv_is_intkind(&args[argi]) ||
				    args[argi].u.i < 0 || args[argi].u.i > 1000000) {
					rc = ck_buf_puts(out, "%!(BADPREC)");
					if (argi < nargs)
						argi++;
				} else {
					sp.prec = (int)args[argi++].u.i;
				}
			} else if (parse_num(f, n, &i, &sp.prec) < 0) {
				sp.prec = 0;
			}
		}
		if (rc < 0)
			break;
		if (i >= n) {
			rc = ck_buf_puts(out, "%!(NOVERB)");
			break;
		}
		len = ck_ext__utf8_decode((const unsigned char *)f + i, n - i, &verb);
		i += len < 0 ? 1 : (size_t)len;
		if (verb == '%') {
			rc = ck_buf_putc(out, '%');
			continue;
		}
		if (argi >= nargs) {
			rc = ck_buf_puts(out, "%!");
			if (rc >= 0)
				rc = ck_ext__utf8_put(out, verb);
			if (rc >= 0)
				rc = ck_buf_puts(out, "(MISSING)");
			continue;
		}
		if (verb == 'v') {
			if (sp.sharp) {
				sp.sharp = 0;
				sp.sharpv = 1;
			}
			if (sp.plus) {
				sp.plus = 0;
				sp.plusv = 1;
			}
		}
		if (verb > 0x7f || !strchr("vTtbcdoOqxXUeEfFgGs", (int)verb)) {
			const struct tv *a = &args[argi++];

			rc = ck_buf_puts(out, "%!");
			if (rc >= 0)
				rc = ck_ext__utf8_put(out, verb);
			if (rc >= 0)
				rc = ck_buf_putc(out, '(');
			if (rc >= 0) {
				if (a->kind == TV_NIL) {
					rc = ck_buf_puts(out, "<nil>");
				} else if ((rc = ck_buf_printf(out, "%s=", ck_ext__tv_typename(a))) >= 0) {
					rc = ck_ext__fmt_value(out, a);
				}
			}
			if (rc >= 0)
				rc = ck_buf_putc(out, ')');
			continue;
		}
		rc = print_one(out, &sp, &args[argi++], (char)verb, 0);
	}
	if (rc >= 0 && argi < nargs) {
		rc = ck_buf_puts(out, "%!(EXTRA ");
		for (; argi < nargs && rc >= 0; argi++) {
			if (args[argi].kind == TV_NIL)
				rc = ck_buf_puts(out, "<nil>");
			else if ((rc = ck_buf_printf(out, "%s=", ck_ext__tv_typename(&args[argi]))) >= 0)
				rc = ck_ext__fmt_value(out, &args[argi]);
			if (rc >= 0 && argi + 1 < nargs)
				rc = ck_buf_puts(out, ", ");
		}
		if (rc >= 0)
			rc = ck_buf_putc(out, ')');
	}
	return rc;
}
