/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scalar typing as go-yaml v3 resolves it (resolve.go), and the number
 * formats of Go's strconv, so that sops sees the same types and bytes as the
 * reference implementation.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/secret.h"
#include "doc_int.h"

enum { NUM_OK = 0, NUM_SYNTAX = -1, NUM_RANGE = -2 };

static int lower(int c)
{
	return c | 0x20;
}

/* strconv.ParseUint(s, base, 64) with Go's prefixes for base 0. */
static int go_parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;
	int base0 = base == 0;
	size_t i = 0;

	if (n == 0)
		return NUM_SYNTAX;
	if (base0) {
		base = 10;
		if (s[0] == '0') {
			if (n >= 3 && lower(s[1]) == 'b') {
				base = 2;
				i = 2;
			} else if (n >= 3 && lower(s[1]) == 'o') {
				base = 8;
				i = 2;
			} else if (n >= 3 && lower(s[1]) == 'x') {
				base = 16;
				i = 2;
			} else {
				base = 8;
				i = 1;
			}
		}
	}
	for (; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (lower(c) >= 'a' && lower(c) <= 'z')
			d = lower(c) - 'a' + 10;
		else
			return NUM_SYNTAX; /* callers strip '_' first */
		if (d >= base)
			return NUM_SYNTAX;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return NUM_RANGE;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return NUM_OK;
}

/* strconv.ParseInt(s, base, 64). */
static int go_parse_int(const char *s, size_t n, int base, int64_t *out)
{
	uint64_t u;
	int neg = 0, rc;

	if (n == 0)
		return NUM_SYNTAX;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		s++;
		n--;
	}
	rc = go_parse_uint(s, n, base, &u);
	if (rc == NUM_SYNTAX)
		return rc;
	if (rc == NUM_RANGE || (!neg && u > (uint64_t)INT64_MAX) ||
	    (neg && u > (uint64_t)INT64_MAX + 1))
		return NUM_RANGE;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return NUM_OK;
}

/* Go's underscoreOK: '_' only between digits (or after a base prefix). */
static int underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	int hex = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		int c = (unsigned char)s[i];

		if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			saw = '0';
			continue;
		}
		if (c == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * strconv.ParseFloat(s, 64) for decimal text (what YAML can reach): optional
 * sign, digits with one '.', optional exponent, Go's underscore rule. Only
 * overflow is a range error (underflow gives 0, as in Go).
 */
static int go_parse_float(const char *s, size_t n, double *out)
{
	char stack[128], *buf = stack;
	size_t i = 0, o = 0;
	int digits = 0, under = 0, rc = NUM_SYNTAX;
	double v;

	if (n == 0)
		return NUM_SYNTAX;
	if (n >= sizeof(stack) && (buf = ck_alloc(n + 1)) == NULL)
		return NUM_SYNTAX;
	if (s[i] == '+' || s[i] == '-')
		buf[o++] = s[i++];
	for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++) {
		if (s[i] == '_') {
			under = 1;
			continue;
		}
		buf[o++] = s[i];
		digits = 1;
	}
	if (i < n && s[i] == '.') {
		buf[o++] = s[i++];
		for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++) {
			if (s[i] == '_') {
				under = 1;
				continue;
			}
			buf[o++] = s[i];
			digits = 1;
		}
	}
	if (!digits)
		goto out;
	if (i < n && lower(s[i]) == 'e') {
		buf[o++] = s[i++];
		if (i < n && (s[i] == '+' || s[i] == '-'))
			buf[o++] = s[i++];
		if (i >= n || !is_digit(s[i]))
			goto out;
		for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++) {
			if (s[i] == '_') {
				under = 1;
				continue;
			}
			buf[o++] = s[i];
		}
	}
	if (i != n || (under && !underscore_ok(s, n)))
		goto out;
	buf[o] = '\0';
	errno = 0;
	v = strtod(buf, NULL);
	if (isinf(v)) {
		rc = NUM_RANGE;
		goto out;
	}
	*out = v;
	rc = NUM_OK;
out:
	ck_memzero(buf, o);
	if (buf != stack)
		ck_free(buf);
	return rc;
}

/* yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && is_digit(s[i]))
				i++;
		}
	}
	if (i < n && lower(s[i]) == 'e') {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

/* Go's getnum for a layout field: 1 or 2 digits (fixed: exactly 2). */
static int getnum(const char *s, size_t n, size_t *i, int fixed, int *out)
{
	if (*i >= n || !is_digit(s[*i]))
		return 0;
	if (*i + 1 >= n || !is_digit(s[*i + 1])) {
		if (fixed)
			return 0;
		*out = s[*i] - '0';
		*i += 1;
		return 1;
	}
	*out = (s[*i] - '0') * 10 + (s[*i + 1] - '0');
	*i += 2;
	return 1;
}

static int days_in(int month, int year)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return 29;
	return dm[month - 1];
}

/*
 * go-yaml's parseTimestamp: time.Parse with the layouts
 * "2006-1-2T15:4:5.999999999Z07:00" (also 't'), "2006-1-2 15:4:5.999999999"
 * and "2006-1-2".
 */
static int is_timestamp(const char *s, size_t n)
{
	size_t i;
	int year, month, day, h, m, sec;

	for (i = 0; i < n && is_digit(s[i]); i++)
		;
	if (i != 4 || i == n || s[i] != '-')
		return 0;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	i = 5;
	if (!getnum(s, n, &i, 0, &month) || month < 1 || month > 12)
		return 0;
	if (i >= n || s[i] != '-')
		return 0;
	i++;
	if (!getnum(s, n, &i, 0, &day) || day < 1 || day > days_in(month, year))
		return 0;
	if (i == n)
		return 1;
	{
		int zone = s[i] == 'T' || s[i] == 't';

		if (!zone && s[i] != ' ')
			return 0;
		i++;
		if (!getnum(s, n, &i, 0, &h) || h > 23)
			return 0;
		if (i >= n || s[i] != ':')
			return 0;
		i++;
		if (!getnum(s, n, &i, 0, &m) || m > 59)
			return 0;
		if (i >= n || s[i] != ':')
			return 0;
		i++;
		if (!getnum(s, n, &i, 0, &sec) || sec > 59)
			return 0;
		/* Fractional seconds, '.' or ',' then digits. */
		if (i + 1 < n && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1])) {
			i++;
			while (i < n && is_digit(s[i]))
				i++;
		}
		if (!zone)
			return i == n;
		if (i < n && s[i] == 'Z')
			return i + 1 == n;
		/* ±hh:mm */
		if (n - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
			return 0;
		if (!is_digit(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 4]) ||
		    !is_digit(s[i + 5]))
			return 0;
		h = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		m = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
		return h <= 24 && m <= 60;
	}
}

static int text_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int one_of(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (text_is(s, n, *list))
			return 1;
	return 0;
}

static const char *const bool_true[] = { "true", "True", "TRUE", NULL };
static const char *const bool_false[] = { "false", "False", "FALSE", NULL };
static const char *const nulls[] = { "~", "null", "Null", "NULL", NULL };
static const char *const floats[] = { ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf",
	                               "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL };

/* A number's value, as resolve() found it. */
struct num {
	enum ck_doc_type type;
	int64_t i;
	uint64_t u;
	double f;
};

static int strip_underscores(const char *s, size_t n, char *stack, size_t stacksz, char **out,
                             size_t *outlen)
{
	char *b = stack;
	size_t i, o = 0;

	if (n >= stacksz && (b = ck_alloc(n + 1)) == NULL)
		return ck_err_set(CK_ENOMEM, "doc: out of memory");
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			b[o++] = s[i];
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return CK_OK;
}

static int int_result(struct num *r, int64_t v)
{
	r->type = CK_DOC_T_INT;
	r->i = v;
	return 1;
}

static int uint_result(struct num *r, uint64_t v)
{
	r->type = CK_DOC_T_UINT;
	r->u = v;
	return 1;
}

/* Integers and floats of the 'D'/'S' branch of resolve(); 1 when found. */
static int resolve_number(const char *in, size_t n, struct num *r)
{
	char stack[128], *p = NULL;
	size_t pn = 0;
	int64_t iv;
	uint64_t uv;
	int found = 0;

	if (strip_underscores(in, n, stack, sizeof(stack), &p, &pn) < 0)
		return 0;
	if (go_parse_int(p, pn, 0, &iv) == NUM_OK)
		found = int_result(r, iv);
	else if (go_parse_uint(p, pn, 0, &uv) == NUM_OK)
		found = uint_result(r, uv);
	else if (yaml_style_float(p, pn) && go_parse_float(p, pn, &r->f) == NUM_OK)
		found = (r->type = CK_DOC_T_FLOAT, 1);
	else if (pn > 2 && p[0] == '0' && p[1] == 'b') {
		if (go_parse_int(p + 2, pn - 2, 2, &iv) == NUM_OK)
			found = int_result(r, iv);
		else if (go_parse_uint(p + 2, pn - 2, 2, &uv) == NUM_OK)
			found = uint_result(r, uv);
	} else if (pn > 3 && p[0] == '-' && p[1] == '0' && p[2] == 'b') {
		p[2] = '-'; /* ParseInt("-" + plain[3:], 2) */
		if (go_parse_int(p + 2, pn - 2, 2, &iv) == NUM_OK)
			found = int_result(r, iv);
	} else if (pn > 2 && p[0] == '0' && p[1] == 'o') {
		if (go_parse_int(p + 2, pn - 2, 8, &iv) == NUM_OK)
			found = int_result(r, iv);
		else if (go_parse_uint(p + 2, pn - 2, 8, &uv) == NUM_OK)
			found = uint_result(r, uv);
	} else if (pn > 3 && p[0] == '-' && p[1] == '0' && p[2] == 'o') {
		p[2] = '-';
		if (go_parse_int(p + 2, pn - 2, 8, &iv) == NUM_OK)
			found = int_result(r, iv);
	}
	ck_memzero(p, pn);
	if (p != stack)
		ck_free(p);
	return found;
}

/*
 * resolve() for an untagged plain scalar (or a resolvable explicit tag when
 * timestamps are allowed). Fills r for numbers, bools (i = 0/1).
 */
static enum ck_doc_type resolve_plain(const char *in, size_t n, int timestamps, struct num *r)
{
	int c = n ? (unsigned char)in[0] : 0;

	memset(r, 0, sizeof(*r));
	if (n == 0)
		return r->type = CK_DOC_T_NULL;
	/* resolve()'s hint table: anything else is a string at once. */
	if (!is_digit(c) && strchr("+-.~nNtTfF", c) == NULL)
		return r->type = CK_DOC_T_STR;
	if (one_of(in, n, nulls))
		return r->type = CK_DOC_T_NULL;
	if (one_of(in, n, bool_true)) {
		r->i = 1;
		return r->type = CK_DOC_T_BOOL;
	}
	if (one_of(in, n, bool_false))
		return r->type = CK_DOC_T_BOOL;
	if (one_of(in, n, floats)) {
		r->f = in[1] == 'n' || in[1] == 'N' ? NAN : (in[0] == '-' ? -INFINITY : INFINITY);
		return r->type = CK_DOC_T_FLOAT;
	}
	if (c == '.') {
		if (go_parse_float(in, n, &r->f) == NUM_OK)
			return r->type = CK_DOC_T_FLOAT;
		return r->type = CK_DOC_T_STR;
	}
	if (c == '+' || c == '-' || is_digit(c)) {
		if (timestamps && is_timestamp(in, n))
			return r->type = CK_DOC_T_TIMESTAMP;
		if (resolve_number(in, n, r))
			return r->type;
	}
	return r->type = CK_DOC_T_STR;
}

static enum ck_doc_type tag_type(const char *tag)
{
	static const struct { const char *tag; enum ck_doc_type t; } tab[] = {
		{ "!!str", CK_DOC_T_STR },     { "!!binary", CK_DOC_T_BINARY },
		{ "!!int", CK_DOC_T_INT },     { "!!float", CK_DOC_T_FLOAT },
		{ "!!bool", CK_DOC_T_BOOL },   { "!!null", CK_DOC_T_NULL },
		{ "!!timestamp", CK_DOC_T_TIMESTAMP },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tag, tab[i].tag) == 0)
			return tab[i].t;
	return CK_DOC_T_STR; /* "!", custom and unknown tags: the text is a string */
}

int ck_doc__is_plain_style(enum ck_doc_style s);

int ck_doc__is_plain_style(enum ck_doc_style s)
{
	return s == CK_DOC_PLAIN || s == CK_DOC_STYLE_ANY;
}

enum ck_doc_type ck_doc_scalar_type(const struct ck_doc_node *n)
{
	struct num r;

	n = ck_doc_resolve(n);
	if (n == NULL)
		return CK_DOC_T_NULL;
	if (n->kind == CK_DOC_MAP)
		return CK_DOC_T_MAP;
	if (n->kind == CK_DOC_SEQ)
		return CK_DOC_T_SEQ;
	if (n->tag != NULL) {
		enum ck_doc_type t = tag_type(n->tag);

		if (t == CK_DOC_T_INT && resolve_plain(n->text, n->len, 0, &r) == CK_DOC_T_UINT)
			return CK_DOC_T_UINT;
		return t;
	}
	if (!ck_doc__is_plain_style(n->style))
		return CK_DOC_T_STR;
	return resolve_plain(n->text, n->len, 1, &r);
}

/* Type the string would have if written as an untagged plain scalar. */
enum ck_doc_type ck_doc__plain_type(const char *s, size_t n);

enum ck_doc_type ck_doc__plain_type(const char *s, size_t n)
{
	struct num r;

	return resolve_plain(s, n, 1, &r);
}

static int numeric(const struct ck_doc_node *n, struct num *r, const char *what)
{
	n = ck_doc_resolve(n);
	if (n == NULL || n->kind != CK_DOC_SCALAR ||
	    (n->tag == NULL && !ck_doc__is_plain_style(n->style)) ||
	    (n->tag != NULL && tag_type(n->tag) != CK_DOC_T_INT && tag_type(n->tag) != CK_DOC_T_FLOAT &&
	     tag_type(n->tag) != CK_DOC_T_BOOL))
		return ck_err_set(CK_EINVAL, "doc: scalar is not %s", what);
	resolve_plain(n->text, n->len, 0, r);
	return CK_OK;
}

int ck_doc_scalar_int(const struct ck_doc_node *n, int64_t *out)
{
	struct num r;
	int rc;

	if ((rc = numeric(n, &r, "an integer")) < 0)
		return rc;
	if (r.type != CK_DOC_T_INT)
		return ck_err_set(CK_EINVAL, "doc: scalar is not an integer in int64 range");
	*out = r.i;
	return CK_OK;
}

int ck_doc_scalar_uint(const struct ck_doc_node *n, uint64_t *out)
{
	struct num r;
	int rc;

	if ((rc = numeric(n, &r, "an integer")) < 0)
		return rc;
	if (r.type == CK_DOC_T_UINT) {
		*out = r.u;
		return CK_OK;
	}
	if (r.type != CK_DOC_T_INT || r.i < 0)
		return ck_err_set(CK_EINVAL, "doc: scalar is not a non-negative integer");
	*out = (uint64_t)r.i;
	return CK_OK;
}

int ck_doc_scalar_float(const struct ck_doc_node *n, double *out)
{
	struct num r;
	int rc;

	if ((rc = numeric(n, &r, "a number")) < 0)
		return rc;
	switch (r.type) {
	case CK_DOC_T_FLOAT: *out = r.f; return CK_OK;
	case CK_DOC_T_INT: *out = (double)r.i; return CK_OK;
	case CK_DOC_T_UINT: *out = (double)r.u; return CK_OK;
	default: return ck_err_set(CK_EINVAL, "doc: scalar is not a number");
	}
}

int ck_doc_scalar_bool(const struct ck_doc_node *n, int *out)
{
	struct num r;
	int rc;

	if ((rc = numeric(n, &r, "a boolean")) < 0)
		return rc;
	if (r.type != CK_DOC_T_BOOL)
		return ck_err_set(CK_EINVAL, "doc: scalar is not a boolean");
	*out = (int)r.i;
	return CK_OK;
}

/* Digits and exponent of "%.*e" text: value = d0.d1d2... x 10^exp10. */
static void split_e(const char *e, char *digits, size_t *nd, int *exp10)
{
	const char *p = e;
	size_t n = 0;

	for (; *p && *p != 'e'; p++)
		if (is_digit(*p))
			digits[n++] = *p;
	*nd = n;
	*exp10 = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
}

/* 1 if d0.d1...e<exp10> reads back as exactly v. */
static int round_trips(const char *digits, size_t nd, int exp10, double v)
{
	char buf[64];
	size_t o = 0, i;

	buf[o++] = digits[0];
	buf[o++] = '.';
	for (i = 1; i < nd; i++)
		buf[o++] = digits[i];
	snprintf(buf + o, sizeof(buf) - o, "e%d", exp10);
	return strtod(buf, NULL) == v;
}

/* Change the last digit by dir (+1/-1) with carry; 0 when that leaves the length. */
static int bump(char *d, size_t nd, int *exp10, int dir)
{
	size_t i = nd;

	if (dir > 0) {
		while (i > 0 && d[i - 1] == '9')
			d[--i] = '0';
		if (i == 0) {
			/* 99..9 + 1 = 100..0: one more leading digit, same length after it. */
			d[0] = '1';
			(*exp10)++;
			return 1;
		}
		d[i - 1]++;
		return 1;
	}
	while (i > 0 && d[i - 1] == '0')
		d[--i] = '9';
	if (i == 0)
		return 0;
	d[i - 1]--;
	return d[0] != '0';
}

static int put_zeros(struct ck_buf *out, long n)
{
	int rc = CK_OK;

	while (n-- > 0 && rc == CK_OK)
		rc = ck_buf_putc(out, '0');
	return rc;
}

/*
 * Shortest digits that read back as v: the correctly rounded candidate of
 * each length, or its neighbour in the last place (which matters only next
 * to powers of two, where the rounding interval is lopsided). v >= 0.
 * value = 0.d[0..nd) * 10^(x + 1), i.e. x is the exponent of the first digit.
 */
static void shortest(double a, char *d, size_t *nd, int *x)
{
	char e[64], t[40];
	int p;

	d[0] = '0';
	*nd = 1;
	*x = 0;
	for (p = 1; a != 0 && p <= 17; p++) {
		int tx, dir;

		snprintf(e, sizeof(e), "%.*e", p - 1, a);
		split_e(e, d, nd, x);
		if (round_trips(d, *nd, *x, a))
			break;
		for (dir = -1; dir <= 1; dir += 2) {
			memcpy(t, d, *nd);
			tx = *x;
			if (bump(t, *nd, &tx, dir) && round_trips(t, *nd, tx, a)) {
				memcpy(d, t, *nd);
				*x = tx;
				goto done;
			}
		}
	}
done:
	while (*nd > 1 && d[*nd - 1] == '0')
		(*nd)--;
	if (a == 0)
		*x = 0;
}

/* Digits d[0..nd) with the point after dp digits, without exponent (Go's fmtF). */
static int put_positional(struct ck_buf *out, const char *d, size_t nd, long dp)
{
	int rc = CK_OK;

	if (dp <= 0) {
		rc = ck_buf_puts(out, "0.");
		if (rc == CK_OK)
			rc = put_zeros(out, -dp);
		if (rc == CK_OK)
			rc = ck_buf_put(out, d, nd);
	} else if ((size_t)dp >= nd) {
		rc = ck_buf_put(out, d, nd);
		if (rc == CK_OK)
			rc = put_zeros(out, dp - (long)nd);
	} else {
		rc = ck_buf_put(out, d, (size_t)dp);
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '.');
		if (rc == CK_OK)
			rc = ck_buf_put(out, d + dp, nd - (size_t)dp);
	}
	return rc;
}

int ck_doc_format_float(struct ck_buf *out, double v)
{
	char d[40];
	size_t nd;
	int x, rc;

	if (isnan(v))
		return ck_buf_puts(out, "NaN");
	if (isinf(v))
		return ck_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
	shortest(fabs(v), d, &nd, &x);
	rc = signbit(v) ? ck_buf_putc(out, '-') : CK_OK;
	if (rc == CK_OK)
		rc = put_positional(out, d, nd, (long)x + 1);
	ck_memzero(d, sizeof(d));
	return rc;
}

int ck_doc_format_float_g(struct ck_buf *out, double v)
{
	char d[40];
	size_t nd;
	int x, rc;

	if (isnan(v))
		return ck_buf_puts(out, "NaN");
	if (isinf(v))
		return ck_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
	shortest(fabs(v), d, &nd, &x);
	rc = signbit(v) ? ck_buf_putc(out, '-') : CK_OK;
	if (rc == CK_OK && (x < -4 || x >= 6)) {
		/* d.ddde±XX: at least two exponent digits, as Go's fmtE. */
		rc = ck_buf_putc(out, d[0]);
		if (rc == CK_OK && nd > 1) {
			rc = ck_buf_putc(out, '.');
			if (rc == CK_OK)
				rc = ck_buf_put(out, d + 1, nd - 1);
		}
		if (rc == CK_OK)
			rc = ck_buf_printf(out, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
	} else if (rc == CK_OK) {
		rc = put_positional(out, d, nd, (long)x + 1);
	}
	ck_memzero(d, sizeof(d));
	return rc;
}
