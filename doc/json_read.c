/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON reader (RFC 8259, strict). It is our own rather than jansson's
 * json_loadb for four reasons: numbers must keep their exact text (jansson
 * turns them into int64/double and rejects integers beyond int64), every node
 * needs its line and column (jansson reports positions only for errors),
 * decrypted JSON must land only in the secure arena (jansson mallocs every
 * value and string on the plain heap), and there must be no allocation per
 * node. The fuzz target checks this reader against jansson.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "doc_int.h"

struct jr {
	const unsigned char *s;
	size_t n, i;
	uint32_t line;
	size_t line_start;
	size_t col_i;     /* incremental column: byte index and column reached */
	uint32_t col;
	struct ck_doc *d;
	unsigned flags;
	size_t nodes;
	unsigned depth;
	struct ck_doc_node **stk;
	size_t nstk, capstk;
};

static uint32_t column_at(struct jr *r, size_t i)
{
	if (r->col_i < r->line_start || r->col_i > i) {
		r->col_i = r->line_start;
		r->col = 1;
	}
	for (; r->col_i < i; r->col_i++)
		if ((r->s[r->col_i] & 0xc0) != 0x80)
			r->col++;
	return r->col;
}

static int jerr(struct jr *r, int code, size_t at, const char *fmt, ...) CK_PRINTF(4, 5);

static int jerr(struct jr *r, int code, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ck_err_set(code, "doc: line %lu, column %lu: %s", (unsigned long)r->line,
	                  (unsigned long)column_at(r, at), msg);
}

static const char *what(struct jr *r)
{
	if (r->i >= r->n)
		return "end of input";
	return "unexpected character";
}

static void skip_ws(struct jr *r)
{
	while (r->i < r->n) {
		unsigned char c = r->s[r->i];

		if (c == '\n') {
			r->line++;
			r->line_start = ++r->i;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			r->i++;
		} else {
			break;
		}
	}
}

static int new_node(struct jr *r, enum ck_doc_kind kind, size_t at, struct ck_doc_node **out)
{
	struct ck_doc_node *n = NULL;

	if (++r->nodes > CK_DOC__MAX_NODES)
		return jerr(r, CK_ETOOBIG, at, "more than %zu nodes", CK_DOC__MAX_NODES);
	if ((n = ck_doc__node(r->d, kind)) == NULL)
		return CK_ENOMEM;
	n->line = r->line;
	n->col = column_at(r, at);
	*out = n;
	return CK_OK;
}

static int push(struct jr *r, struct ck_doc_node *n)
{
	if (r->nstk == r->capstk) {
		size_t cap = r->capstk ? r->capstk * 2 : 64;
		struct ck_doc_node **s = ck_calloc(cap, sizeof(*s));

		if (s == NULL)
			return ck_err_set(CK_ENOMEM, "doc: out of memory");
		if (r->nstk)
			memcpy(s, r->stk, r->nstk * sizeof(*s));
		ck_free(r->stk);
		r->stk = s;
		r->capstk = cap;
	}
	r->stk[r->nstk++] = n;
	return CK_OK;
}

static int hex4(const unsigned char *p, unsigned long *out)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return 0;
		v = v * 16 + (unsigned long)d;
	}
	*out = v;
	return 1;
}

static size_t put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A string at r->i (the opening quote): decoded into the arena. */
static int parse_string(struct jr *r, struct ck_doc_node **out)
{
	size_t start = r->i, j, raw, o = 0;
	struct ck_doc_node *n = NULL;
	char *t;
	int rc;

	/* Find the closing quote first to size the arena copy; escapes only shrink text. */
	for (j = start + 1; j < r->n && r->s[j] != '"'; j++) {
		if (r->s[j] == '\\')
			j++;
	}
	if (j >= r->n)
		return jerr(r, CK_EINVAL, start, "unterminated string");
	raw = j - start - 1;
	if ((rc = new_node(r, CK_DOC_SCALAR, start, &n)) < 0)
		return rc;
	n->style = CK_DOC_DQUOTED;
	if ((t = ck_doc__alloc(r->d->arena, raw + 1)) == NULL)
		return ck_err_set(CK_ENOMEM, "doc: out of memory");
	for (r->i = start + 1; r->i < j;) {
		unsigned char c = r->s[r->i];

		if (c < 0x20)
			return jerr(r, CK_EINVAL, r->i, "control character in string");
		if (c >= 0x80) {
			size_t k;

			if (ck_doc__utf8_next(r->s + r->i, j - r->i, &k) < 0)
				return jerr(r, CK_EINVAL, r->i, "invalid UTF-8 in string");
			memcpy(t + o, r->s + r->i, k);
			o += k;
			r->i += k;
			continue;
		}
		if (c != '\\') {
			t[o++] = (char)c;
			r->i++;
			continue;
		}
		c = r->s[r->i + 1];
		switch (c) {
		case '"': case '\\': case '/': t[o++] = (char)c; break;
		case 'b': t[o++] = '\b'; break;
		case 'f': t[o++] = '\f'; break;
		case 'n': t[o++] = '\n'; break;
		case 'r': t[o++] = '\r'; break;
		case 't': t[o++] = '\t'; break;
		case 'u': {
			unsigned long u, lo;

			if (r->i + 6 > j || !hex4(r->s + r->i + 2, &u))
				return jerr(r, CK_EINVAL, r->i, "invalid \\u escape");
			if (u >= 0xdc00 && u <= 0xdfff)
				return jerr(r, CK_EINVAL, r->i, "lone low surrogate \\u%04lX", u);
			if (u >= 0xd800 && u <= 0xdbff) {
				if (r->i + 12 > j || r->s[r->i + 6] != '\\' || r->s[r->i + 7] != 'u' ||
				    !hex4(r->s + r->i + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return jerr(r, CK_EINVAL, r->i, "high surrogate \\u%04lX without its pair",
					            u);
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				r->i += 6;
			}
			o += put_utf8(t + o, u);
			r->i += 4;
			break;
		}
		default:
			return jerr(r, CK_EINVAL, r->i, "invalid escape in string");
		}
		r->i += 2;
	}
	t[o] = '\0';
	n->text = t;
	n->len = o;
	r->i = j + 1;
	*out = n;
	return CK_OK;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct jr *r, struct ck_doc_node **out)
{
	size_t start = r->i, i = r->i;
	struct ck_doc_node *n = NULL;
	int rc;

	if (i < r->n && r->s[i] == '-')
		i++;
	if (i < r->n && r->s[i] == '0') {
		i++;
	} else if (i < r->n && r->s[i] >= '1' && r->s[i] <= '9') {
		while (i < r->n && is_digit(r->s[i]))
			i++;
	} else {
		return jerr(r, CK_EINVAL, i, "invalid number");
	}
	if (i < r->n && r->s[i] == '.') {
		i++;
		if (i >= r->n || !is_digit(r->s[i]))
			return jerr(r, CK_EINVAL, i, "invalid number: digits expected after '.'");
		while (i < r->n && is_digit(r->s[i]))
			i++;
	}
	if (i < r->n && (r->s[i] == 'e' || r->s[i] == 'E')) {
		i++;
		if (i < r->n && (r->s[i] == '+' || r->s[i] == '-'))
			i++;
		if (i >= r->n || !is_digit(r->s[i]))
			return jerr(r, CK_EINVAL, i, "invalid number: exponent digits expected");
		while (i < r->n && is_digit(r->s[i]))
			i++;
	}
	if ((rc = new_node(r, CK_DOC_SCALAR, start, &n)) < 0)
		return rc;
	n->style = CK_DOC_PLAIN;
	if ((n->text = ck_doc_strdup(r->d, (const char *)r->s + start, i - start)) == NULL)
		return CK_ENOMEM;
	n->len = i - start;
	r->i = i;
	*out = n;
	return CK_OK;
}

static int parse_word(struct jr *r, const char *w, struct ck_doc_node **out)
{
	size_t len = strlen(w);
	struct ck_doc_node *n = NULL;
	int rc;

	if (r->n - r->i < len || memcmp(r->s + r->i, w, len) != 0)
		return jerr(r, CK_EINVAL, r->i, "invalid literal (expected %s)", w);
	if ((rc = new_node(r, CK_DOC_SCALAR, r->i, &n)) < 0)
		return rc;
	n->style = CK_DOC_PLAIN;
	if ((n->text = ck_doc_strdup(r->d, w, len)) == NULL)
		return CK_ENOMEM;
	n->len = len;
	r->i += len;
	*out = n;
	return CK_OK;
}

static int parse_value(struct jr *r, struct ck_doc_node **out);

static int finish(struct jr *r, struct ck_doc_node *n, size_t base)
{
	size_t nk = r->nstk - base;

	if (nk) {
		if (nk > SIZE_MAX / sizeof(*n->kids) ||
		    (n->kids = ck_doc__alloc(r->d->arena, nk * sizeof(*n->kids))) == NULL)
			return ck_err_set(CK_ENOMEM, "doc: out of memory");
		memcpy(n->kids, r->stk + base, nk * sizeof(*n->kids));
		n->nkids = n->capkids = nk;
	}
	r->nstk = base;
	return CK_OK;
}

static int parse_container(struct jr *r, struct ck_doc_node **out)
{
	int is_obj = r->s[r->i] == '{', rc;
	char close = is_obj ? '}' : ']';
	size_t base = r->nstk;
	struct ck_doc_node *n = NULL, *k = NULL, *v = NULL;

	if (++r->depth > CK_DOC__MAX_DEPTH)
		return jerr(r, CK_ETOOBIG, r->i, "nesting deeper than %d levels", CK_DOC__MAX_DEPTH);
	if ((rc = new_node(r, is_obj ? CK_DOC_MAP : CK_DOC_SEQ, r->i, &n)) < 0)
		return rc;
	r->i++;
	skip_ws(r);
	if (r->i < r->n && r->s[r->i] == close) {
		r->i++;
		goto done;
	}
	for (;;) {
		skip_ws(r);
		if (is_obj) {
			if (r->i >= r->n || r->s[r->i] != '"')
				return jerr(r, CK_EINVAL, r->i, "%s: expected a string key", what(r));
			if ((rc = parse_string(r, &k)) < 0 || (rc = push(r, k)) < 0)
				return rc;
			skip_ws(r);
			if (r->i >= r->n || r->s[r->i] != ':')
				return jerr(r, CK_EINVAL, r->i, "%s: expected ':'", what(r));
			r->i++;
			skip_ws(r);
		}
		if ((rc = parse_value(r, &v)) < 0 || (rc = push(r, v)) < 0)
			return rc;
		skip_ws(r);
		if (r->i < r->n && r->s[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->s[r->i] == close) {
			r->i++;
			break;
		}
		return jerr(r, CK_EINVAL, r->i, "%s: expected ',' or '%c'", what(r), close);
	}
done:
	if ((rc = finish(r, n, base)) < 0)
		return rc;
	if (is_obj && (r->flags & CK_DOC_NO_DUP_KEYS)) {
		size_t first, dup;

		if ((rc = ck_doc__find_dup_key(n, &first, &dup)) < 0)
			return rc;
		if (rc == 1) {
			const struct ck_doc_node *key = n->kids[2 * dup];
			char shown[64];

			ck_doc__msg_str(shown, sizeof(shown), key->text, key->len);
			return ck_err_set(CK_EINVAL,
			                  "doc: line %lu, column %lu: duplicate key \"%s\" (first at line %lu)",
			                  (unsigned long)key->line, (unsigned long)key->col, shown,
			                  (unsigned long)n->kids[2 * first]->line);
		}
	}
	r->depth--;
	*out = n;
	return CK_OK;
}

static int parse_value(struct jr *r, struct ck_doc_node **out)
{
	if (r->i >= r->n)
		return jerr(r, CK_EINVAL, r->i, "end of input: expected a value");
	switch (r->s[r->i]) {
	case '{':
	case '[': return parse_container(r, out);
	case '"': return parse_string(r, out);
	case 't': return parse_word(r, "true", out);
	case 'f': return parse_word(r, "false", out);
	case 'n': return parse_word(r, "null", out);
	default:
		if (r->s[r->i] == '-' || is_digit(r->s[r->i]))
			return parse_number(r, out);
		return jerr(r, CK_EINVAL, r->i, "unexpected character: expected a value");
	}
}

int ck_doc_parse_json(struct ck_doc **out, const char *text, size_t n, unsigned flags)
{
	struct jr r;
	struct ck_doc_node *root = NULL;
	int rc = CK_EINTERNAL;

	memset(&r, 0, sizeof(r));
	*out = NULL;
	if (n > 0 && text == NULL)
		return ck_err_set(CK_EINVAL, "doc: no input");
	r.s = (const unsigned char *)(text ? text : "");
	r.n = n;
	r.line = 1;
	r.flags = flags;
	r.col = 1;
	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.i = r.line_start = r.col_i = 3; /* tolerate a UTF-8 BOM */
	if ((r.d = ck_doc_new(flags & CK_DOC_SECURE)) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	r.d->flags = flags;
	skip_ws(&r);
	if ((rc = parse_value(&r, &root)) < 0)
		goto out;
	skip_ws(&r);
	if (r.i != r.n) {
		rc = jerr(&r, CK_EINVAL, r.i, "unexpected content after the JSON value");
		goto out;
	}
	if ((rc = ck_doc__add_root(r.d, root, 0)) < 0)
		goto out;
	*out = r.d;
	r.d = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_free(r.stk);
	ck_doc_free(r.d);
	return rc;
}

int ck_doc_parse(struct ck_doc **out, const char *text, size_t n, unsigned flags)
{
	size_t i = 0;
	int rc;

	if (n >= 3 && text != NULL && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i < n && (text[i] == '{' || text[i] == '[')) {
		struct ck_err saved;

		if ((rc = ck_doc_parse_json(out, text, n, flags)) != CK_EINVAL)
			return rc;
		/* Flow-style YAML also starts with a bracket: give YAML a chance, but
		 * report the JSON error if both fail. */
		saved = *ck_err_last();
		if (ck_doc_parse_yaml(out, text, n, flags) == CK_OK)
			return CK_OK;
		return ck_err_set(saved.code, "%s", saved.msg);
	}
	return ck_doc_parse_yaml(out, text, n, flags);
}
