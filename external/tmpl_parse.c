/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lexer and parser of Go's text/template language, following the structure
 * and error texts of Go's text/template/parse so that a template ESO rejects
 * is rejected here with the same words. The lexer runs to completion first
 * (tokens in an array); the parser is a recursive descent over it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "tmpl_int.h"

#define TMPL_MAX_SRC ((size_t)16 << 20)
#define TMPL_MAX_NEST 1000

enum tok {
	T_ERROR, T_BOOL, T_CHAR, T_CHARCONST, T_COMMENT, T_ASSIGN, T_DECLARE, T_EOF, T_FIELD,
	T_IDENT, T_LDELIM, T_LPAREN, T_NUMBER, T_PIPE, T_RAWSTRING, T_RDELIM, T_RPAREN,
	T_SPACE, T_STRING, T_TEXT, T_VARIABLE,
	T_KEYWORD, /* keywords follow */
	T_BLOCK, T_BREAK, T_CONTINUE, T_DOT, T_DEFINE, T_ELSE, T_END, T_IF, T_NIL, T_RANGE,
	T_TEMPLATE, T_WITH,
};

struct token {
	uint8_t t;
	uint32_t pos, line;
	const char *val;
	size_t len;
};

struct lexer {
	const char *s;
	size_t n, pos, start;
	uint32_t line, start_line;
	const char *ld, *rd;
	size_t ldn, rdn;
	int paren;
	struct token *toks;
	size_t ntoks, cap;
	struct ck_ext_arena *a;
	int failed;
};

static int emit_val(struct lexer *l, int t, const char *val, size_t len)
{
	if (l->ntoks == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct token *nt = ck_calloc(ncap, sizeof(*nt));

		if (nt == NULL)
			return ck_err_set(CK_ENOMEM, "template: out of memory");
		if (l->ntoks)
			memcpy(nt, l->toks, l->ntoks * sizeof(*nt));
		ck_free(l->toks);
		l->toks = nt;
		l->cap = ncap;
	}
	l->toks[l->ntoks].t = (uint8_t)t;
	l->toks[l->ntoks].pos = (uint32_t)l->start;
	l->toks[l->ntoks].line = l->start_line;
	l->toks[l->ntoks].val = val;
	l->toks[l->ntoks].len = len;
	l->ntoks++;
	return CK_OK;
}

static void count_lines(struct lexer *l, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (l->s[i] == '\n')
			l->line++;
}

/* Move the token start to pos (dropping what lies between). */
static void ignore(struct lexer *l)
{
	count_lines(l, l->start, l->pos);
	l->start = l->pos;
	l->start_line = l->line;
}

static int emit(struct lexer *l, int t)
{
	int rc = emit_val(l, t, l->s + l->start, l->pos - l->start);

	ignore(l);
	return rc;
}

static int lex_errorf(struct lexer *l, const char *fmt, ...) CK_PRINTF(2, 3);
static int lex_errorf(struct lexer *l, const char *fmt, ...)
{
	char msg[256];
	char *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if ((p = ck_ext__arena_strdup(l->a, msg, (size_t)n)) == NULL)
		return ck_err_last()->code;
	l->failed = 1;
	return emit_val(l, T_ERROR, p, (size_t)n);
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alnum_byte(unsigned char c)
{
	/* Go allows Unicode letters and digits; bytes >= 0x80 belong to them */
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int has_prefix(const struct lexer *l, size_t at, const char *p, size_t pn)
{
	return at <= l->n && l->n - at >= pn && memcmp(l->s + at, p, pn) == 0;
}

static int has_left_trim(const struct lexer *l, size_t at)
{
	return at + 2 <= l->n && l->s[at] == '-' && is_space((unsigned char)l->s[at + 1]);
}

static int has_right_trim(const struct lexer *l, size_t at)
{
	return at + 2 <= l->n && is_space((unsigned char)l->s[at]) && l->s[at + 1] == '-';
}

/* At a right delimiter (possibly with a trim marker)? *trim set accordingly. */
static int at_right_delim(const struct lexer *l, int *trim)
{
	if (has_right_trim(l, l->pos) && has_prefix(l, l->pos + 2, l->rd, l->rdn)) {
		*trim = 1;
		return 1;
	}
	*trim = 0;
	return has_prefix(l, l->pos, l->rd, l->rdn);
}

static int at_terminator(const struct lexer *l)
{
	unsigned char c;

	if (l->pos >= l->n)
		return 1;
	c = (unsigned char)l->s[l->pos];
	if (is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(')
		return 1;
	return has_prefix(l, l->pos, l->rd, l->rdn);
}

static size_t left_trim_len(const struct lexer *l, size_t at)
{
	size_t k = at;

	while (k < l->n && is_space((unsigned char)l->s[k]))
		k++;
	return k - at;
}

/* Go's "%#U" of the offending rune. */
static int bad_char(struct lexer *l, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return lex_errorf(l, "bad character U+%04X '%c'", c, c);
	return lex_errorf(l, "bad character U+%04X", c);
}

static int lex_comment(struct lexer *l)
{
	const char *end = NULL;
	size_t k;
	int trim;

	l->pos += 2; /* slash-star */
	for (k = l->pos; k + 1 < l->n; k++) {
		if (l->s[k] == '*' && l->s[k + 1] == '/') {
			end = l->s + k;
			break;
		}
	}
	if (end == NULL)
		return lex_errorf(l, "unclosed comment");
	l->pos = (size_t)(end - l->s) + 2;
	if (!at_right_delim(l, &trim))
		return lex_errorf(l, "comment ends before closing delimiter");
	/* comments are dropped (Go's parser keeps them only in ParseComments mode) */
	if (trim)
		l->pos += 2;
	l->pos += l->rdn;
	if (trim)
		l->pos += left_trim_len(l, l->pos);
	ignore(l);
	return CK_OK;
}

static int scan_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	int hex = 0, dec = 1;

	if (l->pos < l->n && (l->s[l->pos] == '+' || l->s[l->pos] == '-'))
		l->pos++;
	if (l->pos < l->n && l->s[l->pos] == '0') {
		l->pos++;
		if (l->pos < l->n && (l->s[l->pos] == 'x' || l->s[l->pos] == 'X')) {
			l->pos++;
			digits = "0123456789abcdefABCDEF_";
			hex = 1;
			dec = 0;
		} else if (l->pos < l->n && (l->s[l->pos] == 'o' || l->s[l->pos] == 'O')) {
			l->pos++;
			digits = "01234567_";
			dec = 0;
		} else if (l->pos < l->n && (l->s[l->pos] == 'b' || l->s[l->pos] == 'B')) {
			l->pos++;
			digits = "01_";
			dec = 0;
		}
	}
	while (l->pos < l->n && l->s[l->pos] && strchr(digits, l->s[l->pos]))
		l->pos++;
	if (l->pos < l->n && l->s[l->pos] == '.') {
		l->pos++;
		while (l->pos < l->n && l->s[l->pos] && strchr(digits, l->s[l->pos]))
			l->pos++;
	}
	if (dec && l->pos < l->n && (l->s[l->pos] == 'e' || l->s[l->pos] == 'E')) {
		l->pos++;
		if (l->pos < l->n && (l->s[l->pos] == '+' || l->s[l->pos] == '-'))
			l->pos++;
		while (l->pos < l->n && l->s[l->pos] && strchr("0123456789_", l->s[l->pos]))
			l->pos++;
	}
	if (hex && l->pos < l->n && (l->s[l->pos] == 'p' || l->s[l->pos] == 'P')) {
		l->pos++;
		if (l->pos < l->n && (l->s[l->pos] == '+' || l->s[l->pos] == '-'))
			l->pos++;
		while (l->pos < l->n && l->s[l->pos] && strchr("0123456789_", l->s[l->pos]))
			l->pos++;
	}
	if (l->pos < l->n && l->s[l->pos] == 'i')
		l->pos++;
	if (l->pos < l->n && is_alnum_byte((unsigned char)l->s[l->pos])) {
		l->pos++;
		return 0;
	}
	return 1;
}

static int lex_quote(struct lexer *l)
{
	for (;;) {
		char c;

		if (l->pos >= l->n)
			return lex_errorf(l, "unterminated quoted string");
		c = l->s[l->pos++];
		if (c == '\\') {
			if (l->pos >= l->n || l->s[l->pos] == '\n')
				return lex_errorf(l, "unterminated quoted string");
			l->pos++;
		} else if (c == '\n') {
			return lex_errorf(l, "unterminated quoted string");
		} else if (c == '"') {
			break;
		}
	}
	return emit(l, T_STRING);
}

static int lex_char(struct lexer *l)
{
	for (;;) {
		char c;

		if (l->pos >= l->n)
			return lex_errorf(l, "unterminated character constant");
		c = l->s[l->pos++];
		if (c == '\\') {
			if (l->pos >= l->n || l->s[l->pos] == '\n')
				return lex_errorf(l, "unterminated character constant");
			l->pos++;
		} else if (c == '\n') {
			return lex_errorf(l, "unterminated character constant");
		} else if (c == '\'') {
			break;
		}
	}
	return emit(l, T_CHARCONST);
}

static int lex_field_or_var(struct lexer *l, int t)
{
	if (at_terminator(l))
		return emit(l, t == T_VARIABLE ? T_VARIABLE : T_DOT);
	while (l->pos < l->n && is_alnum_byte((unsigned char)l->s[l->pos]))
		l->pos++;
	if (!at_terminator(l))
		return bad_char(l, (unsigned char)l->s[l->pos]);
	return emit(l, t);
}

static const struct {
	const char *w;
	int t;
} keywords[] = {
	{ "block", T_BLOCK }, { "break", T_BREAK }, { "continue", T_CONTINUE },
	{ "define", T_DEFINE }, { "else", T_ELSE }, { "end", T_END }, { "if", T_IF },
	{ "range", T_RANGE }, { "nil", T_NIL }, { "template", T_TEMPLATE }, { "with", T_WITH },
};

static int lex_ident(struct lexer *l)
{
	size_t k, len;

	while (l->pos < l->n && is_alnum_byte((unsigned char)l->s[l->pos]))
		l->pos++;
	if (!at_terminator(l))
		return bad_char(l, (unsigned char)l->s[l->pos]);
	len = l->pos - l->start;
	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (strlen(keywords[k].w) == len && memcmp(keywords[k].w, l->s + l->start, len) == 0)
			return emit(l, keywords[k].t);
	if ((len == 4 && memcmp(l->s + l->start, "true", 4) == 0) ||
	    (len == 5 && memcmp(l->s + l->start, "false", 5) == 0))
		return emit(l, T_BOOL);
	return emit(l, T_IDENT);
}

/* Inside an action, up to and including the right delimiter. */
static int lex_action(struct lexer *l)
{
	int rc, trim;

	for (;;) {
		unsigned char c;

		if (at_right_delim(l, &trim)) {
			if (l->paren != 0)
				return lex_errorf(l, "unclosed left paren");
			if (trim) {
				l->pos += 2;
				ignore(l);
			}
			l->pos += l->rdn;
			if ((rc = emit(l, T_RDELIM)) < 0)
				return rc;
			if (trim) {
				l->pos += left_trim_len(l, l->pos);
				ignore(l);
			}
			return CK_OK;
		}
		if (l->pos >= l->n)
			return lex_errorf(l, "unclosed action");
		c = (unsigned char)l->s[l->pos++];
		if (is_space(c)) {
			size_t nsp = 1;

			while (l->pos < l->n && is_space((unsigned char)l->s[l->pos])) {
				l->pos++;
				nsp++;
			}
			/* a space followed by "-}}" belongs to the trim marker */
			if (has_right_trim(l, l->pos - 1) && has_prefix(l, l->pos + 1, l->rd, l->rdn)) {
				l->pos--;
				if (nsp == 1)
					continue;
			}
			rc = emit(l, T_SPACE);
		} else if (c == '=') {
			rc = emit(l, T_ASSIGN);
		} else if (c == ':') {
			if (l->pos >= l->n || l->s[l->pos] != '=')
				return lex_errorf(l, "expected :=");
			l->pos++;
			rc = emit(l, T_DECLARE);
		} else if (c == '|') {
			rc = emit(l, T_PIPE);
		} else if (c == '"') {
			rc = lex_quote(l);
		} else if (c == '`') {
			const char *e = memchr(l->s + l->pos, '`', l->n - l->pos);

			if (e == NULL)
				return lex_errorf(l, "unterminated raw quoted string");
			l->pos = (size_t)(e - l->s) + 1;
			rc = emit(l, T_RAWSTRING);
		} else if (c == '$') {
			rc = lex_field_or_var(l, T_VARIABLE);
		} else if (c == '\'') {
			rc = lex_char(l);
		} else if (c == '.' && l->pos < l->n &&
		           !(l->s[l->pos] >= '0' && l->s[l->pos] <= '9')) {
			rc = lex_field_or_var(l, T_FIELD);
		} else if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
			l->pos--;
			if (c == '.' && l->pos + 1 >= l->n) {
				l->pos++;
				rc = emit(l, T_DOT);
			} else if (!scan_number(l)) {
				return lex_errorf(l, "bad number syntax: \"%.*s\"",
				                  (int)(l->pos - l->start), l->s + l->start);
			} else {
				rc = emit(l, T_NUMBER);
			}
		} else if (is_alnum_byte(c)) {
			l->pos--;
			rc = lex_ident(l);
		} else if (c == '(') {
			l->paren++;
			rc = emit(l, T_LPAREN);
		} else if (c == ')') {
			l->paren--;
			if (l->paren < 0)
				return lex_errorf(l, "unexpected right paren");
			rc = emit(l, T_RPAREN);
		} else if (c < 0x7f && c >= 0x20) {
			rc = emit(l, T_CHAR);
		} else {
			return lex_errorf(l, "unrecognized character in action: U+%04X", c);
		}
		if (rc < 0 || l->failed)
			return rc;
	}
}

static int lex_all(struct lexer *l)
{
	int rc = CK_OK;

	while (!l->failed) {
		const char *x = NULL;
		size_t k, tl;
		int trim;

		for (k = l->pos; k + l->ldn <= l->n; k++) {
			if (memcmp(l->s + k, l->ld, l->ldn) == 0) {
				x = l->s + k;
				break;
			}
		}
		if (x == NULL) {
			l->pos = l->n;
			if (l->pos > l->start && (rc = emit(l, T_TEXT)) < 0)
				return rc;
			break;
		}
		k = (size_t)(x - l->s);
		trim = has_left_trim(l, k + l->ldn);
		tl = k;
		if (trim)
			while (tl > l->start && is_space((unsigned char)l->s[tl - 1]))
				tl--;
		l->pos = tl;
		if (l->pos > l->start && (rc = emit(l, T_TEXT)) < 0)
			return rc;
		l->pos = k;
		ignore(l);
		l->pos += l->ldn;
		if (trim)
			l->pos += 2;
		if (has_prefix(l, l->pos, "/*", 2)) {
			if ((rc = lex_comment(l)) < 0)
				return rc;
			continue;
		}
		/* the delimiter token's text is the delimiter itself */
		if ((rc = emit_val(l, T_LDELIM, l->ld, l->ldn)) < 0)
			return rc;
		ignore(l);
		if ((rc = lex_action(l)) < 0)
			return rc;
	}
	if (!l->failed) {
		ignore(l);
		rc = emit_val(l, T_EOF, "", 0);
	}
	return rc;
}

/* ------------------------------------------------------------------ parser */

struct parser {
	struct ck_tmpl *t;
	struct token *toks;
	size_t ntoks, i;
	const char **vars;
	size_t nvars, capvars;
	int range_depth;
	unsigned nest;
	uint32_t action_line;
	const char *tree_name;
};

static int perrorf(struct parser *p, const struct token *at, const char *fmt, ...)
	CK_PRINTF(3, 4);
static int perrorf(struct parser *p, const struct token *at, const char *fmt, ...)
{
	char msg[CK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ck_err_set(CK_EINVAL, "template: %s:%u: %s", p->t->name, at ? at->line : 1, msg);
}

/* Reads past the end keep returning the last token (EOF or the lexer's
 * error), while the cursor still moves so that backing up stays exact. */
static struct token *tk_at(struct parser *p, size_t i)
{
	return &p->toks[i < p->ntoks ? i : p->ntoks - 1];
}

static struct token *tk_next(struct parser *p)
{
	return tk_at(p, p->i++);
}

static void tk_backup(struct parser *p, size_t n)
{
	p->i -= n;
}

static struct token *tk_peek(struct parser *p)
{
	return tk_at(p, p->i);
}

static struct token *tk_next_nonspace(struct parser *p)
{
	struct token *t;

	do
		t = tk_next(p);
	while (t->t == T_SPACE);
	return t;
}

static struct token *tk_peek_nonspace(struct parser *p)
{
	size_t save = p->i;
	struct token *t = tk_next_nonspace(p);

	p->i = save;
	while (tk_at(p, p->i)->t == T_SPACE)
		p->i++;
	return t;
}

/* Go's item.String(). */
static void tok_string(const struct token *t, char *buf, size_t n)
{
	if (t->t == T_EOF) {
		snprintf(buf, n, "EOF");
	} else if (t->t == T_ERROR) {
		snprintf(buf, n, "%.*s", (int)t->len, t->val);
	} else if (t->t > T_KEYWORD) {
		snprintf(buf, n, "<%.*s>", (int)t->len, t->val);
	} else {
		struct ck_buf b = CK_BUF_INIT;
		size_t len = t->len, runes = 0, k;

		for (k = 0; k < t->len; k++) {
			if (((unsigned char)t->val[k] & 0xc0) != 0x80) {
				if (runes == 10) {
					len = k;
					break;
				}
				runes++;
			}
		}
		ck_buf_init(&b, 256);
		if (ck_ext__fmt_quote(&b, t->val, len) < 0)
			snprintf(buf, n, "?");
		else
			snprintf(buf, n, "%s%s", ck_buf_cstr(&b), t->len > 10 ? "..." : "");
		ck_buf_dispose(&b);
	}
}

static int unexpected(struct parser *p, const struct token *t, const char *context)
{
	char s[128];

	tok_string(t, s, sizeof(s));
	if (t->t == T_ERROR) {
		if (p->action_line != 0 && p->action_line != t->line) {
			int act = t->len > 7 && memcmp(t->val + t->len - 7, " action", 7) == 0;

			/* avoid "action in action" as Go does */
			return perrorf(p, t, "%s%s started at %s:%u", s, act ? "" : " in action",
			               p->t->name, p->action_line);
		}
		return perrorf(p, t, "%s", s);
	}
	return perrorf(p, t, "unexpected %s in %s", s, context);
}

static struct tnode *newnode(struct parser *p, int type, const struct token *at)
{
	struct tnode *n = ck_ext__arena_alloc(&p->t->arena, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->type = (uint8_t)type;
	n->pos = at ? at->pos : 0;
	n->line = at ? at->line : 1;
	return n;
}

static int add_kid(struct parser *p, struct tnode *parent, struct tnode *kid)
{
	if (parent->nkids == parent->capkids) {
		size_t ncap = parent->capkids ? parent->capkids * 2 : 4;
		struct tnode **nk = ck_ext__arena_alloc(&p->t->arena, ncap * sizeof(*nk));

		if (nk == NULL)
			return ck_err_last()->code;
		if (parent->nkids)
			memcpy(nk, parent->kids, parent->nkids * sizeof(*nk));
		parent->kids = nk;
		parent->capkids = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return CK_OK;
}

static int push_var(struct parser *p, const char *name)
{
	if (p->nvars == p->capvars) {
		size_t ncap = p->capvars ? p->capvars * 2 : 16;
		const char **nv = ck_calloc(ncap, sizeof(*nv));

		if (nv == NULL)
			return ck_err_set(CK_ENOMEM, "template: out of memory");
		if (p->nvars)
			memcpy(nv, p->vars, p->nvars * sizeof(*nv));
		ck_free(p->vars);
		p->vars = nv;
		p->capvars = ncap;
	}
	p->vars[p->nvars++] = name;
	return CK_OK;
}

static char *tokdup(struct parser *p, const struct token *t)
{
	return ck_ext__arena_strdup(&p->t->arena, t->val, t->len);
}

/* "a.b.c" (leading '.' stripped for fields) into the node's ident list. */
static int split_idents(struct parser *p, struct tnode *n, const char *s, size_t len, int field)
{
	size_t k, cnt = 1, start, at = 0;

	if (field && len && s[0] == '.') {
		s++;
		len--;
	}
	for (k = 0; k < len; k++)
		if (s[k] == '.')
			cnt++;
	if ((n->idents = ck_ext__arena_alloc(&p->t->arena, cnt * sizeof(char *))) == NULL)
		return ck_err_last()->code;
	start = 0;
	for (k = 0; k <= len; k++) {
		if (k == len || s[k] == '.') {
			if ((n->idents[at++] = ck_ext__arena_strdup(&p->t->arena, s + start, k - start)) ==
			    NULL)
				return ck_err_last()->code;
			start = k + 1;
		}
	}
	n->nidents = cnt;
	return CK_OK;
}

static int use_var(struct parser *p, const struct token *t, struct tnode **out)
{
	struct tnode *n = newnode(p, TN_VAR, t);
	size_t k;
	int rc;

	if (n == NULL)
		return ck_err_last()->code;
	if ((rc = split_idents(p, n, t->val, t->len, 0)) < 0)
		return rc;
	for (k = p->nvars; k-- > 0;) {
		if (strcmp(p->vars[k], n->idents[0]) == 0) {
			*out = n;
			return CK_OK;
		}
	}
	return perrorf(p, t, "undefined variable \"%s\"", n->idents[0]);
}

/* Go's strconv.Unquote for "..." and `...` literals. */
static int unquote(struct parser *p, const struct token *t, const char **out, size_t *outlen)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t k;
	int rc = CK_EINTERNAL;
	char *s;

	if (t->t == T_RAWSTRING) {
		/* raw strings drop carriage returns */
		ck_buf_init(&b, TMPL_MAX_SRC);
		for (k = 1; k + 1 < t->len; k++)
			if (t->val[k] != '\r' && (rc = ck_buf_putc(&b, t->val[k])) < 0)
				goto out;
		goto done;
	}
	ck_buf_init(&b, TMPL_MAX_SRC);
	for (k = 1; k + 1 < t->len;) {
		char c = t->val[k];
		uint32_t r = 0;
		int d, i, digits = 0;

		if (c != '\\') {
			if ((rc = ck_buf_putc(&b, c)) < 0)
				goto out;
			k++;
			continue;
		}
		c = t->val[k + 1];
		k += 2;
		switch (c) {
		case 'a': r = 7; break;
		case 'b': r = 8; break;
		case 'f': r = 12; break;
		case 'n': r = 10; break;
		case 'r': r = 13; break;
		case 't': r = 9; break;
		case 'v': r = 11; break;
		case '\\': r = '\\'; break;
		case '"':
			if (t->t == T_CHARCONST)
				goto bad;
			r = '"';
			break;
		case '\'':
			if (t->t != T_CHARCONST)
				goto bad;
			r = '\'';
			break;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			r = (uint32_t)(c - '0');
			for (i = 0; i < 2; i++, k++) {
				if (k + 1 >= t->len || t->val[k] < '0' || t->val[k] > '7')
					goto bad;
				r = r * 8 + (uint32_t)(t->val[k] - '0');
			}
			if (r > 255)
				goto bad;
			if ((rc = ck_buf_putc(&b, (int)r)) < 0)
				goto out;
			continue;
		default:
			goto bad;
		}
		if (digits) {
			for (i = 0; i < digits; i++, k++) {
				char h = k + 1 < t->len ? t->val[k] : 0;

				if (h >= '0' && h <= '9')
					d = h - '0';
				else if (h >= 'a' && h <= 'f')
					d = h - 'a' + 10;
				else if (h >= 'A' && h <= 'F')
					d = h - 'A' + 10;
				else
					goto bad;
				r = r * 16 + (uint32_t)d;
			}
			if (c == 'x') {
				if ((rc = ck_buf_putc(&b, (int)r)) < 0)
					goto out;
				continue;
			}
			if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000))
				goto bad;
		}
		if ((rc = ck_ext__utf8_put(&b, r)) < 0)
			goto out;
	}
done:
	if ((s = ck_ext__arena_strdup(&p->t->arena, ck_buf_data(&b), ck_buf_len(&b))) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	*out = s;
	*outlen = ck_buf_len(&b);
	rc = CK_OK;
	goto out;
bad:
	rc = perrorf(p, t, "invalid syntax");
out:
	ck_buf_dispose(&b);
	return rc;
}

/* Go integer literal syntax (base prefixes, underscores); 0 if not an integer. */
static int parse_goint(const char *s, size_t n, int *neg, uint64_t *u)
{
	size_t k = 0;
	unsigned base = 10;
	uint64_t v = 0;
	int any = 0, prev_us = 0, prefixed = 0;

	*neg = 0;
	if (k < n && (s[k] == '+' || s[k] == '-')) {
		*neg = s[k] == '-';
		k++;
	}
	if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X')) {
		base = 16;
		k += 2;
		prefixed = 1;
	} else if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'o' || s[k + 1] == 'O')) {
		base = 8;
		k += 2;
		prefixed = 1;
	} else if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'b' || s[k + 1] == 'B')) {
		base = 2;
		k += 2;
		prefixed = 1;
	} else if (k + 1 < n && s[k] == '0') {
		base = 8;
		k++;
		any = 1;
		prefixed = 1;
	}
	prev_us = prefixed;
	for (; k < n; k++) {
		int d;

		if (s[k] == '_') {
			if (prev_us && !(prefixed && any == 0))
				return 0;
			prev_us = 1;
			continue;
		}
		prev_us = 0;
		if (s[k] >= '0' && s[k] <= '9')
			d = s[k] - '0';
		else if (s[k] >= 'a' && s[k] <= 'f')
			d = s[k] - 'a' + 10;
		else if (s[k] >= 'A' && s[k] <= 'F')
			d = s[k] - 'A' + 10;
		else
			return 0;
		if ((unsigned)d >= base)
			return 0;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1; /* overflow */
		v = v * base + (uint64_t)d;
		any = 1;
	}
	if (!any || prev_us)
		return 0;
	*u = v;
	return 1;
}

static int new_number(struct parser *p, const struct token *t, struct tnode **out)
{
	struct tnode *n = newnode(p, TN_NUM, t);
	int neg, r;
	uint64_t u;

	if (n == NULL)
		return ck_err_last()->code;
	n->src = t->val;
	n->srclen = t->len;
	if (t->t == T_CHARCONST) {
		const char *s;
		size_t len;
		struct token fake = *t;
		uint32_t rr;

		/* reuse the string unquoter on the body */
		fake.t = T_CHARCONST;
		if (unquote(p, &fake, &s, &len) < 0 || len == 0)
			return perrorf(p, t, "malformed character constant: %.*s", (int)t->len, t->val);
		r = ck_ext__utf8_decode((const unsigned char *)s, len, &rr);
		if ((r < 0 && len != 1) || (r > 0 && (size_t)r != len))
			return perrorf(p, t, "malformed character constant: %.*s", (int)t->len, t->val);
		if (r < 0)
			rr = (unsigned char)s[0];
		n->is_char = n->is_int = n->is_uint = n->is_float = 1;
		n->i = rr;
		n->u = rr;
		n->f = rr;
		*out = n;
		return CK_OK;
	}
	if (t->len && t->val[t->len - 1] == 'i')
		return perrorf(p, t, "complex constant %.*s is not supported", (int)t->len, t->val);
	r = parse_goint(t->val, t->len, &neg, &u);
	if (r > 0) {
		if (!neg) {
			n->is_uint = 1;
			n->u = u;
			if (u <= (uint64_t)INT64_MAX) {
				n->is_int = 1;
				n->i = (int64_t)u;
			}
		} else if (u <= (uint64_t)INT64_MAX + 1) {
			n->is_int = 1;
			n->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
			if (u == 0) {
				n->is_uint = 1;
				n->u = 0;
			}
		}
	}
	if (n->is_int) {
		n->is_float = 1;
		n->f = (double)n->i;
	} else if (n->is_uint) {
		n->is_float = 1;
		n->f = (double)n->u;
	} else {
		char tmp[128], *end;
		size_t k, j = 0;
		double f;

		for (k = 0; k < t->len && j + 1 < sizeof(tmp); k++)
			if (t->val[k] != '_')
				tmp[j++] = t->val[k];
		tmp[j] = '\0';
		errno = 0;
		f = strtod(tmp, &end);
		if (j > 0 && *end == '\0' && errno != ERANGE && k == t->len) {
			int dotted = memchr(t->val, '.', t->len) || memchr(t->val, 'e', t->len) ||
			             memchr(t->val, 'E', t->len) || memchr(t->val, 'p', t->len) ||
			             memchr(t->val, 'P', t->len);

			if (!dotted)
				return perrorf(p, t, "integer overflow: \"%.*s\"", (int)t->len, t->val);
			n->is_float = 1;
			n->f = f;
			if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
			    (double)(int64_t)f == f) {
				n->is_int = 1;
				n->i = (int64_t)f;
			}
			if (f >= 0 && f < 18446744073709551616.0 && (double)(uint64_t)f == f) {
				n->is_uint = 1;
				n->u = (uint64_t)f;
			}
		}
	}
	if (!n->is_int && !n->is_uint && !n->is_float)
		return perrorf(p, t, "illegal number syntax: \"%.*s\"", (int)t->len, t->val);
	*out = n;
	return CK_OK;
}

static int pipeline(struct parser *p, const char *context, int end, struct tnode **out);
static int item_list(struct parser *p, struct tnode **list, struct tnode **end);

static int term(struct parser *p, struct tnode **out)
{
	struct token *t = tk_next_nonspace(p);
	struct tnode *n = NULL;
	int rc;

	*out = NULL;
	switch (t->t) {
	case T_IDENT: {
		const struct tfunc *f = ck_ext__func_find(t->val, t->len, p->t->funcs);

		if (f == NULL)
			return perrorf(p, t, "function \"%.*s\" not defined", (int)t->len, t->val);
		if (f->flags & TF_UNSUPPORTED)
			return ck_err_set(CK_EUNSUPPORTED,
			                  "template: %s:%u: function \"%.*s\" is not supported by cloak",
			                  p->t->name, t->line, (int)t->len, t->val);
		if ((n = newnode(p, TN_IDENT, t)) == NULL || (n->text = tokdup(p, t)) == NULL)
			return ck_err_last()->code;
		n->len = t->len;
		n->fn = f;
		break;
	}
	case T_DOT:
		n = newnode(p, TN_DOT, t);
		break;
	case T_NIL:
		n = newnode(p, TN_NIL, t);
		break;
	case T_VARIABLE:
		return use_var(p, t, out);
	case T_FIELD:
		if ((n = newnode(p, TN_FIELD, t)) == NULL)
			return ck_err_last()->code;
		if ((rc = split_idents(p, n, t->val, t->len, 1)) < 0)
			return rc;
		break;
	case T_BOOL:
		if ((n = newnode(p, TN_BOOL, t)) != NULL)
			n->b = t->len == 4;
		break;
	case T_CHARCONST:
	case T_NUMBER:
		return new_number(p, t, out);
	case T_LPAREN:
		if (++p->nest > TMPL_MAX_NEST)
			return ck_err_set(CK_ETOOBIG, "template: %s:%u: nesting too deep", p->t->name,
			                  t->line);
		rc = pipeline(p, "parenthesized pipeline", T_RPAREN, out);
		p->nest--;
		return rc;
	case T_STRING:
	case T_RAWSTRING:
		if ((n = newnode(p, TN_STR, t)) == NULL)
			return ck_err_last()->code;
		n->src = t->val;
		n->srclen = t->len;
		if ((rc = unquote(p, t, &n->text, &n->len)) < 0)
			return rc;
		break;
	default:
		tk_backup(p, 1);
		return CK_OK;
	}
	if (n == NULL)
		return ck_err_last()->code;
	*out = n;
	return CK_OK;
}

static int operand(struct parser *p, struct tnode **out)
{
	struct tnode *n = NULL, *chain;
	int rc;

	if ((rc = term(p, &n)) < 0)
		return rc;
	*out = n;
	if (n == NULL || tk_peek(p)->t != T_FIELD)
		return CK_OK;
	if ((chain = newnode(p, TN_CHAIN, tk_peek(p))) == NULL)
		return ck_err_last()->code;
	chain->pipe = n;
	{
		/* collect ".a.b" fields following the term */
		const char *names[64];
		size_t cnt = 0, k;

		while (tk_peek(p)->t == T_FIELD) {
			struct token *f = tk_next(p);
			struct tnode tmp = { 0 };

			if ((rc = split_idents(p, &tmp, f->val, f->len, 1)) < 0)
				return rc;
			for (k = 0; k < tmp.nidents; k++) {
				if (cnt == 64)
					return perrorf(p, f, "too many fields in chain");
				names[cnt++] = tmp.idents[k];
			}
		}
		switch (n->type) {
		case TN_FIELD:
		case TN_VAR: {
			const char **all = ck_ext__arena_alloc(&p->t->arena,
			                                       (n->nidents + cnt) * sizeof(char *));

			if (all == NULL)
				return ck_err_last()->code;
			memcpy(all, n->idents, n->nidents * sizeof(char *));
			memcpy(all + n->nidents, names, cnt * sizeof(char *));
			n->idents = all;
			n->nidents += cnt;
			return CK_OK;
		}
		case TN_BOOL:
		case TN_STR:
		case TN_NUM:
		case TN_NIL:
		case TN_DOT: {
			struct ck_buf b = CK_BUF_INIT;

			ck_buf_init(&b, 4096);
			rc = ck_ext__node_string(&b, n);
			rc = perrorf(p, tk_peek(p), "unexpected . after term \"%s\"",
			             rc < 0 ? "?" : ck_buf_cstr(&b));
			ck_buf_dispose(&b);
			return rc;
		}
		default:
			if ((chain->idents = ck_ext__arena_alloc(&p->t->arena, cnt * sizeof(char *))) ==
			    NULL)
				return ck_err_last()->code;
			memcpy(chain->idents, names, cnt * sizeof(char *));
			chain->nidents = cnt;
			*out = chain;
			return CK_OK;
		}
	}
}

static int command(struct parser *p, struct tnode **out)
{
	struct tnode *cmd = newnode(p, TN_CMD, tk_peek_nonspace(p));
	int rc;

	if (cmd == NULL)
		return ck_err_last()->code;
	for (;;) {
		struct tnode *op = NULL;
		struct token *t;

		tk_peek_nonspace(p);
		if ((rc = operand(p, &op)) < 0)
			return rc;
		if (op != NULL && (rc = add_kid(p, cmd, op)) < 0)
			return rc;
		t = tk_next(p);
		if (t->t == T_SPACE)
			continue;
		if (t->t == T_RDELIM || t->t == T_RPAREN)
			tk_backup(p, 1);
		else if (t->t != T_PIPE)
			return unexpected(p, t, "operand");
		break;
	}
	if (cmd->nkids == 0)
		return perrorf(p, tk_peek(p), "empty command");
	*out = cmd;
	return CK_OK;
}

static int add_decl(struct parser *p, struct tnode *pipe, const struct token *v)
{
	struct tnode *n = newnode(p, TN_VAR, v);
	struct tnode **nd;
	int rc;

	if (n == NULL)
		return ck_err_last()->code;
	if ((rc = split_idents(p, n, v->val, v->len, 0)) < 0)
		return rc;
	if ((nd = ck_ext__arena_alloc(&p->t->arena, (pipe->ndecl + 1) * sizeof(*nd))) == NULL)
		return ck_err_last()->code;
	if (pipe->ndecl)
		memcpy(nd, pipe->decl, pipe->ndecl * sizeof(*nd));
	nd[pipe->ndecl++] = n;
	pipe->decl = nd;
	return push_var(p, n->idents[0]);
}

static int pipeline(struct parser *p, const char *context, int end, struct tnode **out)
{
	struct tnode *pipe = newnode(p, TN_PIPE, tk_peek_nonspace(p));
	struct token *t;
	size_t k;
	int rc;

	if (pipe == NULL)
		return ck_err_last()->code;
decls:
	if (tk_peek_nonspace(p)->t == T_VARIABLE) {
		struct token *v = tk_next(p), *after = tk_peek(p), *next;

		next = tk_peek_nonspace(p);
		if (next->t == T_ASSIGN || next->t == T_DECLARE) {
			pipe->is_assign = next->t == T_ASSIGN;
			tk_next_nonspace(p);
			if ((rc = add_decl(p, pipe, v)) < 0)
				return rc;
		} else if (next->t == T_CHAR && next->len == 1 && next->val[0] == ',') {
			tk_next_nonspace(p);
			if ((rc = add_decl(p, pipe, v)) < 0)
				return rc;
			if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
				int nt = tk_peek_nonspace(p)->t;

				if (nt == T_VARIABLE || nt == T_RDELIM || nt == T_RPAREN)
					goto decls;
				return perrorf(p, v, "range can only initialize variables");
			}
			return perrorf(p, v, "too many declarations in %s", context);
		} else if (after->t == T_SPACE) {
			p->i = (size_t)(v - p->toks);
		} else {
			p->i = (size_t)(v - p->toks);
		}
	}
	for (;;) {
		t = tk_next_nonspace(p);
		if (t->t == end) {
			/* checkPipeline */
			if (pipe->nkids == 0)
				return perrorf(p, t, "missing value for %s", context);
			for (k = 1; k < pipe->nkids; k++) {
				int ty = pipe->kids[k]->kids[0]->type;

				if (ty == TN_BOOL || ty == TN_DOT || ty == TN_NIL || ty == TN_NUM ||
				    ty == TN_STR)
					return perrorf(p, t, "non executable command in pipeline stage %zu",
					               k + 1);
			}
			*out = pipe;
			return CK_OK;
		}
		switch (t->t) {
		case T_BOOL: case T_CHARCONST: case T_DOT: case T_FIELD: case T_IDENT:
		case T_NUMBER: case T_NIL: case T_RAWSTRING: case T_STRING: case T_VARIABLE:
		case T_LPAREN: {
			struct tnode *cmd = NULL;

			tk_backup(p, 1);
			if ((rc = command(p, &cmd)) < 0 || (rc = add_kid(p, pipe, cmd)) < 0)
				return rc;
			break;
		}
		default:
			return unexpected(p, t, context);
		}
	}
}

static int expect(struct parser *p, int type, const char *context, struct token **out)
{
	struct token *t = tk_next_nonspace(p);

	if (t->t != type)
		return unexpected(p, t, context);
	if (out)
		*out = t;
	return CK_OK;
}

static int control(struct parser *p, int type, const struct token *at, struct tnode **out);

static int parse_control(struct parser *p, const char *context, struct tnode *n)
{
	size_t mark = p->nvars;
	struct tnode *end = NULL;
	int rc;

	if (++p->nest > TMPL_MAX_NEST)
		return ck_err_set(CK_ETOOBIG, "template: %s: nesting too deep", p->t->name);
	if ((rc = pipeline(p, context, T_RDELIM, &n->pipe)) < 0)
		return rc;
	if (n->type == TN_RANGE)
		p->range_depth++;
	if ((rc = item_list(p, &n->list, &end)) < 0)
		return rc;
	if (n->type == TN_RANGE)
		p->range_depth--;
	if (end->type == TN_ELSE) {
		int nt = tk_peek(p)->t;

		if ((n->type == TN_IF && nt == T_IF) || (n->type == TN_WITH && nt == T_WITH)) {
			/* {{else if}} / {{else with}}: a nested control closed by the same {{end}} */
			struct token *kw = tk_next(p);
			struct tnode *inner = NULL;

			if ((n->elselist = newnode(p, TN_LIST, kw)) == NULL)
				return ck_err_last()->code;
			if ((rc = control(p, n->type, kw, &inner)) < 0 ||
			    (rc = add_kid(p, n->elselist, inner)) < 0)
				return rc;
		} else {
			if ((rc = item_list(p, &n->elselist, &end)) < 0)
				return rc;
			if (end->type != TN_END)
				return perrorf(p, tk_peek(p), "expected end; found {{else}}");
		}
	}
	p->nvars = mark;
	p->nest--;
	return CK_OK;
}

static int control(struct parser *p, int type, const struct token *at, struct tnode **out)
{
	struct tnode *n = newnode(p, type, at);
	const char *ctx = type == TN_IF ? "if" : type == TN_RANGE ? "range" : "with";
	int rc;

	if (n == NULL)
		return ck_err_last()->code;
	if ((rc = parse_control(p, ctx, n)) < 0)
		return rc;
	*out = n;
	return CK_OK;
}

static int template_name(struct parser *p, const struct token *t, const char *context,
                         const char **name, size_t *len)
{
	if (t->t != T_STRING && t->t != T_RAWSTRING)
		return unexpected(p, t, context);
	return unquote(p, t, name, len);
}

static int add_def(struct parser *p, const char *name, struct tnode *root, const struct token *at);

static int is_empty_tree(const struct tnode *n)
{
	size_t k;

	if (n == NULL)
		return 1;
	switch (n->type) {
	case TN_LIST:
		for (k = 0; k < n->nkids; k++)
			if (!is_empty_tree(n->kids[k]))
				return 0;
		return 1;
	case TN_TEXT:
		for (k = 0; k < n->len; k++)
			if (!is_space((unsigned char)n->text[k]))
				return 0;
		return 1;
	case TN_COMMENT:
		return 1;
	default:
		return 0;
	}
}

/* The body of {{block}} / {{define}}: a separate tree with its own variables. */
static int sub_tree(struct parser *p, const char *context, const char *name,
                    const struct token *at)
{
	const char **save_vars = p->vars;
	size_t save_n = p->nvars, save_cap = p->capvars;
	int save_range = p->range_depth;
	struct tnode *list = NULL, *end = NULL;
	int rc;

	p->vars = NULL;
	p->nvars = p->capvars = 0;
	p->range_depth = 0;
	if ((rc = push_var(p, "$")) < 0)
		goto out;
	if ((rc = item_list(p, &list, &end)) < 0)
		goto out;
	if (end->type != TN_END) {
		rc = perrorf(p, tk_peek(p), "unexpected {{else}} in %s", context);
		goto out;
	}
	rc = add_def(p, name, list, at);
out:
	ck_free(p->vars);
	p->vars = save_vars;
	p->nvars = save_n;
	p->capvars = save_cap;
	p->range_depth = save_range;
	return rc;
}

static int action(struct parser *p, struct tnode **out)
{
	struct token *t = tk_next_nonspace(p);
	struct tnode *n;
	int rc;

	switch (t->t) {
	case T_BLOCK: {
		struct token *nt = tk_next_nonspace(p);
		const char *name;
		size_t len;

		if ((rc = template_name(p, nt, "block clause", &name, &len)) < 0)
			return rc;
		if ((n = newnode(p, TN_TEMPLATE, nt)) == NULL)
			return ck_err_last()->code;
		n->text = name;
		n->len = len;
		if ((rc = pipeline(p, "block clause", T_RDELIM, &n->pipe)) < 0)
			return rc;
		if ((rc = sub_tree(p, "block clause", name, nt)) < 0)
			return rc;
		*out = n;
		return CK_OK;
	}
	case T_BREAK:
	case T_CONTINUE: {
		struct token *e = tk_next_nonspace(p);
		const char *what = t->t == T_BREAK ? "{{break}}" : "{{continue}}";

		if (e->t != T_RDELIM)
			return unexpected(p, e, what);
		if (p->range_depth == 0)
			return perrorf(p, t, "%s outside {{range}}", what);
		if ((n = newnode(p, t->t == T_BREAK ? TN_BREAK : TN_CONTINUE, t)) == NULL)
			return ck_err_last()->code;
		*out = n;
		return CK_OK;
	}
	case T_ELSE: {
		int nt = tk_peek_nonspace(p)->t;

		if (nt != T_IF && nt != T_WITH && (rc = expect(p, T_RDELIM, "else", NULL)) < 0)
			return rc;
		if ((n = newnode(p, TN_ELSE, t)) == NULL)
			return ck_err_last()->code;
		*out = n;
		return CK_OK;
	}
	case T_END:
		if ((rc = expect(p, T_RDELIM, "end", NULL)) < 0)
			return rc;
		if ((n = newnode(p, TN_END, t)) == NULL)
			return ck_err_last()->code;
		*out = n;
		return CK_OK;
	case T_IF:
		return control(p, TN_IF, t, out);
	case T_RANGE:
		return control(p, TN_RANGE, t, out);
	case T_WITH:
		return control(p, TN_WITH, t, out);
	case T_TEMPLATE: {
		struct token *nt = tk_next_nonspace(p);

		if ((n = newnode(p, TN_TEMPLATE, nt)) == NULL)
			return ck_err_last()->code;
		if ((rc = template_name(p, nt, "template clause", &n->text, &n->len)) < 0)
			return rc;
		if (tk_next_nonspace(p)->t != T_RDELIM) {
			tk_backup(p, 1);
			if ((rc = pipeline(p, "template clause", T_RDELIM, &n->pipe)) < 0)
				return rc;
		}
		*out = n;
		return CK_OK;
	}
	default:
		tk_backup(p, 1);
		if ((n = newnode(p, TN_ACTION, tk_peek(p))) == NULL)
			return ck_err_last()->code;
		if ((rc = pipeline(p, "command", T_RDELIM, &n->pipe)) < 0)
			return rc;
		*out = n;
		return CK_OK;
	}
}

static int text_or_action(struct parser *p, struct tnode **out)
{
	struct token *t = tk_next_nonspace(p);
	struct tnode *n;
	int rc;

	switch (t->t) {
	case T_TEXT:
		if ((n = newnode(p, TN_TEXT, t)) == NULL)
			return ck_err_last()->code;
		n->text = t->val;
		n->len = t->len;
		*out = n;
		return CK_OK;
	case T_LDELIM: {
		uint32_t save = p->action_line;

		p->action_line = t->line;
		rc = action(p, out);
		p->action_line = save;
		return rc;
	}
	default:
		return unexpected(p, t, "input");
	}
}

static int item_list(struct parser *p, struct tnode **list, struct tnode **end)
{
	struct tnode *l = newnode(p, TN_LIST, tk_peek_nonspace(p));
	int rc;

	if (l == NULL)
		return ck_err_last()->code;
	while (tk_peek_nonspace(p)->t != T_EOF) {
		struct tnode *n = NULL;

		if ((rc = text_or_action(p, &n)) < 0)
			return rc;
		if (n->type == TN_END || n->type == TN_ELSE) {
			*list = l;
			*end = n;
			return CK_OK;
		}
		if ((rc = add_kid(p, l, n)) < 0)
			return rc;
	}
	if (tk_peek(p)->t == T_ERROR)
		return unexpected(p, tk_peek(p), "input");
	return perrorf(p, tk_peek(p), "unexpected EOF");
}

static int add_def(struct parser *p, const char *name, struct tnode *root, const struct token *at)
{
	struct ck_tmpl *t = p->t;
	size_t k;

	for (k = 0; k < t->ndefs; k++) {
		if (strcmp(t->defs[k].name, name) == 0) {
			if (is_empty_tree(t->defs[k].root)) {
				t->defs[k].root = root;
				return CK_OK;
			}
			if (!is_empty_tree(root))
				return perrorf(p, at, "template: multiple definition of template \"%s\"",
				               name);
			return CK_OK;
		}
	}
	if (t->ndefs == t->capdefs) {
		size_t ncap = t->capdefs ? t->capdefs * 2 : 4;
		struct tdef *nd = ck_ext__arena_alloc(&t->arena, ncap * sizeof(*nd));

		if (nd == NULL)
			return ck_err_last()->code;
		if (t->ndefs)
			memcpy(nd, t->defs, t->ndefs * sizeof(*nd));
		t->defs = nd;
		t->capdefs = ncap;
	}
	t->defs[t->ndefs].name = name;
	t->defs[t->ndefs].root = root;
	t->ndefs++;
	return CK_OK;
}

static int parse_all(struct parser *p)
{
	struct tnode *root = newnode(p, TN_LIST, tk_peek(p));
	int rc;

	if (root == NULL)
		return ck_err_last()->code;
	if ((rc = push_var(p, "$")) < 0)
		return rc;
	while (tk_peek(p)->t != T_EOF) {
		struct tnode *n = NULL;

		if (tk_peek(p)->t == T_LDELIM) {
			size_t save = p->i;
			struct token *d = tk_next(p);

			if (tk_next_nonspace(p)->t == T_DEFINE) {
				struct token *nt = NULL;
				const char *name;
				size_t len;

				p->action_line = d->line;
				nt = tk_next_nonspace(p);
				if ((rc = template_name(p, nt, "define clause", &name, &len)) < 0)
					return rc;
				if ((rc = expect(p, T_RDELIM, "define clause", NULL)) < 0)
					return rc;
				if ((rc = sub_tree(p, "define clause", name, nt)) < 0)
					return rc;
				p->action_line = 0;
				continue;
			}
			p->i = save;
		}
		if ((rc = text_or_action(p, &n)) < 0)
			return rc;
		if (n->type == TN_END || n->type == TN_ELSE)
			return perrorf(p, tk_peek(p), "unexpected %s",
			               n->type == TN_END ? "{{end}}" : "{{else}}");
		if ((rc = add_kid(p, root, n)) < 0)
			return rc;
	}
	return add_def(p, p->t->name, root, tk_peek(p));
}

int ck_tmpl_parse(struct ck_tmpl **out, const char *name, const char *text, size_t n,
                  const struct ck_tmpl_opts *opts)
{
	static const struct ck_tmpl_opts eso = CK_TMPL_OPTS_ESO;
	struct lexer l = { 0 };
	struct parser p = { 0 };
	struct ck_tmpl *t = NULL;
	char *src = NULL;
	int rc = CK_EINTERNAL;

	if (opts == NULL)
		opts = &eso;
	if (n > TMPL_MAX_SRC) {
		rc = ck_err_set(CK_ETOOBIG, "template: %s: template larger than %zu bytes", name,
		                TMPL_MAX_SRC);
		goto out;
	}
	if ((t = ck_calloc(1, sizeof(*t))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "template: out of memory");
		goto out;
	}
	ck_ext__arena_init(&t->arena, 0, 0);
	t->missingkey = opts->missingkey;
	t->funcs = opts->funcs;
	t->max_steps = opts->max_steps;
	t->max_mem = opts->max_mem;
	if ((t->name = ck_ext__arena_strdup(&t->arena, name, strlen(name))) == NULL ||
	    (src = ck_ext__arena_strdup(&t->arena, text, n)) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	t->src = src;
	t->srclen = n;
	l.s = src;
	l.n = n;
	l.line = l.start_line = 1;
	l.ld = opts->left_delim && opts->left_delim[0] ? opts->left_delim : "{{";
	l.rd = opts->right_delim && opts->right_delim[0] ? opts->right_delim : "}}";
	l.ldn = strlen(l.ld);
	l.rdn = strlen(l.rd);
	l.a = &t->arena;
	if ((rc = lex_all(&l)) < 0)
		goto out;
	if (l.failed) {
		/* the parser reports the lexer's error at the point it reaches it */
	}
	p.t = t;
	p.toks = l.toks;
	p.ntoks = l.ntoks;
	if ((rc = parse_all(&p)) < 0)
		goto out;
	*out = t;
	t = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_free(l.toks);
	ck_free(p.vars);
	ck_tmpl_free(t);
	return rc;
}

void ck_tmpl_free(struct ck_tmpl *t)
{
	if (t == NULL)
		return;
	ck_ext__arena_dispose(&t->arena);
	ck_freezero(t, sizeof(*t));
}

/* ------------------------------------------------------------- node string */

static int pipe_string(struct ck_buf *out, const struct tnode *n)
{
	size_t k;
	int rc = CK_OK;

	for (k = 0; k < n->ndecl && rc >= 0; k++) {
		if (k)
			rc = ck_buf_puts(out, ", ");
		if (rc >= 0)
			rc = ck_ext__node_string(out, n->decl[k]);
	}
	if (rc >= 0 && n->ndecl)
		rc = ck_buf_puts(out, n->is_assign ? " = " : " := ");
	for (k = 0; k < n->nkids && rc >= 0; k++) {
		if (k)
			rc = ck_buf_puts(out, " | ");
		if (rc >= 0)
			rc = ck_ext__node_string(out, n->kids[k]);
	}
	return rc;
}

int ck_ext__node_string(struct ck_buf *out, const struct tnode *n)
{
	size_t k;
	int rc = CK_OK;

	switch (n->type) {
	case TN_FIELD:
		for (k = 0; k < n->nidents && rc >= 0; k++)
			rc = ck_buf_printf(out, ".%s", n->idents[k]);
		return rc;
	case TN_VAR:
		for (k = 0; k < n->nidents && rc >= 0; k++)
			rc = ck_buf_printf(out, "%s%s", k ? "." : "", n->idents[k]);
		return rc;
	case TN_CHAIN:
		if (n->pipe->type == TN_PIPE) {
			if ((rc = ck_buf_putc(out, '(')) >= 0 && (rc = pipe_string(out, n->pipe)) >= 0)
				rc = ck_buf_putc(out, ')');
		} else {
			rc = ck_ext__node_string(out, n->pipe);
		}
		for (k = 0; k < n->nidents && rc >= 0; k++)
			rc = ck_buf_printf(out, ".%s", n->idents[k]);
		return rc;
	case TN_DOT: return ck_buf_putc(out, '.');
	case TN_NIL: return ck_buf_puts(out, "nil");
	case TN_BOOL: return ck_buf_puts(out, n->b ? "true" : "false");
	case TN_NUM:
	case TN_STR: return ck_buf_put(out, n->src, n->srclen);
	case TN_IDENT: return ck_buf_put(out, n->text, n->len);
	case TN_CMD:
		for (k = 0; k < n->nkids && rc >= 0; k++) {
			if (k)
				rc = ck_buf_putc(out, ' ');
			if (rc < 0)
				break;
			if (n->kids[k]->type == TN_PIPE) {
				if ((rc = ck_buf_putc(out, '(')) >= 0 &&
				    (rc = pipe_string(out, n->kids[k])) >= 0)
					rc = ck_buf_putc(out, ')');
			} else {
				rc = ck_ext__node_string(out, n->kids[k]);
			}
		}
		return rc;
	case TN_PIPE: return pipe_string(out, n);
	case TN_ACTION:
		if ((rc = ck_buf_puts(out, "{{")) >= 0 && (rc = pipe_string(out, n->pipe)) >= 0)
			rc = ck_buf_puts(out, "}}");
		return rc;
	case TN_TEMPLATE:
		if ((rc = ck_buf_puts(out, "{{template ")) >= 0)
			rc = ck_ext__fmt_quote(out, n->text, n->len);
		if (rc >= 0 && n->pipe && (rc = ck_buf_putc(out, ' ')) >= 0)
			rc = pipe_string(out, n->pipe);
		return rc < 0 ? rc : ck_buf_puts(out, "}}");
	case TN_IF: return ck_buf_puts(out, "{{if}}");
	case TN_RANGE: return ck_buf_puts(out, "{{range}}");
	case TN_WITH: return ck_buf_puts(out, "{{with}}");
	case TN_TEXT: return ck_buf_put(out, n->text, n->len);
	default: return CK_OK;
	}
}
