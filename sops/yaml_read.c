/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML reader producing the sops tree directly, as sops builds it from
 * go-yaml v3 nodes: scalars typed by go-yaml's resolution rules, anchors and
 * aliases expanded, tags dropped (except the core ones that force a type),
 * every comment line an item of the map or sequence it belongs to:
 *
 *  - own-line comments before an item go in front of that item;
 *  - comments after the last item of a block that ends go to that block
 *    when they are indented at least as much as its entries, otherwise to
 *    the enclosing block (the first such comment and everything after it);
 *  - `key: value  # c` and `- value  # c` give an inline comment placed
 *    before the item; `key:  # c` (block value below) a plain one.
 *
 * It reads the text once, points scalars into the source where no
 * unescaping is needed, and builds each map and sequence as one array.
 * Limits: nesting depth, node count (alias bombs) -> CK_ETOOBIG.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_internal.h"
#include "yaml.h"

struct pcom {
	const char *s;
	uint32_t len, col, line;
};

struct anchor {
	const char *name;
	size_t len;
	struct ck_sops_node node;
};

struct yr {
	struct ck_sops_tree *t;
	const char *s, *end, *p, *bol;
	uint32_t line;
	int secret;
	int doc;   /* index of the document being read */
	unsigned depth;
	struct ck_sops_node *stk;
	size_t nstk, capstk;
	struct pcom *pend;
	size_t npend, cappend;
	struct anchor *anc;
	size_t nanc, capanc;
	struct ck_buf canon;
	struct ck_buf tmp;
};

/* What follows a parsed node on its line. */
struct tail {
	const char *com; /* line comment text (after '#'), or NULL */
	uint32_t comlen;
	int scalar;      /* the node was a scalar or alias (comment is inline) */
};

static int perr(struct yr *r, const char *msg)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
	                       "yaml: line %u: %s", r->line, msg);
}

static int oom(void)
{
	return ck_err_set(CK_ENOMEM, "sops: out of memory");
}

/* ---- character classes ---- */

static int at_end(const struct yr *r)
{
	return r->p >= r->end;
}

static int is_brk(const struct yr *r, const char *q)
{
	return q < r->end && (*q == '\n' || *q == '\r');
}

static int is_blank_c(char c)
{
	return c == ' ' || c == '\t';
}

/* blank, break or end */
static int is_blankz(const struct yr *r, const char *q)
{
	return q >= r->end || *q == ' ' || *q == '\t' || *q == '\n' || *q == '\r';
}

static uint32_t col(const struct yr *r)
{
	return (uint32_t)(r->p - r->bol);
}

/* Consume one line break at p. */
static void eat_break(struct yr *r)
{
	if (r->p < r->end && *r->p == '\r')
		r->p++;
	if (r->p < r->end && *r->p == '\n')
		r->p++;
	r->bol = r->p;
	r->line++;
}

static void skip_blanks(struct yr *r)
{
	while (r->p < r->end && is_blank_c(*r->p))
		r->p++;
}

/* Text of a comment starting at '#': up to the line break (CR dropped). */
static const char *comment_at(struct yr *r, uint32_t *len)
{
	const char *s = r->p + 1, *e = s;

	while (e < r->end && *e != '\n' && *e != '\r')
		e++;
	*len = (uint32_t)(e - s);
	r->p = e;
	return s;
}

static int add_pending(struct yr *r, const char *s, uint32_t len, uint32_t c)
{
	if (r->npend == r->cappend) {
		size_t nc = r->cappend ? r->cappend * 2 : 16;
		struct pcom *np = ck_calloc(nc, sizeof(*np));

		if (np == NULL)
			return oom();
		if (r->pend != NULL) {
			memcpy(np, r->pend, r->npend * sizeof(*np));
			ck_free(r->pend);
		}
		r->pend = np;
		r->cappend = nc;
	}
	r->pend[r->npend].s = s;
	r->pend[r->npend].len = len;
	r->pend[r->npend].col = c;
	r->pend[r->npend].line = r->line;
	r->npend++;
	return CK_OK;
}

/*
 * Skip to the next line with content, collecting own-line comments. On
 * return p is at the first content character (or the end), and the return
 * value is its column. Tabs may not indent content.
 */
static int next_content(struct yr *r, uint32_t *c)
{
	int rc;

	for (;;) {
		skip_blanks(r);
		if (at_end(r))
			break;
		if (*r->p == '#') {
			uint32_t cc = col(r), len;
			const char *s = comment_at(r, &len);

			if ((rc = add_pending(r, s, len, cc)) < 0)
				return rc;
			continue;
		}
		if (is_brk(r, r->p)) {
			eat_break(r);
			continue;
		}
		/* content: check its indentation is made of spaces */
		{
			const char *q;

			for (q = r->bol; q < r->p; q++)
				if (*q == '\t')
					return perr(r, "found a tab character that violates indentation");
		}
		break;
	}
	*c = col(r);
	return CK_OK;
}

/* ---- the work stack ---- */

static int push(struct yr *r, const struct ck_sops_node *n)
{
	if (r->nstk == r->capstk) {
		size_t nc = r->capstk ? r->capstk * 2 : 256;
		struct ck_sops_node *ns = ck_calloc(nc, sizeof(*ns));

		if (ns == NULL)
			return oom();
		if (r->stk != NULL) {
			memcpy(ns, r->stk, r->nstk * sizeof(*ns));
			ck_free(r->stk);
		}
		r->stk = ns;
		r->capstk = nc;
	}
	if (++r->t->nodes > CK_SOPS_MAX_NODES)
		return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "yaml: document has too many nodes");
	r->stk[r->nstk++] = *n;
	return CK_OK;
}

static int push_comment(struct yr *r, int in_map, const char *s, uint32_t len, int inline_,
                        uint32_t line)
{
	struct ck_sops_node n;
	int rc;

	memset(&n, 0, sizeof(n));
	n.type = CK_SOPS_COMMENT;
	n.flags = inline_ ? CK_SOPS_F_INLINE : 0;
	n.len = len;
	n.u.s = s;
	n.line = (uint16_t)(line > 65535 ? 65535 : line);
	if ((rc = push(r, &n)) < 0)
		return rc;
	if (in_map) {
		ck_sops_node_null(&n);
		n.flags = CK_SOPS_F_NONE;
		return push(r, &n);
	}
	return CK_OK;
}

/* Move all pending comments into the container being built (before an item). */
static int flush_pending(struct yr *r, int in_map)
{
	size_t i;
	int rc;

	for (i = 0; i < r->npend; i++)
		if ((rc = push_comment(r, in_map, r->pend[i].s, r->pend[i].len, 0,
		                       r->pend[i].line)) < 0)
			return rc;
	r->npend = 0;
	return CK_OK;
}

/* A block closes: the leading pending comments indented >= minc are its own. */
static int take_trailing(struct yr *r, int in_map, uint32_t minc)
{
	size_t i, k;
	int rc;

	for (k = 0; k < r->npend && r->pend[k].col >= minc; k++)
		if ((rc = push_comment(r, in_map, r->pend[k].s, r->pend[k].len, 0,
		                       r->pend[k].line)) < 0)
			return rc;
	for (i = k; i < r->npend; i++)
		r->pend[i - k] = r->pend[i];
	r->npend -= k;
	return CK_OK;
}

/* Pop kids [base, nstk) into an arena array of node out. */
static int finish(struct yr *r, size_t base, enum ck_sops_type type, struct ck_sops_node *out,
                  uint32_t line)
{
	size_t n = r->nstk - base;
	struct ck_sops_node *kids = NULL;

	if (n > UINT32_MAX)
		return ck_err_set(CK_ETOOBIG, "yaml: collection too big");
	if (n > 0) {
		if ((kids = ck_sops_tree_alloc(r->t, n * sizeof(*kids), 0)) == NULL)
			return CK_ENOMEM;
		memcpy(kids, r->stk + base, n * sizeof(*kids));
	}
	r->nstk = base;
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	out->len = (uint32_t)n;
	out->u.kids = kids;
	out->line = (uint16_t)(line > 65535 ? 65535 : line);
	return CK_OK;
}

/* ---- scalars ---- */

/* Make a scalar node from raw text (typed unless quoted or keyed as str). */
static int make_scalar(struct yr *r, struct ck_sops_node *out, const char *s, size_t n,
                       int plain, const char *tag, size_t taglen, int copy, uint32_t line)
{
	int type;

	if (n > UINT32_MAX)
		return ck_err_set(CK_ETOOBIG, "yaml: scalar too long");
	ck_buf_reset(&r->canon);
	type = ck_sops__yaml_resolve(&r->canon, s, n, plain, tag, taglen);
	if (type < 0)
		return ck_err_set_exit(type, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "yaml: line %u: %s", line, ck_err_last()->msg);
	memset(out, 0, sizeof(*out));
	out->line = (uint16_t)(line > 65535 ? 65535 : line);
	if (type & CK_SOPS_RESOLVED_BYTES) {
		type &= ~CK_SOPS_RESOLVED_BYTES;
		s = (const char *)ck_buf_data(&r->canon);
		n = ck_buf_len(&r->canon);
		copy = 1;
	} else if (type != CK_SOPS_STR && type != CK_SOPS_NULL) {
		s = (const char *)ck_buf_data(&r->canon);
		n = ck_buf_len(&r->canon);
		copy = 1;
	}
	out->type = (uint8_t)type;
	if (type == CK_SOPS_NULL)
		return CK_OK;
	out->len = (uint32_t)n;
	if (copy) {
		char *c = ck_sops_tree_strdup(r->t, s, n, r->secret);

		if (c == NULL)
			return CK_ENOMEM;
		out->u.s = c;
		if (r->secret)
			out->flags |= CK_SOPS_F_SECRET;
	} else {
		out->u.s = s;
	}
	return CK_OK;
}

/* Append a UTF-8 encoding of code point u. */
static int put_utf8(struct ck_buf *b, uint32_t u)
{
	uint8_t o[4];
	size_t n;

	if (u < 0x80) {
		o[0] = (uint8_t)u;
		n = 1;
	} else if (u < 0x800) {
		o[0] = (uint8_t)(0xc0 | u >> 6);
		o[1] = (uint8_t)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		o[0] = (uint8_t)(0xe0 | u >> 12);
		o[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		o[0] = (uint8_t)(0xf0 | u >> 18);
		o[1] = (uint8_t)(0x80 | ((u >> 12) & 0x3f));
		o[2] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
		o[3] = (uint8_t)(0x80 | (u & 0x3f));
		n = 4;
	}
	return ck_buf_put(b, o, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_doc_marker(const struct yr *r, const char *q)
{
	return q == r->bol && r->end - q >= 3 &&
	       ((q[0] == '-' && q[1] == '-' && q[2] == '-') ||
	        (q[0] == '.' && q[1] == '.' && q[2] == '.')) &&
	       is_blankz(r, q + 3);
}

/*
 * Fold the whitespace between two chunks of a multi-line flow/plain scalar
 * (YAML line folding): one break -> space, n+1 breaks -> n newlines.
 */
struct fold {
	int leading_blanks;
	size_t ws_start, ws_len; /* whitespace run in the source */
	int breaks;              /* breaks seen after the first */
	int first_nl;            /* the first break was a line feed */
};

static int fold_join(struct yr *r, struct fold *f, struct ck_buf *b)
{
	int rc = CK_OK, i;

	if (f->leading_blanks) {
		if (f->breaks == 0)
			rc = ck_buf_putc(b, ' ');
		for (i = 0; rc == CK_OK && i < f->breaks; i++)
			rc = ck_buf_putc(b, '\n');
	} else if (f->ws_len > 0) {
		rc = ck_buf_put(b, r->s + f->ws_start, f->ws_len);
	}
	memset(f, 0, sizeof(*f));
	return rc < 0 ? oom() : CK_OK;
}

/* Quoted scalar at p (quote char q); text into r->tmp. YAML folding as
 * libyaml does it: a line break becomes a space, n+1 breaks n newlines,
 * an escaped break ("\" at the end of a line) joins without a space. */
static int scan_quoted(struct yr *r, char q)
{
	struct ck_buf *b = &r->tmp;
	int rc = CK_OK;

	ck_buf_reset(b);
	r->p++;
	for (;;) {
		int leading_blanks = 0, esc_break = 0, tb = 0;
		size_t ws_start = 0, ws_len = 0;

		if (at_end(r))
			return perr(r, "found unexpected end of stream while scanning a quoted scalar");
		if (is_doc_marker(r, r->p))
			return perr(r, "found unexpected document indicator while scanning a quoted scalar");
		while (!is_blankz(r, r->p)) {
			char c = *r->p;

			if (c == '\'' && q == '\'' && r->p + 1 < r->end && r->p[1] == '\'') {
				if (ck_buf_putc(b, '\'') < 0)
					return oom();
				r->p += 2;
				continue;
			}
			if (c == q) {
				r->p++;
				return CK_OK;
			}
			if (c == '\\' && q == '"') {
				const char *e = r->p + 1;
				uint32_t u = 0;
				int nh = 0, k;

				if (e >= r->end)
					return perr(r, "found unexpected end of stream");
				if (*e == '\n' || *e == '\r') {
					r->p = e;
					eat_break(r);
					leading_blanks = 1;
					esc_break = 1;
					break;
				}
				switch (*e) {
				case '0': rc = ck_buf_putc(b, 0); break;
				case 'a': rc = ck_buf_putc(b, 7); break;
				case 'b': rc = ck_buf_putc(b, 8); break;
				case 't':
				case '\t': rc = ck_buf_putc(b, 9); break;
				case 'n': rc = ck_buf_putc(b, 10); break;
				case 'v': rc = ck_buf_putc(b, 11); break;
				case 'f': rc = ck_buf_putc(b, 12); break;
				case 'r': rc = ck_buf_putc(b, 13); break;
				case 'e': rc = ck_buf_putc(b, 27); break;
				case ' ': rc = ck_buf_putc(b, ' '); break;
				case '"': rc = ck_buf_putc(b, '"'); break;
				case '/': rc = ck_buf_putc(b, '/'); break;
				case '\\': rc = ck_buf_putc(b, '\\'); break;
				case 'N': rc = put_utf8(b, 0x85); break;
				case '_': rc = put_utf8(b, 0xa0); break;
				case 'L': rc = put_utf8(b, 0x2028); break;
				case 'P': rc = put_utf8(b, 0x2029); break;
				case 'x': nh = 2; break;
				case 'u': nh = 4; break;
				case 'U': nh = 8; break;
				default:
					return perr(r, "found unknown escape character while parsing a quoted scalar");
				}
				if (rc < 0)
					return oom();
				if (nh > 0) {
					if (r->end - (e + 1) < nh)
						return perr(r, "found unexpected end of stream");
					for (k = 1; k <= nh; k++) {
						int h = hexval(e[k]);

						if (h < 0)
							return perr(r, "did not find expected hexdecimal number");
						u = u << 4 | (uint32_t)h;
					}
					if ((u >= 0xd800 && u <= 0xdfff) || u > 0x10ffff)
						return perr(r, "found invalid Unicode character escape code");
					if (put_utf8(b, u) < 0)
						return oom();
					e += nh;
				}
				r->p = e + 1;
				continue;
			}
			if (ck_buf_putc(b, c) < 0)
				return oom();
			r->p++;
		}
		while (r->p < r->end && (is_blank_c(*r->p) || is_brk(r, r->p))) {
			if (is_blank_c(*r->p)) {
				if (!leading_blanks) {
					if (ws_len == 0)
						ws_start = (size_t)(r->p - r->s);
					ws_len++;
				}
				r->p++;
			} else {
				if (!leading_blanks) {
					ws_len = 0;
					leading_blanks = 1;
				} else {
					tb++;
				}
				eat_break(r);
			}
		}
		if (leading_blanks) {
			if (!esc_break && tb == 0)
				rc = ck_buf_putc(b, ' ');
			for (; rc == CK_OK && tb > 0; tb--)
				rc = ck_buf_putc(b, '\n');
		} else if (ws_len > 0) {
			rc = ck_buf_put(b, r->s + ws_start, ws_len);
		}
		if (rc < 0)
			return oom();
	}
}

/*
 * Plain scalar starting at p. min_col: continuation lines need a column >=
 * min_col (block context); flow: inside a flow collection. Sets *text, *n
 * (pointing into the source when on one line, else into r->tmp) and *copy.
 */

static int scan_plain(struct yr *r, uint32_t min_col, int flow, const char **text, size_t *n,
                      int *copy)
{
	const char *start = r->p, *chunk_end = r->p;
	struct ck_buf *b = &r->tmp;
	struct fold f;
	int multi = 0, rc;

	memset(&f, 0, sizeof(f));
	for (;;) {
		const char *cs;

		if (is_doc_marker(r, r->p) || (r->p < r->end && *r->p == '#'))
			break;
		cs = r->p;
		while (!is_blankz(r, r->p)) {
			char c;

			/* skip ordinary bytes fast: only blanks, breaks, ':' and
			 * (in flow context) ",[]{}" can end a plain scalar */
			/* the source ends with a NUL (ck_buf): strcspn's vector
			 * search, stepping over NUL bytes inside the text */
			while (r->p < r->end) {
				r->p += strcspn(r->p, flow ? " \t\n\r:,[]{}" : " \t\n\r:");
				if (r->p < r->end && *r->p == '\0') {
					r->p++;
					continue;
				}
				break;
			}
			if (is_blankz(r, r->p))
				break;
			c = *r->p;
			if (c == ':' && is_blankz(r, r->p + 1))
				break;
			if (c == ':' && flow && r->p + 1 < r->end &&
			    strchr(",[]{}", r->p[1]) != NULL)
				break;
			if (flow && strchr(",[]{}", c) != NULL)
				break;
			r->p++;
		}
		if (r->p == cs)
			break;
		if (multi) {
			if ((rc = fold_join(r, &f, b)) < 0)
				return rc;
			if (ck_buf_put(b, cs, (size_t)(r->p - cs)) < 0)
				return oom();
		}
		chunk_end = r->p;
		if (!(r->p < r->end && (is_blank_c(*r->p) || is_brk(r, r->p))))
			break;
		/* whitespace: look ahead without committing past a comment or dedent */
		{
			const char *save_p = r->p, *save_bol = r->bol;
			uint32_t save_line = r->line;
			struct fold nf;

			memset(&nf, 0, sizeof(nf));
			while (r->p < r->end && (is_blank_c(*r->p) || is_brk(r, r->p))) {
				if (is_blank_c(*r->p)) {
					if (!nf.leading_blanks) {
						if (nf.ws_len == 0)
							nf.ws_start = (size_t)(r->p - r->s);
						nf.ws_len++;
					}
					r->p++;
				} else {
					if (!nf.leading_blanks) {
						nf.ws_len = 0;
						nf.leading_blanks = 1;
					} else {
						nf.breaks++;
					}
					eat_break(r);
				}
			}
			if (at_end(r) || *r->p == '#' || (nf.leading_blanks && !flow && col(r) < min_col) ||
			    (nf.leading_blanks && is_doc_marker(r, r->p)) ||
			    (*r->p == ':' && is_blankz(r, r->p + 1)) ||
			    (flow && strchr(",[]{}", *r->p) != NULL)) {
				/* the scalar ended at chunk_end: rewind the whitespace */
				r->p = save_p;
				r->bol = save_bol;
				r->line = save_line;
				break;
			}
			if (nf.leading_blanks && !flow) {
				const char *q;

				for (q = r->bol; q < r->p; q++)
					if (*q == '\t' && (uint32_t)(q - r->bol) < min_col)
						return perr(r, "found a tab character that violates indentation");
			}
			if (!multi) {
				ck_buf_reset(b);
				if (ck_buf_put(b, start, (size_t)(chunk_end - start)) < 0)
					return oom();
				multi = 1;
			}
			f = nf;
		}
	}
	if (multi) {
		*text = (const char *)ck_buf_data(b);
		*n = ck_buf_len(b);
		*copy = 1;
	} else {
		*text = start;
		*n = (size_t)(chunk_end - start);
		*copy = 0;
	}
	return CK_OK;
}

/* Block scalar (| or >) header at p; parent_indent is the block's indent. */
static int scan_block_scalar(struct yr *r, int parent_indent, struct tail *tl)
{
	struct ck_buf *b = &r->tmp;
	int literal = *r->p == '|', chomp = 0, incr = 0, indent = 0, max_indent = 0;
	int leading_blank = 0, trailing_blank, lb = 0, tbreaks = 0, i;
	const char *body;

	ck_buf_reset(b);
	r->p++;
	for (i = 0; i < 2 && r->p < r->end; i++) {
		char c = *r->p;

		if ((c == '+' || c == '-') && chomp == 0) {
			chomp = c == '+' ? 1 : -1;
			r->p++;
		} else if (c >= '0' && c <= '9' && incr == 0) {
			if (c == '0')
				return perr(r, "found an indentation indicator equal to 0");
			incr = c - '0';
			r->p++;
		} else {
			break;
		}
	}
	skip_blanks(r);
	if (r->p < r->end && *r->p == '#') {
		tl->com = comment_at(r, &tl->comlen);
		tl->scalar = 1;
	}
	if (!at_end(r) && !is_brk(r, r->p))
		return perr(r, "did not find expected comment or line break");
	if (!at_end(r))
		eat_break(r);
	body = r->p;
	if (incr)
		indent = (parent_indent >= 0 ? parent_indent : 0) + incr;
	/* leading empty lines */
	for (;;) {
		while ((indent == 0 || (int)col(r) < indent) && r->p < r->end && *r->p == ' ')
			r->p++;
		if ((int)col(r) > max_indent)
			max_indent = (int)col(r);
		if ((indent == 0 || (int)col(r) < indent) && r->p < r->end && *r->p == '\t')
			return perr(r, "found a tab character where an indentation space is expected");
		if (!is_brk(r, r->p))
			break;
		eat_break(r);
		tbreaks++;
	}
	if (indent == 0) {
		indent = max_indent;
		if (indent < parent_indent + 1)
			indent = parent_indent + 1;
		if (indent < 1)
			indent = 1;
	}
	while ((int)col(r) == indent && !at_end(r)) {
		const char *ls;

		trailing_blank = is_blank_c(*r->p);
		if (!literal && lb && !leading_blank && !trailing_blank) {
			if (tbreaks == 0 && ck_buf_putc(b, ' ') < 0)
				return oom();
			lb = 0;
		} else if (lb) {
			if (ck_buf_putc(b, '\n') < 0)
				return oom();
			lb = 0;
		}
		for (; tbreaks > 0; tbreaks--)
			if (ck_buf_putc(b, '\n') < 0)
				return oom();
		leading_blank = is_blank_c(*r->p);
		ls = r->p;
		while (r->p < r->end && !is_brk(r, r->p))
			r->p++;
		if (ck_buf_put(b, ls, (size_t)(r->p - ls)) < 0)
			return oom();
		if (at_end(r))
			break;
		eat_break(r);
		lb = 1;
		for (;;) {
			while ((int)col(r) < indent && r->p < r->end && *r->p == ' ')
				r->p++;
			if ((int)col(r) < indent && r->p < r->end && *r->p == '\t')
				return perr(r, "found a tab character where an indentation space is expected");
			if (!is_brk(r, r->p))
				break;
			eat_break(r);
			tbreaks++;
		}
	}
	if (chomp != -1 && lb && ck_buf_putc(b, '\n') < 0)
		return oom();
	if (chomp == 1)
		for (; tbreaks > 0; tbreaks--)
			if (ck_buf_putc(b, '\n') < 0)
				return oom();
	/* leave p at the start of the line that ended the scalar (not when the
	 * header was the last line: that line is behind us) */
	if (r->bol >= body)
		r->p = r->bol;
	return CK_OK;
}

/* ---- properties: &anchor, !tag ---- */

struct props {
	const char *anchor, *tag;
	size_t anchorlen, taglen;
};

static int scan_props(struct yr *r, struct props *pr)
{
	memset(pr, 0, sizeof(*pr));
	for (;;) {
		if (r->p < r->end && *r->p == '&' && pr->anchor == NULL) {
			const char *s = ++r->p;

			while (!is_blankz(r, r->p) && strchr(",[]{}", *r->p) == NULL)
				r->p++;
			if (r->p == s)
				return perr(r, "did not find expected alphabetic or numeric character");
			pr->anchor = s;
			pr->anchorlen = (size_t)(r->p - s);
		} else if (r->p < r->end && *r->p == '!' && pr->tag == NULL) {
			const char *s = r->p;

			if (r->p + 1 < r->end && r->p[1] == '<') {
				while (r->p < r->end && *r->p != '>' && !is_brk(r, r->p))
					r->p++;
				if (r->p >= r->end || *r->p != '>')
					return perr(r, "did not find the expected '>'");
				r->p++;
			} else {
				while (!is_blankz(r, r->p) && strchr(",[]{}", *r->p) == NULL)
					r->p++;
			}
			pr->tag = s;
			pr->taglen = (size_t)(r->p - s);
			/* verbatim tag.yaml.org forms are handled by the resolver */
			if (pr->taglen > 3 && memcmp(s, "!<", 2) == 0) {
				pr->tag = s + 2;
				pr->taglen -= 3;
			}
		} else {
			break;
		}
		skip_blanks(r);
	}
	return CK_OK;
}

static int def_anchor(struct yr *r, const struct props *pr, const struct ck_sops_node *n)
{
	size_t i;

	if (pr->anchor == NULL)
		return CK_OK;
	for (i = 0; i < r->nanc; i++) {
		if (r->anc[i].len == pr->anchorlen &&
		    memcmp(r->anc[i].name, pr->anchor, pr->anchorlen) == 0) {
			r->anc[i].node = *n; /* a later definition wins */
			return CK_OK;
		}
	}
	if (r->nanc == r->capanc) {
		size_t nc = r->capanc ? r->capanc * 2 : 8;
		struct anchor *na = ck_calloc(nc, sizeof(*na));

		if (na == NULL)
			return oom();
		if (r->anc != NULL) {
			memcpy(na, r->anc, r->nanc * sizeof(*na));
			ck_free(r->anc);
		}
		r->anc = na;
		r->capanc = nc;
	}
	r->anc[r->nanc].name = pr->anchor;
	r->anc[r->nanc].len = pr->anchorlen;
	r->anc[r->nanc].node = *n;
	r->nanc++;
	return CK_OK;
}

static int scan_alias(struct yr *r, struct ck_sops_node *out)
{
	const char *s = ++r->p;
	size_t i;

	while (!is_blankz(r, r->p) && strchr(",[]{}", *r->p) == NULL)
		r->p++;
	if (r->p == s)
		return perr(r, "did not find expected alphabetic or numeric character");
	for (i = r->nanc; i-- > 0;) {
		if (r->anc[i].len == (size_t)(r->p - s) && memcmp(r->anc[i].name, s, r->anc[i].len) == 0)
			/* go-yaml hands sops an expanded copy for every alias */
			return ck_sops_node_clone(r->t, out, &r->anc[i].node);
	}
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
	                       "yaml: line %u: unknown anchor '%.*s' referenced", r->line,
	                       (int)(r->p - s), s);
}

/* Rest of the line after a node: blanks, then a comment or a break/end. */
static int line_tail(struct yr *r, struct tail *tl, int scalar)
{
	skip_blanks(r);
	if (r->p < r->end && *r->p == '#') {
		tl->com = comment_at(r, &tl->comlen);
		tl->scalar = scalar;
	}
	return CK_OK;
}

/* ---- flow collections ---- */

static int parse_flow(struct yr *r, struct ck_sops_node *out);

/* Skip whitespace, breaks and comments inside a flow collection. */
static int flow_ws(struct yr *r, size_t base, int in_map)
{
	int rc;

	(void)base;
	for (;;) {
		skip_blanks(r);
		if (at_end(r))
			return perr(r, "did not find expected ',' or ']'");
		if (*r->p == '#') {
			uint32_t len, line = r->line;
			const char *s = comment_at(r, &len);

			if ((rc = push_comment(r, in_map, s, len, 0, line)) < 0)
				return rc;
			continue;
		}
		if (is_brk(r, r->p)) {
			eat_break(r);
			continue;
		}
		return CK_OK;
	}
}

static int flow_node(struct yr *r, struct ck_sops_node *out, int *was_key_candidate)
{
	struct props pr;
	const char *text;
	size_t n;
	int copy, rc;
	uint32_t line;

	(void)was_key_candidate;
	if ((rc = scan_props(r, &pr)) < 0)
		return rc;
	line = r->line;
	if (at_end(r))
		return perr(r, "did not find expected node content");
	if (*r->p == '[' || *r->p == '{') {
		if (++r->depth > CK_SOPS_MAX_DEPTH)
			return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
			                       "yaml: line %u: nesting too deep", r->line);
		rc = parse_flow(r, out);
		r->depth--;
	} else if (*r->p == '*') {
		rc = scan_alias(r, out);
	} else if (*r->p == '"' || *r->p == '\'') {
		if ((rc = scan_quoted(r, *r->p)) == CK_OK)
			rc = make_scalar(r, out, (const char *)ck_buf_data(&r->tmp), ck_buf_len(&r->tmp),
			                 0, pr.tag, pr.taglen, 1, line);
	} else if (*r->p == ',' || *r->p == ']' || *r->p == '}' ||
	           (*r->p == ':' && is_blankz(r, r->p + 1))) {
		/* empty node */
		ck_sops_node_null(out);
		rc = CK_OK;
	} else {
		if ((rc = scan_plain(r, 0, 1, &text, &n, &copy)) == CK_OK)
			rc = make_scalar(r, out, text, n, 1, pr.tag, pr.taglen, copy, line);
	}
	if (rc < 0)
		return rc;
	return def_anchor(r, &pr, out);
}

static int parse_flow(struct yr *r, struct ck_sops_node *out)
{
	int is_map = *r->p == '{', rc;
	char close = is_map ? '}' : ']';
	size_t base = r->nstk;
	uint32_t line = r->line;

	r->p++;
	for (;;) {
		struct ck_sops_node k, v;

		if ((rc = flow_ws(r, base, is_map)) < 0)
			return rc;
		if (*r->p == close) {
			r->p++;
			break;
		}
		if (*r->p == '?' && is_blankz(r, r->p + 1))
			return perr(r, "complex mapping keys are not supported");
		if ((rc = flow_node(r, &k, NULL)) < 0)
			return rc;
		if ((rc = flow_ws(r, base, is_map)) < 0)
			return rc;
		if (*r->p == ':') {
			/* a pair: in a flow sequence it is a one-pair map */
			size_t pbase = r->nstk;

			r->p++;
			if ((rc = flow_ws(r, base, is_map)) < 0)
				return rc;
			if (*r->p == ',' || *r->p == close) {
				ck_sops_node_null(&v);
			} else if ((rc = flow_node(r, &v, NULL)) < 0) {
				return rc;
			}
			if (k.type != CK_SOPS_STR)
				k.flags |= CK_SOPS_F_BADKEY;
			if (is_map) {
				if ((rc = push(r, &k)) < 0 || (rc = push(r, &v)) < 0)
					return rc;
			} else {
				struct ck_sops_node m;

				if ((rc = push(r, &k)) < 0 || (rc = push(r, &v)) < 0 ||
				    (rc = finish(r, pbase, CK_SOPS_MAP, &m, line)) < 0 ||
				    (rc = push(r, &m)) < 0)
					return rc;
			}
		} else if (is_map) {
			if (k.type != CK_SOPS_STR)
				k.flags |= CK_SOPS_F_BADKEY;
			ck_sops_node_null(&v);
			if ((rc = push(r, &k)) < 0 || (rc = push(r, &v)) < 0)
				return rc;
		} else if ((rc = push(r, &k)) < 0) {
			return rc;
		}
		if ((rc = flow_ws(r, base, is_map)) < 0)
			return rc;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p != close)
			return perr(r, is_map ? "did not find expected ',' or '}'"
			                      : "did not find expected ',' or ']'");
	}
	return finish(r, base, is_map ? CK_SOPS_MAP : CK_SOPS_SEQ, out, line);
}

/* ---- block structure ---- */

enum ctx { C_ROOT, C_MAPVAL, C_SEQITEM };

static int parse_block_map(struct yr *r, uint32_t indent, struct ck_sops_node *out);
static int parse_block_seq(struct yr *r, uint32_t indent, int indentless,
                           struct ck_sops_node *out);

/*
 * Is there an implicit key (scalar followed by ':' and a blank) at p on this
 * line? Properties before it are allowed.
 */
static int looks_like_key(const struct yr *r)
{
	const char *q = r->p;

	while (q < r->end && (*q == '&' || *q == '!')) {
		while (!is_blankz(r, q))
			q++;
		while (q < r->end && is_blank_c(*q))
			q++;
	}
	if (q >= r->end)
		return 0;
	if (*q == '"' || *q == '\'') {
		char quote = *q++;

		while (q < r->end && *q != '\n' && *q != '\r') {
			if (*q == '\\' && quote == '"' && q + 1 < r->end && q[1] != '\n') {
				q += 2;
				continue;
			}
			if (*q == quote) {
				if (quote == '\'' && q + 1 < r->end && q[1] == '\'') {
					q += 2;
					continue;
				}
				break;
			}
			q++;
		}
		if (q >= r->end || *q != quote)
			return 0;
		q++;
		while (q < r->end && is_blank_c(*q))
			q++;
		return q < r->end && *q == ':' && is_blankz(r, q + 1);
	}
	if (*q == '*') {
		while (!is_blankz(r, q))
			q++;
		while (q < r->end && is_blank_c(*q))
			q++;
		return q < r->end && *q == ':' && is_blankz(r, q + 1);
	}
	if (strchr("[]{},#|>@`%", *q) != NULL)
		return 0;
	if ((*q == '-' || *q == '?') && is_blankz(r, q + 1))
		return 0;
	for (; q < r->end && *q != '\n' && *q != '\r'; q++) {
		if (*q == ':' && is_blankz(r, q + 1))
			return 1;
		if (*q == '#' && q > r->p && is_blank_c(q[-1]))
			return 0;
	}
	return 0;
}

/* An explicit key indicator "? " (go-yaml writes one for keys longer than
 * 128 characters). */
static int is_qkey(const struct yr *r)
{
	return r->p < r->end && *r->p == '?' && is_blankz(r, r->p + 1);
}

/*
 * A block node. parent: the indentation of the block it belongs to (-1 at
 * the root). The node may start on this line (after ':' or '-') or on the
 * next lines.
 */
static int parse_node(struct yr *r, int parent, enum ctx cx, struct ck_sops_node *out,
                      struct tail *tl)
{
	struct props pr;
	const char *text;
	size_t n;
	uint32_t c, line;
	int copy, rc, have_props;

	memset(tl, 0, sizeof(*tl));
	skip_blanks(r);
	if ((cx == C_SEQITEM || cx == C_ROOT) && !at_end(r) && *r->p != '#' && !is_brk(r, r->p) &&
	    (looks_like_key(r) || is_qkey(r)))
		return parse_block_map(r, col(r), out);
	if ((rc = scan_props(r, &pr)) < 0)
		return rc;
	have_props = pr.anchor != NULL || pr.tag != NULL;
	line = r->line;
	if (!at_end(r) && *r->p != '#' && !is_brk(r, r->p)) {
		/* content on this line */
		char ch = *r->p;

		if (ch == '|' || ch == '>') {
			if ((rc = scan_block_scalar(r, parent, tl)) < 0 ||
			    (rc = make_scalar(r, out, (const char *)ck_buf_data(&r->tmp),
			                      ck_buf_len(&r->tmp), 0, pr.tag, pr.taglen, 1, line)) < 0)
				return rc;
			return def_anchor(r, &pr, out);
		}
		if (ch == '[' || ch == '{') {
			if (++r->depth > CK_SOPS_MAX_DEPTH)
				return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
				                       "yaml: line %u: nesting too deep", r->line);
			rc = parse_flow(r, out);
			r->depth--;
			if (rc < 0 || (rc = def_anchor(r, &pr, out)) < 0)
				return rc;
			skip_blanks(r);
			if (r->p < r->end && *r->p == ':' && is_blankz(r, r->p + 1))
				return perr(r, "flow collections as mapping keys are not supported");
			return line_tail(r, tl, 0);
		}
		if ((cx == C_SEQITEM || cx == C_ROOT) && ch == '-' && is_blankz(r, r->p + 1)) {
			if (have_props)
				return perr(r, "block sequence entries are not allowed in this context");
			rc = parse_block_seq(r, col(r), 0, out);
			return rc;
		}
		if (ch == '?' && is_blankz(r, r->p + 1))
			return perr(r, "complex mapping keys are not supported");
		if (cx == C_MAPVAL && ch == '-' && is_blankz(r, r->p + 1))
			return perr(r, "block sequence entries are not allowed in this context");
		/* "a: b: c" is refused below, once the scalar stops at ": " */
		if (ch == '*') {
			if ((rc = scan_alias(r, out)) < 0)
				return rc;
		} else if (ch == '"' || ch == '\'') {
			if ((rc = scan_quoted(r, ch)) < 0 ||
			    (rc = make_scalar(r, out, (const char *)ck_buf_data(&r->tmp),
			                      ck_buf_len(&r->tmp), 0, pr.tag, pr.taglen, 1, line)) < 0)
				return rc;
		} else {
			if (strchr("@`", ch) != NULL)
				return perr(r, "found character that cannot start any token");
			if ((rc = scan_plain(r, (uint32_t)(parent + 1), 0, &text, &n, &copy)) < 0 ||
			    (rc = make_scalar(r, out, text, n, 1, pr.tag, pr.taglen, copy, line)) < 0)
				return rc;
		}
		if ((rc = def_anchor(r, &pr, out)) < 0)
			return rc;
		skip_blanks(r);
		if (r->p < r->end && *r->p == ':' && is_blankz(r, r->p + 1))
			return perr(r, "mapping values are not allowed in this context");
		return line_tail(r, tl, 1);
	}
	/* nothing more on this line: a comment here belongs to the key or dash */
	if (r->p < r->end && *r->p == '#') {
		tl->com = comment_at(r, &tl->comlen);
		tl->scalar = 0;
	}
	if ((rc = next_content(r, &c)) < 0)
		return rc;
	if (at_end(r) || is_doc_marker(r, r->p)) {
		ck_sops_node_null(out);
		goto typed_null;
	}
	if ((int)c > parent) {
		char ch = *r->p;

		if (ch == '-' && is_blankz(r, r->p + 1)) {
			rc = parse_block_seq(r, c, 0, out);
		} else if (looks_like_key(r) || is_qkey(r)) {
			rc = parse_block_map(r, c, out);
		} else {
			/* a scalar (or flow collection) on its own line(s) */
			struct tail t2;
			struct props p2;

			if ((rc = scan_props(r, &p2)) < 0)
				return rc;
			if (p2.anchor != NULL || p2.tag != NULL) {
				if (pr.anchor == NULL) {
					pr.anchor = p2.anchor;
					pr.anchorlen = p2.anchorlen;
				}
				if (pr.tag == NULL) {
					pr.tag = p2.tag;
					pr.taglen = p2.taglen;
				}
			}
			line = r->line;
			ch = r->p < r->end ? *r->p : 0;
			memset(&t2, 0, sizeof(t2));
			if (ch == '[' || ch == '{') {
				if ((rc = parse_flow(r, out)) < 0)
					return rc;
				rc = line_tail(r, &t2, 0);
			} else if (ch == '*') {
				if ((rc = scan_alias(r, out)) < 0)
					return rc;
				rc = line_tail(r, &t2, 1);
			} else if (ch == '"' || ch == '\'') {
				if ((rc = scan_quoted(r, ch)) < 0 ||
				    (rc = make_scalar(r, out, (const char *)ck_buf_data(&r->tmp),
				                      ck_buf_len(&r->tmp), 0, pr.tag, pr.taglen, 1,
				                      line)) < 0)
					return rc;
				rc = line_tail(r, &t2, 1);
			} else if (ch == '|' || ch == '>') {
				return perr(r, "block scalar indicator must follow its key");
			} else {
				if ((rc = scan_plain(r, (uint32_t)(parent + 1), 0, &text, &n, &copy)) < 0 ||
				    (rc = make_scalar(r, out, text, n, 1, pr.tag, pr.taglen, copy,
				                      line)) < 0)
					return rc;
				rc = line_tail(r, &t2, 1);
			}
			if (rc == CK_OK)
				*tl = t2;
		}
		if (rc < 0)
			return rc;
		return def_anchor(r, &pr, out);
	}
	if (cx == C_MAPVAL && (int)c == parent && *r->p == '-' && is_blankz(r, r->p + 1)) {
		/* indentless sequence: `key:\n- a` */
		if ((rc = parse_block_seq(r, c, 1, out)) < 0)
			return rc;
		return def_anchor(r, &pr, out);
	}
	ck_sops_node_null(out);
typed_null:
	if (pr.tag != NULL && (rc = make_scalar(r, out, "", 0, 1, pr.tag, pr.taglen, 0, line)) < 0)
		return rc;
	return def_anchor(r, &pr, out);
}

/* Insert the node's line comment before its item. */
static int tail_comment(struct yr *r, int in_map, const struct tail *tl)
{
	if (tl->com == NULL)
		return CK_OK;
	return push_comment(r, in_map, tl->com, tl->comlen, tl->scalar, r->line);
}

static int check_dups(struct yr *r, size_t base)
{
	size_t n = (r->nstk - base) / 2, cap, i, j;
	uint32_t *tab;
	int rc = CK_OK;

	if (r->doc != 0 || n < 2)
		return CK_OK;
	if (n <= 8) {
		for (i = 0; i < n; i++) {
			const struct ck_sops_node *a = &r->stk[base + 2 * i];

			if (a->type == CK_SOPS_COMMENT || ck_sops_node_is(a, "<<"))
				continue;
			for (j = 0; j < i; j++) {
				const struct ck_sops_node *b = &r->stk[base + 2 * j];

				if (b->type == a->type && b->len == a->len &&
				    (a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0))
					return ck_err_set_exit(CK_EINVAL,
					                       CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
					                       "yaml: line %u: mapping key \"%.*s\" already "
					                       "defined at line %u",
					                       a->line, (int)(a->len > 60 ? 60 : a->len),
					                       a->u.s, b->line);
			}
		}
		return CK_OK;
	}
	for (cap = 16; cap < n * 2; cap *= 2)
		;
	if ((tab = ck_calloc(cap, sizeof(*tab))) == NULL)
		return oom();
	for (i = 0; i < n && rc == CK_OK; i++) {
		const struct ck_sops_node *a = &r->stk[base + 2 * i];
		uint64_t h = 1469598103934665603ull;

		if (a->type == CK_SOPS_COMMENT || ck_sops_node_is(a, "<<"))
			continue;
		for (j = 0; j < a->len; j++)
			h = (h ^ (uint8_t)a->u.s[j]) * 1099511628211ull;
		h ^= a->type;
		for (j = h & (cap - 1); tab[j] != 0; j = (j + 1) & (cap - 1)) {
			const struct ck_sops_node *b = &r->stk[base + 2 * (tab[j] - 1)];

			if (b->type == a->type && b->len == a->len &&
			    (a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0)) {
				rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
				                     "yaml: line %u: mapping key \"%.*s\" already defined "
				                     "at line %u",
				                     a->line, (int)(a->len > 60 ? 60 : a->len), a->u.s,
				                     b->line);
				break;
			}
		}
		if (rc == CK_OK)
			tab[j] = (uint32_t)(i + 1);
	}
	ck_free(tab);
	return rc;
}

static int parse_key(struct yr *r, struct ck_sops_node *k)
{
	struct props pr;
	const char *text;
	size_t n;
	uint32_t line;
	int copy, rc;

	if ((rc = scan_props(r, &pr)) < 0)
		return rc;
	line = r->line;
	if (at_end(r))
		return perr(r, "could not find expected ':'");
	if (*r->p == '*') {
		rc = scan_alias(r, k);
	} else if (*r->p == '"' || *r->p == '\'') {
		if ((rc = scan_quoted(r, *r->p)) == CK_OK)
			rc = make_scalar(r, k, (const char *)ck_buf_data(&r->tmp), ck_buf_len(&r->tmp),
			                 0, pr.tag, pr.taglen, 1, line);
	} else {
		const char *s = r->p;

		/* a key is one line: up to ": " */
		while (r->p < r->end && !(*r->p == ':' && is_blankz(r, r->p + 1)) &&
		       !is_brk(r, r->p))
			r->p++;
		text = s;
		n = (size_t)(r->p - s);
		while (n > 0 && is_blank_c(text[n - 1]))
			n--;
		copy = 0;
		rc = make_scalar(r, k, text, n, 1, pr.tag, pr.taglen, copy, line);
	}
	if (rc < 0 || (rc = def_anchor(r, &pr, k)) < 0)
		return rc;
	if (k->type != CK_SOPS_STR)
		k->flags |= CK_SOPS_F_BADKEY;
	skip_blanks(r);
	if (at_end(r) || *r->p != ':')
		return perr(r, "could not find expected ':'");
	r->p++;
	return CK_OK;
}

static int parse_block_map(struct yr *r, uint32_t indent, struct ck_sops_node *out)
{
	size_t base = r->nstk;
	uint32_t c, line = r->line;
	int rc;

	if (++r->depth > CK_SOPS_MAX_DEPTH)
		return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "yaml: line %u: nesting too deep", r->line);
	for (;;) {
		struct ck_sops_node k, v;
		struct tail tl;

		if ((rc = flush_pending(r, 1)) < 0)
			return rc;
		if (*r->p == '-' && is_blankz(r, r->p + 1))
			return perr(r, "did not find expected key");
		if (is_qkey(r)) {
			/* "? key" then ": value" at the same indentation (or no value) */
			r->p++;
			if ((rc = parse_node(r, (int)indent, C_MAPVAL, &k, &tl)) < 0)
				return rc;
			if (k.type == CK_SOPS_MAP || k.type == CK_SOPS_SEQ)
				return perr(r, "complex mapping keys are not supported");
			if (k.type != CK_SOPS_STR)
				k.flags |= CK_SOPS_F_BADKEY;
			if ((rc = next_content(r, &c)) < 0)
				return rc;
			if (!at_end(r) && c == indent && *r->p == ':' && is_blankz(r, r->p + 1)) {
				/* a compact collection may follow ": " (libyaml writes
				 * ":   - item" for a sequence value) */
				r->p++;
				if ((rc = parse_node(r, (int)indent, C_SEQITEM, &v, &tl)) < 0)
					return rc;
			} else {
				ck_sops_node_null(&v);
				memset(&tl, 0, sizeof(tl));
			}
		} else {
			if (!looks_like_key(r))
				return perr(r, "could not find expected ':'");
			if ((rc = parse_key(r, &k)) < 0)
				return rc;
			if ((rc = parse_node(r, (int)indent, C_MAPVAL, &v, &tl)) < 0)
				return rc;
		}
		if ((rc = tail_comment(r, 1, &tl)) < 0 || (rc = push(r, &k)) < 0 ||
		    (rc = push(r, &v)) < 0)
			return rc;
		if ((rc = next_content(r, &c)) < 0)
			return rc;
		if (at_end(r) || is_doc_marker(r, r->p) || c < indent)
			break;
		if (c > indent)
			return perr(r, "mapping values are not allowed in this context");
	}
	if ((rc = take_trailing(r, 1, indent)) < 0 || (rc = check_dups(r, base)) < 0)
		return rc;
	r->depth--;
	return finish(r, base, CK_SOPS_MAP, out, line);
}

static int parse_block_seq(struct yr *r, uint32_t indent, int indentless,
                           struct ck_sops_node *out)
{
	size_t base = r->nstk;
	uint32_t c, line = r->line;
	int rc;

	if (++r->depth > CK_SOPS_MAX_DEPTH)
		return ck_err_set_exit(CK_ETOOBIG, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "yaml: line %u: nesting too deep", r->line);
	for (;;) {
		struct ck_sops_node v;
		struct tail tl;

		if ((rc = flush_pending(r, 0)) < 0)
			return rc;
		if (!(*r->p == '-' && is_blankz(r, r->p + 1)))
			return perr(r, "did not find expected '-' indicator");
		r->p++;
		if ((rc = parse_node(r, (int)indent, C_SEQITEM, &v, &tl)) < 0)
			return rc;
		if ((rc = tail_comment(r, 0, &tl)) < 0 || (rc = push(r, &v)) < 0)
			return rc;
		if ((rc = next_content(r, &c)) < 0)
			return rc;
		if (at_end(r) || is_doc_marker(r, r->p) || c < indent)
			break;
		if (c == indent && !(*r->p == '-' && is_blankz(r, r->p + 1))) {
			if (indentless)
				break;
			return perr(r, "did not find expected '-' indicator");
		}
		if (c > indent)
			return perr(r, "did not find expected '-' indicator");
	}
	/* comments at the dash column of an indentless sequence belong outside */
	if ((rc = take_trailing(r, 0, indentless ? indent + 1 : indent)) < 0)
		return rc;
	r->depth--;
	return finish(r, base, CK_SOPS_SEQ, out, line);
}

/* ---- documents ---- */

static int parse_document(struct yr *r, int *more)
{
	struct ck_sops_node root;
	struct tail tl;
	size_t base = r->nstk;
	uint32_t c;
	int rc, explicit = 0;

	*more = 0;
	r->nanc = 0;
	/* directives */
	for (;;) {
		if ((rc = next_content(r, &c)) < 0)
			return rc;
		if (!at_end(r) && c == 0 && *r->p == '%') {
			while (r->p < r->end && !is_brk(r, r->p))
				r->p++;
			continue;
		}
		break;
	}
	if (at_end(r)) {
		if (r->doc > 0 || r->npend == 0)
			return CK_OK;
	}
	if (!at_end(r) && r->end - r->p >= 3 && memcmp(r->p, "---", 3) == 0 &&
	    is_doc_marker(r, r->p)) {
		r->p += 3;
		explicit = 1;
	} else if (!at_end(r) && is_doc_marker(r, r->p) && *r->p == '.') {
		/* stray document end */
		r->p += 3;
		*more = 1;
		return CK_OK;
	}
	if ((rc = parse_node(r, -1, C_ROOT, &root, &tl)) < 0)
		return rc;
	if (tl.com != NULL && (rc = add_pending(r, tl.com, tl.comlen, 0)) < 0)
		return rc;
	if ((rc = next_content(r, &c)) < 0)
		return rc;
	if (root.type == CK_SOPS_SEQ)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "YAML documents that are sequences are not supported");
	if (root.type != CK_SOPS_MAP && root.type != CK_SOPS_NULL)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
		                       "YAML documents that are values are not supported");
	if (!at_end(r) && !is_doc_marker(r, r->p))
		return perr(r, "did not find expected <document start>");
	/* comments left at the end of the document go to the root map's end */
	if (root.type == CK_SOPS_NULL || r->npend > 0) {
		size_t i;

		for (i = 0; root.type == CK_SOPS_MAP && i < root.len; i++)
			if ((rc = push(r, &root.u.kids[i])) < 0)
				return rc;
		if ((rc = flush_pending(r, 1)) < 0 ||
		    (rc = finish(r, base, CK_SOPS_MAP, &root, 1)) < 0)
			return rc;
	}
	if ((rc = ck_sops_tree_add_doc(r->t, &root)) < 0)
		return rc;
	(void)explicit;
	if (!at_end(r) && *r->p == '.') {
		r->p += 3;
		if ((rc = line_tail(r, &tl, 0)) < 0)
			return rc;
	}
	*more = !at_end(r);
	r->doc++;
	return CK_OK;
}

int ck_sops__yaml_read(struct ck_sops_tree *t, int secret)
{
	struct yr r;
	int rc = CK_OK, more = 1;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.s = (const char *)ck_buf_data(&t->src);
	r.end = r.s + ck_buf_len(&t->src);
	r.p = r.bol = r.s;
	r.line = 1;
	r.secret = secret;
	ck_buf_init(&r.canon, 0);
	if (secret)
		ck_buf_init_secure(&r.tmp, 0);
	else
		ck_buf_init(&r.tmp, 0);
	if (r.end - r.p >= 3 && memcmp(r.p, "\xef\xbb\xbf", 3) == 0)
		r.p = r.bol = r.p + 3;
	while (more && rc == CK_OK) {
		size_t before = t->ndocs;

		rc = parse_document(&r, &more);
		if (rc == CK_OK && more && t->ndocs == before && at_end(&r))
			break;
	}
	ck_free(r.stk);
	ck_free(r.pend);
	ck_free(r.anc);
	ck_buf_dispose(&r.canon);
	ck_buf_dispose(&r.tmp);
	return rc;
}
