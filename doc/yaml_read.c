/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML reader: libyaml's event parser builds the tree directly (no libyaml
 * document model), so every scalar is copied once, into the arena. Comments
 * are recovered afterwards from the source text (yaml_comments.c), because
 * libyaml's scanner drops them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/secret.h"
#include "doc_int.h"

struct frame {
	struct ck_doc_node *node;
	size_t base;      /* first kid of this collection on the kid stack */
	long indcol;      /* 0-based column of the entries (block), -1 unknown */
	size_t start_off; /* byte offset where the collection's event started */
	uint64_t exp;     /* nodes with every alias expanded */
};

struct anchor {
	const char *name;
	struct ck_doc_node *node;
	uint64_t exp;
	int open;         /* collection still being read: an alias to it is a cycle */
};

struct rd {
	struct ck_doc *d;
	const char *src;
	size_t n;
	size_t bom;       /* bytes of a leading UTF-8 BOM (libyaml's marks start after it) */
	unsigned flags;
	int ascii;        /* every byte is a character: offsets are indexes */
	/* char index -> byte offset cursor (libyaml marks count characters) */
	size_t ci, bi;
	struct ck_doc_node **stk;
	size_t nstk, capstk;
	struct frame *fr;
	size_t nfr, capfr;
	struct anchor *an;
	size_t nan, capan;
	size_t nodes;     /* real nodes in the stream */
	uint64_t docexp;  /* expanded size of the current document */
	size_t docnodes;  /* real nodes of the current document */
	struct ck_doc_node *root;
	int flow;         /* flow collections open */
	struct ck_doc__cm cm;
};

static int rerr(int code, const yaml_mark_t *m, const char *fmt, ...) CK_PRINTF(3, 4);

static int rerr(int code, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ck_err_set(code, "doc: line %lu, column %lu: %s", (unsigned long)m->line + 1,
	                  (unsigned long)m->column + 1, msg);
}

/* Byte offset of a libyaml mark (which counts characters, not bytes). */
size_t ck_doc__yaml_offset(const char *src, size_t n, size_t *ci, size_t *bi, size_t index);

size_t ck_doc__yaml_offset(const char *src, size_t n, size_t *ci, size_t *bi, size_t index)
{
	const unsigned char *s = (const unsigned char *)src;

	while (*ci < index && *bi < n) {
		size_t k = 1;

		if (s[*bi] >= 0xc0)
			k = s[*bi] >= 0xf0 ? 4 : s[*bi] >= 0xe0 ? 3 : 2;
		*bi += k;
		if (*bi > n)
			*bi = n;
		(*ci)++;
	}
	while (*ci > index && *bi > 0) {
		(*bi)--;
		while (*bi > 0 && (s[*bi] & 0xc0) == 0x80)
			(*bi)--;
		(*ci)--;
	}
	return *bi;
}

static size_t offset(struct rd *r, const yaml_mark_t *m)
{
	if (r->ascii) /* one byte per character: no walking */
		return r->bom + (m->index < r->n - r->bom ? m->index : r->n - r->bom);
	return r->bom + ck_doc__yaml_offset(r->src + r->bom, r->n - r->bom, &r->ci, &r->bi, m->index);
}

static int all_ascii(const char *s, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= (unsigned char)s[i];
	return acc < 0x80;
}

static int nomem(void)
{
	return ck_err_set(CK_ENOMEM, "doc: out of memory");
}

static int push_kid(struct rd *r, struct ck_doc_node *n)
{
	if (r->nstk == r->capstk) {
		size_t cap = r->capstk ? r->capstk * 2 : 64;
		struct ck_doc_node **s = ck_calloc(cap, sizeof(*s));

		if (s == NULL)
			return nomem();
		if (r->nstk)
			memcpy(s, r->stk, r->nstk * sizeof(*s));
		ck_free(r->stk);
		r->stk = s;
		r->capstk = cap;
	}
	r->stk[r->nstk++] = n;
	return CK_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Column of the first entry of a block collection whose properties come
 * first: past them, white space, line breaks and comments.
 */
static long first_entry_col(const struct rd *r, size_t p)
{
	const char *s = r->src;
	size_t ls;
	long col = 0;
	int line1 = 1;

	/* The collection's properties share a line only with each other: its
	 * content starts on a later line (an anchor there belongs to the key). */
	while (p < r->n) {
		if (s[p] == ' ' || s[p] == '\t') {
			p++;
		} else if (s[p] == '\n' || s[p] == '\r') {
			p++;
			line1 = 0;
		} else if (s[p] == '#' && (s[p - 1] == ' ' || s[p - 1] == '\t' || s[p - 1] == '\n' ||
		                           s[p - 1] == '\r')) {
			while (p < r->n && !ck_doc__brk(s, r->n, p))
				p++;
		} else if (line1 && (s[p] == '&' || s[p] == '!')) {
			while (p < r->n && s[p] != ' ' && s[p] != '\t' && !ck_doc__brk(s, r->n, p))
				p++;
		} else {
			break;
		}
	}
	if (p >= r->n)
		return -1;
	for (ls = p; ls > r->bom && !ck_doc__after_brk(s, ls); ls--)
		;
	for (; ls < p; ls++)
		if (((unsigned char)s[ls] & 0xc0) != 0x80)
			col++;
	return col;
}

/* A node is complete: hand it to its parent (or make it the document root). */
static int complete(struct rd *r, struct ck_doc_node *n, uint64_t exp, const yaml_mark_t *m,
                    size_t start)
{
	int rc;

	r->docexp = sat_add(r->docexp, exp);
	if (r->docexp > (uint64_t)r->docnodes + CK_DOC__MAX_EXPANDED)
		return rerr(CK_ETOOBIG, m, "aliases expand to more than %llu nodes",
		            (unsigned long long)CK_DOC__MAX_EXPANDED);
	if (r->nfr == 0) {
		r->root = n;
		return CK_OK;
	}
	{
		struct frame *f = &r->fr[r->nfr - 1];

		f->exp = sat_add(f->exp, exp);
	}
	if ((rc = push_kid(r, n)) < 0)
		return rc;
	return CK_OK;
}

static struct anchor *anchor_find(struct rd *r, const char *name)
{
	size_t i;

	if (r->capan == 0)
		return NULL;
	for (i = (size_t)ck_doc__hash(name, strlen(name)) & (r->capan - 1); r->an[i].name != NULL;
	     i = (i + 1) & (r->capan - 1))
		if (strcmp(r->an[i].name, name) == 0)
			return &r->an[i];
	return NULL;
}

static struct anchor *anchor_add(struct rd *r, const char *name)
{
	struct anchor *a;
	size_t i;

	if ((a = anchor_find(r, name)) != NULL)
		return a; /* a redefinition: later aliases mean the new node */
	if ((r->nan + 1) * 2 > r->capan) {
		size_t cap = r->capan ? r->capan * 2 : 16, old = r->capan;
		struct anchor *tab = ck_calloc(cap, sizeof(*tab)), *prev = r->an;

		if (tab == NULL) {
			nomem();
			return NULL;
		}
		r->an = tab;
		r->capan = cap;
		for (i = 0; i < old; i++) {
			if (prev[i].name != NULL) {
				size_t j = (size_t)ck_doc__hash(prev[i].name, strlen(prev[i].name)) & (cap - 1);

				while (tab[j].name != NULL)
					j = (j + 1) & (cap - 1);
				tab[j] = prev[i];
			}
		}
		ck_free(prev);
	}
	for (i = (size_t)ck_doc__hash(name, strlen(name)) & (r->capan - 1); r->an[i].name != NULL;
	     i = (i + 1) & (r->capan - 1))
		;
	r->an[i].name = name;
	r->nan++;
	return &r->an[i];
}

/* The tag as the header promises: "!!x" for the YAML namespace, else as resolved. */
static char *short_tag(struct ck_doc *d, const yaml_char_t *tag)
{
	static const char pfx[] = "tag:yaml.org,2002:";
	const char *t = (const char *)tag;
	size_t pl = sizeof(pfx) - 1, tl = strlen(t);

	if (tl > pl && strncmp(t, pfx, pl) == 0) {
		char *s = ck_doc_strdup(d, t + pl - 2, tl - pl + 2);

		if (s != NULL)
			s[0] = s[1] = '!';
		return s;
	}
	return ck_doc_strdup(d, t, tl);
}

static int props(struct rd *r, struct ck_doc_node *n, const yaml_char_t *anchor,
                 const yaml_char_t *tag, const yaml_mark_t *m)
{
	struct anchor *a;

	if (tag != NULL && (n->tag = short_tag(r->d, tag)) == NULL)
		return CK_ENOMEM;
	if (anchor == NULL)
		return CK_OK;
	if ((n->anchor = ck_doc_strdup(r->d, (const char *)anchor, strlen((const char *)anchor))) == NULL)
		return CK_ENOMEM;
	if ((a = anchor_add(r, n->anchor)) == NULL)
		return CK_ENOMEM;
	a->node = n;
	a->exp = 1;
	a->open = n->kind != CK_DOC_SCALAR;
	(void)m;
	return CK_OK;
}

static int new_node(struct rd *r, enum ck_doc_kind kind, const yaml_mark_t *m,
                    struct ck_doc_node **out)
{
	struct ck_doc_node *n = NULL;

	if (++r->nodes > CK_DOC__MAX_NODES)
		return rerr(CK_ETOOBIG, m, "more than %zu nodes", CK_DOC__MAX_NODES);
	r->docnodes++;
	if ((n = ck_doc__node(r->d, kind)) == NULL)
		return CK_ENOMEM;
	n->line = (uint32_t)(m->line + 1 > UINT32_MAX ? UINT32_MAX : m->line + 1);
	n->col = (uint32_t)(m->column + 1 > UINT32_MAX ? UINT32_MAX : m->column + 1);
	*out = n;
	return CK_OK;
}

/* Indentation (0-based column) that a child of the top frame is measured from. */
static long parent_indcol(const struct rd *r)
{
	return r->nfr ? r->fr[r->nfr - 1].indcol : -1;
}

static unsigned char rel_indent(long parent, long child)
{
	if (parent < 0 || child < 0 || child < parent || child - parent > 200)
		return 0;
	return (unsigned char)(child - parent + 1);
}

/*
 * Indentation of a block scalar's text as written: from its header's
 * indentation indicator, else from the first non-blank line.
 */
/*
 * A block scalar's header: the indicator's offset (returned), and the
 * indentation of its text, as written: from the header's indentation
 * indicator, else from the first non-blank line (*abs: absolute column, -1
 * when there is no such line).
 */
static size_t block_scalar_indent(struct rd *r, struct ck_doc_node *n, const yaml_event_t *ev,
                                  long *abs)
{
	size_t ind_off;
	size_t p = offset(r, &ev->start_mark), e = offset(r, &ev->end_mark);
	long par = r->nfr ? parent_indcol(r) : 0, col;
	const char *s = r->src;

	*abs = -1;
	/* Skip node properties to the '|' or '>' indicator. */
	while (p < e && (s[p] == '!' || s[p] == '&')) {
		while (p < e && s[p] != ' ' && s[p] != '\t' && s[p] != '\n')
			p++;
		while (p < e && (s[p] == ' ' || s[p] == '\t'))
			p++;
	}
	if (p >= e || (s[p] != '|' && s[p] != '>'))
		return p;
	ind_off = p;
	for (p++; p < e && (s[p] == '-' || s[p] == '+' || (s[p] >= '1' && s[p] <= '9')); p++) {
		if (s[p] >= '1' && s[p] <= '9') {
			/* libyaml measures the indicator from the parent's indentation (the root: 0). */
			if (par >= 0) {
				*abs = par + (s[p] - '0');
				n->src_indent = (unsigned char)(s[p] - '0' + 1);
			}
			return ind_off;
		}
	}
	while (p < e && !ck_doc__brk(s, r->n, p))
		p++;
	while (p < e) {
		size_t q;

		p += ck_doc__brk(s, r->n, p);
		for (q = p; q < e && s[q] == ' '; q++)
			;
		if (q < e && !ck_doc__brk(s, r->n, q)) {
			col = (long)(q - p);
			*abs = col;
			n->src_indent = rel_indent(par, col);
			return ind_off;
		}
		p = q;
		while (p < e && !ck_doc__brk(s, r->n, p))
			p++;
	}
	return ind_off;
}

/*
 * The "-" of a sequence item that starts at byte off, when the item is on a
 * later line than its "-" (only blank and comment lines between); else
 * SIZE_MAX.
 */
static size_t dash_before(const struct rd *r, size_t off)
{
	const char *s = r->src;
	size_t k = off, ls;
	int newline = 0;

	for (;;) {
		while (k > r->bom && (s[k - 1] == ' ' || s[k - 1] == '\t' ||
		                      (k >= r->bom + 3 && memcmp(s + k - 3, "\xef\xbb\xbf", 3) == 0)))
			k -= s[k - 1] == ' ' || s[k - 1] == '\t' ? 1 : 3;
		if (k > r->bom && (s[k - 1] == '\n' || s[k - 1] == '\r')) {
			newline = 1;
			k--;
			continue;
		}
		if (k <= r->bom || !newline)
			return SIZE_MAX;
		/* A whole comment line? Then look above it. */
		for (ls = k; ls > r->bom && s[ls - 1] != '\n' && s[ls - 1] != '\r'; ls--)
			;
		while (ls < k && (s[ls] == ' ' || s[ls] == '\t'))
			ls++;
		if (ls < k && s[ls] == '#') {
			k = ls;
			continue;
		}
		return s[k - 1] == '-' ? k - 1 : SIZE_MAX;
	}
}

/* A node starts (at byte start): the comments waiting for it (see yaml_comments.c). */
static int begin_node(struct rd *r, struct ck_doc_node *n, size_t start)
{
	const struct frame *f;
	int rc;

	if (!r->cm.on)
		return CK_OK;
	if ((rc = ck_doc__cm_node(&r->cm, n)) < 0)
		return rc;
	if (r->nfr == 0 && (rc = ck_doc__cm_root(&r->cm, n)) < 0)
		return rc;
	/* An empty scalar without properties sits where the next token is: what
	 * comes before it belongs to whatever follows. */
	if (n->kind == CK_DOC_SCALAR && n->len == 0 && n->style == CK_DOC_PLAIN && n->anchor == NULL &&
	    n->tag == NULL)
		return CK_OK;
	if (r->nfr == 0) {
		/* A root block collection's comments go to its first entry. */
		return n->style != CK_DOC_BLOCK ? ck_doc__cm_head(&r->cm, n, 0) : CK_OK;
	}
	f = &r->fr[r->nfr - 1];
	if (f->node->style == CK_DOC_FLOW)
		return CK_OK;
	if (f->node->kind == CK_DOC_SEQ) {
		/* What stands between the "-" and a later-line item is not above the item. */
		size_t dash = dash_before(r, start);

		if (dash < r->cm.split)
			r->cm.split = dash;
		return ck_doc__cm_head(&r->cm, n, f->indcol >= 0 ? f->indcol : (long)n->col - 3);
	}
	if ((r->nstk - f->base) % 2 == 0) /* a key */
		return ck_doc__cm_head(&r->cm, n, f->indcol >= 0 ? f->indcol : (long)n->col - 1);
	/* A value on a later line than its key, below comments (blank lines alone
	 * are left to the next entry: the writer puts values after their key). */
	if ((n->kind == CK_DOC_SCALAR || n->kind == CK_DOC_ALIAS) && ck_doc__cm_has_comment(&r->cm))
		return ck_doc__cm_head(&r->cm, n, (long)n->col - 1);
	return CK_OK;
}

/*
 * Where a block scalar's text ends: after its last line with content (a
 * non-space, or spaces beyond the text's indentation); the blank lines after
 * it belong to whatever follows. A kept scalar (|+) keeps them all.
 */
static size_t block_content_end(struct rd *r, const yaml_event_t *ev, size_t ind_off, long abs)
{
	size_t e = offset(r, &ev->end_mark), i, last, ls;
	const char *s = r->src;

	for (i = ind_off + 1; i < e && (s[i] == '-' || s[i] == '+' || (s[i] >= '1' && s[i] <= '9'));
	     i++)
		if (s[i] == '+')
			return e;
	/* The header line always counts; last: the end of the last line with content. */
	for (last = ind_off; last < e && !ck_doc__brk(s, r->n, last); last++)
		;
	for (ls = last + ck_doc__brk(s, r->n, last); ls < e;) {
		size_t le = ls, sp = 0;

		while (le < e && !ck_doc__brk(s, r->n, le))
			le++;
		while (ls + sp < le && s[ls + sp] == ' ')
			sp++;
		if (ls + sp < le || (abs >= 0 && (long)sp > abs))
			last = le;
		if (le >= e)
			break;
		ls = le + ck_doc__brk(s, r->n, le);
	}
	return last < e ? last + ck_doc__brk(s, r->n, last) : e;
}

static int on_scalar(struct rd *r, yaml_event_t *ev)
{
	struct ck_doc_node *n = NULL;
	int rc;

	if ((rc = new_node(r, CK_DOC_SCALAR, &ev->start_mark, &n)) < 0)
		return rc;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = CK_DOC_SQUOTED; break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = CK_DOC_DQUOTED; break;
	case YAML_LITERAL_SCALAR_STYLE: n->style = CK_DOC_LITERAL; break;
	case YAML_FOLDED_SCALAR_STYLE: n->style = CK_DOC_FOLDED; break;
	default: n->style = CK_DOC_PLAIN; break;
	}
	if ((n->text = ck_doc_strdup(r->d, (const char *)ev->data.scalar.value,
	                             ev->data.scalar.length)) == NULL)
		return CK_ENOMEM;
	n->len = ev->data.scalar.length;
	if ((rc = props(r, n, ev->data.scalar.anchor, ev->data.scalar.tag, &ev->start_mark)) < 0)
		return rc;
	if ((rc = begin_node(r, n, offset(r, &ev->start_mark))) < 0)
		return rc;
	if (n->style == CK_DOC_LITERAL || n->style == CK_DOC_FOLDED) {
		long abs;
		size_t ind_off = block_scalar_indent(r, n, ev, &abs);

		if (r->cm.on) {
			if ((rc = ck_doc__cm_block_header(&r->cm, n, ind_off)) < 0)
				return rc;
			ck_doc__cm_content(&r->cm, block_content_end(r, ev, ind_off, abs), 0, NULL);
		}
	} else {
		ck_doc__cm_content(&r->cm, offset(r, &ev->end_mark), (uint32_t)ev->end_mark.line + 1, n);
	}
	return complete(r, n, 1, &ev->start_mark, offset(r, &ev->start_mark));
}

static int on_alias(struct rd *r, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *a = anchor_find(r, name);
	struct ck_doc_node *n = NULL;
	char shown[64];
	int rc;

	ck_doc__msg_str(shown, sizeof(shown), name, strlen(name));
	if (a == NULL)
		return rerr(CK_EINVAL, &ev->start_mark, "unknown anchor \"%s\" referenced", shown);
	if (a->open)
		return rerr(CK_EINVAL, &ev->start_mark, "anchor \"%s\" value contains itself", shown);
	if ((rc = new_node(r, CK_DOC_ALIAS, &ev->start_mark, &n)) < 0)
		return rc;
	if ((n->text = ck_doc_strdup(r->d, name, strlen(name))) == NULL)
		return CK_ENOMEM;
	n->len = strlen(name);
	n->target = a->node;
	if ((rc = begin_node(r, n, offset(r, &ev->start_mark))) < 0)
		return rc;
	ck_doc__cm_content(&r->cm, offset(r, &ev->end_mark), (uint32_t)ev->end_mark.line + 1, n);
	return complete(r, n, a->exp, &ev->start_mark, offset(r, &ev->start_mark));
}

static int on_start(struct rd *r, yaml_event_t *ev, enum ck_doc_kind kind)
{
	struct ck_doc_node *n = NULL;
	struct frame *f;
	int rc, flow;
	const yaml_char_t *anchor, *tag;

	if (r->nfr >= CK_DOC__MAX_DEPTH)
		return rerr(CK_ETOOBIG, &ev->start_mark, "nesting deeper than %d levels",
		            CK_DOC__MAX_DEPTH);
	if ((rc = new_node(r, kind, &ev->start_mark, &n)) < 0)
		return rc;
	if (kind == CK_DOC_MAP) {
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		flow = ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	n->style = flow ? CK_DOC_FLOW : CK_DOC_BLOCK;
	if ((rc = props(r, n, anchor, tag, &ev->start_mark)) < 0)
		return rc;
	if ((rc = begin_node(r, n, offset(r, &ev->start_mark))) < 0)
		return rc;
	if (flow)
		r->flow++;
	if (r->nfr == r->capfr) {
		size_t cap = r->capfr ? r->capfr * 2 : 16;
		struct frame *fr = ck_calloc(cap, sizeof(*fr));

		if (fr == NULL)
			return nomem();
		if (r->nfr)
			memcpy(fr, r->fr, r->nfr * sizeof(*fr));
		ck_free(r->fr);
		r->fr = fr;
		r->capfr = cap;
	}
	f = &r->fr[r->nfr++];
	f->node = n;
	f->start_off = offset(r, &ev->start_mark);
	f->base = r->nstk;
	f->exp = 1;
	/* A block collection's event starts at its first key, "?" or "-" unless
	 * properties precede it. */
	if (flow)
		f->indcol = -1;
	else if (anchor == NULL && tag == NULL)
		f->indcol = (long)ev->start_mark.column;
	else {
		f->indcol = first_entry_col(r, f->start_off);
		/* A comment after the properties ("key: &a  # c") is the collection's. */
		ck_doc__cm_content(&r->cm, f->start_off, (uint32_t)ev->start_mark.line + 1, n);
	}
	return CK_OK;
}

static int on_end(struct rd *r, yaml_event_t *ev)
{
	struct frame f;
	struct ck_doc_node *n = NULL;
	size_t nk;

	CK_ASSERT(r->nfr > 0);
	f = r->fr[--r->nfr];
	n = f.node;
	nk = r->nstk - f.base;
	if (nk) {
		if (nk > SIZE_MAX / sizeof(*n->kids) ||
		    (n->kids = ck_doc__alloc(r->d->arena, nk * sizeof(*n->kids))) == NULL)
			return nomem();
		memcpy(n->kids, r->stk + f.base, nk * sizeof(*n->kids));
		n->nkids = n->capkids = nk;
	}
	r->nstk = f.base;
	if (n->style == CK_DOC_BLOCK) {
		long ind = f.indcol >= 0 ? f.indcol : (long)n->col - 1;
		int rc = ck_doc__cm_foot(&r->cm, n, ind);

		if (rc < 0 || (rc = ck_doc__cm_closed(&r->cm, n, ind, !r->cm.just_closed)) < 0)
			return rc;
		r->cm.just_closed = 2;
		n->src_indent = rel_indent(parent_indcol(r), f.indcol);
	} else {
		r->flow--;
		ck_doc__cm_content(&r->cm, offset(r, &ev->end_mark), (uint32_t)ev->end_mark.line + 1, n);
	}
	if (n->kind == CK_DOC_MAP && (r->flags & CK_DOC_NO_DUP_KEYS)) {
		size_t first, dup;
		int rc = ck_doc__find_dup_key(n, &first, &dup);

		if (rc < 0)
			return rc;
		if (rc == 1) {
			const struct ck_doc_node *k = n->kids[2 * dup];
			yaml_mark_t m = { 0, k->line - 1, k->col - 1 };
			char shown[64];

			ck_doc__msg_str(shown, sizeof(shown), k->text, k->len);
			return rerr(CK_EINVAL, &m, "mapping key \"%s\" already defined at line %lu", shown,
			            (unsigned long)n->kids[2 * first]->line);
		}
	}
	if (n->anchor != NULL) {
		struct anchor *a = anchor_find(r, n->anchor);

		if (a != NULL && a->node == n) {
			a->open = 0;
			a->exp = f.exp;
		}
	}
	return complete(r, n, f.exp, &ev->start_mark, f.start_off);
}

static void wipe_event(const struct rd *r, yaml_event_t *ev)
{
	if ((r->flags & CK_DOC_SECURE) && ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		ck_memzero(ev->data.scalar.value, ev->data.scalar.length);
}

static int parse_error(const struct rd *r, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return nomem();
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark: count lines ourselves. */
		size_t off = r->bom + p->problem_offset, i, ls = r->bom;
		yaml_mark_t m = { 0, 0, 0 };

		for (i = r->bom; i < off && i < r->n; i += ck_doc__brk(r->src, r->n, i) ? ck_doc__brk(r->src, r->n, i) : 1) {
			if (ck_doc__brk(r->src, r->n, i)) {
				m.line++;
				ls = i + ck_doc__brk(r->src, r->n, i);
			}
		}
		for (i = ls; i < off && i < r->n; i++)
			if (((unsigned char)r->src[i] & 0xc0) != 0x80)
				m.column++;
		return rerr(CK_EINVAL, &m, "%s (byte 0x%02x)", p->problem ? p->problem : "invalid input",
		            (unsigned)(p->problem_value & 0xff));
	}
	if (p->context != NULL)
		return rerr(CK_EINVAL, &p->problem_mark, "%s (%s at line %lu)",
		            p->problem ? p->problem : "syntax error", p->context,
		            (unsigned long)p->context_mark.line + 1);
	return rerr(CK_EINVAL, &p->problem_mark, "%s", p->problem ? p->problem : "syntax error");
}

static size_t reach(size_t size, size_t bound)
{
	return bound < size ? bound : size;
}

int ck_doc_parse_yaml(struct ck_doc **out, const char *text, size_t n, unsigned flags)
{
	struct rd r;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = CK_EINTERNAL, have_parser = 0, have_event = 0, done = 0, explicit_start = 0;

	memset(&r, 0, sizeof(r));
	*out = NULL;
	if (n > 0 && text == NULL)
		return ck_err_set(CK_EINVAL, "doc: no input");
	r.src = text ? text : "";
	r.n = n;
	r.flags = flags;
	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.bom = 3;
	r.ascii = all_ascii(r.src + r.bom, n - r.bom);
	if ((r.d = ck_doc_new(flags & CK_DOC_SECURE)) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	r.d->flags = flags;
	r.cm.d = r.d;
	r.cm.src = r.src;
	r.cm.n = n;
	r.cm.on = !(flags & CK_DOC_NO_COMMENTS);
	r.cm.prev = r.cm.base = r.bom;
	r.cm.lc_line = 1;
	r.cm.split = SIZE_MAX;
	if (!yaml_parser_initialize(&p)) {
		rc = nomem();
		goto out;
	}
	have_parser = 1;
	/* The BOM is ours to skip: libyaml would count it as a character of line 1. */
	yaml_parser_set_input_string(&p, (const unsigned char *)r.src + r.bom, n - r.bom);
	/* UTF-8 only: source positions map to bytes of the text we were given. */
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = parse_error(&r, &p);
			goto out;
		}
		have_event = 1;
		if (ev.type != YAML_STREAM_START_EVENT &&
		    (rc = ck_doc__cm_gap(&r.cm, offset(&r, &ev.start_mark), r.flow > 0)) < 0)
			goto out;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			explicit_start = !ev.data.document_start.implicit;
			if (explicit_start) {
				/* Comments before the first "---" are the stream's; later ones the root's. */
				rc = r.d->ndocs == 0 ? ck_doc__cm_stream_head(&r.cm)
				                     : ck_doc__cm_hold(&r.cm, r.d->docs[r.d->ndocs - 1]);
				if (rc < 0)
					break;
				ck_doc__cm_content(&r.cm, offset(&r, &ev.end_mark),
				                   (uint32_t)ev.end_mark.line + 1, NULL);
			}
			r.root = NULL;
			r.nan = 0;
			r.docexp = 0;
			r.docnodes = 0;
			if (r.capan)
				memset(r.an, 0, r.capan * sizeof(*r.an));
			rc = CK_OK;
			break;
		case YAML_DOCUMENT_END_EVENT:
			/* The rest is the root's foot, written at the root's column: the
			 * writer puts a root at column 0. */
			if (r.root != NULL &&
			    (rc = ck_doc__cm_foot_at(&r.cm, r.root, 0,
			                             r.root->style == CK_DOC_BLOCK ? (long)r.root->col - 1
			                                                           : 0)) < 0)
				break;
			rc = ck_doc__add_root(r.d, r.root, explicit_start);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&r, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&r, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&r, &ev, CK_DOC_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&r, &ev, CK_DOC_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&r, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			/* A stream of comments only keeps them; anything else left is blank lines. */
			rc = r.d->ndocs == 0 ? ck_doc__cm_stream_head(&r.cm) : CK_OK;
			break;
		default:
			rc = CK_OK;
			break;
		}
		/* "Closed one after another": END events, with only a document end between. */
		if (r.cm.just_closed == 2)
			r.cm.just_closed = 1;
		else if (ev.type != YAML_DOCUMENT_END_EVENT)
			r.cm.just_closed = 0;
		wipe_event(&r, &ev);
		yaml_event_delete(&ev);
		have_event = 0;
		if (rc < 0)
			goto out;
	}
	*out = r.d;
	r.d = NULL; /* transferred */
	rc = CK_OK;
out:
	if (have_event) {
		wipe_event(&r, &ev);
		yaml_event_delete(&ev);
	}
	if (have_parser) {
		/*
		 * libyaml's input buffers held the text: wipe them before they go
		 * back to the heap. Only the part the text can have reached: the raw
		 * buffer holds input bytes (at most n), the decoded one at most 3
		 * UTF-8 bytes per 2 UTF-16 bytes; a small manifest then costs a few
		 * hundred bytes of wiping instead of libyaml's 64 KiB.
		 */
		if (p.buffer.start != NULL)
			ck_memzero(p.buffer.start,
			           reach((size_t)(p.buffer.end - p.buffer.start), n + n / 2 + 8));
		if (p.raw_buffer.start != NULL)
			ck_memzero(p.raw_buffer.start,
			           reach((size_t)(p.raw_buffer.end - p.raw_buffer.start), n + 8));
		yaml_parser_delete(&p);
	}
	ck_free(r.stk);
	ck_free(r.fr);
	ck_free(r.an);
	ck_doc__cm_dispose(&r.cm);
	ck_doc_free(r.d);
	return rc;
}
