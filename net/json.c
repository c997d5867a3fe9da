/* SPDX-License-Identifier: Apache-2.0 */
/* JSON writing and typed reads for the net clients (see json_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

int ck_net__json_str(struct ck_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;
	int rc;

	if ((rc = ck_buf_putc(out, '"')) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t el = 0;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			el = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			el = 2;
		} else if (c == '\r') {
			memcpy(esc, "\\r", 2);
			el = 2;
		} else if (c == '\t') {
			memcpy(esc, "\\t", 2);
			el = 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		if (el) {
			if ((rc = ck_buf_put(out, s + start, i - start)) < 0 ||
			    (rc = ck_buf_put(out, esc, el)) < 0)
				return rc;
			start = i + 1;
		}
	}
	if ((rc = ck_buf_put(out, s + start, n - start)) < 0)
		return rc;
	return ck_buf_putc(out, '"');
}

int ck_net__json_cstr(struct ck_buf *out, const char *s)
{
	return ck_net__json_str(out, s, strlen(s));
}

int ck_net__is_str(const struct ck_doc_node *n)
{
	n = n ? ck_doc_resolve(n) : NULL;
	return n != NULL && n->kind == CK_DOC_SCALAR && n->style == CK_DOC_DQUOTED;
}

int ck_net__is_null(const struct ck_doc_node *n)
{
	n = n ? ck_doc_resolve(n) : NULL;
	return n == NULL || (n->kind == CK_DOC_SCALAR && n->style != CK_DOC_DQUOTED &&
	                     ck_doc_scalar_type(n) == CK_DOC_T_NULL);
}

const char *ck_net__get_str(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = map ? ck_doc_map_get(map, key) : NULL;

	return ck_net__is_str(n) ? ck_doc_resolve(n)->text : NULL;
}

static const struct ck_doc_node *plain(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = map ? ck_doc_map_get(map, key) : NULL;

	n = n ? ck_doc_resolve(n) : NULL;
	if (n == NULL || n->kind != CK_DOC_SCALAR || n->style == CK_DOC_DQUOTED)
		return NULL;
	return n;
}

int ck_net__get_int(const struct ck_doc_node *map, const char *key, int64_t *out)
{
	const struct ck_doc_node *n = plain(map, key);

	if (n == NULL || ck_doc_scalar_type(n) != CK_DOC_T_INT)
		return CK_EINVAL;
	return ck_doc_scalar_int(n, out);
}

int ck_net__get_num(const struct ck_doc_node *map, const char *key, double *out)
{
	const struct ck_doc_node *n = plain(map, key);
	enum ck_doc_type t;
	int64_t i;
	int rc;

	if (n == NULL)
		return CK_EINVAL;
	t = ck_doc_scalar_type(n);
	if (t == CK_DOC_T_FLOAT)
		return ck_doc_scalar_float(n, out);
	if (t != CK_DOC_T_INT)
		return CK_EINVAL;
	if ((rc = ck_doc_scalar_int(n, &i)) < 0)
		return rc;
	*out = (double)i;
	return CK_OK;
}

int ck_net__get_bool(const struct ck_doc_node *map, const char *key, int *out)
{
	const struct ck_doc_node *n = plain(map, key);

	if (n == NULL || ck_doc_scalar_type(n) != CK_DOC_T_BOOL)
		return CK_EINVAL;
	return ck_doc_scalar_bool(n, out);
}

const struct ck_doc_node *ck_net__get_map(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = map ? ck_doc_map_get(map, key) : NULL;

	n = n ? ck_doc_resolve(n) : NULL;
	return n != NULL && n->kind == CK_DOC_MAP ? n : NULL;
}

const struct ck_doc_node *ck_net__get_seq(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = map ? ck_doc_map_get(map, key) : NULL;

	n = n ? ck_doc_resolve(n) : NULL;
	return n != NULL && n->kind == CK_DOC_SEQ ? n : NULL;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int ck_net__parse_rfc3339(time_t *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return ck_err_set(CK_EINVAL, "net: malformed RFC 3339 time");
	p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
			return ck_err_set(CK_EINVAL, "net: malformed RFC 3339 offset");
		p += 6;
	} else {
		return ck_err_set(CK_EINVAL, "net: RFC 3339 time without a zone");
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return ck_err_set(CK_EINVAL, "net: malformed RFC 3339 time");
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return CK_OK;
}

void ck_net__oneline(char *out, size_t cap, const char *s, size_t n)
{
	size_t k = 0;
	int space = 1;

	if (cap == 0)
		return;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			if (!space)
				out[k++] = ' ';
			space = 1;
			continue;
		}
		out[k++] = (char)c;
		space = c == ' ';
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}
