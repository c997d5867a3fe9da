/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML scalar typing the way go-yaml v3 resolves it (sops decodes each
 * scalar into an interface{}): plain scalars are matched against null/bool/
 * .inf/.nan words, then timestamps, int64, uint64, floats; quoted scalars are
 * strings; explicit tags force a type. The result is the canonical text SOPS
 * encrypts (table 2.4 of the spec).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/sops_internal.h"

static int is(const char *s, size_t n, const char *w)
{
	return n < 8 && strlen(w) == n && memcmp(s, w, n) == 0;
}

static int one_of(const char *s, size_t n, const char *const *ws)
{
	for (; *ws != NULL; ws++)
		if (is(s, n, *ws))
			return 1;
	return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	} else {
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
		if (i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			ed++;
		if (ed == 0)
			return 0;
	}
	return i == n;
}

static int put_float(struct ck_buf *canon, double v)
{
	int rc = ck_sops__fmt_float(canon, v, 'f');

	return rc < 0 ? rc : CK_SOPS_FLOAT;
}

static int put_int(struct ck_buf *canon, int64_t v)
{
	int rc = ck_buf_printf(canon, "%lld", (long long)v);

	return rc < 0 ? rc : CK_SOPS_INT;
}

enum want { W_ANY, W_INT, W_FLOAT, W_BOOL, W_NULL, W_TIME };

/* go-yaml resolve() for a string that may be typed (tag "" or a core tag). */
static int resolve(struct ck_buf *canon, const char *s, size_t n, enum want want)
{
	static const char *const t_true[] = { "true", "True", "TRUE", NULL };
	static const char *const t_false[] = { "false", "False", "FALSE", NULL };
	static const char *const t_null[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const t_nan[] = { ".nan", ".NaN", ".NAN", NULL };
	static const char *const t_inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		                             NULL };
	static const char *const t_ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	char plain[512];
	struct ck_sops_time tm;
	int64_t iv;
	uint64_t uv;
	double fv;
	size_t i, pn = 0;
	int rc;

	/* like go-yaml's resolve table: only these first bytes can start a
	 * non-string (words, numbers, .inf/.nan, timestamps, ~) */
	if (n > 0 && !((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.' ||
	               s[0] == '~' || s[0] == 't' || s[0] == 'T' || s[0] == 'f' || s[0] == 'F' ||
	               s[0] == 'n' || s[0] == 'N'))
		return CK_SOPS_STR;
	if (one_of(s, n, t_true))
		return ck_buf_puts(canon, "True") < 0 ? CK_ENOMEM : CK_SOPS_BOOL;
	if (one_of(s, n, t_false))
		return ck_buf_puts(canon, "False") < 0 ? CK_ENOMEM : CK_SOPS_BOOL;
	if (one_of(s, n, t_null))
		return CK_SOPS_NULL;
	if (one_of(s, n, t_nan))
		return put_float(canon, NAN);
	if (one_of(s, n, t_inf))
		return put_float(canon, INFINITY);
	if (one_of(s, n, t_ninf))
		return put_float(canon, -INFINITY);
	if (n == 0)
		return CK_SOPS_STR;
	if (s[0] == '.') {
		if (ck_sops__parse_float(s, n, &fv) == CK_OK)
			return put_float(canon, fv);
		return CK_SOPS_STR;
	}
	if (!(s[0] == '+' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return CK_SOPS_STR;
	if ((want == W_ANY || want == W_TIME) && n >= 5 && s[4] == '-' &&
	    ck_sops__parse_time(s, n, 0, &tm) == CK_OK) {
		rc = ck_sops__fmt_time(canon, &tm);
		return rc < 0 ? rc : CK_SOPS_TIME;
	}
	if (n >= sizeof(plain))
		return CK_SOPS_STR;
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			plain[pn++] = s[i];
	if (ck_sops__parse_int0(plain, pn, &iv) == CK_OK)
		return put_int(canon, iv);
	if (ck_sops__parse_uint0(plain, pn, &uv) == CK_OK) {
		rc = ck_buf_printf(canon, "%llu", (unsigned long long)uv);
		return rc < 0 ? rc : CK_SOPS_UINT;
	}
	if (yaml_style_float(plain, pn) && ck_sops__parse_float(plain, pn, &fv) == CK_OK)
		return put_float(canon, fv);
	return CK_SOPS_STR;
}

static int tag_is(const char *tag, size_t tl, const char *name)
{
	size_t nl = strlen(name);
	static const char longp[] = "tag:yaml.org,2002:";

	if (tl == nl + 2 && memcmp(tag, "!!", 2) == 0 && memcmp(tag + 2, name, nl) == 0)
		return 1;
	return tl == sizeof(longp) - 1 + nl && memcmp(tag, longp, sizeof(longp) - 1) == 0 &&
	       memcmp(tag + sizeof(longp) - 1, name, nl) == 0;
}

int ck_sops__yaml_resolve(struct ck_buf *canon, const char *s, size_t n, int plain,
                          const char *tag, size_t taglen)
{
	size_t start = ck_buf_len(canon);
	enum want want;
	int t;

	if (tag == NULL || taglen == 0)
		return plain ? resolve(canon, s, n, W_ANY) : CK_SOPS_STR;
	if (tag_is(tag, taglen, "str"))
		return CK_SOPS_STR;
	if (tag_is(tag, taglen, "binary")) {
		/* go-yaml hands sops the decoded bytes as a string */
		int rc = ck_b64_decode(canon, s, n, CK_B64_STD, CK_B64_IGNORE_WS);

		if (rc < 0)
			return ck_err_set(CK_EINVAL, "!!binary value is not valid base64");
		return CK_SOPS_STR | CK_SOPS_RESOLVED_BYTES;
	}
	if (tag_is(tag, taglen, "int"))
		want = W_INT;
	else if (tag_is(tag, taglen, "float"))
		want = W_FLOAT;
	else if (tag_is(tag, taglen, "bool"))
		want = W_BOOL;
	else if (tag_is(tag, taglen, "null"))
		want = W_NULL;
	else if (tag_is(tag, taglen, "timestamp"))
		want = W_TIME;
	else if (tag_is(tag, taglen, "map") || tag_is(tag, taglen, "seq"))
		return ck_err_set(CK_EINVAL, "cannot decode a scalar as %.*s", (int)taglen, tag);
	else
		return CK_SOPS_STR; /* custom tags are dropped; the value is a string */
	t = resolve(canon, s, n, want);
	if (t < 0)
		return t;
	if ((want == W_INT && t == CK_SOPS_INT) || (want == W_INT && t == CK_SOPS_UINT) ||
	    (want == W_FLOAT && t == CK_SOPS_FLOAT) || (want == W_BOOL && t == CK_SOPS_BOOL) ||
	    (want == W_NULL && t == CK_SOPS_NULL) || (want == W_TIME && t == CK_SOPS_TIME))
		return t;
	if (want == W_FLOAT && t == CK_SOPS_INT) {
		/* !!float 1 is the float 1 */
		const char *c = (const char *)ck_buf_data(canon) + start;
		double v = strtod(c, NULL);

		ck_buf_truncate(canon, start);
		return put_float(canon, v);
	}
	ck_buf_truncate(canon, start);
	return ck_err_set(CK_EINVAL, "cannot decode `%.*s` as a %.*s", (int)(n > 40 ? 40 : n), s,
	                  (int)taglen, tag);
}
