/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.template.data: a documented subset of Go text/template with a few
 * Sprig functions, rendered over the decrypted values (a map of strings).
 *
 * Supported: text; actions {{ pipeline }} with trim markers {{- -}};
 * comments (a slash-star comment inside the braces); operands `.key`, `.` (only as an argument of index or
 * len), "strings" (Go escapes \n \t \r \\ \" \xNN), `raw strings`, integers;
 * pipelines `a | f b`; parentheses; functions index (on `.`), len, print,
 * printf is not supported; Sprig upper, lower, trim, trimPrefix, trimSuffix,
 * replace, nospace, b64enc, b64dec, quote, squote, default, cat, toString,
 * sha256sum. Control structures (if, range, with, define, template, block),
 * variables and comparison functions are rejected with a clear error, never
 * rendered wrongly. A missing `.key` prints "<no value>" as in Go; a missing
 * `index . "key"` is "".
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "seal_int.h"

enum vkind { V_STR, V_INT, V_NOVALUE, V_ROOT };

struct val {
	enum vkind kind;
	struct ck_buf s; /* V_STR (secure) */
	int64_t i;       /* V_INT */
};

struct tctx {
	const char *name;
	const char *const *keys;
	const struct ck_buf *const *vals;
	size_t nvals;
	const char *p, *end; /* current action text */
	int depth;
};

#define MAX_ARGS 8
#define MAX_DEPTH 32

static void val_init(struct val *v)
{
	v->kind = V_STR;
	ck_buf_init_secure(&v->s, 0);
	v->i = 0;
}

static void val_dispose(struct val *v)
{
	ck_buf_dispose(&v->s);
	v->kind = V_STR;
}

static int terr(const struct tctx *t, const char *what, const char *detail)
{
	return ck_err_set(CK_EINVAL, "template: %s: %s%s%s", t->name, what, detail ? " " : "",
	                  detail ? detail : "");
}

static void skip_ws(struct tctx *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\r' || *t->p == '\n'))
		t->p++;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static const struct ck_buf *lookup(const struct tctx *t, const char *k, size_t kl)
{
	size_t i;

	for (i = 0; i < t->nvals; i++)
		if (strlen(t->keys[i]) == kl && memcmp(t->keys[i], k, kl) == 0)
			return t->vals[i];
	return NULL;
}

/* A value as text: strings as-is, integers in decimal (fmt.Sprint). */
static int val_text(struct ck_buf *out, const struct tctx *t, const struct val *v)
{
	switch (v->kind) {
	case V_STR:
		return ck_buf_putb(out, &v->s);
	case V_INT:
		return ck_buf_printf(out, "%lld", (long long)v->i);
	case V_NOVALUE:
		return ck_buf_puts(out, "<no value>");
	case V_ROOT:
		break;
	}
	return terr(t, "printing the whole map is not supported", NULL);
}

static int set_str(struct val *v, const void *p, size_t n)
{
	v->kind = V_STR;
	ck_buf_reset(&v->s);
	return ck_buf_put(&v->s, p, n);
}

/* Go string literal (interpreted): the common escapes. */
static int lex_string(struct tctx *t, struct val *v)
{
	char c;
	int rc;

	t->p++;
	while (t->p < t->end && *t->p != '"') {
		c = *t->p++;
		if (c == '\n')
			return terr(t, "unterminated quoted string", NULL);
		if (c == '\\') {
			if (t->p >= t->end)
				break;
			c = *t->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'v': c = '\v'; break;
			case '\\': case '"': case '\'': break;
			case 'x': {
				int hi, lo;

				if (t->end - t->p < 2 || !isxdigit((unsigned char)t->p[0]) ||
				    !isxdigit((unsigned char)t->p[1]))
					return terr(t, "bad \\x escape in string", NULL);
				hi = isdigit((unsigned char)t->p[0]) ? t->p[0] - '0'
				                                     : (tolower((unsigned char)t->p[0]) - 'a' + 10);
				lo = isdigit((unsigned char)t->p[1]) ? t->p[1] - '0'
				                                     : (tolower((unsigned char)t->p[1]) - 'a' + 10);
				c = (char)(hi << 4 | lo);
				t->p += 2;
				break;
			}
			default:
				return terr(t, "unsupported escape in string", NULL);
			}
		}
		if ((rc = ck_buf_putc(&v->s, c)) < 0)
			return rc;
	}
	if (t->p >= t->end)
		return terr(t, "unterminated quoted string", NULL);
	t->p++;
	v->kind = V_STR;
	return CK_OK;
}

static int eval_pipeline(struct tctx *t, struct val *out, int in_parens);

/* One operand: .field, ., string, raw string, integer, ( pipeline ). */
static int eval_operand(struct tctx *t, struct val *v, int *is_func, const char **fname,
                        size_t *flen)
{
	const char *s;
	const struct ck_buf *b;
	int rc;

	*is_func = 0;
	skip_ws(t);
	if (t->p >= t->end)
		return terr(t, "missing value", NULL);
	s = t->p;
	if (*s == '.') {
		t->p++;
		if (t->p >= t->end || !is_ident((unsigned char)*t->p)) {
			v->kind = V_ROOT;
			return CK_OK;
		}
		s = t->p;
		while (t->p < t->end && is_ident((unsigned char)*t->p))
			t->p++;
		if (t->p < t->end && *t->p == '.')
			return terr(t, "can't evaluate a field of a string value", NULL);
		b = lookup(t, s, (size_t)(t->p - s));
		if (b == NULL) {
			v->kind = V_NOVALUE;
			return CK_OK;
		}
		return set_str(v, ck_buf_data(b), ck_buf_len(b));
	}
	if (*s == '"')
		return lex_string(t, v);
	if (*s == '`') {
		const char *e = memchr(s + 1, '`', (size_t)(t->end - s - 1));

		if (e == NULL)
			return terr(t, "unterminated raw quoted string", NULL);
		t->p = e + 1;
		return set_str(v, s + 1, (size_t)(e - s - 1));
	}
	if (isdigit((unsigned char)*s) || (*s == '-' && t->p + 1 < t->end &&
	                                   isdigit((unsigned char)s[1]))) {
		int neg = *s == '-';
		int64_t n = 0;

		t->p += neg;
		while (t->p < t->end && isdigit((unsigned char)*t->p)) {
			if (n > (INT64_MAX - 9) / 10)
				return terr(t, "integer out of range", NULL);
			n = n * 10 + (*t->p++ - '0');
		}
		if (t->p < t->end && is_ident((unsigned char)*t->p))
			return terr(t, "unsupported number syntax", NULL);
		v->kind = V_INT;
		v->i = neg ? -n : n;
		return CK_OK;
	}
	if (*s == '(') {
		t->p++;
		if (++t->depth > MAX_DEPTH)
			return terr(t, "nesting too deep", NULL);
		rc = eval_pipeline(t, v, 1);
		t->depth--;
		if (rc < 0)
			return rc;
		skip_ws(t);
		if (t->p >= t->end || *t->p != ')')
			return terr(t, "unclosed left paren", NULL);
		t->p++;
		return CK_OK;
	}
	if (*s == '$')
		return terr(t, "variables are not supported", NULL);
	if (isalpha((unsigned char)*s) || *s == '_') {
		while (t->p < t->end && is_ident((unsigned char)*t->p))
			t->p++;
		*is_func = 1;
		*fname = s;
		*flen = (size_t)(t->p - s);
		return CK_OK;
	}
	return terr(t, "unexpected character in action", NULL);
}

static int need_str(const struct tctx *t, const char *fn, struct val *v)
{
	/* Sprig's functions take interface{} and stringify; so do we. */
	struct ck_buf tmp = CK_BUF_INIT;
	int rc;

	if (v->kind == V_STR)
		return CK_OK;
	if (v->kind == V_NOVALUE) {
		v->kind = V_STR;
		ck_buf_reset(&v->s);
		return CK_OK;
	}
	ck_buf_init_secure(&tmp, 0);
	if ((rc = val_text(&tmp, t, v)) < 0) {
		ck_buf_dispose(&tmp);
		return terr(t, "wrong argument type for", fn);
	}
	rc = set_str(v, ck_buf_data(&tmp), ck_buf_len(&tmp));
	ck_buf_dispose(&tmp);
	return rc;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* strconv.Quote for the bytes of s (printable UTF-8 kept, the rest escaped). */
static int go_quote(struct ck_buf *out, const struct ck_buf *s)
{
	const unsigned char *p = ck_buf_data(s);
	size_t n = ck_buf_len(s), i, l;
	int rc = ck_buf_putc(out, '"');

	for (i = 0; rc == CK_OK && i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\')
			rc = ck_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			rc = ck_buf_puts(out, "\\n");
		else if (c == '\t')
			rc = ck_buf_puts(out, "\\t");
		else if (c == '\r')
			rc = ck_buf_puts(out, "\\r");
		else if (c == '\a')
			rc = ck_buf_puts(out, "\\a");
		else if (c == '\b')
			rc = ck_buf_puts(out, "\\b");
		else if (c == '\f')
			rc = ck_buf_puts(out, "\\f");
		else if (c == '\v')
			rc = ck_buf_puts(out, "\\v");
		else if (c < 0x20 || c == 0x7f)
			rc = ck_buf_printf(out, "\\x%02x", c);
		else if (c < 0x80)
			rc = ck_buf_putc(out, c);
		else {
			/* Keep a well-formed multi-byte sequence, escape a stray byte. */
			l = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
			if (l > 0 && i + l <= n) {
				size_t j;

				for (j = 1; j < l && (p[i + j] & 0xc0) == 0x80; j++)
					;
				if (j == l) {
					rc = ck_buf_put(out, p + i, l);
					i += l - 1;
					continue;
				}
			}
			rc = ck_buf_printf(out, "\\x%02x", c);
		}
	}
	return rc == CK_OK ? ck_buf_putc(out, '"') : rc;
}

/* Apply function `f` to args[0..n). The result goes to out. */
static int call(struct tctx *t, const char *f, struct val *args, size_t n, struct val *out)
{
	struct ck_buf r = CK_BUF_INIT;
	size_t i;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&r, 0);
#define ARGS(k)                                                                                   \
	do {                                                                                      \
		if (n != (k)) {                                                                   \
			rc = terr(t, "wrong number of arguments for", f);                          \
			goto out;                                                                 \
		}                                                                                 \
		for (i = 0; i < n; i++)                                                           \
			if (args[i].kind != V_ROOT && (rc = need_str(t, f, &args[i])) < 0)        \
				goto out;                                                         \
	} while (0)
	if (strcmp(f, "index") == 0) {
		const struct ck_buf *b;

		if (n != 2 || args[0].kind != V_ROOT) {
			rc = terr(t, "index is supported only as index . \"key\"", NULL);
			goto out;
		}
		if ((rc = need_str(t, f, &args[1])) < 0)
			goto out;
		b = lookup(t, ck_buf_cstr(&args[1].s), ck_buf_len(&args[1].s));
		rc = b ? set_str(out, ck_buf_data(b), ck_buf_len(b)) : set_str(out, "", 0);
		goto out;
	}
	if (strcmp(f, "len") == 0) {
		if (n != 1) {
			rc = terr(t, "wrong number of arguments for", f);
			goto out;
		}
		out->kind = V_INT;
		if (args[0].kind == V_ROOT)
			out->i = (int64_t)t->nvals;
		else if (args[0].kind == V_STR)
			out->i = (int64_t)ck_buf_len(&args[0].s);
		else {
			rc = terr(t, "len of a non-string value", NULL);
			goto out;
		}
		rc = CK_OK;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (args[i].kind == V_ROOT) {
			rc = terr(t, "the whole map can only be passed to index or len, not", f);
			goto out;
		}
	}
	if (strcmp(f, "print") == 0 || strcmp(f, "toString") == 0 || strcmp(f, "cat") == 0) {
		int cat = strcmp(f, "cat") == 0;

		if (strcmp(f, "toString") == 0 && n != 1) {
			rc = terr(t, "wrong number of arguments for", f);
			goto out;
		}
		for (i = 0; i < n; i++) {
			/* fmt.Sprint puts spaces only between two non-strings; cat always. */
			if (i > 0 && (cat || (args[i - 1].kind != V_STR && args[i].kind != V_STR)) &&
			    (rc = ck_buf_putc(&r, ' ')) < 0)
				goto out;
			if ((rc = val_text(&r, t, &args[i])) < 0)
				goto out;
		}
	} else if (strcmp(f, "upper") == 0 || strcmp(f, "lower") == 0) {
		uint8_t *m;

		ARGS(1);
		if ((rc = ck_buf_putb(&r, &args[0].s)) < 0)
			goto out;
		m = ck_buf_mutable(&r);
		for (i = 0; i < ck_buf_len(&r); i++)
			m[i] = (uint8_t)(f[0] == 'u' ? toupper(m[i]) : tolower(m[i]));
	} else if (strcmp(f, "trim") == 0) {
		const uint8_t *p;
		size_t a = 0, z;

		ARGS(1);
		p = ck_buf_data(&args[0].s);
		z = ck_buf_len(&args[0].s);
		while (a < z && is_space(p[a]))
			a++;
		while (z > a && is_space(p[z - 1]))
			z--;
		rc = ck_buf_put(&r, p + a, z - a);
	} else if (strcmp(f, "nospace") == 0) {
		const uint8_t *p;

		ARGS(1);
		p = ck_buf_data(&args[0].s);
		for (i = 0; i < ck_buf_len(&args[0].s); i++)
			if (!is_space(p[i]) && (rc = ck_buf_putc(&r, p[i])) < 0)
				goto out;
	} else if (strcmp(f, "trimPrefix") == 0 || strcmp(f, "trimSuffix") == 0) {
		size_t al, sl;
		const uint8_t *a, *s;

		ARGS(2);
		a = ck_buf_data(&args[0].s);
		al = ck_buf_len(&args[0].s);
		s = ck_buf_data(&args[1].s);
		sl = ck_buf_len(&args[1].s);
		if (al <= sl && f[4] == 'P' && memcmp(s, a, al) == 0)
			s += al, sl -= al;
		else if (al <= sl && f[4] == 'S' && memcmp(s + sl - al, a, al) == 0)
			sl -= al;
		rc = ck_buf_put(&r, s, sl);
	} else if (strcmp(f, "replace") == 0) {
		const uint8_t *old, *s;
		size_t ol, sl, j = 0;

		ARGS(3);
		old = ck_buf_data(&args[0].s);
		ol = ck_buf_len(&args[0].s);
		s = ck_buf_data(&args[2].s);
		sl = ck_buf_len(&args[2].s);
		if (ol == 0) {
			/* strings.Replace with an empty old inserts before every byte-run;
			 * rare enough to refuse rather than approximate. */
			rc = terr(t, "replace with an empty search string is not supported", NULL);
			goto out;
		}
		while (j < sl) {
			if (j + ol <= sl && memcmp(s + j, old, ol) == 0) {
				if ((rc = ck_buf_putb(&r, &args[1].s)) < 0)
					goto out;
				j += ol;
			} else if ((rc = ck_buf_putc(&r, s[j++])) < 0) {
				goto out;
			}
		}
	} else if (strcmp(f, "b64enc") == 0) {
		ARGS(1);
		rc = ck_b64_encode(&r, ck_buf_data(&args[0].s), ck_buf_len(&args[0].s), CK_B64_STD);
	} else if (strcmp(f, "b64dec") == 0) {
		ARGS(1);
		if (ck_b64_decode(&r, ck_buf_cstr(&args[0].s), ck_buf_len(&args[0].s), CK_B64_STD, 0) <
		    0) {
			/* Sprig returns the error text as the value. */
			ck_buf_reset(&r);
			ck_err_clear();
			rc = ck_buf_puts(&r, "illegal base64 data");
		} else {
			rc = CK_OK;
		}
	} else if (strcmp(f, "quote") == 0 || strcmp(f, "squote") == 0) {
		for (i = 0; i < n; i++) {
			if (args[i].kind == V_NOVALUE)
				continue; /* Sprig skips nil */
			if ((rc = need_str(t, f, &args[i])) < 0)
				goto out;
			if (ck_buf_len(&r) && (rc = ck_buf_putc(&r, ' ')) < 0)
				goto out;
			if (f[0] == 'q')
				rc = go_quote(&r, &args[i].s);
			else if ((rc = ck_buf_putc(&r, '\'')) == CK_OK &&
			         (rc = ck_buf_putb(&r, &args[i].s)) == CK_OK)
				rc = ck_buf_putc(&r, '\'');
			if (rc < 0)
				goto out;
		}
	} else if (strcmp(f, "default") == 0) {
		if (n != 2) {
			rc = terr(t, "wrong number of arguments for", f);
			goto out;
		}
		i = args[1].kind == V_NOVALUE || (args[1].kind == V_STR && ck_buf_len(&args[1].s) == 0) ||
		            (args[1].kind == V_INT && args[1].i == 0)
		        ? 0
		        : 1;
		rc = val_text(&r, t, &args[i]);
	} else if (strcmp(f, "sha256sum") == 0) {
		uint8_t h[CK_SHA256_LEN];

		ARGS(1);
		ck_sha256(h, ck_buf_data(&args[0].s), ck_buf_len(&args[0].s));
		rc = ck_hex_encode(&r, h, sizeof(h));
	} else if (strcmp(f, "if") == 0 || strcmp(f, "range") == 0 || strcmp(f, "with") == 0 ||
	           strcmp(f, "else") == 0 || strcmp(f, "end") == 0 || strcmp(f, "define") == 0 ||
	           strcmp(f, "template") == 0 || strcmp(f, "block") == 0 ||
	           strcmp(f, "break") == 0 || strcmp(f, "continue") == 0) {
		rc = terr(t, "control structures are not supported:", f);
		goto out;
	} else {
		rc = ck_err_set(CK_EINVAL, "template: %s: function \"%s\" not defined or not supported",
		                t->name, f);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = set_str(out, ck_buf_data(&r), ck_buf_len(&r));
out:
#undef ARGS
	ck_buf_dispose(&r);
	return rc;
}

/* command: operand... ; with `piped` (if any) appended as the last argument. */
static int eval_command(struct tctx *t, struct val *out, struct val *piped)
{
	struct val args[MAX_ARGS + 1];
	char fname[32];
	const char *fn = NULL;
	size_t flen = 0, n = 0, i;
	int is_func = 0, rc = CK_EINTERNAL, f;

	for (i = 0; i <= MAX_ARGS; i++)
		val_init(&args[i]);
	fname[0] = 0;
	for (;;) {
		skip_ws(t);
		if (t->p >= t->end || *t->p == '|' || *t->p == ')')
			break;
		if (n == MAX_ARGS) {
			rc = terr(t, "too many arguments", NULL);
			goto out;
		}
		if ((rc = eval_operand(t, &args[n], &f, &fn, &flen)) < 0)
			goto out;
		if (f) {
			if (n != 0 || is_func) {
				rc = terr(t, "a function name can only start a command", NULL);
				goto out;
			}
			if (flen >= sizeof(fname)) {
				rc = terr(t, "function name too long", NULL);
				goto out;
			}
			memcpy(fname, fn, flen);
			fname[flen] = 0;
			is_func = 1;
			continue;
		}
		n++;
	}
	if (piped != NULL) {
		args[n].kind = piped->kind;
		args[n].i = piped->i;
		if ((rc = ck_buf_putb(&args[n].s, &piped->s)) < 0)
			goto out;
		n++;
	}
	if (!is_func) {
		if (n == 0) {
			rc = terr(t, "missing value for command", NULL);
			goto out;
		}
		if (n > 1) {
			rc = terr(t, "can't give argument to non-function", NULL);
			goto out;
		}
		out->kind = args[0].kind;
		out->i = args[0].i;
		ck_buf_reset(&out->s);
		rc = ck_buf_putb(&out->s, &args[0].s);
		goto out;
	}
	rc = call(t, fname, args, n, out);
out:
	for (i = 0; i <= MAX_ARGS; i++)
		val_dispose(&args[i]);
	return rc;
}

static int eval_pipeline(struct tctx *t, struct val *out, int in_parens)
{
	struct val cur, next;
	int rc = CK_EINTERNAL, first = 1;

	val_init(&cur);
	val_init(&next);
	for (;;) {
		ck_buf_reset(&next.s);
		next.kind = V_STR;
		if ((rc = eval_command(t, &next, first ? NULL : &cur)) < 0)
			goto out;
		first = 0;
		cur.kind = next.kind;
		cur.i = next.i;
		ck_buf_reset(&cur.s);
		if ((rc = ck_buf_putb(&cur.s, &next.s)) < 0)
			goto out;
		skip_ws(t);
		if (t->p < t->end && *t->p == '|') {
			t->p++;
			continue;
		}
		break;
	}
	if (!in_parens && t->p < t->end) {
		rc = terr(t, "unexpected text in action", NULL);
		goto out;
	}
	out->kind = cur.kind;
	out->i = cur.i;
	ck_buf_reset(&out->s);
	rc = ck_buf_putb(&out->s, &cur.s);
out:
	val_dispose(&cur);
	val_dispose(&next);
	return rc;
}

static const char *find2(const char *p, const char *end, char a, char b)
{
	for (; p + 1 < end; p++)
		if (p[0] == a && p[1] == b)
			return p;
	return NULL;
}

int ck_seal__template_render(struct ck_buf *out, const char *name, const char *src, size_t n,
                             const char *const *keys, const struct ck_buf *const *vals,
                             size_t nvals)
{
	struct tctx t = { name, keys, vals, nvals, NULL, NULL, 0 };
	const char *p = src, *end = src + n, *open, *close, *a, *z;
	struct val v;
	size_t mark = ck_buf_len(out), tl;
	int rc = CK_EINTERNAL, trim_next = 0;

	val_init(&v);
	while (p < end) {
		open = find2(p, end, '{', '{');
		a = p;
		z = open ? open : end;
		if (trim_next)
			while (a < z && is_space((unsigned char)*a))
				a++;
		trim_next = 0;
		tl = (size_t)(z - a);
		if (open == NULL) {
			if ((rc = ck_buf_put(out, a, tl)) < 0)
				goto out;
			break;
		}
		/* "{{- " trims the text before; the dash needs a space after it. */
		a = open + 2;
		if (a + 1 < end && a[0] == '-' && is_space((unsigned char)a[1])) {
			while (tl > 0 && is_space((unsigned char)z[-1]))
				z--, tl--;
			a += 2;
		}
		if ((rc = ck_buf_put(out, z - tl, tl)) < 0)
			goto out;
		close = find2(a, end, '}', '}');
		if (close == NULL) {
			rc = ck_err_set(CK_EINVAL, "template: %s: unclosed action", name);
			goto out;
		}
		p = close + 2;
		z = close;
		if (z - a >= 2 && z[-1] == '-' && is_space((unsigned char)z[-2])) {
			trim_next = 1;
			z -= 2;
		}
		t.p = a;
		t.end = z;
		skip_ws(&t);
		if (t.end - t.p >= 2 && t.p[0] == '/' && t.p[1] == '*') {
			/* A comment must close right before the delimiter. */
			const char *e = t.end;

			while (e > t.p && is_space((unsigned char)e[-1]))
				e--;
			if (e - t.p < 4 || e[-1] != '/' || e[-2] != '*') {
				rc = ck_err_set(CK_EINVAL, "template: %s: unclosed comment", name);
				goto out;
			}
			continue;
		}
		if (t.p >= t.end) {
			rc = ck_err_set(CK_EINVAL, "template: %s: missing value for command", name);
			goto out;
		}
		ck_buf_reset(&v.s);
		v.kind = V_STR;
		if ((rc = eval_pipeline(&t, &v, 0)) < 0)
			goto out;
		if ((rc = val_text(out, &t, &v)) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	val_dispose(&v);
	return rc;
}
