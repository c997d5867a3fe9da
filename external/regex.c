/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small RE2-syntax regular expression engine (see ext_regex.h): a
 * recursive-descent parser to an AST, compiled to a Pike VM program with
 * thread priorities giving Go's leftmost-first submatch semantics.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ext_regex.h"
#include "tmpl_int.h"

#define RE_MAX_INST 20000
#define RE_MAX_REPEAT 1000
#define RE_MAX_DEPTH 500

enum { F_I = 1, F_M = 2, F_S = 4, F_U = 8 };

enum nt {
	N_EMPTY, N_LIT, N_CLASS, N_ANY, N_ANYNL, N_BOL, N_EOL, N_BOT, N_EOT, N_WB, N_NWB,
	N_CAT, N_ALT, N_REP, N_GROUP,
};

struct range {
	uint32_t lo, hi;
};

struct node {
	uint8_t t;
	uint8_t fold;
	uint8_t greedy;
	int min, max;      /* N_REP: max -1 = unbounded */
	int cap;           /* N_GROUP: capture index or -1 */
	uint32_t c;        /* N_LIT */
	struct range *r;   /* N_CLASS (normalised, positive) */
	size_t nr;
	struct node **kids;
	size_t nkids, capkids;
	struct node *next_alloc;
};

struct parser {
	const char *s;
	size_t n, i;
	int flags;
	int ncap;
	unsigned depth;
	struct node *all;
	char **names;      /* capture names by index (NULL for unnamed) */
	size_t capnames;
};

enum op { I_CHAR, I_CLASS, I_ANY, I_ANYNL, I_SPLIT, I_JMP, I_SAVE, I_ASSERT, I_MATCH };

struct inst {
	uint8_t op;
	uint8_t fold;
	uint8_t assert_kind;
	int x, y;          /* split/jmp targets; save: slot */
	uint32_t c;
	const struct range *r;
	size_t nr;
};

struct ck_ext_regex {
	struct inst *prog;
	size_t ninst, capinst;
	int ncap;          /* groups including 0 */
	struct node *nodes;
	char **names;
	size_t nnames;
};

/* ---------------------------------------------------------------- parse */

static int perr(struct parser *p, const char *code, size_t from, size_t to)
{
	if (to > p->n)
		to = p->n;
	if (from > to)
		from = to;
	return ck_err_set(CK_EINVAL, "error parsing regexp: %s: `%.*s`", code, (int)(to - from),
	                  p->s + from);
}

static struct node *nnew(struct parser *p, int t)
{
	struct node *n = ck_calloc(1, sizeof(*n));

	if (n == NULL) {
		ck_err_set(CK_ENOMEM, "regexp: out of memory");
		return NULL;
	}
	n->t = (uint8_t)t;
	n->cap = -1;
	n->next_alloc = p->all;
	p->all = n;
	return n;
}

static int nadd(struct node *parent, struct node *kid)
{
	if (parent->nkids == parent->capkids) {
		size_t ncap = parent->capkids ? parent->capkids * 2 : 4;
		struct node **nk = ck_calloc(ncap, sizeof(*nk));

		if (nk == NULL)
			return ck_err_set(CK_ENOMEM, "regexp: out of memory");
		if (parent->nkids)
			memcpy(nk, parent->kids, parent->nkids * sizeof(*nk));
		ck_free(parent->kids);
		parent->kids = nk;
		parent->capkids = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return CK_OK;
}

static void nodes_free(struct node *n)
{
	while (n != NULL) {
		struct node *next = n->next_alloc;

		ck_free(n->kids);
		ck_free(n->r);
		ck_free(n);
		n = next;
	}
}

static int add_range(struct node *cls, uint32_t lo, uint32_t hi)
{
	if (cls->nr % 8 == 0) {
		struct range *nr = ck_calloc(cls->nr + 8, sizeof(*nr));

		if (nr == NULL)
			return ck_err_set(CK_ENOMEM, "regexp: out of memory");
		if (cls->nr)
			memcpy(nr, cls->r, cls->nr * sizeof(*nr));
		ck_free(cls->r);
		cls->r = nr;
	}
	cls->r[cls->nr].lo = lo;
	cls->r[cls->nr].hi = hi;
	cls->nr++;
	return CK_OK;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge ranges; optionally negate over [0, 0x10FFFF]. */
static int normalise(struct node *cls, int negate)
{
	struct range *r = cls->r;
	size_t n = cls->nr, k, w = 0;

	if (n) {
		qsort(r, n, sizeof(*r), cmp_range);
		for (k = 1; k < n; k++) {
			if (r[k].lo <= r[w].hi + 1) {
				if (r[k].hi > r[w].hi)
					r[w].hi = r[k].hi;
			} else {
				r[++w] = r[k];
			}
		}
		n = w + 1;
	}
	cls->nr = n;
	if (negate) {
		struct node tmp = { 0 };
		uint32_t next = 0;
		int rc;

		for (k = 0; k < n; k++) {
			if (r[k].lo > next && (rc = add_range(&tmp, next, r[k].lo - 1)) < 0) {
				ck_free(tmp.r);
				return rc;
			}
			next = r[k].hi + 1;
		}
		if (next <= 0x10ffff && (rc = add_range(&tmp, next, 0x10ffff)) < 0) {
			ck_free(tmp.r);
			return rc;
		}
		ck_free(cls->r);
		cls->r = tmp.r;
		cls->nr = tmp.nr;
	}
	return CK_OK;
}

static int add_fold(struct node *cls)
{
	size_t n = cls->nr, k;
	int rc;

	for (k = 0; k < n; k++) {
		uint32_t lo = cls->r[k].lo, hi = cls->r[k].hi;

		if (lo <= 'z' && hi >= 'a') {
			uint32_t a = lo < 'a' ? 'a' : lo, b = hi > 'z' ? 'z' : hi;

			if ((rc = add_range(cls, a - 32, b - 32)) < 0)
				return rc;
		}
		if (lo <= 'Z' && hi >= 'A') {
			uint32_t a = lo < 'A' ? 'A' : lo, b = hi > 'Z' ? 'Z' : hi;

			if ((rc = add_range(cls, a + 32, b + 32)) < 0)
				return rc;
		}
	}
	return CK_OK;
}

static int next_rune(struct parser *p, uint32_t *r)
{
	int len;

	if (p->i >= p->n)
		return 0;
	len = ck_ext__utf8_decode((const unsigned char *)p->s + p->i, p->n - p->i, r);
	if (len < 0)
		return ck_err_set(CK_EINVAL, "error parsing regexp: invalid UTF-8: `%.*s`",
		                  (int)(p->n - p->i), p->s + p->i);
	p->i += (size_t)len;
	return 1;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Perl class letter (d s w, upper case negated) into cls. */
static int perl_class(struct node *cls, char c, int *neg)
{
	int rc = CK_OK;

	*neg = c == 'D' || c == 'S' || c == 'W';
	switch (c) {
	case 'd': case 'D':
		return add_range(cls, '0', '9');
	case 's': case 'S':
		if ((rc = add_range(cls, '\t', '\n')) >= 0 && (rc = add_range(cls, '\f', '\r')) >= 0)
			rc = add_range(cls, ' ', ' ');
		return rc;
	default:
		if ((rc = add_range(cls, '0', '9')) >= 0 && (rc = add_range(cls, 'A', 'Z')) >= 0 &&
		    (rc = add_range(cls, '_', '_')) >= 0)
			rc = add_range(cls, 'a', 'z');
		return rc;
	}
}

/* Add a negated Perl class to a bracket class as explicit ranges. */
static int add_class_into(struct node *dst, char c)
{
	struct node tmp = { 0 };
	size_t k;
	int neg, rc;

	if ((rc = perl_class(&tmp, c, &neg)) >= 0 && (rc = normalise(&tmp, neg)) >= 0)
		for (k = 0; k < tmp.nr && rc >= 0; k++)
			rc = add_range(dst, tmp.r[k].lo, tmp.r[k].hi);
	ck_free(tmp.r);
	return rc;
}

/*
 * An escape after '\' (p->i at the char after the backslash). Sets *r for a
 * literal rune, or fills cls for a class escape (returns 2).
 */
static int parse_escape(struct parser *p, uint32_t *r, struct node *cls, size_t start)
{
	char c;

	if (p->i >= p->n)
		return perr(p, "trailing backslash at end of expression", start, p->n);
	c = p->s[p->i++];
	switch (c) {
	case 'a': *r = 7; return 1;
	case 'f': *r = 12; return 1;
	case 't': *r = 9; return 1;
	case 'n': *r = 10; return 1;
	case 'r': *r = 13; return 1;
	case 'v': *r = 11; return 1;
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
		if (cls == NULL)
			return perr(p, "invalid escape sequence", start, p->i);
		return add_class_into(cls, c) < 0 ? ck_err_last()->code : 2;
	case 'x': {
		uint32_t v = 0;
		int h;

		if (p->i < p->n && p->s[p->i] == '{') {
			size_t k = p->i + 1;
			int digits = 0;

			while (k < p->n && (h = hexv(p->s[k])) >= 0) {
				v = v * 16 + (uint32_t)h;
				if (v > 0x10ffff)
					return perr(p, "invalid escape sequence", start, k + 1);
				k++;
				digits++;
			}
			if (k >= p->n || p->s[k] != '}' || digits == 0)
				return perr(p, "invalid escape sequence", start, k + 1);
			p->i = k + 1;
			*r = v;
			return 1;
		}
		if (p->i + 2 > p->n || hexv(p->s[p->i]) < 0 || hexv(p->s[p->i + 1]) < 0)
			return perr(p, "invalid escape sequence", start, p->i + 2);
		*r = (uint32_t)(hexv(p->s[p->i]) * 16 + hexv(p->s[p->i + 1]));
		p->i += 2;
		return 1;
	}
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
		uint32_t v = (uint32_t)(c - '0');
		int k;

		/* \1-\7 alone are backreferences in Perl: RE2 rejects them */
		if (c != '0' && (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '7'))
			return perr(p, "invalid escape sequence", start, p->i);
		for (k = 0; k < 2 && p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++)
			v = v * 8 + (uint32_t)(p->s[p->i++] - '0');
		*r = v;
		return 1;
	}
	default:
		if ((unsigned char)c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                                 (c >= '0' && c <= '9'))) {
			*r = (unsigned char)c;
			return 1;
		}
		return perr(p, "invalid escape sequence", start, p->i);
	}
}

static const struct {
	const char *name;
	const char *ranges; /* pairs */
} posix[] = {
	{ "alnum", "09AZaz" }, { "alpha", "AZaz" }, { "ascii", "\x01\x7f" },
	{ "blank", "\t\t  " }, { "cntrl", "\x01\x1f\x7f\x7f" }, { "digit", "09" },
	{ "graph", "!~" }, { "lower", "az" }, { "print", " ~" },
	{ "punct", "!/:@[`{~" }, { "space", "\t\r  " }, { "upper", "AZ" },
	{ "word", "09AZ__az" }, { "xdigit", "09AFaf" },
};

static int parse_class(struct parser *p, struct node **out)
{
	size_t start = p->i, k;
	struct node *cls;
	int neg = 0, first = 1, rc;

	p->i++; /* '[' */
	if ((cls = nnew(p, N_CLASS)) == NULL)
		return ck_err_last()->code;
	if (p->i < p->n && p->s[p->i] == '^') {
		neg = 1;
		p->i++;
	}
	for (;;) {
		uint32_t lo, hi;
		int kind;

		if (p->i >= p->n)
			return perr(p, "missing closing ]", start, p->n);
		if (p->s[p->i] == ']' && !first)
			break;
		first = 0;
		if (p->s[p->i] == '[' && p->i + 1 < p->n && p->s[p->i + 1] == ':') {
			const char *e = memchr(p->s + p->i + 2, ':', p->n - p->i - 2);
			size_t nl;
			int pneg = 0;

			if (e != NULL && (size_t)(e - p->s) + 1 < p->n && e[1] == ']') {
				const char *nm = p->s + p->i + 2;

				if (*nm == '^') {
					pneg = 1;
					nm++;
				}
				nl = (size_t)(e - nm);
				for (k = 0; k < sizeof(posix) / sizeof(posix[0]); k++)
					if (strlen(posix[k].name) == nl && memcmp(posix[k].name, nm, nl) == 0)
						break;
				if (k == sizeof(posix) / sizeof(posix[0]))
					return perr(p, "invalid character class range", p->i,
					            (size_t)(e - p->s) + 2);
				{
					struct node tmp = { 0 };
					const char *rr = posix[k].ranges;
					size_t j;

					for (j = 0; rr[j] && rr[j + 1]; j += 2)
						if ((rc = add_range(&tmp, (unsigned char)rr[j],
						                    (unsigned char)rr[j + 1])) < 0)
							return rc;
					if ((rc = normalise(&tmp, pneg)) < 0) {
						ck_free(tmp.r);
						return rc;
					}
					for (j = 0; j < tmp.nr; j++)
						if ((rc = add_range(cls, tmp.r[j].lo, tmp.r[j].hi)) < 0) {
							ck_free(tmp.r);
							return rc;
						}
					ck_free(tmp.r);
				}
				p->i = (size_t)(e - p->s) + 2;
				continue;
			}
		}
		{
			size_t at = p->i;

			if (p->s[p->i] == '\\') {
				p->i++;
				if (p->i < p->n && (p->s[p->i] == 'p' || p->s[p->i] == 'P'))
					return perr(p, "invalid character class range", at, p->i + 1);
				if ((kind = parse_escape(p, &lo, cls, at)) < 0)
					return kind;
				if (kind == 2)
					continue;
			} else if ((rc = next_rune(p, &lo)) < 0) {
				return rc;
			}
			hi = lo;
			if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') {
				p->i++;
				if (p->s[p->i] == '\\') {
					size_t at2 = p->i;

					p->i++;
					if ((kind = parse_escape(p, &hi, NULL, at2)) < 0)
						return kind;
				} else if ((rc = next_rune(p, &hi)) < 0) {
					return rc;
				}
				if (hi < lo)
					return perr(p, "invalid character class range", at, p->i);
			}
			if ((rc = add_range(cls, lo, hi)) < 0)
				return rc;
		}
	}
	p->i++; /* ']' */
	if ((p->flags & F_I) && (rc = add_fold(cls)) < 0)
		return rc;
	if ((rc = normalise(cls, neg)) < 0)
		return rc;
	*out = cls;
	return CK_OK;
}

static int parse_alt(struct parser *p, struct node **out);

static int parse_group(struct parser *p, struct node **out)
{
	size_t start = p->i;
	struct node *g, *sub = NULL;
	int save = p->flags, rc, cap = -1;

	p->i++; /* '(' */
	if (p->i < p->n && p->s[p->i] == '?') {
		size_t nstart;

		if (p->i + 1 < p->n && (p->s[p->i + 1] == 'P' || p->s[p->i + 1] == '<')) {
			/* named group (?P<name>re) or (?<name>re) */
			size_t k = p->i + (p->s[p->i + 1] == 'P' ? 2 : 1);
			const char *e;

			if (k >= p->n || p->s[k] != '<')
				return perr(p, "invalid or unsupported Perl syntax", start, k + 1);
			nstart = k + 1;
			e = memchr(p->s + nstart, '>', p->n - nstart);
			if (e == NULL)
				return perr(p, "invalid named capture", start, p->n);
			{
				size_t nl = (size_t)(e - (p->s + nstart)), j;
				char *name;

				if (nl == 0)
					return perr(p, "invalid named capture", start, (size_t)(e - p->s) + 1);
				for (j = 0; j < nl; j++) {
					char c = p->s[nstart + j];

					if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					      (c >= '0' && c <= '9') || c == '_'))
						return perr(p, "invalid named capture", start,
						            (size_t)(e - p->s) + 1);
				}
				cap = ++p->ncap;
				if ((size_t)cap >= p->capnames) {
					size_t ncap = (size_t)cap * 2 + 4;
					char **nn = ck_calloc(ncap, sizeof(*nn));

					if (nn == NULL)
						return ck_err_set(CK_ENOMEM, "regexp: out of memory");
					if (p->capnames)
						memcpy(nn, p->names, p->capnames * sizeof(*nn));
					ck_free(p->names);
					p->names = nn;
					p->capnames = ncap;
				}
				for (j = 1; j < (size_t)cap; j++)
					if (p->names[j] && strlen(p->names[j]) == nl &&
					    memcmp(p->names[j], p->s + nstart, nl) == 0)
						return perr(p, "duplicate capture group name", start,
						            (size_t)(e - p->s) + 1);
				if ((name = ck_strndup(p->s + nstart, nl)) == NULL)
					return ck_err_set(CK_ENOMEM, "regexp: out of memory");
				p->names[cap] = name;
			}
			p->i = (size_t)(e - p->s) + 1;
		} else {
			/* flags: (?ims-U) or (?ims:re) */
			int neg = 0, any = 0, flags = p->flags;

			p->i++;
			for (;;) {
				char c;

				if (p->i >= p->n)
					return perr(p, "missing closing )", start, p->n);
				c = p->s[p->i++];
				if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
					int f = c == 'i' ? F_I : c == 'm' ? F_M : c == 's' ? F_S : F_U;

					flags = neg ? (flags & ~f) : (flags | f);
					any = 1;
				} else if (c == '-' && !neg) {
					neg = 1;
					any = 0;
				} else if (c == ')' && (any || !neg) && (any || p->i - start > 3)) {
					p->flags = flags;
					return (*out = nnew(p, N_EMPTY)) ? CK_OK : ck_err_last()->code;
				} else if (c == ':' && (any || !neg)) {
					p->flags = flags;
					break;
				} else {
					return perr(p, "invalid or unsupported Perl syntax", start, p->i);
				}
			}
		}
	} else {
		cap = ++p->ncap;
	}
	if (++p->depth > RE_MAX_DEPTH)
		return perr(p, "expression nests too deeply", start, p->i);
	if ((rc = parse_alt(p, &sub)) < 0)
		return rc;
	p->depth--;
	if (p->i >= p->n || p->s[p->i] != ')')
		return perr(p, "missing closing )", 0, p->n);
	p->i++;
	p->flags = save;
	if ((g = nnew(p, N_GROUP)) == NULL || (rc = nadd(g, sub)) < 0)
		return ck_err_last()->code;
	g->cap = cap;
	*out = g;
	return CK_OK;
}

static int parse_atom(struct parser *p, struct node **out)
{
	size_t start = p->i;
	struct node *n;
	uint32_t r;
	char c = p->s[p->i];
	int rc;

	switch (c) {
	case '(':
		return parse_group(p, out);
	case '[':
		return parse_class(p, out);
	case '.':
		p->i++;
		n = nnew(p, (p->flags & F_S) ? N_ANYNL : N_ANY);
		break;
	case '^':
		p->i++;
		n = nnew(p, (p->flags & F_M) ? N_BOL : N_BOT);
		break;
	case '$':
		p->i++;
		n = nnew(p, (p->flags & F_M) ? N_EOL : N_EOT);
		break;
	case '\\':
		p->i++;
		if (p->i < p->n) {
			switch (p->s[p->i]) {
			case 'A': p->i++; n = nnew(p, N_BOT); goto done;
			case 'z': p->i++; n = nnew(p, N_EOT); goto done;
			case 'b': p->i++; n = nnew(p, N_WB); goto done;
			case 'B': p->i++; n = nnew(p, N_NWB); goto done;
			case 'p': case 'P':
				return perr(p, "invalid character class range", start, p->i + 1);
			case 'Q': {
				/* literal text up to \E */
				struct node *cat = nnew(p, N_CAT);

				if (cat == NULL)
					return ck_err_last()->code;
				p->i++;
				while (p->i < p->n) {
					if (p->s[p->i] == '\\' && p->i + 1 < p->n && p->s[p->i + 1] == 'E') {
						p->i += 2;
						break;
					}
					if ((rc = next_rune(p, &r)) < 0)
						return rc;
					if ((n = nnew(p, N_LIT)) == NULL || (rc = nadd(cat, n)) < 0)
						return ck_err_last()->code;
					n->c = r;
					n->fold = (p->flags & F_I) != 0;
				}
				*out = cat;
				return CK_OK;
			}
			case 'd': case 'D': case 's': case 'S': case 'w': case 'W': {
				int neg;

				if ((n = nnew(p, N_CLASS)) == NULL)
					return ck_err_last()->code;
				if ((rc = perl_class(n, p->s[p->i], &neg)) < 0 ||
				    (rc = normalise(n, neg)) < 0)
					return rc;
				p->i++;
				*out = n;
				return CK_OK;
			}
			default:
				break;
			}
		}
		if ((rc = parse_escape(p, &r, NULL, start)) < 0)
			return rc;
		if ((n = nnew(p, N_LIT)) != NULL) {
			n->c = r;
			n->fold = (p->flags & F_I) != 0;
		}
		break;
	case '*': case '+': case '?':
		return perr(p, "missing argument to repetition operator", start, start + 1);
	case ')':
		return perr(p, "unexpected )", 0, p->n);
	default:
		if ((rc = next_rune(p, &r)) < 0)
			return rc;
		if ((n = nnew(p, N_LIT)) != NULL) {
			n->c = r;
			n->fold = (p->flags & F_I) != 0;
		}
		break;
	}
done:
	if (n == NULL)
		return ck_err_last()->code;
	*out = n;
	return CK_OK;
}

/* {n}, {n,}, {n,m}: 1 parsed, 0 not a repeat (literal '{'). */
static int parse_braces(struct parser *p, int *min, int *max)
{
	size_t k = p->i + 1;
	long a = 0, b;
	int digits = 0;

	while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') {
		if (a < 100000)
			a = a * 10 + (p->s[k] - '0');
		k++;
		digits++;
	}
	if (!digits || k >= p->n)
		return 0;
	b = a;
	if (p->s[k] == ',') {
		k++;
		if (k < p->n && p->s[k] == '}') {
			b = -1;
		} else {
			b = 0;
			digits = 0;
			while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') {
				if (b < 100000)
					b = b * 10 + (p->s[k] - '0');
				k++;
				digits++;
			}
			if (!digits)
				return 0;
		}
	}
	if (k >= p->n || p->s[k] != '}')
		return 0;
	*min = (int)a;
	*max = (int)b;
	p->i = k + 1;
	return 1;
}

static int parse_concat(struct parser *p, struct node **out)
{
	struct node *cat = nnew(p, N_CAT);
	int rc;

	if (cat == NULL)
		return ck_err_last()->code;
	while (p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
		struct node *atom = NULL;
		int repeated = 0;

		if ((rc = parse_atom(p, &atom)) < 0)
			return rc;
		for (;;) {
			size_t opstart = p->i;
			int min, max;
			struct node *rep;

			if (p->i >= p->n)
				break;
			if (p->s[p->i] == '*') {
				min = 0;
				max = -1;
				p->i++;
			} else if (p->s[p->i] == '+') {
				min = 1;
				max = -1;
				p->i++;
			} else if (p->s[p->i] == '?') {
				min = 0;
				max = 1;
				p->i++;
			} else if (p->s[p->i] == '{') {
				if (!parse_braces(p, &min, &max))
					break;
				if (min > RE_MAX_REPEAT || max > RE_MAX_REPEAT || (max >= 0 && max < min))
					return perr(p, "invalid repeat count", opstart, p->i);
			} else {
				break;
			}
			if (repeated)
				return perr(p, "invalid nested repetition operator", opstart - 1, p->i);
			if (atom->t == N_EMPTY)
				return perr(p, "missing argument to repetition operator", opstart, p->i);
			repeated = 1;
			if ((rep = nnew(p, N_REP)) == NULL || (rc = nadd(rep, atom)) < 0)
				return ck_err_last()->code;
			rep->min = min;
			rep->max = max;
			rep->greedy = 1;
			if (p->i < p->n && p->s[p->i] == '?') {
				rep->greedy = 0;
				p->i++;
			}
			if (p->flags & F_U)
				rep->greedy = !rep->greedy;
			atom = rep;
		}
		if ((rc = nadd(cat, atom)) < 0)
			return rc;
	}
	*out = cat;
	return CK_OK;
}

static int parse_alt(struct parser *p, struct node **out)
{
	struct node *alt = NULL, *first = NULL;
	int rc;

	if ((rc = parse_concat(p, &first)) < 0)
		return rc;
	while (p->i < p->n && p->s[p->i] == '|') {
		struct node *next = NULL;

		p->i++;
		if (alt == NULL) {
			if ((alt = nnew(p, N_ALT)) == NULL || (rc = nadd(alt, first)) < 0)
				return ck_err_last()->code;
		}
		if ((rc = parse_concat(p, &next)) < 0 || (rc = nadd(alt, next)) < 0)
			return rc;
	}
	*out = alt ? alt : first;
	return CK_OK;
}

/* -------------------------------------------------------------- compile */

static int emit(struct ck_ext_regex *re, struct inst in, int *at)
{
	if (re->ninst >= RE_MAX_INST)
		return ck_err_set(CK_ETOOBIG, "error parsing regexp: expression too large");
	if (re->ninst == re->capinst) {
		size_t ncap = re->capinst ? re->capinst * 2 : 32;
		struct inst *np = ck_calloc(ncap, sizeof(*np));

		if (np == NULL)
			return ck_err_set(CK_ENOMEM, "regexp: out of memory");
		if (re->ninst)
			memcpy(np, re->prog, re->ninst * sizeof(*np));
		ck_free(re->prog);
		re->prog = np;
		re->capinst = ncap;
	}
	re->prog[re->ninst] = in;
	if (at)
		*at = (int)re->ninst;
	re->ninst++;
	return CK_OK;
}

static int comp(struct ck_ext_regex *re, const struct node *n, unsigned depth);

static int comp_one_rep(struct ck_ext_regex *re, const struct node *sub, int greedy,
                        unsigned depth, int star)
{
	struct inst split = { I_SPLIT, 0, 0, 0, 0, 0, NULL, 0 };
	struct inst jmp = { I_JMP, 0, 0, 0, 0, 0, NULL, 0 };
	int at = 0, rc, j;

	/* x?: split L1, L2; L1: x; L2:   x*: L0: split L1, L2; L1: x; jmp L0; L2: */
	if ((rc = emit(re, split, &at)) < 0)
		return rc;
	if ((rc = comp(re, sub, depth + 1)) < 0)
		return rc;
	if (star) {
		jmp.x = at;
		if ((rc = emit(re, jmp, &j)) < 0)
			return rc;
	}
	if (greedy) {
		re->prog[at].x = at + 1;
		re->prog[at].y = (int)re->ninst;
	} else {
		re->prog[at].x = (int)re->ninst;
		re->prog[at].y = at + 1;
	}
	return CK_OK;
}

static int comp(struct ck_ext_regex *re, const struct node *n, unsigned depth)
{
	struct inst in = { 0, 0, 0, 0, 0, 0, NULL, 0 };
	size_t k;
	int rc, at;

	if (depth > RE_MAX_DEPTH * 4)
		return ck_err_set(CK_ETOOBIG, "error parsing regexp: expression nests too deeply");
	switch (n->t) {
	case N_EMPTY:
		return CK_OK;
	case N_LIT:
		in.op = I_CHAR;
		in.c = n->c;
		in.fold = n->fold;
		return emit(re, in, NULL);
	case N_CLASS:
		in.op = I_CLASS;
		in.r = n->r;
		in.nr = n->nr;
		return emit(re, in, NULL);
	case N_ANY:
		in.op = I_ANY;
		return emit(re, in, NULL);
	case N_ANYNL:
		in.op = I_ANYNL;
		return emit(re, in, NULL);
	case N_BOL: case N_EOL: case N_BOT: case N_EOT: case N_WB: case N_NWB:
		in.op = I_ASSERT;
		in.assert_kind = n->t;
		return emit(re, in, NULL);
	case N_CAT:
		for (k = 0; k < n->nkids; k++)
			if ((rc = comp(re, n->kids[k], depth + 1)) < 0)
				return rc;
		return CK_OK;
	case N_ALT: {
		/* split L1, next; L1: a; jmp end; next: split ... */
		int *jumps = ck_calloc(n->nkids, sizeof(int));
		size_t nj = 0;

		if (jumps == NULL)
			return ck_err_set(CK_ENOMEM, "regexp: out of memory");
		rc = CK_OK;
		for (k = 0; k < n->nkids && rc >= 0; k++) {
			if (k + 1 < n->nkids) {
				in.op = I_SPLIT;
				if ((rc = emit(re, in, &at)) < 0)
					break;
				re->prog[at].x = at + 1;
				if ((rc = comp(re, n->kids[k], depth + 1)) < 0)
					break;
				in.op = I_JMP;
				if ((rc = emit(re, in, &jumps[nj++])) < 0)
					break;
				re->prog[at].y = (int)re->ninst;
			} else {
				rc = comp(re, n->kids[k], depth + 1);
			}
		}
		for (k = 0; k < nj && rc >= 0; k++)
			re->prog[jumps[k]].x = (int)re->ninst;
		ck_free(jumps);
		return rc < 0 ? rc : CK_OK;
	}
	case N_GROUP:
		if (n->cap >= 0) {
			in.op = I_SAVE;
			in.x = n->cap * 2;
			if ((rc = emit(re, in, NULL)) < 0)
				return rc;
		}
		if ((rc = comp(re, n->kids[0], depth + 1)) < 0)
			return rc;
		if (n->cap >= 0) {
			in.op = I_SAVE;
			in.x = n->cap * 2 + 1;
			if ((rc = emit(re, in, NULL)) < 0)
				return rc;
		}
		return CK_OK;
	case N_REP: {
		const struct node *sub = n->kids[0];
		int i;

		if (n->min == 0 && n->max == -1)
			return comp_one_rep(re, sub, n->greedy, depth, 1);
		if (n->min == 1 && n->max == -1) {
			/* L0: x; split L0, L1; L1: */
			int l0 = (int)re->ninst;

			if ((rc = comp(re, sub, depth + 1)) < 0)
				return rc;
			in.op = I_SPLIT;
			if ((rc = emit(re, in, &at)) < 0)
				return rc;
			re->prog[at].x = n->greedy ? l0 : at + 1;
			re->prog[at].y = n->greedy ? at + 1 : l0;
			return CK_OK;
		}
		for (i = 0; i < n->min; i++)
			if ((rc = comp(re, sub, depth + 1)) < 0)
				return rc;
		if (n->max == -1)
			return comp_one_rep(re, sub, n->greedy, depth, 1);
		for (i = n->min; i < n->max; i++)
			if ((rc = comp_one_rep(re, sub, n->greedy, depth, 0)) < 0)
				return rc;
		return CK_OK;
	}
	}
	return ck_err_set(CK_EINTERNAL, "regexp: unknown node");
}

int ck_ext_regex_compile(struct ck_ext_regex **out, const char *pat, size_t n)
{
	struct parser p = { pat, n, 0, 0, 0, 0, NULL, NULL, 0 };
	struct ck_ext_regex *re = NULL;
	struct node *root = NULL;
	struct inst in = { 0, 0, 0, 0, 0, 0, NULL, 0 };
	size_t k;
	int rc = CK_EINTERNAL;

	*out = NULL;
	if (n > 64 * 1024) {
		rc = ck_err_set(CK_ETOOBIG, "error parsing regexp: expression too large");
		goto out;
	}
	if ((rc = parse_alt(&p, &root)) < 0)
		goto out;
	if (p.i < p.n) {
		rc = perr(&p, "unexpected )", 0, p.n);
		goto out;
	}
	if ((re = ck_calloc(1, sizeof(*re))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "regexp: out of memory");
		goto out;
	}
	re->ncap = p.ncap + 1;
	in.op = I_SAVE;
	in.x = 0;
	if ((rc = emit(re, in, NULL)) < 0 || (rc = comp(re, root, 0)) < 0)
		goto out;
	in.x = 1;
	if ((rc = emit(re, in, NULL)) < 0)
		goto out;
	in.op = I_MATCH;
	if ((rc = emit(re, in, NULL)) < 0)
		goto out;
	re->nodes = p.all;
	p.all = NULL; /* transferred: class ranges are referenced by the program */
	re->names = p.names;
	re->nnames = p.capnames;
	p.names = NULL;
	*out = re;
	re = NULL;
	rc = CK_OK;
out:
	nodes_free(p.all);
	if (p.names) {
		for (k = 0; k < p.capnames; k++)
			ck_free(p.names[k]);
		ck_free(p.names);
	}
	ck_ext_regex_free(re);
	return rc;
}

void ck_ext_regex_free(struct ck_ext_regex *re)
{
	size_t k;

	if (re == NULL)
		return;
	ck_free(re->prog);
	nodes_free(re->nodes);
	for (k = 0; k < re->nnames; k++)
		ck_free(re->names[k]);
	ck_free(re->names);
	ck_free(re);
}

size_t ck_ext_regex_ngroups(const struct ck_ext_regex *re)
{
	return (size_t)re->ncap;
}

/* ---------------------------------------------------------------- match */

struct thr {
	int pc;
	size_t *caps;
};

struct tlist {
	struct thr *t;
	size_t n;
	size_t *capstore;
};

struct vm {
	const struct ck_ext_regex *re;
	const unsigned char *s;
	size_t n;
	size_t ncapslots;
	unsigned *mark;     /* generation per instruction */
	unsigned gen;
	size_t *stack_caps; /* scratch for addthread recursion */
};

static int is_word(int c)
{
	return c >= 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	                  (c >= '0' && c <= '9') || c == '_');
}

static int assert_ok(const struct vm *vm, int kind, size_t pos)
{
	int before = pos > 0 ? vm->s[pos - 1] : -1;
	int after = pos < vm->n ? vm->s[pos] : -1;

	switch (kind) {
	case N_BOT: return pos == 0;
	case N_EOT: return pos == vm->n;
	case N_BOL: return pos == 0 || before == '\n';
	case N_EOL: return pos == vm->n || after == '\n';
	case N_WB: return is_word(before) != is_word(after);
	case N_NWB: return is_word(before) == is_word(after);
	}
	return 0;
}

static void addthread(struct vm *vm, struct tlist *l, int pc, size_t *caps, size_t pos,
                      unsigned depth)
{
	const struct inst *in;

	if (vm->mark[pc] == vm->gen || depth > RE_MAX_INST)
		return;
	vm->mark[pc] = vm->gen;
	in = &vm->re->prog[pc];
	switch (in->op) {
	case I_JMP:
		addthread(vm, l, in->x, caps, pos, depth + 1);
		return;
	case I_SPLIT:
		addthread(vm, l, in->x, caps, pos, depth + 1);
		addthread(vm, l, in->y, caps, pos, depth + 1);
		return;
	case I_SAVE: {
		size_t old = caps[in->x];

		caps[in->x] = pos;
		addthread(vm, l, pc + 1, caps, pos, depth + 1);
		caps[in->x] = old;
		return;
	}
	case I_ASSERT:
		if (assert_ok(vm, in->assert_kind, pos))
			addthread(vm, l, pc + 1, caps, pos, depth + 1);
		return;
	default: {
		struct thr *t = &l->t[l->n];

		t->pc = pc;
		t->caps = l->capstore + l->n * vm->ncapslots;
		memcpy(t->caps, caps, vm->ncapslots * sizeof(size_t));
		l->n++;
		return;
	}
	}
}

static uint32_t fold_lower(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int in_class(const struct inst *in, uint32_t c)
{
	size_t lo = 0, hi = in->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c < in->r[mid].lo)
			hi = mid;
		else if (c > in->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int ck_ext_regex_match(const struct ck_ext_regex *re, const char *s, size_t n, size_t start,
                       size_t *m, size_t nsub)
{
	struct vm vm;
	struct tlist a = { 0 }, b = { 0 }, *clist = &a, *nlist = &b, *tmp;
	size_t *matched = NULL, *init = NULL, pos, k;
	int found = 0;

	if (start > n)
		return 0;
	memset(&vm, 0, sizeof(vm));
	vm.re = re;
	vm.s = (const unsigned char *)s;
	vm.n = n;
	vm.ncapslots = (size_t)re->ncap * 2;
	vm.mark = ck_calloc(re->ninst, sizeof(unsigned));
	a.t = ck_calloc(re->ninst, sizeof(struct thr));
	b.t = ck_calloc(re->ninst, sizeof(struct thr));
	a.capstore = ck_calloc(re->ninst * vm.ncapslots, sizeof(size_t));
	b.capstore = ck_calloc(re->ninst * vm.ncapslots, sizeof(size_t));
	matched = ck_calloc(vm.ncapslots, sizeof(size_t));
	init = ck_calloc(vm.ncapslots, sizeof(size_t));
	if (!vm.mark || !a.t || !b.t || !a.capstore || !b.capstore || !matched || !init) {
		ck_err_set(CK_ENOMEM, "regexp: out of memory");
		found = 0;
		goto out;
	}
	for (pos = start;;) {
		uint32_t c = 0;
		int len = 0;

		if (!found) {
			for (k = 0; k < vm.ncapslots; k++)
				init[k] = SIZE_MAX;
			vm.gen++;
			/* threads already in clist were added under an older generation */
			for (k = 0; k < clist->n; k++)
				vm.mark[clist->t[k].pc] = vm.gen;
			addthread(&vm, clist, 0, init, pos, 0);
		}
		if (clist->n == 0)
			break;
		if (pos < n) {
			len = ck_ext__utf8_decode(vm.s + pos, n - pos, &c);
			if (len < 0)
				len = 1;
		}
		vm.gen++;
		nlist->n = 0;
		for (k = 0; k < clist->n; k++) {
			const struct thr *t = &clist->t[k];
			const struct inst *in = &re->prog[t->pc];
			int ok = 0;

			switch (in->op) {
			case I_MATCH:
				memcpy(matched, t->caps, vm.ncapslots * sizeof(size_t));
				found = 1;
				k = clist->n; /* lower-priority threads lose */
				continue;
			case I_CHAR:
				ok = pos < n && (c == in->c || (in->fold && fold_lower(c) == fold_lower(in->c)));
				break;
			case I_CLASS:
				ok = pos < n && in_class(in, c);
				break;
			case I_ANY:
				ok = pos < n && c != '\n';
				break;
			case I_ANYNL:
				ok = pos < n;
				break;
			default:
				break;
			}
			if (ok)
				addthread(&vm, nlist, t->pc + 1, t->caps, pos + (size_t)len, 0);
		}
		tmp = clist;
		clist = nlist;
		nlist = tmp;
		if (pos >= n)
			break;
		pos += (size_t)len;
	}
	/* threads left in clist at the end of input may still reach MATCH */
	for (k = 0; k < clist->n && !found; k++) {
		if (re->prog[clist->t[k].pc].op == I_MATCH) {
			memcpy(matched, clist->t[k].caps, vm.ncapslots * sizeof(size_t));
			found = 1;
		}
	}
	if (found && m != NULL) {
		for (k = 0; k < nsub * 2; k++)
			m[k] = k < vm.ncapslots ? matched[k] : SIZE_MAX;
		for (k = 0; k + 1 < nsub * 2; k += 2)
			if (m[k] == SIZE_MAX || m[k + 1] == SIZE_MAX)
				m[k] = m[k + 1] = SIZE_MAX;
	}
out:
	ck_free(vm.mark);
	ck_free(a.t);
	ck_free(b.t);
	ck_free(a.capstore);
	ck_free(b.capstore);
	ck_free(matched);
	ck_free(init);
	return found;
}

/* Go's Regexp.expand: $1, ${1}, $name, ${name}, $$. */
static int expand(struct ck_buf *out, const struct ck_ext_regex *re, const char *repl,
                  size_t rn, const char *s, const size_t *m, size_t nm)
{
	size_t k = 0;
	int rc;

	while (k < rn) {
		const char *name;
		size_t nl, j, grp = SIZE_MAX;
		int braces = 0, num = 1;

		if (repl[k] != '$') {
			if ((rc = ck_buf_putc(out, repl[k++])) < 0)
				return rc;
			continue;
		}
		if (k + 1 < rn && repl[k + 1] == '$') {
			if ((rc = ck_buf_putc(out, '$')) < 0)
				return rc;
			k += 2;
			continue;
		}
		j = k + 1;
		if (j < rn && repl[j] == '{') {
			braces = 1;
			j++;
		}
		name = repl + j;
		while (j < rn && ((repl[j] >= 'a' && repl[j] <= 'z') || (repl[j] >= 'A' && repl[j] <= 'Z') ||
		                  (repl[j] >= '0' && repl[j] <= '9') || repl[j] == '_'))
			j++;
		nl = (size_t)(repl + j - name);
		if (nl == 0 || (braces && (j >= rn || repl[j] != '}'))) {
			/* malformed: the '$' is literal text */
			if ((rc = ck_buf_putc(out, '$')) < 0)
				return rc;
			k++;
			continue;
		}
		if (braces)
			j++;
		for (k = 0; k < nl; k++)
			if (name[k] < '0' || name[k] > '9')
				num = 0;
		if (num) {
			size_t v = 0;

			for (k = 0; k < nl && v < 100000; k++)
				v = v * 10 + (size_t)(name[k] - '0');
			grp = v;
		} else {
			for (k = 1; k < re->nnames; k++)
				if (re->names[k] && strlen(re->names[k]) == nl &&
				    memcmp(re->names[k], name, nl) == 0)
					grp = k;
		}
		if (grp < nm && m[2 * grp] != SIZE_MAX &&
		    (rc = ck_buf_put(out, s + m[2 * grp], m[2 * grp + 1] - m[2 * grp])) < 0)
			return rc;
		k = j;
	}
	return CK_OK;
}

int ck_ext_regex_replace_all(struct ck_buf *out, const struct ck_ext_regex *re, const char *s,
                             size_t n, const char *repl, size_t rn, int literal)
{
	size_t nm = (size_t)re->ncap, *m, last = 0, search = 0;
	int rc = CK_OK;

	if ((m = ck_calloc(nm * 2, sizeof(size_t))) == NULL)
		return ck_err_set(CK_ENOMEM, "regexp: out of memory");
	while (search <= n) {
		uint32_t c;
		int w;

		if (ck_ext_regex_match(re, s, n, search, m, nm) <= 0)
			break;
		if ((rc = ck_buf_put(out, s + last, m[0] - last)) < 0)
			goto out;
		/* no replacement for an empty match right after the previous match */
		if (m[1] > last || m[0] == 0) {
			rc = literal ? ck_buf_put(out, repl, rn) : expand(out, re, repl, rn, s, m, nm);
			if (rc < 0)
				goto out;
		}
		last = m[1];
		w = search < n ? ck_ext__utf8_decode((const unsigned char *)s + search, n - search, &c)
		               : 0;
		if (w < 0)
			w = 1;
		if (search + (size_t)w > m[1])
			search += (size_t)w;
		else if (search + 1 > m[1])
			search++;
		else
			search = m[1];
	}
	rc = ck_buf_put(out, s + last, n - last);
out:
	ck_free(m);
	return rc;
}
