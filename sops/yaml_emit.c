/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML output byte-identical to sops: the tree is turned into nodes the way
 * sops's YAML store does it (comment items become head, line and foot
 * comments of the neighbouring nodes) and written with the rules of the
 * go-yaml v3 emitter sops uses (indentation, scalar style selection, escapes,
 * the comment "slots" that carry a comment to the next place that writes
 * comments). Written from the behaviour of those libraries, not their code.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/sops_internal.h"
#include "yaml.h"

/* A comment string: comment nodes taken from up to three ranges of kids. */
struct cseg {
	const struct ck_sops_node *kids;
	uint32_t from, to, step;
	int filter; /* 0: non-inline only, 1: inline only */
};

struct cstr {
	struct cseg s[3];
	int n;
};

static int seg_match(const struct cseg *g, uint32_t i)
{
	const struct ck_sops_node *c = &g->kids[i];

	return c->type == CK_SOPS_COMMENT && ((c->flags & CK_SOPS_F_INLINE) != 0) == g->filter;
}

static int cstr_empty(const struct cstr *c)
{
	int k;
	uint32_t i;

	for (k = 0; k < c->n; k++)
		for (i = c->s[k].from; i < c->s[k].to; i += c->s[k].step)
			if (seg_match(&c->s[k], i))
				return 0;
	return 1;
}

static void cstr_add(struct cstr *c, const struct ck_sops_node *kids, uint32_t from, uint32_t to,
                     uint32_t step, int filter)
{
	if (from >= to)
		return;
	CK_ASSERT(c->n < 3);
	c->s[c->n].kids = kids;
	c->s[c->n].from = from;
	c->s[c->n].to = to;
	c->s[c->n].step = step;
	c->s[c->n].filter = filter;
	c->n++;
}

enum style { S_PLAIN, S_SINGLE, S_DOUBLE, S_LITERAL, S_FOLDED };

struct em {
	struct ck_buf *out;
	int rc;
	int best_indent;
	int indent;
	int *indents;
	size_t nind, capind;
	long column;
	int whitespace, indention, open_ended, flow_level;
	int foot_indent;
	struct cstr head, line, foot, tail, key_line;
	struct ck_buf tmp;   /* formatted scalar text */
	struct ck_buf canon; /* resolver scratch */
	int (*flush)(void *ctx, const void *p, size_t n);
	void *fctx;
};

/* ---- output primitives ---- */

static void put(struct em *e, char c)
{
	if (e->rc == CK_OK && ck_buf_putc(e->out, c) < 0)
		e->rc = CK_ENOMEM;
	e->column++;
}

static void put_break(struct em *e)
{
	if (e->rc == CK_OK && ck_buf_putc(e->out, '\n') < 0)
		e->rc = CK_ENOMEM;
	e->column = 0;
	e->indention = 1;
	/* hand over whole lines (the writer never looks back at its output) */
	if (e->flush != NULL && e->rc == CK_OK && ck_buf_len(e->out) >= 65536) {
		if ((e->rc = e->flush(e->fctx, ck_buf_data(e->out), ck_buf_len(e->out))) == CK_OK)
			ck_buf_reset(e->out);
	}
}

static size_t width(uint8_t c)
{
	return (c & 0x80) == 0 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

/* Write bytes; the column counts characters. */
static void write_n(struct em *e, const char *s, size_t n)
{
	size_t i;

	if (e->rc == CK_OK && ck_buf_put(e->out, s, n) < 0)
		e->rc = CK_ENOMEM;
	for (i = 0; i < n; i++)
		if (((uint8_t)s[i] & 0xc0) != 0x80)
			e->column++;
}

static int is_break_at(const char *s, size_t n, size_t i)
{
	uint8_t c = (uint8_t)s[i];

	if (c == '\r' || c == '\n')
		return 1;
	if (c == 0xc2 && i + 1 < n && (uint8_t)s[i + 1] == 0x85)
		return 1;
	if (c == 0xe2 && i + 2 < n && (uint8_t)s[i + 1] == 0x80 &&
	    ((uint8_t)s[i + 2] == 0xa8 || (uint8_t)s[i + 2] == 0xa9))
		return 1;
	return 0;
}

/* Write the break at s[i]; returns its width. */
static size_t write_break(struct em *e, const char *s, size_t n, size_t i)
{
	size_t w;

	if (s[i] == '\n') {
		put_break(e);
		return 1;
	}
	w = width((uint8_t)s[i]);
	if (i + w > n)
		w = n - i;
	write_n(e, s + i, w);
	e->column = 0;
	e->indention = 1;
	return w;
}

static void write_indent(struct em *e)
{
	int indent = e->indent < 0 ? 0 : e->indent;

	if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
		put_break(e);
	if (e->foot_indent == indent)
		put_break(e);
	while (e->column < indent)
		put(e, ' ');
	e->whitespace = 1;
	e->foot_indent = -1;
}

static void write_indicator(struct em *e, const char *ind, int need_ws, int is_ws, int is_indention)
{
	if (need_ws && !e->whitespace)
		put(e, ' ');
	write_n(e, ind, strlen(ind));
	e->whitespace = is_ws;
	e->indention = e->indention && is_indention;
	e->open_ended = 0;
}

/* go-yaml writes a comment string "#a\n#b": breaks re-indent, each line gets
 * a '#' if it lacks one, and a break ends the whole comment. */
static void write_comment(struct em *e, const struct cstr *c)
{
	int breaks = 0, pound = 0, first = 1, k;
	uint32_t i;

	for (k = 0; k < c->n; k++) {
		for (i = c->s[k].from; i < c->s[k].to; i += c->s[k].step) {
			const struct ck_sops_node *cn = &c->s[k].kids[i];
			size_t j = 0, n = cn->len;
			const char *s = cn->u.s;

			if (!seg_match(&c->s[k], i))
				continue;
			if (!first) {
				put_break(e);
				breaks = 1;
				pound = 0;
			}
			first = 0;
			/* the line is "#" + text */
			if (breaks)
				write_indent(e);
			put(e, '#');
			pound = 1;
			e->indention = 0;
			breaks = 0;
			while (j < n) {
				if (is_break_at(s, n, j)) {
					j += write_break(e, s, n, j);
					breaks = 1;
					pound = 0;
				} else {
					size_t w = width((uint8_t)s[j]);

					if (breaks)
						write_indent(e);
					if (!pound) {
						if (s[j] != '#') {
							put(e, '#');
							put(e, ' ');
						}
						pound = 1;
					}
					if (j + w > n)
						w = n - j;
					write_n(e, s + j, w);
					j += w;
					e->indention = 0;
					breaks = 0;
				}
			}
		}
	}
	if (!breaks)
		put_break(e);
	e->whitespace = 1;
}

static void clear(struct cstr *c)
{
	c->n = 0;
}

static void process_head_comment(struct em *e)
{
	if (!cstr_empty(&e->tail)) {
		write_indent(e);
		write_comment(e, &e->tail);
		clear(&e->tail);
		e->foot_indent = e->indent < 0 ? 0 : e->indent;
	}
	if (cstr_empty(&e->head))
		return;
	write_indent(e);
	write_comment(e, &e->head);
	clear(&e->head);
}

static void process_line_comment(struct em *e, int linebreak)
{
	if (cstr_empty(&e->line)) {
		if (linebreak)
			put_break(e);
		return;
	}
	if (!e->whitespace)
		put(e, ' ');
	write_comment(e, &e->line);
	clear(&e->line);
}

static void process_foot_comment(struct em *e)
{
	if (cstr_empty(&e->foot))
		return;
	write_indent(e);
	write_comment(e, &e->foot);
	clear(&e->foot);
	e->foot_indent = e->indent < 0 ? 0 : e->indent;
}

/* An event carries comments into the slots (only non-empty ones). */
static void analyze(struct em *e, const struct cstr *head, const struct cstr *line,
                    const struct cstr *foot, const struct cstr *tail)
{
	if (head != NULL && !cstr_empty(head))
		e->head = *head;
	if (line != NULL && !cstr_empty(line))
		e->line = *line;
	if (foot != NULL && !cstr_empty(foot))
		e->foot = *foot;
	if (tail != NULL && !cstr_empty(tail))
		e->tail = *tail;
}

static void push_indent(struct em *e)
{
	if (e->nind == e->capind) {
		size_t nc = e->capind ? e->capind * 2 : 32;
		int *ni = ck_calloc(nc, sizeof(*ni));

		if (ni == NULL) {
			e->rc = CK_ENOMEM;
			return;
		}
		if (e->indents != NULL) {
			memcpy(ni, e->indents, e->nind * sizeof(*ni));
			ck_free(e->indents);
		}
		e->indents = ni;
		e->capind = nc;
	}
	e->indents[e->nind++] = e->indent;
}

static void pop_indent(struct em *e)
{
	if (e->nind > 0)
		e->indent = e->indents[--e->nind];
}

/* seq_item: the enclosing state is a block sequence item. */
static void increase_indent(struct em *e, int flow, int seq_item)
{
	push_indent(e);
	if (e->indent < 0)
		e->indent = flow ? e->best_indent : 0;
	else if (seq_item)
		e->indent += 2;
	else
		e->indent = e->best_indent * ((e->indent + e->best_indent) / e->best_indent);
}

/* ---- scalars ---- */

struct sa {
	int multiline, flow_plain, block_plain, single_ok, block_ok;
};

static int is_printable(const uint8_t *b, size_t n, size_t i)
{
	uint8_t c = b[i], c1 = i + 1 < n ? b[i + 1] : 0, c2 = i + 2 < n ? b[i + 2] : 0;

	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c == 0xc2 && c1 >= 0xa0) ||
	       (c > 0xc2 && c < 0xed) || (c == 0xed && c1 < 0xa0) || c == 0xee ||
	       (c == 0xef && !(c1 == 0xbb && c2 == 0xbf) && !(c1 == 0xbf && (c2 == 0xbe || c2 == 0xbf)));
}

static void analyze_scalar(const char *v, size_t n, struct sa *a)
{
	const uint8_t *s = (const uint8_t *)v;
	int block_ind = 0, flow_ind = 0, line_breaks = 0, special = 0, tabs = 0;
	int leading_space = 0, leading_break = 0, trailing_space = 0, trailing_break = 0;
	int break_space = 0, space_break = 0, prev_space = 0, prev_break = 0;
	int preceded_ws = 1, followed_ws;
	size_t i, w;

	if (n == 0) {
		a->multiline = 0;
		a->flow_plain = 0;
		a->block_plain = 1;
		a->single_ok = 1;
		a->block_ok = 0;
		return;
	}
	/* fast path: letters, digits and '_' only (most keys and many values)
	 * have no indicator, space, break or special character */
	for (i = 0; i < n; i++)
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_')
			break;
	if (i == n) {
		a->multiline = 0;
		a->flow_plain = a->block_plain = a->single_ok = a->block_ok = 1;
		return;
	}
	if (n >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
	               (s[0] == '.' && s[1] == '.' && s[2] == '.'))) {
		block_ind = 1;
		flow_ind = 1;
	}
	for (i = 0; i < n; i += w) {
		w = width(s[i]);
		if (i + w > n)
			w = n - i;
		followed_ws = i + w >= n || s[i + w] == ' ' || s[i + w] == '\t' ||
		              is_break_at(v, n, i + w);
		if (i == 0) {
			switch (s[i]) {
			case '#': case ',': case '[': case ']': case '{': case '}': case '&':
			case '*': case '!': case '|': case '>': case '\'': case '"': case '%':
			case '@': case '`':
				flow_ind = 1;
				block_ind = 1;
				break;
			case '?': case ':':
				flow_ind = 1;
				if (followed_ws)
					block_ind = 1;
				break;
			case '-':
				if (followed_ws) {
					flow_ind = 1;
					block_ind = 1;
				}
				break;
			}
		} else {
			switch (s[i]) {
			case ',': case '?': case '[': case ']': case '{': case '}':
				flow_ind = 1;
				break;
			case ':':
				flow_ind = 1;
				if (followed_ws)
					block_ind = 1;
				break;
			case '#':
				if (preceded_ws) {
					flow_ind = 1;
					block_ind = 1;
				}
				break;
			}
		}
		if (s[i] == '\t')
			tabs = 1;
		else if (!is_printable(s, n, i))
			special = 1;
		if (s[i] == ' ') {
			if (i == 0)
				leading_space = 1;
			if (i + w == n)
				trailing_space = 1;
			if (prev_break)
				break_space = 1;
			prev_space = 1;
			prev_break = 0;
		} else if (is_break_at(v, n, i)) {
			line_breaks = 1;
			if (i == 0)
				leading_break = 1;
			if (i + w == n)
				trailing_break = 1;
			if (prev_space)
				space_break = 1;
			prev_space = 0;
			prev_break = 1;
		} else {
			prev_space = 0;
			prev_break = 0;
		}
		preceded_ws = s[i] == ' ' || s[i] == '\t' || is_break_at(v, n, i);
	}
	a->multiline = line_breaks;
	a->flow_plain = a->block_plain = a->single_ok = a->block_ok = 1;
	if (leading_space || leading_break || trailing_space || trailing_break)
		a->flow_plain = a->block_plain = 0;
	if (trailing_space)
		a->block_ok = 0;
	if (break_space)
		a->flow_plain = a->block_plain = a->single_ok = 0;
	if (space_break || tabs || special)
		a->flow_plain = a->block_plain = a->single_ok = 0;
	if (space_break || special)
		a->block_ok = 0;
	if (line_breaks)
		a->flow_plain = a->block_plain = 0;
	if (flow_ind)
		a->flow_plain = 0;
	if (block_ind)
		a->block_plain = 0;
}

static enum style select_style(enum style st, const struct sa *a, int flow_level, int simple_key,
                               size_t n)
{
	if (simple_key && a->multiline)
		st = S_DOUBLE;
	if (st == S_PLAIN) {
		if ((flow_level > 0 && !a->flow_plain) || (flow_level == 0 && !a->block_plain))
			st = S_SINGLE;
		if (n == 0 && (flow_level > 0 || simple_key))
			st = S_SINGLE;
	}
	if (st == S_SINGLE && !a->single_ok)
		st = S_DOUBLE;
	if ((st == S_LITERAL || st == S_FOLDED) && (!a->block_ok || flow_level > 0 || simple_key))
		st = S_DOUBLE;
	return st;
}

/* 1 if s is ASCII without line breaks (one column per byte, one run). */
static int plain_ascii(const char *s, size_t n)
{
	unsigned bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bad |= (unsigned)((uint8_t)s[i] & 0x80) | (unsigned)(s[i] == '\n') | (unsigned)(s[i] == '\r');
	return bad == 0;
}

static void write_plain(struct em *e, const char *v, size_t n, int root)
{
	int breaks = 0;
	size_t i = 0;

	if (n > 0 && !e->whitespace)
		put(e, ' ');
	if (plain_ascii(v, n)) {
		/* the common case (keys, ENC[] values): one write */
		if (e->rc == CK_OK && ck_buf_put(e->out, v, n) < 0)
			e->rc = CK_ENOMEM;
		e->column += (long)n;
		i = n;
	}
	while (i < n) {
		if (is_break_at(v, n, i)) {
			if (!breaks && v[i] == '\n')
				put_break(e);
			i += write_break(e, v, n, i);
			breaks = 1;
		} else {
			size_t j = i;

			if (breaks)
				write_indent(e);
			/* a run up to the next break */
			while (j < n && !is_break_at(v, n, j))
				j++;
			write_n(e, v + i, j - i);
			i = j;
			e->indention = 0;
			breaks = 0;
		}
	}
	if (n > 0)
		e->whitespace = 0;
	e->indention = 0;
	if (root)
		e->open_ended = 1;
}

static void write_single(struct em *e, const char *v, size_t n)
{
	int breaks = 0;
	size_t i = 0;

	write_indicator(e, "'", 1, 0, 0);
	while (i < n) {
		if (is_break_at(v, n, i)) {
			if (!breaks && v[i] == '\n')
				put_break(e);
			i += write_break(e, v, n, i);
			breaks = 1;
		} else {
			size_t w = width((uint8_t)v[i]);

			if (breaks)
				write_indent(e);
			if (v[i] == '\'')
				put(e, '\'');
			if (i + w > n)
				w = n - i;
			write_n(e, v + i, w);
			i += w;
			e->indention = 0;
			breaks = 0;
		}
	}
	write_indicator(e, "'", 0, 0, 0);
	e->whitespace = 0;
	e->indention = 0;
}

static void write_double(struct em *e, const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const uint8_t *s = (const uint8_t *)v;
	size_t i = 0, start;

	write_indicator(e, "\"", 1, 0, 0);
	while (i < n) {
		uint8_t c = s[i];

		if (!is_printable(s, n, i) || (c == 0xef && i + 2 < n && s[i + 1] == 0xbb && s[i + 2] == 0xbf) ||
		    is_break_at(v, n, i) || c == '"' || c == '\\') {
			size_t w = width(c), k;
			uint32_t u;
			int hw;

			if (i + w > n)
				w = n - i;
			u = w == 1 ? c : w == 2 ? (c & 0x1fu) : w == 3 ? (c & 0x0fu) : (c & 0x07u);
			for (k = 1; k < w; k++)
				u = (u << 6) | (s[i + k] & 0x3fu);
			i += w;
			put(e, '\\');
			switch (u) {
			case 0x00: put(e, '0'); continue;
			case 0x07: put(e, 'a'); continue;
			case 0x08: put(e, 'b'); continue;
			case 0x09: put(e, 't'); continue;
			case 0x0a: put(e, 'n'); continue;
			case 0x0b: put(e, 'v'); continue;
			case 0x0c: put(e, 'f'); continue;
			case 0x0d: put(e, 'r'); continue;
			case 0x1b: put(e, 'e'); continue;
			case 0x22: put(e, '"'); continue;
			case 0x5c: put(e, '\\'); continue;
			case 0x85: put(e, 'N'); continue;
			case 0xa0: put(e, '_'); continue;
			case 0x2028: put(e, 'L'); continue;
			case 0x2029: put(e, 'P'); continue;
			}
			if (u <= 0xff) {
				put(e, 'x');
				hw = 2;
			} else if (u <= 0xffff) {
				put(e, 'u');
				hw = 4;
			} else {
				put(e, 'U');
				hw = 8;
			}
			for (k = (size_t)hw; k-- > 0;)
				put(e, hex[(u >> (k * 4)) & 15]);
			continue;
		}
		/* a run of plain characters */
		start = i;
		while (i < n) {
			c = s[i];
			if (!is_printable(s, n, i) || (c == 0xef && i + 2 < n && s[i + 1] == 0xbb && s[i + 2] == 0xbf) ||
			    is_break_at(v, n, i) || c == '"' || c == '\\')
				break;
			i += width(c);
			if (i > n)
				i = n;
		}
		write_n(e, v + start, i - start);
	}
	write_indicator(e, "\"", 0, 0, 0);
	e->whitespace = 0;
	e->indention = 0;
}

/* Index of the last character (start of the last rune). */
static size_t last_rune(const char *v, size_t i)
{
	while (i > 0 && ((uint8_t)v[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static void write_literal(struct em *e, const char *v, size_t n)
{
	char hint[2] = { 0, 0 };
	int breaks = 1;
	size_t i = 0;

	write_indicator(e, "|", 1, 0, 0);
	/* block scalar hints */
	if (n > 0 && (v[0] == ' ' || is_break_at(v, n, 0))) {
		hint[0] = (char)('0' + e->best_indent);
		write_indicator(e, hint, 0, 0, 0);
	}
	e->open_ended = 0;
	hint[0] = 0;
	if (n == 0) {
		hint[0] = '-';
	} else {
		size_t l = last_rune(v, n - 1);

		if (!is_break_at(v, n, l)) {
			hint[0] = '-';
		} else if (l == 0) {
			hint[0] = '+';
			e->open_ended = 1;
		} else {
			size_t p = last_rune(v, l - 1);

			if (is_break_at(v, n, p)) {
				hint[0] = '+';
				e->open_ended = 1;
			}
		}
	}
	if (hint[0])
		write_indicator(e, hint, 0, 0, 0);
	process_line_comment(e, 1);
	e->whitespace = 1;
	while (i < n) {
		if (is_break_at(v, n, i)) {
			i += write_break(e, v, n, i);
			breaks = 1;
		} else {
			size_t j = i;

			if (breaks)
				write_indent(e);
			while (j < n && !is_break_at(v, n, j))
				j++;
			write_n(e, v + i, j - i);
			i = j;
			e->indention = 0;
			breaks = 0;
		}
	}
}

static int valid_utf8(const char *v, size_t n)
{
	const uint8_t *s = (const uint8_t *)v;
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t w, k;
		uint32_t u;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			w = 2;
			u = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			w = 3;
			u = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			w = 4;
			u = c & 0x07;
		} else {
			return 0;
		}
		if (i + w > n)
			return 0;
		for (k = 1; k < w; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			u = u << 6 | (s[i + k] & 0x3f);
		}
		if ((w == 2 && u < 0x80) || (w == 3 && u < 0x800) || (w == 4 && u < 0x10000) ||
		    u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
			return 0;
		i += w;
	}
	return 1;
}

int ck_sops__valid_utf8(const char *v, size_t n)
{
	return valid_utf8(v, n);
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int is_base60(const char *s, size_t n)
{
	size_t i = 0, groups = 0;

	if (n == 0 || memchr(s, ':', n) == NULL)
		return 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
		;
	while (i < n && s[i] == ':') {
		size_t d = 0;

		i++;
		if (i < n && s[i] >= '0' && s[i] <= '5' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
			i += 2;
			d = 2;
		} else if (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			d = 1;
		}
		if (d == 0)
			return 0;
		groups++;
	}
	if (groups == 0)
		return 0;
	if (i < n && s[i] == '.')
		for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == n;
}

static int is_old_bool(const char *s, size_t n)
{
	static const char *const w[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N",
		                         "no", "No", "NO", "off", "Off", "OFF", NULL };
	size_t k;

	if (n == 0 || n > 3 || strchr("yYnNoO", s[0]) == NULL)
		return 0;
	for (k = 0; w[k] != NULL; k++)
		if (strlen(w[k]) == n && memcmp(w[k], s, n) == 0)
			return 1;
	return 0;
}

/* The text and requested style of a leaf, as yaml.v3's Node.Encode makes it. */
struct leaf {
	const char *v;
	size_t n;
	enum style style;
	int binary; /* !!binary tag */
	struct sa a;
};

static int make_leaf(struct em *e, const struct ck_sops_node *nd, struct leaf *lf)
{
	int rc = CK_OK;

	memset(lf, 0, sizeof(*lf));
	lf->style = S_PLAIN;
	ck_buf_reset(&e->tmp);
	switch (nd->type) {
	case CK_SOPS_NULL:
		lf->v = "null";
		lf->n = 4;
		break;
	case CK_SOPS_BOOL:
		lf->v = ck_sops_node_is(nd, "True") ? "true" : "false";
		lf->n = strlen(lf->v);
		break;
	case CK_SOPS_FLOAT: {
		double d = 0;

		if ((rc = ck_sops__parse_float(nd->u.s, nd->len, &d)) < 0)
			return ck_err_set(CK_EINTERNAL, "yaml: bad float text");
		if ((rc = ck_sops__fmt_float(&e->tmp, d, 'y')) < 0)
			return rc;
		lf->v = (const char *)ck_buf_data(&e->tmp);
		lf->n = ck_buf_len(&e->tmp);
		break;
	}
	case CK_SOPS_INT:
	case CK_SOPS_UINT:
	case CK_SOPS_TIME:
		lf->v = nd->u.s;
		lf->n = nd->len;
		break;
	default: /* STR, COMMENT (as a string) */
		lf->v = nd->u.s;
		lf->n = nd->len;
		if (nd->flags & CK_SOPS_F_ENCBIN) {
			if ((rc = ck_sops__encbin_text(&e->tmp, nd)) < 0)
				return rc;
			lf->v = (const char *)ck_buf_data(&e->tmp);
			lf->n = ck_buf_len(&e->tmp);
		}
		if (nd->flags & CK_SOPS_F_ENC) {
			lf->style = S_PLAIN; /* ENC[...] is always plain-safe */
			lf->a.block_plain = lf->a.flow_plain = lf->a.single_ok = lf->a.block_ok = 1;
			lf->a.multiline = 0;
			return CK_OK;
		}
		if (!valid_utf8(lf->v, lf->n)) {
			if ((rc = ck_b64_encode(&e->tmp, lf->v, lf->n, CK_B64_STD)) < 0)
				return rc;
			lf->v = (const char *)ck_buf_data(&e->tmp);
			lf->n = ck_buf_len(&e->tmp);
			lf->binary = 1;
			break;
		}
		if (memchr(lf->v, '\n', lf->n) != NULL) {
			lf->style = S_LITERAL;
		} else {
			int t;

			ck_buf_reset(&e->canon);
			t = ck_sops__yaml_resolve(&e->canon, lf->v, lf->n, 1, NULL, 0);
			if (t < 0)
				return t;
			if (t != CK_SOPS_STR || is_base60(lf->v, lf->n) || is_old_bool(lf->v, lf->n))
				lf->style = S_DOUBLE;
		}
		analyze_scalar(lf->v, lf->n, &lf->a);
		/* Node.Encode emitted it once at the root: its style sticks */
		lf->style = select_style(lf->style, &lf->a, 0, 0, lf->n);
		return CK_OK;
	}
	analyze_scalar(lf->v, lf->n, &lf->a);
	return CK_OK;
}

/* Emit a scalar event in the given context. */
static void emit_scalar(struct em *e, const struct leaf *lf, int simple_key, int seq_item, int root)
{
	enum style st = select_style(lf->style, &lf->a, e->flow_level, simple_key, lf->n);

	if (lf->binary) {
		if (!e->whitespace)
			put(e, ' ');
		write_n(e, "!!binary", 8);
		e->whitespace = 0;
		e->indention = 0;
	}
	increase_indent(e, 1, seq_item);
	switch (st) {
	case S_PLAIN: write_plain(e, lf->v, lf->n, root); break;
	case S_SINGLE: write_single(e, lf->v, lf->n); break;
	case S_DOUBLE: write_double(e, lf->v, lf->n); break;
	default: write_literal(e, lf->v, lf->n); break;
	}
	pop_indent(e);
}

/* ---- collections ---- */

static int is_coll(const struct ck_sops_node *n)
{
	return n->type == CK_SOPS_MAP || n->type == CK_SOPS_SEQ;
}

/* Number of kids per item and whether kid i starts a comment item. */
static uint32_t step_of(const struct ck_sops_node *n)
{
	return n->type == CK_SOPS_MAP ? 2 : 1;
}

static int has_items(const struct ck_sops_node *n)
{
	uint32_t i, st = step_of(n);

	for (i = 0; i < n->len; i += st)
		if (n->u.kids[i].type != CK_SOPS_COMMENT)
			return 1;
	return 0;
}

/*
 * The head comment sops gives a map or sequence of its own: the comments
 * before its first item (or all of them when it has no items).
 */
static void own_head(const struct ck_sops_node *n, int extra, struct cstr *c)
{
	uint32_t i, st = step_of(n);

	for (i = 0; i < n->len && n->u.kids[i].type == CK_SOPS_COMMENT; i += st)
		;
	if (i < n->len || extra) {
		cstr_add(c, n->u.kids, 0, i, st, 0);
	} else {
		cstr_add(c, n->u.kids, 0, n->len, st, 0);
		cstr_add(c, n->u.kids, 0, n->len, st, 1);
	}
}

static void emit_body(struct em *e, const struct ck_sops_node *n, const struct ck_sops_node *xk,
                      const struct ck_sops_node *xv, const struct cstr *end_line,
                      const struct cstr *end_foot, int seq_item);

/* A value or item that is a collection: its start event has been analysed. */
static int coll_is_flow(const struct ck_sops_node *n, int extra)
{
	return !extra && !has_items(n);
}

static void emit_flow_empty(struct em *e, const struct ck_sops_node *n, const struct cstr *end_line,
                            const struct cstr *end_foot)
{
	int map = n->type == CK_SOPS_MAP;

	analyze(e, NULL, end_line, end_foot, NULL);
	write_indicator(e, map ? "{" : "[", 1, 1, 0);
	increase_indent(e, 1, 0);
	e->flow_level++;
	if (map)
		process_head_comment(e);
	e->flow_level--;
	pop_indent(e);
	if (!map && e->column == 0)
		write_indent(e);
	write_indicator(e, map ? "}" : "]", 0, 0, 0);
	process_line_comment(e, 0);
	process_foot_comment(e);
}

static int simple_key_ok(const struct leaf *lf)
{
	return !lf->a.multiline && lf->n + (lf->binary ? 8 : 0) <= 128;
}

static void emit_map_body(struct em *e, const struct ck_sops_node *n, const struct ck_sops_node *xk,
                          const struct ck_sops_node *xv, const struct cstr *end_line,
                          const struct cstr *end_foot, int seq_item)
{
	uint32_t i, last = 0; /* kid index after the previous item */
	int first = 1, rc;
	struct cstr trail;
	uint32_t total = n->len + (xk != NULL ? 2 : 0);

	for (i = 0; i < total && e->rc == CK_OK; i += 2) {
		const struct ck_sops_node *k = i < n->len ? &n->u.kids[i] : xk;
		const struct ck_sops_node *v = i < n->len ? &n->u.kids[i + 1] : xv;
		struct cstr khead, vline, vhead, none;
		struct leaf kl, vl;
		int simple;

		if (i < n->len && k->type == CK_SOPS_COMMENT)
			continue;
		memset(&khead, 0, sizeof(khead));
		memset(&vline, 0, sizeof(vline));
		memset(&vhead, 0, sizeof(vhead));
		memset(&none, 0, sizeof(none));
		if (!first)
			cstr_add(&khead, n->u.kids, last, i < n->len ? i : n->len, 2, 0);
		cstr_add(&vline, n->u.kids, last, i < n->len ? i : n->len, 2, 1);
		last = i + 2;
		/* key event */
		if ((rc = make_leaf(e, k, &kl)) < 0) {
			e->rc = rc;
			return;
		}
		analyze(e, &khead, NULL, NULL, NULL);
		if (first)
			increase_indent(e, 0, seq_item);
		first = 0;
		process_head_comment(e);
		write_indent(e);
		if (!cstr_empty(&e->line)) {
			e->key_line = e->line;
			clear(&e->line);
		}
		simple = simple_key_ok(&kl);
		if (!simple)
			write_indicator(e, "?", 1, 0, 1);
		emit_scalar(e, &kl, simple, 0, 0);
		/* value event */
		if (is_coll(v)) {
			own_head(v, 0, &vhead);
			analyze(e, &vhead, NULL, NULL, NULL);
		} else {
			analyze(e, NULL, &vline, NULL, NULL);
		}
		if (simple) {
			write_indicator(e, ":", 0, 0, 0);
		} else {
			write_indent(e);
			write_indicator(e, ":", 1, 0, 1);
		}
		if (!cstr_empty(&e->key_line)) {
			if (!is_coll(v)) {
				if (cstr_empty(&e->line)) {
					e->line = e->key_line;
					clear(&e->key_line);
				}
			} else {
				struct cstr sv = e->line;

				e->line = e->key_line;
				process_line_comment(e, 0);
				e->key_line = e->line;
				e->line = sv;
			}
		}
		if (is_coll(v)) {
			int flow = coll_is_flow(v, 0);

			process_line_comment(e, 0);
			process_foot_comment(e);
			if (flow)
				emit_flow_empty(e, v, &vline, &none);
			else
				emit_body(e, v, NULL, NULL, &vline, &none, 0);
		} else {
			if ((rc = make_leaf(e, v, &vl)) < 0) {
				e->rc = rc;
				return;
			}
			emit_scalar(e, &vl, 0, 0, 0);
			process_line_comment(e, 0);
			process_foot_comment(e);
		}
	}
	/* mapping end: trailing comments are the foot of the last key (a tail) */
	memset(&trail, 0, sizeof(trail));
	cstr_add(&trail, n->u.kids, last, n->len, 2, 0);
	cstr_add(&trail, n->u.kids, last, n->len, 2, 1);
	analyze(e, NULL, end_line, end_foot, &trail);
	process_head_comment(e);
	pop_indent(e);
}

static void emit_seq_body(struct em *e, const struct ck_sops_node *n, const struct cstr *end_line,
                          const struct cstr *end_foot, int seq_item)
{
	uint32_t i, last = 0, lastitem = 0;
	int first = 1, rc;

	for (i = 0; i < n->len; i++)
		if (n->u.kids[i].type != CK_SOPS_COMMENT)
			lastitem = i;
	for (i = 0; i < n->len && e->rc == CK_OK; i++) {
		const struct ck_sops_node *v = &n->u.kids[i];
		struct cstr ihead, iline, ifoot, none;
		struct leaf vl;

		if (v->type == CK_SOPS_COMMENT)
			continue;
		memset(&ihead, 0, sizeof(ihead));
		memset(&iline, 0, sizeof(iline));
		memset(&ifoot, 0, sizeof(ifoot));
		memset(&none, 0, sizeof(none));
		if (!first)
			cstr_add(&ihead, n->u.kids, last, i, 1, 0);
		cstr_add(&iline, n->u.kids, last, i, 1, 1);
		last = i + 1;
		if (i == lastitem) {
			cstr_add(&ifoot, n->u.kids, i + 1, n->len, 1, 0);
			cstr_add(&ifoot, n->u.kids, i + 1, n->len, 1, 1);
		}
		if (is_coll(v)) {
			own_head(v, 0, &ihead);
			analyze(e, &ihead, NULL, NULL, NULL);
		} else {
			if ((rc = make_leaf(e, v, &vl)) < 0) {
				e->rc = rc;
				return;
			}
			analyze(e, &ihead, &iline, &ifoot, NULL);
		}
		if (first)
			increase_indent(e, 0, seq_item);
		first = 0;
		process_head_comment(e);
		write_indent(e);
		write_indicator(e, "-", 1, 0, 1);
		if (is_coll(v)) {
			int flow = coll_is_flow(v, 0);

			process_line_comment(e, 0);
			process_foot_comment(e);
			if (flow)
				emit_flow_empty(e, v, &iline, &ifoot);
			else
				emit_body(e, v, NULL, NULL, &iline, &ifoot, 1);
		} else {
			emit_scalar(e, &vl, 0, 1, 0);
			process_line_comment(e, 0);
			process_foot_comment(e);
		}
	}
	analyze(e, NULL, end_line, end_foot, NULL);
	pop_indent(e);
}

static void emit_body(struct em *e, const struct ck_sops_node *n, const struct ck_sops_node *xk,
                      const struct ck_sops_node *xv, const struct cstr *end_line,
                      const struct cstr *end_foot, int seq_item)
{
	if (e->nind > CK_SOPS_MAX_DEPTH * 2 + 8) {
		e->rc = ck_err_set(CK_ETOOBIG, "yaml: nesting too deep");
		return;
	}
	if (n->type == CK_SOPS_MAP)
		emit_map_body(e, n, xk, xv, end_line, end_foot, seq_item);
	else
		emit_seq_body(e, n, end_line, end_foot, seq_item);
}

static void em_init(struct em *e, struct ck_buf *out, unsigned indent)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->best_indent = indent < 2 || indent > 9 ? 2 : (int)indent;
	e->indent = -1;
	e->whitespace = 1;
	e->indention = 1;
	e->foot_indent = -1;
	ck_buf_init_secure(&e->tmp, 0);
	ck_buf_init_secure(&e->canon, 0);
}

static int em_done(struct em *e)
{
	ck_free(e->indents);
	ck_buf_dispose(&e->tmp);
	ck_buf_dispose(&e->canon);
	if (e->rc == CK_ENOMEM)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	return e->rc;
}

int ck_sops__yaml_emit(struct ck_buf *out, const struct ck_sops_tree *t, unsigned indent,
                       const struct ck_sops_node *xk, const struct ck_sops_node *xv,
                       int (*flush)(void *ctx, const void *p, size_t n), void *flush_ctx)
{
	struct em e;
	size_t d;

	em_init(&e, out, indent ? indent : 4);
	e.flush = flush;
	e.fctx = flush_ctx;
	for (d = 0; d < t->ndocs && e.rc == CK_OK; d++) {
		const struct ck_sops_node *root = &t->docs[d];
		struct cstr head, none;

		memset(&head, 0, sizeof(head));
		memset(&none, 0, sizeof(none));
		if (d > 0) {
			write_indent(&e);
			write_indicator(&e, "---", 1, 0, 0);
			write_indent(&e);
		}
		own_head(root, xk != NULL, &head);
		analyze(&e, &head, NULL, NULL, NULL);
		process_head_comment(&e);
		if (coll_is_flow(root, xk != NULL)) {
			process_line_comment(&e, 0);
			process_foot_comment(&e);
			emit_flow_empty(&e, root, &none, &none);
		} else {
			process_line_comment(&e, 0);
			process_foot_comment(&e);
			emit_body(&e, root, xk, xv, &none, &none, 0);
		}
		/* document end */
		e.foot_indent = 0;
		process_foot_comment(&e);
		e.foot_indent = -1;
		write_indent(&e);
	}
	return em_done(&e);
}

int ck_sops__yaml_emit_value(struct ck_buf *out, const struct ck_sops_node *v, unsigned indent)
{
	struct em e;
	struct cstr head, none;
	struct leaf lf;
	int rc;

	em_init(&e, out, indent ? indent : 4);
	memset(&head, 0, sizeof(head));
	memset(&none, 0, sizeof(none));
	if (is_coll(v)) {
		own_head(v, 0, &head);
		analyze(&e, &head, NULL, NULL, NULL);
		process_head_comment(&e);
		if (coll_is_flow(v, 0))
			emit_flow_empty(&e, v, &none, &none);
		else
			emit_body(&e, v, NULL, NULL, &none, &none, 0);
	} else if ((rc = make_leaf(&e, v, &lf)) < 0) {
		e.rc = rc;
	} else {
		emit_scalar(&e, &lf, 0, 0, 1);
	}
	e.foot_indent = 0;
	process_foot_comment(&e);
	e.foot_indent = -1;
	write_indent(&e);
	return em_done(&e);
}
