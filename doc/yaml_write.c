/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML writer. Our own emitter rather than libyaml's: libyaml's emitter has
 * no comments, and both the faithful layout (keep_styles, source
 * indentation) and go-yaml v3's choices need control over every byte.
 *
 * Every scalar style is checked before use: a style that could not carry the
 * text back unchanged (a plain scalar with ": " in it, a block scalar inside
 * a flow collection, control characters outside double quotes ...) falls
 * back to the next safe one, ending with double quotes, which can carry any
 * valid UTF-8 text.
 */
#include <string.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "doc_int.h"

enum ck_doc_type ck_doc__plain_type(const char *s, size_t n);
int ck_doc__is_plain_style(enum ck_doc_style s);

/* Where a node is written. */
enum ctx {
	C_ROOT,
	C_BLOCK,      /* map value or sequence item in block context */
	C_BKEY,       /* simple key in a block map */
	C_FLOW,       /* value or item inside a flow collection */
	C_FKEY,       /* simple key inside a flow map */
};

/* The longest simple key libyaml accepts is 1024 characters; stay below. */
#define MAX_SIMPLE_KEY 1000

struct yw {
	struct ck_buf *out;
	unsigned step;       /* indentation per level */
	int seq_indent;      /* -1: as read (else 0) */
	int keep;            /* keep styles */
	int go;              /* go-yaml v3's emitter: its quoting and indentation */
	int src;             /* follow src_indent of maps and block text */
	int src_seq;         /* follow src_indent of sequences under keys */
	int comments;
	int nosp;            /* the next separating space is not wanted (start of line) */
	const struct ck_doc_node *key_lc; /* a key whose line comment goes after its value */
	int ab;              /* blank lines follow the value being written: no "|+" */
	size_t blk;          /* text column of the block scalar just written (0: none) */
	size_t fc;           /* 1 + column of the comment line right after the value
	                        being written (0: none): block text must start right of
	                        it, an indentless sequence must not reach it */
	int rc;
};

static void put(struct yw *w, const char *s, size_t n)
{
	if (w->rc == CK_OK && n)
		w->rc = ck_buf_put(w->out, s, n);
}

static void puts_(struct yw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putc_(struct yw *w, char c)
{
	if (w->rc == CK_OK)
		w->rc = ck_buf_putc(w->out, c);
}

static void spaces(struct yw *w, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0 && w->rc == CK_OK) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		put(w, sp, k);
		n -= k;
	}
}

/* The space between an indicator and what follows it. */
static void sep(struct yw *w)
{
	if (w->nosp)
		w->nosp = 0;
	else
		putc_(w, ' ');
}

static int fail(struct yw *w, int code, const char *msg)
{
	if (w->rc == CK_OK)
		w->rc = ck_err_set(code, "doc: %s", msg);
	return w->rc;
}

/* ---- character classes (libyaml's reader rules) ---- */

/* Decode one character; -1 for invalid UTF-8. */
static long cp_at(const char *s, size_t n, size_t i, size_t *k)
{
	return ck_doc__utf8_next((const unsigned char *)s + i, n - i, k);
}

/* Printable for libyaml's reader, line breaks aside. */
static int printable(long c)
{
	return c == 0x09 || (c >= 0x20 && c <= 0x7e) || c == 0x85 || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

static int is_break(long c)
{
	return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

static int is_flow_ind(int c)
{
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

static int blank_or_end(const char *s, size_t n, size_t i)
{
	return i >= n || s[i] == ' ' || s[i] == '\t';
}

/* Can text be written as a plain scalar here and read back the same? */
static int plain_ok(const char *s, size_t n, enum ctx ctx)
{
	int flow = ctx == C_FLOW || ctx == C_FKEY;
	size_t i, k;

	if (n == 0)
		return ctx == C_BLOCK || ctx == C_FLOW;
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ':')
		return 0;
	if (strchr("#,[]{}&*!|>'\"%@`", s[0]) != NULL)
		return 0;
	/* In flow context "?" and ":" are always indicators (libyaml 0.2.5). */
	if (flow && (s[0] == '?' || s[0] == ':'))
		return 0;
	if (s[0] == '-' || s[0] == '?' || s[0] == ':') {
		if (n == 1 || s[1] == ' ' || s[1] == '\t' || (flow && is_flow_ind(s[1])))
			return 0;
	}
	if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
		return 0;
	for (i = 0; i < n; i += k) {
		long c = cp_at(s, n, i, &k);

		if (c < 0 || !printable(c) || is_break(c))
			return 0;
		if (c == ':' && (blank_or_end(s, n, i + 1) ||
		                 (flow && (is_flow_ind(s[i + 1]) || s[i + 1] == '?'))))
			return 0;
		if (c == '#' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
		if (flow && c < 0x80 && is_flow_ind((int)c))
			return 0;
	}
	return 1;
}

/* Single quotes: one line of printable text. */
static int squote_ok(const char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		long c = cp_at(s, n, i, &k);

		if (c < 0 || !printable(c) || is_break(c))
			return 0;
	}
	return 1;
}

/* Literal block: printable text and '\n' line breaks only. */
static int literal_ok(const char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		long c = cp_at(s, n, i, &k);

		if (c < 0 || (c != '\n' && (!printable(c) || is_break(c))))
			return 0;
	}
	return 1;
}

/* Folded block: as literal, and no line may start with white space (those are not folded). */
static int folded_ok(const char *s, size_t n)
{
	size_t i;

	if (!literal_ok(s, n) || n == 0 || s[0] == '\n')
		return 0;
	for (i = 0; i < n; i++) {
		if ((i == 0 || s[i - 1] == '\n') && (s[i] == ' ' || s[i] == '\t'))
			return 0;
		/* A trailing space before a break would be kept, but the break folds: keep it simple. */
		if (s[i] == '\n' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
	}
	return 1;
}

/* ---- scalars ---- */

/* go-yaml's is_printable (with unicode on): no C0/C1 controls, no BOM, BMP only. */
static int go_printable(long c)
{
	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd && c != 0xfeff);
}


static void write_squoted(struct yw *w, const char *s, size_t n)
{
	size_t i, from = 0;

	putc_(w, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			put(w, s + from, i + 1 - from);
			putc_(w, '\'');
			from = i + 1;
		}
	}
	put(w, s + from, n - from);
	putc_(w, '\'');
}

static void write_dquoted(struct yw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, k;

	putc_(w, '"');
	for (i = 0; i < n && w->rc == CK_OK; i += k) {
		long c = cp_at(s, n, i, &k);
		char e[12];

		if (c < 0) {
			fail(w, CK_EINVAL, "cannot write invalid UTF-8 text as YAML");
			return;
		}
		switch (c) {
		case '"': puts_(w, "\\\""); continue;
		case '\\': puts_(w, "\\\\"); continue;
		case 0: puts_(w, "\\0"); continue;
		case 0x07: puts_(w, "\\a"); continue;
		case 0x08: puts_(w, "\\b"); continue;
		case 0x09: puts_(w, "\\t"); continue;
		case 0x0a: puts_(w, "\\n"); continue;
		case 0x0b: puts_(w, "\\v"); continue;
		case 0x0c: puts_(w, "\\f"); continue;
		case 0x0d: puts_(w, "\\r"); continue;
		case 0x1b: puts_(w, "\\e"); continue;
		case 0x85: puts_(w, "\\N"); continue;
		case 0x2028: puts_(w, "\\L"); continue;
		case 0x2029: puts_(w, "\\P"); continue;
		default: break;
		}
		if (w->go ? go_printable(c) : printable(c)) {
			put(w, s + i, k);
			continue;
		}
		if (c <= 0xff) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[(c >> 4) & 15];
			e[3] = hex[c & 15];
			put(w, e, 4);
		} else if (c <= 0xffff) {
			e[0] = '\\';
			e[1] = 'u';
			e[2] = hex[(c >> 12) & 15];
			e[3] = hex[(c >> 8) & 15];
			e[4] = hex[(c >> 4) & 15];
			e[5] = hex[c & 15];
			put(w, e, 6);
		} else {
			int j;

			e[0] = '\\';
			e[1] = 'U';
			for (j = 0; j < 8; j++)
				e[2 + j] = hex[(c >> (28 - 4 * j)) & 15];
			put(w, e, 10);
		}
	}
	putc_(w, '"');
}

static int is_old_bool(const char *s, size_t n)
{
	static const char *const v[] = { "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		                         "on", "On", "ON", "off", "Off", "OFF", NULL };
	size_t i;

	if (n == 0 || n > 3 || strchr("yYnNoO", s[0]) == NULL)
		return 0;
	for (i = 0; v[i]; i++)
		if (strlen(v[i]) == n && memcmp(v[i], s, n) == 0)
			return 1;
	return 0;
}

/* go-yaml's isBase60Float: [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)? */
static int is_base60(const char *s, size_t n)
{
	size_t i = 0;
	int groups = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < n && s[i] == ':') {
		size_t d = 0;

		i++;
		if (i < n && s[i] >= '0' && s[i] <= '5' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
			d = 2;
		else if (i < n && s[i] >= '0' && s[i] <= '9')
			d = 1;
		if (d == 0)
			return 0;
		i += d;
		groups++;
	}
	if (groups == 0)
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
	}
	return i == n;
}

/* What go-yaml's yaml_emitter_analyze_scalar allows for a text. */
struct go_an {
	int multiline, block_plain, flow_plain, single, block;
};

static void go_analyze(const char *s, size_t n, struct go_an *a)
{
	int flow_ind = 0, block_ind = 0, breaks = 0, special = 0, tabs = 0, lead_sp = 0,
	    lead_br = 0, trail_sp = 0, trail_br = 0, break_space = 0, space_break = 0,
	    prev_sp = 0, prev_br = 0, preceded_ws = 1;
	size_t i, k;

	if (n == 0) {
		a->multiline = 0;
		a->flow_plain = 0;
		a->block_plain = 1;
		a->single = 1;
		a->block = 0;
		return;
	}
	if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
		block_ind = flow_ind = 1;
	for (i = 0; i < n; i += k) {
		long c = cp_at(s, n, i, &k);
		int followed_ws;

		if (c < 0) {
			k = 1;
			special = 1;
			continue;
		}
		followed_ws = i + k >= n || s[i + k] == ' ' || s[i + k] == '\t' || s[i + k] == '\n' ||
		              s[i + k] == '\r';
		if (i == 0) {
			if (c < 0x80 && strchr("#,[]{}&*!|>'\"%@`", (int)c) != NULL && c != 0) {
				flow_ind = block_ind = 1;
			} else if (c == '?' || c == ':') {
				flow_ind = 1;
				if (followed_ws)
					block_ind = 1;
			} else if (c == '-' && followed_ws) {
				flow_ind = block_ind = 1;
			}
		} else if (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}') {
			flow_ind = 1;
		} else if (c == ':') {
			flow_ind = 1;
			if (followed_ws)
				block_ind = 1;
		} else if (c == '#' && preceded_ws) {
			flow_ind = block_ind = 1;
		}
		if (c == '\t')
			tabs = 1;
		else if (!go_printable(c))
			special = 1;
		if (c == ' ') {
			if (i == 0)
				lead_sp = 1;
			if (i + k == n)
				trail_sp = 1;
			if (prev_br)
				break_space = 1;
			prev_sp = 1;
			prev_br = 0;
		} else if (is_break(c)) {
			breaks = 1;
			if (i == 0)
				lead_br = 1;
			if (i + k == n)
				trail_br = 1;
			if (prev_sp)
				space_break = 1;
			prev_sp = 0;
			prev_br = 1;
		} else {
			prev_sp = prev_br = 0;
		}
		preceded_ws = c == ' ' || c == '\t' || is_break(c);
	}
	a->multiline = breaks;
	a->flow_plain = a->block_plain = a->single = a->block = 1;
	if (lead_sp || lead_br || trail_sp || trail_br)
		a->flow_plain = a->block_plain = 0;
	if (trail_sp)
		a->block = 0;
	if (break_space)
		a->flow_plain = a->block_plain = a->single = 0;
	if (space_break || tabs || special)
		a->flow_plain = a->block_plain = a->single = 0;
	if (space_break || special)
		a->block = 0;
	if (breaks)
		a->flow_plain = a->block_plain = 0;
	if (flow_ind)
		a->flow_plain = 0;
	if (block_ind)
		a->block_plain = 0;
}

/* go-yaml: encoder.stringv's choice, then yaml_emitter_select_scalar_style. */
static enum ck_doc_style go_string_style(const char *s, size_t len, enum ctx ctx)
{
	int flow = ctx == C_FLOW || ctx == C_FKEY, key = ctx == C_BKEY || ctx == C_FKEY;
	enum ck_doc_style st;
	struct go_an a;

	go_analyze(s, len, &a);
	if (memchr(s, '\n', len) != NULL)
		st = flow ? CK_DOC_DQUOTED : CK_DOC_LITERAL;
	else if (ck_doc__plain_type(s, len) == CK_DOC_T_STR && !is_old_bool(s, len) &&
	         !is_base60(s, len))
		st = CK_DOC_PLAIN;
	else
		st = CK_DOC_DQUOTED;
	if (key && a.multiline)
		st = CK_DOC_DQUOTED;
	if (st == CK_DOC_PLAIN) {
		if (flow ? !a.flow_plain : !a.block_plain)
			st = CK_DOC_SQUOTED;
		if (len == 0 && (flow || key))
			st = CK_DOC_SQUOTED;
	}
	if (st == CK_DOC_SQUOTED && !a.single)
		st = CK_DOC_DQUOTED;
	if (st == CK_DOC_LITERAL && (!a.block || flow || key))
		st = CK_DOC_DQUOTED;
	return st;
}

/* The style actually written for a scalar in this context. */
static enum ck_doc_style pick_style(const struct yw *w, const struct ck_doc_node *n, enum ctx ctx)
{
	const char *s = n->text ? n->text : "";
	size_t len = n->len;
	int block = ctx == C_BLOCK || ctx == C_ROOT;
	enum ck_doc_style want = n->style;

	if (!w->keep || want == CK_DOC_STYLE_ANY) {
		/* The simplest style that keeps the node's meaning (go-yaml's choices). */
		int str;

		if (n->tag != NULL)
			str = 0; /* the tag says what it is: plain if it can be */
		else if (!ck_doc__is_plain_style(n->style))
			str = 1;
		else /* a plain or unstyled scalar means what its text resolves to */
			str = ck_doc__plain_type(s, len) == CK_DOC_T_STR;

		if (!str) {
			want = CK_DOC_PLAIN;
		} else if (w->go) {
			want = go_string_style(s, len, ctx);
		} else if (memchr(s, '\n', len) != NULL) {
			want = block ? CK_DOC_LITERAL : CK_DOC_DQUOTED;
		} else if (ck_doc__plain_type(s, len) == CK_DOC_T_STR && !is_old_bool(s, len) &&
		           !is_base60(s, len)) {
			want = CK_DOC_PLAIN;
		} else {
			want = CK_DOC_DQUOTED;
		}
		if (want == CK_DOC_PLAIN && str && !w->go && !plain_ok(s, len, ctx))
			want = CK_DOC_SQUOTED;
	}
	switch (want) {
	case CK_DOC_LITERAL:
	case CK_DOC_FOLDED:
		if (w->ab && len > 0 && s[len - 1] == '\n' && (len == 1 || s[len - 2] == '\n'))
			return CK_DOC_DQUOTED; /* "|+" would swallow the blank lines after it */
		if (strspn(s, "\n") >= len)
			return CK_DOC_DQUOTED; /* no text line to fix the indentation: lines after would join */
		if (block && want == CK_DOC_FOLDED && folded_ok(s, len))
			return CK_DOC_FOLDED;
		if (block && literal_ok(s, len))
			return CK_DOC_LITERAL;
		return CK_DOC_DQUOTED;
	case CK_DOC_PLAIN:
		if (plain_ok(s, len, ctx))
			return CK_DOC_PLAIN;
		return squote_ok(s, len) ? CK_DOC_SQUOTED : CK_DOC_DQUOTED;
	case CK_DOC_SQUOTED:
		if (squote_ok(s, len))
			return CK_DOC_SQUOTED;
		return CK_DOC_DQUOTED;
	default:
		return CK_DOC_DQUOTED;
	}
}

/* ---- properties ---- */

static int anchor_ok(const char *a)
{
	size_t i;

	if (a == NULL || a[0] == '\0')
		return 0;
	for (i = 0; a[i]; i++) {
		unsigned char c = (unsigned char)a[i];

		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-' ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* Characters libyaml takes in a tag without %-escaping. */
static int tag_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       strchr("-;/?:@&=+$_.~*'()", c) != NULL;
}

static void tag_escaped(struct yw *w, const char *t, int verbatim)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;

		/* Inside "!<...>" a comma or bracket cannot end the tag. */
		if (tag_char(c) || (verbatim && (c == ',' || c == '[' || c == ']'))) {
			putc_(w, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			put(w, e, 3);
		}
	}
}

static void write_tag(struct yw *w, const char *t)
{
	if (t[0] == '!' && t[1] == '!' && t[2] != '\0') {
		puts_(w, "!!");
		tag_escaped(w, t + 2, 0);
	} else if (t[0] == '!' && t[1] == '\0') {
		putc_(w, '!');
	} else if (t[0] == '!' && t[1] != '!') {
		putc_(w, '!');
		tag_escaped(w, t + 1, 0);
	} else {
		puts_(w, "!<");
		if (t[0] == '!' && t[1] == '!') {
			puts_(w, "tag:yaml.org,2002:");
			t += 2;
		}
		tag_escaped(w, t, 1);
		putc_(w, '>');
	}
}

/* "&a !tag" (no surrounding spaces); 1 if anything was written. */
static int write_props(struct yw *w, const struct ck_doc_node *n)
{
	int any = 0;

	if (n->kind != CK_DOC_ALIAS && n->anchor != NULL) {
		if (!anchor_ok(n->anchor))
			return fail(w, CK_EINVAL, "anchor names must be letters, digits, '-' or '_'"), 0;
		putc_(w, '&');
		puts_(w, n->anchor);
		any = 1;
	}
	if (n->kind != CK_DOC_ALIAS && n->tag != NULL && n->tag[0] != '\0') {
		if (any)
			putc_(w, ' ');
		write_tag(w, n->tag);
		any = 1;
	}
	return any;
}

static int is_empty_plain(const struct ck_doc_node *n)
{
	return n->kind == CK_DOC_SCALAR && n->len == 0 && ck_doc__is_plain_style(n->style);
}

static int has_props(const struct ck_doc_node *n)
{
	return n->kind != CK_DOC_ALIAS && (n->anchor != NULL || (n->tag != NULL && n->tag[0]));
}

/* ---- comments ---- */

/*
 * Comment lines at column ind: each line as stored (it may carry extra
 * spaces before its '#'); an empty line is a blank line; bare text gets "# ".
 */
static void comment_lines(struct yw *w, const char *c, size_t ind)
{
	if (c == NULL)
		return;
	for (;;) {
		const char *nl = strchr(c, '\n');
		size_t len = nl ? (size_t)(nl - c) : strlen(c), sp = 0;

		while (sp < len && c[sp] == ' ')
			sp++;
		if (len) {
			size_t keep = sp;

			/* Right after a block scalar, a line indented as far as its text would join it. */
			if (w->blk > 0 && ind + keep >= w->blk)
				keep = w->blk > ind + 1 ? w->blk - ind - 1 : 0;
			w->blk = 0; /* this line ends the block scalar: the next ones are free */
			spaces(w, ind);
			spaces(w, keep);
			if (c[sp] != '#')
				puts_(w, "# ");
			put(w, c + sp, len - sp);
		}
		putc_(w, '\n');
		if (nl == NULL || w->rc != CK_OK)
			break;
		c = nl + 1;
	}
}

static void head(struct yw *w, const struct ck_doc_node *n, size_t ind)
{
	unsigned i;

	if (!w->comments || n == NULL)
		return;
	for (i = 0; i < n->blank_before && i < 1000; i++)
		putc_(w, '\n');
	comment_lines(w, n->head_comment, ind);
	w->blk = 0;
}

static void line_comment(struct yw *w, const struct ck_doc_node *n)
{
	const char *c;

	if (!w->comments || n == NULL || (c = n->line_comment) == NULL || !*c)
		return;
	spaces(w, n->comment_gap ? n->comment_gap : 1);
	if (c[0] != '#')
		puts_(w, "# ");
	/* A line comment is one line. */
	put(w, c, strcspn(c, "\n"));
}

/* The line comment of n, or else that of the key n is the value of. */
static void lc(struct yw *w, const struct ck_doc_node *n)
{
	const struct ck_doc_node *k = w->key_lc;

	w->key_lc = NULL;
	if (n != NULL && n->line_comment != NULL)
		line_comment(w, n);
	else
		line_comment(w, k);
}

static void foot(struct yw *w, const struct ck_doc_node *n, size_t ind)
{
	if (w->comments && n != NULL)
		comment_lines(w, n->foot_comment, ind);
}

/* ---- nodes ---- */

static int is_block_coll(const struct yw *w, const struct ck_doc_node *n)
{
	(void)w;
	return (n->kind == CK_DOC_MAP || n->kind == CK_DOC_SEQ) && n->nkids > 0 &&
	       n->style != CK_DOC_FLOW;
}

static void write_flow(struct yw *w, const struct ck_doc_node *n, enum ctx ctx, int depth);

/* A scalar on one line in the style st (from pick_style). */
static void write_scalar_styled(struct yw *w, const struct ck_doc_node *n, enum ck_doc_style st)
{
	const char *s = n->text ? n->text : "";

	switch (st) {
	case CK_DOC_PLAIN: put(w, s, n->len); break;
	case CK_DOC_SQUOTED: write_squoted(w, s, n->len); break;
	default: write_dquoted(w, s, n->len); break;
	}
}

/*
 * A block scalar's header and text, the text at column base + rel (base: the
 * enclosing collection's column, from which an indentation indicator counts).
 */
static void write_block_scalar(struct yw *w, const struct ck_doc_node *n, enum ck_doc_style st,
                               size_t base, size_t rel)
{
	const char *s = n->text ? n->text : "";
	size_t len = n->len, end = len, trail, i, first, ind;

	while (end > 0 && s[end - 1] == '\n')
		end--;
	trail = len - end;
	if (w->comments && w->fc > 0 && base + rel < w->fc)
		rel = w->fc - base; /* else the comment after it would read as text */
	putc_(w, st == CK_DOC_FOLDED ? '>' : '|');
	for (first = 0; first < end && s[first] == '\n'; first++)
		;
	if ((first < end && (s[first] == ' ' || s[first] == '\t')) || (w->go && len && s[0] == '\n')) {
		/* The text's own leading blanks: say where the indentation ends. */
		if (rel > 9)
			rel = 9;
		putc_(w, (char)('0' + rel));
	}
	ind = base + rel;
	if (trail == 0)
		putc_(w, '-');
	else if (trail > 1 || end == 0)
		putc_(w, '+');
	line_comment(w, n);
	putc_(w, '\n');
	for (i = 0; i < end && w->rc == CK_OK;) {
		const char *nl = memchr(s + i, '\n', end - i);
		size_t stop = nl ? (size_t)(nl - s) : end, j;

		if (stop > i) {
			spaces(w, ind);
			put(w, s + i, stop - i);
		}
		putc_(w, '\n');
		if (nl == NULL) {
			i = end;
			break;
		}
		i = stop + 1;
		if (st == CK_DOC_FOLDED) {
			/* A single break folds into a space: each text break is an empty line. */
			for (j = stop; j < end && s[j] == '\n'; j++)
				putc_(w, '\n');
			i = j;
		}
	}
	/* Kept trailing breaks beyond the one that ends the last line. */
	for (i = end == 0 ? 0 : 1; i < trail; i++)
		putc_(w, '\n');
	w->blk = ind > 0 ? ind : 1;
}

/* Indentation for a child block collection or block text, relative to ind. */
static size_t child_rel(const struct yw *w, const struct ck_doc_node *n, int seq_in_map)
{
	if ((seq_in_map ? w->src_seq : w->src) && n->src_indent > 0) {
		size_t r = (size_t)n->src_indent - 1;

		if (seq_in_map || r >= 1)
			return r;
	}
	if (seq_in_map)
		return w->seq_indent > 0 ? w->step : 0;
	return w->step;
}

/* go-yaml's increase_indent outside sequence items: the next multiple of the indent. */
static size_t go_round(const struct yw *w, size_t ind)
{
	return w->step * ((ind + w->step) / w->step);
}

/* Where a value's block content goes. */
enum where { W_ITEM, W_MAP, W_ROOT };

/* Column of a block collection that is the value at `where` of a collection at ind. */
static size_t coll_col(const struct yw *w, const struct ck_doc_node *v, size_t ind, enum where at)
{
	size_t col;

	if (at == W_ROOT)
		return 0;
	if (w->go) {
		if (at == W_ITEM)
			return ind + 2;
		col = v->kind == CK_DOC_SEQ && w->seq_indent <= 0 ? ind : go_round(w, ind);
	} else {
		col = ind + child_rel(w, v, at == W_MAP && v->kind == CK_DOC_SEQ);
	}
	/*
	 * An indentless sequence ("key:\n- a") takes the comment lines after it
	 * that start at its column or further as its own foot: when the comment
	 * that follows belongs to someone else (the map's foot, the next key's
	 * head), the sequence is indented so that the comment reads as theirs.
	 */
	if (v->kind == CK_DOC_SEQ && col == ind && w->fc > 0 && w->fc - 1 >= col)
		col = ind + w->step;
	return col;
}

/* Column of a block scalar's text. */
static size_t text_col(const struct yw *w, const struct ck_doc_node *v, size_t ind, enum where at)
{
	if (w->go)
		return at == W_ROOT ? w->step : at == W_ITEM ? ind + 2 : go_round(w, ind);
	return ind + child_rel(w, v, 0);
}

static void write_bmap(struct yw *w, const struct ck_doc_node *m, size_t ind, int inl, int depth);
static void write_bseq(struct yw *w, const struct ck_doc_node *s, size_t ind, int inl, int depth);

/*
 * The rest of a line after "key:" / "-" / "?" / "---" (the indicator already
 * written): the value and, for block content, the lines below it. ind is the
 * column of the indicator's collection; in_map tells whether it is a map
 * value (block sequences may then sit at the key's column).
 */
static void write_after_indicator(struct yw *w, const struct ck_doc_node *v, size_t ind,
                                  int in_map, int depth)
{
	if (w->rc != CK_OK)
		return;
	if (depth > CK_DOC__MAX_DEPTH * 4) {
		fail(w, CK_ETOOBIG, "tree nested too deeply to write");
		return;
	}
	if (v == NULL) {
		lc(w, NULL);
		putc_(w, '\n');
		return;
	}
	if (w->comments && in_map == 1 && !is_block_coll(w, v) &&
	    (v->head_comment != NULL ||
	     (w->key_lc != NULL && w->key_lc->line_comment != NULL &&
	      !(is_empty_plain(v) && !has_props(v))))) {
		/* A value with comments above it or after its key: on a line of its own. */
		size_t vind = ind + w->step;
		unsigned b;

		lc(w, NULL);
		putc_(w, '\n');
		for (b = 0; b < v->blank_before && b < 1000; b++)
			putc_(w, '\n');
		comment_lines(w, v->head_comment, vind);
		spaces(w, vind);
		w->nosp = 1;
	}
	if (v->kind == CK_DOC_ALIAS) {
		sep(w);
		putc_(w, '*');
		if (!anchor_ok(v->text)) {
			fail(w, CK_EINVAL, "alias names must be letters, digits, '-' or '_'");
			return;
		}
		puts_(w, v->text);
		lc(w, v);
		putc_(w, '\n');
		return;
	}
	if (v->kind == CK_DOC_SCALAR) {
		enum ck_doc_style st = pick_style(w, v, C_BLOCK);

		if (has_props(v)) {
			sep(w);
			write_props(w, v);
		}
		if (st == CK_DOC_LITERAL || st == CK_DOC_FOLDED) {
			enum where at = in_map == 1 ? W_MAP : in_map == 2 ? W_ROOT : W_ITEM;
			size_t base = at == W_ROOT ? 0 : ind;

			sep(w);
			write_block_scalar(w, v, st, base, text_col(w, v, ind, at) - base);
			return;
		}
		if (v->len > 0 || st != CK_DOC_PLAIN) {
			sep(w);
			write_scalar_styled(w, v, st);
		}
		lc(w, v);
		putc_(w, '\n');
		return;
	}
	if (!is_block_coll(w, v)) {
		sep(w);
		write_flow(w, v, C_BLOCK, depth + 1);
		lc(w, v);
		putc_(w, '\n');
		return;
	}
	if (has_props(v)) {
		sep(w);
		write_props(w, v);
	}
	lc(w, v);
	putc_(w, '\n');
	if (v->kind == CK_DOC_MAP)
		write_bmap(w, v, coll_col(w, v, ind, in_map == 1 ? W_MAP : W_ITEM), 0, depth + 1);
	else
		write_bseq(w, v, coll_col(w, v, ind, in_map == 1 ? W_MAP : W_ITEM), 0, depth + 1);
}

/* A sequence item or explicit key after its indicator ("-" or "?"). */
static void write_item(struct yw *w, char indicator, const struct ck_doc_node *v, size_t ind,
                       int depth)
{
	putc_(w, indicator);
	if (v != NULL && is_block_coll(w, v) && !has_props(v) &&
	    !(w->comments && (v->line_comment != NULL || v->kids[0]->head_comment != NULL ||
	                      v->kids[0]->blank_before))) {
		/* Compact form: the collection starts on the indicator's line. */
		size_t rel = 2;

		if (w->src && v->src_indent > 2 && v->src_indent - 1 <= 16)
			rel = (size_t)v->src_indent - 1;
		spaces(w, rel - 1);
		if (v->kind == CK_DOC_MAP)
			write_bmap(w, v, ind + rel, 1, depth + 1);
		else
			write_bseq(w, v, ind + rel, 1, depth + 1);
		return;
	}
	if (v != NULL && is_block_coll(w, v)) {
		/* Properties (or a comment) first, the collection on the next lines. */
		if (has_props(v)) {
			putc_(w, ' ');
			write_props(w, v);
		}
		line_comment(w, v);
		putc_(w, '\n');
		if (v->kind == CK_DOC_MAP)
			write_bmap(w, v, w->go ? ind + 2 : ind + child_rel(w, v, 0), 0, depth + 1);
		else
			write_bseq(w, v, w->go ? ind + 2 : ind + child_rel(w, v, 0), 0, depth + 1);
		return;
	}
	write_after_indicator(w, v, ind, 0, depth);
}

/* Does a key fit on one line as a simple key? Writes it if so. */
static int write_simple_key(struct yw *w, const struct ck_doc_node *k, enum ctx ctx, int depth)
{
	size_t before = ck_buf_len(w->out);

	if (is_empty_plain(k))
		return 0; /* a null key: "? " form, an empty simple key does not read back */
	if (ctx == C_BKEY && is_block_coll(w, k))
		return 0; /* block collections stay block, after "? " */
	if (k->kind == CK_DOC_SCALAR) {
		enum ck_doc_style st = pick_style(w, k, ctx);

		if (st == CK_DOC_LITERAL || st == CK_DOC_FOLDED)
			return 0;
		if (write_props(w, k))
			putc_(w, ' ');
		write_scalar_styled(w, k, st);
	} else if (k->kind == CK_DOC_ALIAS) {
		putc_(w, '*');
		if (!anchor_ok(k->text))
			return fail(w, CK_EINVAL, "alias names must be letters, digits, '-' or '_'"), 1;
		puts_(w, k->text);
		/* "*a:" would read the colon as part of the alias name in YAML 1.2 readers. */
		putc_(w, ' ');
	} else {
		write_flow(w, k, ctx == C_BKEY ? C_BLOCK : C_FLOW, depth + 1);
	}
	if (w->rc == CK_OK && ck_buf_len(w->out) - before > MAX_SIMPLE_KEY) {
		ck_doc__truncate(w->out, before);
		return 0;
	}
	return 1;
}

/* 1 + column of the first non-blank line of a comment written at ind (0: none). */
static size_t first_line_col(const char *c, size_t ind)
{
	while (c != NULL && *c) {
		size_t sp = 0;

		if (*c == '\n') {
			c++;
			continue;
		}
		while (c[sp] == ' ')
			sp++;
		return ind + sp + 1;
	}
	return 0;
}

/* The comment line right after entry `next - 1` of collection c, at ind. */
static size_t comment_after(const struct yw *w, const struct ck_doc_node *c, size_t next,
                            size_t ind, size_t fc_in)
{
	if (!w->comments)
		return 0;
	if (next < c->nkids)
		return c->kids[next]->head_comment ? first_line_col(c->kids[next]->head_comment, ind) : 0;
	if (c->foot_comment != NULL)
		return first_line_col(c->foot_comment, ind);
	return fc_in;
}

/* Do blank lines follow entry i (of n entries) of collection c? */
static int blank_after(const struct yw *w, const struct ck_doc_node *c, size_t next, int ab_in)
{
	if (next < c->nkids)
		return w->comments && c->kids[next]->blank_before > 0;
	if (w->comments && c->foot_comment != NULL)
		return c->foot_comment[0] == '\n';
	return ab_in;
}

static void write_bmap(struct yw *w, const struct ck_doc_node *m, size_t ind, int inl, int depth)
{
	size_t i, fc_in = w->fc;
	int ab_in = w->ab;

	for (i = 0; i + 1 < m->nkids && w->rc == CK_OK; i += 2) {
		const struct ck_doc_node *k = m->kids[i], *v = m->kids[i + 1];
		int alone;

		w->ab = blank_after(w, m, i + 2, ab_in);
		w->fc = comment_after(w, m, i + 2, ind, fc_in);

		if (!(i == 0 && inl)) {
			head(w, k, ind);
			spaces(w, ind);
		}
		/* "key: # c" with nothing after would give the comment to the (null) value. */
		alone = w->comments && k->line_comment != NULL && v != NULL && is_empty_plain(v) &&
		        !has_props(v);
		if (!alone && write_simple_key(w, k, C_BKEY, depth)) {
			putc_(w, ':');
			if (k->line_comment != NULL && w->comments && v != NULL && is_block_coll(w, v)) {
				/* "key:  # c" over a block collection: the comment is the key's; the
				 * collection's properties and comment go on a line of their own. */
				line_comment(w, k);
				putc_(w, '\n');
				if (has_props(v)) {
					spaces(w, ind + w->step);
					write_props(w, v);
					line_comment(w, v);
					putc_(w, '\n');
				}
				if (v->kind == CK_DOC_MAP)
					write_bmap(w, v, coll_col(w, v, ind, W_MAP), 0, depth + 1);
				else
					write_bseq(w, v, coll_col(w, v, ind, W_MAP), 0, depth + 1);
				continue;
			}
			w->key_lc = k;
			write_after_indicator(w, v, ind, 1, depth);
		} else {
			write_item(w, '?', k, ind, depth);
			spaces(w, ind);
			putc_(w, ':');
			write_after_indicator(w, v, ind, 1, depth);
		}
	}
	w->ab = ab_in;
	w->fc = fc_in;
	foot(w, m, ind);
}

static void write_bseq(struct yw *w, const struct ck_doc_node *s, size_t ind, int inl, int depth)
{
	size_t i, fc_in = w->fc;
	int ab_in = w->ab;

	for (i = 0; i < s->nkids && w->rc == CK_OK; i++) {
		w->ab = blank_after(w, s, i + 1, ab_in);
		w->fc = comment_after(w, s, i + 1, ind, fc_in);
		if (!(i == 0 && inl)) {
			head(w, s->kids[i], ind);
			spaces(w, ind);
		}
		write_item(w, '-', s->kids[i], ind, depth);
	}
	w->ab = ab_in;
	w->fc = fc_in;
	foot(w, s, ind);
}

static void write_flow(struct yw *w, const struct ck_doc_node *n, enum ctx ctx, int depth)
{
	size_t i;

	if (w->rc != CK_OK)
		return;
	if (depth > CK_DOC__MAX_DEPTH * 4) {
		fail(w, CK_ETOOBIG, "tree nested too deeply to write");
		return;
	}
	if (n->kind == CK_DOC_ALIAS) {
		if (!anchor_ok(n->text)) {
			fail(w, CK_EINVAL, "alias names must be letters, digits, '-' or '_'");
			return;
		}
		putc_(w, '*');
		puts_(w, n->text);
		return;
	}
	if (write_props(w, n))
		putc_(w, ' ');
	if (n->kind == CK_DOC_SCALAR) {
		if (n->len == 0 && ck_doc__is_plain_style(n->style) && ctx == C_FLOW && !has_props(n)) {
			/* An empty plain item cannot stand between commas. */
			write_dquoted(w, "", 0);
			return;
		}
		write_scalar_styled(w, n, pick_style(w, n, ctx));
		return;
	}
	putc_(w, n->kind == CK_DOC_MAP ? '{' : '[');
	for (i = 0; i < n->nkids && w->rc == CK_OK; i++) {
		const struct ck_doc_node *k = n->kids[i];

		if (i)
			puts_(w, ", ");
		if (n->kind == CK_DOC_SEQ) {
			if (k->kind == CK_DOC_MAP && k->nkids == 2 && k->style != CK_DOC_FLOW) {
				/* A single-pair map in a flow sequence must keep its braces. */
			}
			write_flow(w, k, C_FLOW, depth + 1);
			continue;
		}
		if (i + 1 >= n->nkids)
			break;
		if (!write_simple_key(w, k, C_FKEY, depth)) {
			puts_(w, "? ");
			if (!is_empty_plain(k) || has_props(k))
				write_flow(w, k, C_FLOW, depth + 1);
		}
		/* Always ": ": "{a:}" does not read back. */
		puts_(w, ": ");
		i++;
		if (!is_empty_plain(n->kids[i]) || has_props(n->kids[i]))
			write_flow(w, n->kids[i], C_FLOW, depth + 1);
	}
	putc_(w, n->kind == CK_DOC_MAP ? '}' : ']');
	(void)ctx;
}

static void write_root(struct yw *w, const struct ck_doc_node *r, int start)
{
	if (r == NULL || (r->kind == CK_DOC_SCALAR && r->len == 0 && !has_props(r) &&
	                  ck_doc__is_plain_style(r->style))) {
		/* An empty document exists only with its "---". */
		puts_(w, "---");
		if (r != NULL)
			line_comment(w, r);
		putc_(w, '\n');
		if (r != NULL)
			foot(w, r, 0);
		return;
	}
	if (is_block_coll(w, r)) {
		if (start)
			puts_(w, "---");
		if (has_props(r)) {
			if (start)
				putc_(w, ' ');
			write_props(w, r);
		}
		if (start || has_props(r)) {
			line_comment(w, r);
			putc_(w, '\n');
		}
		if (r->kind == CK_DOC_MAP)
			write_bmap(w, r, 0, 0, 0);
		else
			write_bseq(w, r, 0, 0, 0);
		return;
	}
	if (start)
		puts_(w, "---");
	else
		w->nosp = 1;
	write_after_indicator(w, r, 0, 2, 0);
	w->nosp = 0;
	foot(w, r, 0);
}

static void init_writer(struct yw *w, struct ck_buf *out, const struct ck_doc_yaml_opts *o)
{
	static const struct ck_doc_yaml_opts def = CK_DOC_YAML_OPTS_INIT;

	if (o == NULL)
		o = &def;
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->step = o->indent ? o->indent : 2;
	if (w->step > 16)
		w->step = 16;
	w->keep = o->keep_styles;
	w->go = !o->keep_styles;
	w->src = o->keep_styles && o->indent == 0;
	w->src_seq = o->keep_styles && o->indent_sequences < 0;
	w->seq_indent = o->indent_sequences;
	w->comments = !o->no_comments;
}

int ck_doc_write_yaml(struct ck_buf *out, const struct ck_doc *d,
                      const struct ck_doc_yaml_opts *opts)
{
	static const struct ck_doc_yaml_opts def = CK_DOC_YAML_OPTS_INIT;
	struct yw w;
	size_t i, before = ck_buf_len(out);

	if (opts == NULL)
		opts = &def;
	init_writer(&w, out, opts);
	if (w.comments && d->head_comment != NULL)
		comment_lines(&w, d->head_comment, 0);
	for (i = 0; i < d->ndocs && w.rc == CK_OK; i++) {
		const struct ck_doc_node *r = d->docs[i];
		int start = i > 0 || opts->explicit_start || (d->explicit_start && d->explicit_start[i]);

		/* "---" ends a block scalar, but blank lines before it would be its text. */
		w.ab = (r != NULL && r->foot_comment != NULL && r->foot_comment[0] == '\n') ||
		       (i + 1 < d->ndocs && d->docs[i + 1] != NULL && d->docs[i + 1]->blank_before > 0);
		w.fc = r != NULL && w.comments ? first_line_col(r->foot_comment, 0) : 0;
		if (start && r != NULL && !is_block_coll(&w, r) && !(is_empty_plain(r) && !has_props(r)) &&
		    w.comments &&
		    (r->head_comment != NULL || r->blank_before > 0)) {
			/* Comments above an inline root stay between its "---" and it. */
			puts_(&w, "---\n");
			head(&w, r, 0);
			write_root(&w, r, 0);
			continue;
		}
		head(&w, r, 0);
		write_root(&w, r, start);
		w.blk = 0;
	}
	if (w.rc != CK_OK)
		ck_doc__truncate(out, before);
	return w.rc;
}

int ck_doc_write_yaml_node(struct ck_buf *out, const struct ck_doc_node *n,
                           const struct ck_doc_yaml_opts *opts)
{
	struct yw w;
	size_t before = ck_buf_len(out);

	init_writer(&w, out, opts);
	write_root(&w, n, 0);
	if (w.rc != CK_OK)
		ck_doc__truncate(out, before);
	return w.rc;
}
