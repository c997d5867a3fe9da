/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The part of tidwall/gjson ESO relies on for remoteRef.property: dotted
 * paths with '\' escapes, array indexes, '*' / '?' wildcards in keys, '#'
 * (array length) and '#.field' (collect), evaluated on JSON text, with
 * Result.String() conversion. Queries, modifiers, pipes and multipaths are
 * refused with CK_EUNSUPPORTED rather than guessed.
 */
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/ext_provider.h"
#include "ext_int.h"

#define GJ_MAX_DEPTH 512

enum gtype { G_NULL, G_FALSE, G_TRUE, G_NUMBER, G_STRING, G_OBJECT, G_ARRAY };

struct span {
	size_t b, e; /* [b, e) in the text */
	enum gtype t;
};

struct comp {
	char *s;        /* unescaped */
	size_t n;
	int wild;       /* unescaped '*' or '?' present */
	char *pat;      /* pattern with wildcard marks: '\1' = *, '\2' = ? */
};

static void ws(const char *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r'))
		(*i)++;
}

static int bad(void)
{
	return ck_err_set(CK_EINVAL, "gjson: malformed JSON");
}

static int skip_string(const char *s, size_t n, size_t *i)
{
	(*i)++;
	while (*i < n) {
		if (s[*i] == '\\') {
			*i += 2;
			continue;
		}
		if (s[*i] == '"') {
			(*i)++;
			return CK_OK;
		}
		(*i)++;
	}
	return bad();
}

static int value(const char *s, size_t n, size_t *i, struct span *out, unsigned depth)
{
	int rc;

	if (depth > GJ_MAX_DEPTH)
		return ck_err_set(CK_ETOOBIG, "gjson: JSON nested too deeply");
	ws(s, n, i);
	if (*i >= n)
		return bad();
	out->b = *i;
	switch (s[*i]) {
	case '"':
		out->t = G_STRING;
		if ((rc = skip_string(s, n, i)) < 0)
			return rc;
		break;
	case '{':
	case '[': {
		char close = s[*i] == '{' ? '}' : ']';

		out->t = s[*i] == '{' ? G_OBJECT : G_ARRAY;
		(*i)++;
		ws(s, n, i);
		if (*i < n && s[*i] == close) {
			(*i)++;
			break;
		}
		for (;;) {
			struct span sub;

			if (out->t == G_OBJECT) {
				ws(s, n, i);
				if (*i >= n || s[*i] != '"' || (rc = skip_string(s, n, i)) < 0)
					return bad();
				ws(s, n, i);
				if (*i >= n || s[*i] != ':')
					return bad();
				(*i)++;
			}
			if ((rc = value(s, n, i, &sub, depth + 1)) < 0)
				return rc;
			ws(s, n, i);
			if (*i < n && s[*i] == ',') {
				(*i)++;
				continue;
			}
			if (*i < n && s[*i] == close) {
				(*i)++;
				break;
			}
			return bad();
		}
		break;
	}
	case 't':
		if (n - *i < 4 || memcmp(s + *i, "true", 4) != 0)
			return bad();
		out->t = G_TRUE;
		*i += 4;
		break;
	case 'f':
		if (n - *i < 5 || memcmp(s + *i, "false", 5) != 0)
			return bad();
		out->t = G_FALSE;
		*i += 5;
		break;
	case 'n':
		if (n - *i < 4 || memcmp(s + *i, "null", 4) != 0)
			return bad();
		out->t = G_NULL;
		*i += 4;
		break;
	default:
		if (s[*i] != '-' && (s[*i] < '0' || s[*i] > '9'))
			return bad();
		out->t = G_NUMBER;
		while (*i < n && strchr("0123456789+-.eE", s[*i]) && s[*i])
			(*i)++;
		break;
	}
	out->e = *i;
	return CK_OK;
}

/* Decode a JSON string span into out (appended). */
static int unescape(struct ck_buf *out, const char *s, const struct span *sp)
{
	struct ck_ext_arena a;
	struct tv v;
	int rc;

	ck_ext__arena_init(&a, 1, 0);
	rc = ck_ext__json_decode(&a, &v, s + sp->b, sp->e - sp->b, 0);
	if (rc >= 0)
		rc = ck_buf_put(out, v.u.s.p, v.u.s.n);
	ck_ext__arena_dispose(&a);
	return rc;
}

/* gjson's wildcard match: '*' any run, '?' one byte. */
static int wmatch(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == '\2' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == '\1') {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < pn && p[pi] == '\1')
		pi++;
	return pi == pn;
}

static int key_matches(const char *s, const struct span *key, const struct comp *c)
{
	struct ck_buf k;
	int r;

	ck_buf_init_secure(&k, CK_BUF_MAX);
	if (unescape(&k, s, key) < 0) {
		ck_buf_dispose(&k);
		return -1;
	}
	if (c->wild)
		r = wmatch(c->pat, c->n, ck_buf_cstr(&k), ck_buf_len(&k));
	else
		r = ck_buf_len(&k) == c->n && memcmp(ck_buf_data(&k), c->s, c->n) == 0;
	ck_buf_dispose(&k);
	return r;
}

/*
 * The children of `in` matching component c, in document order: calls
 * fn(arg, child) for each until it returns something other than
 * CK_ENOTFOUND (gjson tries every key a wildcard matches).
 */
static int children(const char *s, const struct span *in, const struct comp *c,
                    int (*fn)(void *arg, const struct span *child), void *arg)
{
	size_t i = in->b + 1;
	int rc;

	if (in->t == G_OBJECT) {
		ws(s, in->e, &i);
		if (s[i] == '}')
			return CK_ENOTFOUND;
		for (;;) {
			struct span key, val;
			int m;

			ws(s, in->e, &i);
			key.b = i;
			key.t = G_STRING;
			if ((rc = skip_string(s, in->e, &i)) < 0)
				return rc;
			key.e = i;
			ws(s, in->e, &i);
			i++; /* ':' */
			if ((rc = value(s, in->e, &i, &val, 0)) < 0)
				return rc;
			if ((m = key_matches(s, &key, c)) < 0)
				return ck_err_last()->code;
			if (m) {
				rc = fn(arg, &val);
				if (rc != CK_ENOTFOUND || !c->wild)
					return rc;
			}
			ws(s, in->e, &i);
			if (s[i] != ',')
				return CK_ENOTFOUND;
			i++;
		}
	}
	if (in->t == G_ARRAY && !c->wild) {
		size_t idx = 0, want, k;
		char *end;

		for (k = 0; k < c->n; k++)
			if (c->s[k] < '0' || c->s[k] > '9')
				return CK_ENOTFOUND;
		if (c->n == 0 || c->n > 9)
			return CK_ENOTFOUND;
		want = (size_t)strtoul(c->s, &end, 10);
		ws(s, in->e, &i);
		if (s[i] == ']')
			return CK_ENOTFOUND;
		for (;;) {
			struct span val;

			if ((rc = value(s, in->e, &i, &val, 0)) < 0)
				return rc;
			if (idx++ == want)
				return fn(arg, &val);
			ws(s, in->e, &i);
			if (s[i] != ',')
				return CK_ENOTFOUND;
			i++;
		}
	}
	return CK_ENOTFOUND;
}

static int eval(struct ck_buf *out, const char *s, struct span cur, struct comp *cs, size_t nc,
                int *raw);

struct rest {
	struct ck_buf *out;
	const char *s;
	struct comp *cs;
	size_t nc;
	int *raw;
};

static int eval_rest(void *arg, const struct span *child)
{
	struct rest *r = arg;

	return eval(r->out, r->s, *child, r->cs, r->nc, r->raw);
}

static int result_string(struct ck_buf *out, const char *s, const struct span *sp)
{
	size_t k;

	switch (sp->t) {
	case G_NULL: return CK_OK;
	case G_TRUE: return ck_buf_puts(out, "true");
	case G_FALSE: return ck_buf_puts(out, "false");
	case G_STRING: return unescape(out, s, sp);
	case G_NUMBER:
		for (k = sp->b + (s[sp->b] == '-'); k < sp->e; k++)
			if (s[k] < '0' || s[k] > '9')
				break;
		if (k == sp->e)
			return ck_buf_put(out, s + sp->b, sp->e - sp->b);
		{
			char tmp[400];
			size_t len = sp->e - sp->b;

			if (len >= sizeof(tmp))
				return ck_buf_put(out, s + sp->b, len);
			memcpy(tmp, s + sp->b, len);
			tmp[len] = '\0';
			return ck_ext__fmt_float(out, strtod(tmp, NULL), 'f');
		}
	default:
		return ck_buf_put(out, s + sp->b, sp->e - sp->b);
	}
}

static int eval(struct ck_buf *out, const char *s, struct span cur, struct comp *cs, size_t nc,
                int *raw)
{
	size_t k;
	int rc;

	for (k = 0; k < nc; k++) {
		struct comp *c = &cs[k];

		if (!c->wild && c->n == 1 && c->s[0] == '#' && cur.t == G_ARRAY) {
			size_t i = cur.b + 1, count = 0;
			struct ck_buf items;
			int first = 1;

			ck_buf_init_secure(&items, CK_BUF_MAX);
			ws(s, cur.e, &i);
			if (s[i] != ']') {
				for (;;) {
					struct span el;

					if ((rc = value(s, cur.e, &i, &el, 0)) < 0)
						goto hash_out;
					count++;
					if (k + 1 < nc) {
						/* '#.rest': collect rest of every element */
						struct ck_buf one;
						int r2 = 1; /* collected values stay raw JSON */

						ck_buf_init_secure(&one, CK_BUF_MAX);
						rc = eval(&one, s, el, cs + k + 1, nc - k - 1, &r2);
						if (rc == CK_OK) {
							if ((!first && (rc = ck_buf_putc(&items, ',')) < 0) ||
							    (rc = ck_buf_putb(&items, &one)) < 0) {
								ck_buf_dispose(&one);
								goto hash_out;
							}
							first = 0;
						} else if (rc != CK_ENOTFOUND) {
							ck_buf_dispose(&one);
							goto hash_out;
						}
						ck_buf_dispose(&one);
					}
					ws(s, cur.e, &i);
					if (s[i] != ',')
						break;
					i++;
				}
			}
			if (k + 1 < nc) {
				if ((rc = ck_buf_putc(out, '[')) >= 0 && (rc = ck_buf_putb(out, &items)) >= 0)
					rc = ck_buf_putc(out, ']');
			} else {
				rc = ck_buf_printf(out, "%zu", count);
			}
			*raw = 1;
hash_out:
			ck_buf_dispose(&items);
			return rc;
		}
		{
			struct rest r = { out, s, cs + k + 1, nc - k - 1, raw };

			return children(s, &cur, c, eval_rest, &r);
		}
	}
	if (*raw) {
		/* inside a '#.' collection: raw JSON of each value */
		return ck_buf_put(out, s + cur.b, cur.e - cur.b);
	}
	return result_string(out, s, &cur);
}

static void free_comps(struct comp *cs, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		ck_free(cs[k].s);
		ck_free(cs[k].pat);
	}
	ck_free(cs);
}

int ck_ext_gjson(struct ck_buf *out, const char *json, size_t n, const char *path)
{
	struct comp *cs = NULL;
	size_t ncs = 0, plen = strlen(path), k, mark = ck_buf_len(out);
	struct span root;
	size_t i = 0;
	int rc = CK_EINTERNAL, raw = 0;

	if (plen == 0) {
		rc = CK_ENOTFOUND;
		goto out;
	}
	if (path[0] == '@' || path[0] == '[' || path[0] == '{' || path[0] == '!' ||
	    path[0] == '.') {
		rc = ck_err_set(CK_EUNSUPPORTED, "gjson: path \"%s\": modifiers, literals and multipaths are not supported",
		                path);
		goto out;
	}
	if ((cs = ck_calloc(plen + 1, sizeof(*cs))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "gjson: out of memory");
		goto out;
	}
	for (k = 0; k <= plen;) {
		struct comp *c = &cs[ncs++];
		size_t j = 0;

		if ((c->s = ck_calloc(plen + 1, 1)) == NULL || (c->pat = ck_calloc(plen + 1, 1)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "gjson: out of memory");
			goto out;
		}
		if (k < plen && path[k] == '#' && k + 1 < plen && path[k + 1] == '(') {
			rc = ck_err_set(CK_EUNSUPPORTED, "gjson: path \"%s\": queries #(...) are not supported",
			                path);
			goto out;
		}
		while (k < plen && path[k] != '.') {
			char ch = path[k];

			if (ch == '\\' && k + 1 < plen) {
				c->s[j] = path[k + 1];
				c->pat[j++] = path[k + 1];
				k += 2;
				continue;
			}
			if (ch == '|') {
				rc = ck_err_set(CK_EUNSUPPORTED, "gjson: path \"%s\": pipes are not supported",
				                path);
				goto out;
			}
			c->s[j] = ch;
			c->pat[j++] = ch == '*' ? '\1' : ch == '?' ? '\2' : ch;
			if (ch == '*' || ch == '?')
				c->wild = 1;
			k++;
		}
		c->n = j;
		k++; /* '.' (or the end) */
		if (k > plen)
			break;
	}
	if ((rc = value(json, n, &i, &root, 0)) < 0)
		goto out;
	rc = eval(out, json, root, cs, ncs, &raw);
	if (rc == CK_ENOTFOUND)
		ck_err_set(CK_ENOTFOUND, "gjson: path \"%s\" not found", path);
out:
	if (rc < 0 && ck_buf_len(out) > mark)
		ck_buf_truncate(out, mark);
	free_comps(cs, ncs);
	return rc;
}
