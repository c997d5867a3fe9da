/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON writer in the layout of Go's json.MarshalIndent (and json.Marshal
 * when compact), so sops' JSON output and the controller's API bodies come
 * out byte for byte as the Go tools write them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "doc_int.h"

enum ck_doc_type ck_doc__plain_type(const char *s, size_t n);
int ck_doc__is_plain_style(enum ck_doc_style s);

struct jw {
	struct ck_buf *out;
	const char *indent;
	size_t indlen;
	int html;
	int rc;
};

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->rc == CK_OK && n)
		w->rc = ck_buf_put(w->out, s, n);
}

static void putc_(struct jw *w, char c)
{
	if (w->rc == CK_OK)
		w->rc = ck_buf_putc(w->out, c);
}

static void newline(struct jw *w, size_t depth)
{
	size_t i;

	if (w->indlen == 0)
		return;
	putc_(w, '\n');
	for (i = 0; i < depth; i++)
		put(w, w->indent, w->indlen);
}

/* Go's encodeState.string: invalid UTF-8 becomes U+FFFD. */
static void string(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, from = 0, k;

	putc_(w, '"');
	while (i < n && w->rc == CK_OK) {
		unsigned char c = (unsigned char)s[i];
		long cp;

		if (c < 0x80) {
			const char *esc = NULL;
			char u[6];

			if (c >= 0x20 && c != '"' && c != '\\' &&
			    !(w->html && (c == '<' || c == '>' || c == '&'))) {
				i++;
				continue;
			}
			put(w, s + from, i - from);
			switch (c) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			default:
				u[0] = '\\';
				u[1] = 'u';
				u[2] = '0';
				u[3] = '0';
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				put(w, u, 6);
				break;
			}
			if (esc != NULL)
				put(w, esc, strlen(esc));
			from = ++i;
			continue;
		}
		cp = ck_doc__utf8_next((const unsigned char *)s + i, n - i, &k);
		if (cp < 0) {
			put(w, s + from, i - from);
			put(w, "\\ufffd", 6);
			from = ++i;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			put(w, s + from, i - from);
			put(w, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			i += k;
			from = i;
			continue;
		}
		i += k;
	}
	put(w, s + from, n - from);
	putc_(w, '"');
}

/* A JSON number exactly as RFC 8259 spells one. */
static int json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static void scalar(struct jw *w, const struct ck_doc_node *n)
{
	const char *s = n->text ? n->text : "";

	if (n->tag == NULL && ck_doc__is_plain_style(n->style) && json_number(s, n->len)) {
		/* Exactly as read, even where a YAML reader calls it a string (1e400). */
		put(w, s, n->len);
		return;
	}
	switch (ck_doc_scalar_type(n)) {
	case CK_DOC_T_NULL:
		put(w, "null", 4);
		return;
	case CK_DOC_T_BOOL: {
		int b = 0;

		if (ck_doc_scalar_bool(n, &b) < 0) {
			w->rc = CK_EINVAL;
			return;
		}
		put(w, b ? "true" : "false", b ? 4 : 5);
		return;
	}
	case CK_DOC_T_INT:
	case CK_DOC_T_UINT:
	case CK_DOC_T_FLOAT: {
		double f;

		if (json_number(s, n->len)) {
			put(w, s, n->len); /* exactly as read */
			return;
		}
		if (ck_doc_scalar_type(n) == CK_DOC_T_INT) {
			int64_t v;
			char b[32];
			int len;

			if (ck_doc_scalar_int(n, &v) < 0) {
				w->rc = CK_EINVAL;
				return;
			}
			len = snprintf(b, sizeof(b), "%lld", (long long)v);
			put(w, b, (size_t)len);
			return;
		}
		if (ck_doc_scalar_type(n) == CK_DOC_T_UINT) {
			uint64_t v;
			char b[32];
			int len;

			if (ck_doc_scalar_uint(n, &v) < 0) {
				w->rc = CK_EINVAL;
				return;
			}
			len = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
			put(w, b, (size_t)len);
			return;
		}
		if (ck_doc_scalar_float(n, &f) < 0) {
			w->rc = CK_EINVAL;
			return;
		}
		if (isnan(f) || isinf(f)) {
			w->rc = ck_err_set(CK_EINVAL, "doc: line %lu: JSON has no NaN or infinity",
			                   (unsigned long)n->line);
			return;
		}
		if (w->rc == CK_OK)
			w->rc = ck_doc_format_float(w->out, f);
		return;
	}
	default:
		string(w, s, n->len);
		return;
	}
}

static void node(struct jw *w, const struct ck_doc_node *n, size_t depth)
{
	size_t i;

	if (w->rc != CK_OK)
		return;
	if (depth > CK_DOC__MAX_DEPTH * 4) {
		w->rc = ck_err_set(CK_ETOOBIG, "doc: tree nested too deeply to write as JSON");
		return;
	}
	n = ck_doc_resolve(n);
	if (n == NULL) {
		put(w, "null", 4);
		return;
	}
	if (n->kind == CK_DOC_SCALAR) {
		scalar(w, n);
		return;
	}
	if (n->nkids == 0) {
		put(w, n->kind == CK_DOC_MAP ? "{}" : "[]", 2);
		return;
	}
	putc_(w, n->kind == CK_DOC_MAP ? '{' : '[');
	for (i = 0; i < n->nkids && w->rc == CK_OK; i++) {
		if (i)
			putc_(w, ',');
		newline(w, depth + 1);
		if (n->kind == CK_DOC_MAP) {
			const struct ck_doc_node *k = ck_doc_resolve(n->kids[i]);

			if (k == NULL || k->kind != CK_DOC_SCALAR || i + 1 >= n->nkids) {
				w->rc = ck_err_set(CK_EINVAL, "doc: line %lu: JSON object keys must be scalars",
				                   (unsigned long)(k ? k->line : 0));
				return;
			}
			string(w, k->text ? k->text : "", k->len);
			putc_(w, ':');
			if (w->indlen)
				putc_(w, ' ');
			i++;
		}
		node(w, n->kids[i], depth + 1);
	}
	newline(w, depth);
	putc_(w, n->kind == CK_DOC_MAP ? '}' : ']');
}

int ck_doc_write_json(struct ck_buf *out, const struct ck_doc_node *n,
                      const struct ck_doc_json_opts *opts)
{
	static const struct ck_doc_json_opts def = CK_DOC_JSON_OPTS_INIT;
	struct jw w;
	size_t before = ck_buf_len(out);

	if (opts == NULL)
		opts = &def;
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.indent = opts->indent ? opts->indent : "";
	w.indlen = strlen(w.indent);
	w.html = opts->escape_html;
	node(&w, n, 0);
	if (opts->trailing_newline)
		putc_(&w, '\n');
	if (w.rc == CK_EINVAL && ck_err_last()->code != CK_EINVAL)
		w.rc = ck_err_set(CK_EINVAL, "doc: scalar cannot be written as JSON");
	if (w.rc != CK_OK)
		ck_doc__truncate(out, before);
	return w.rc;
}
