/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Comment recovery. libyaml's scanner drops comments, so the reader hands us
 * the source between consecutive events ("gaps"); every comment and blank
 * line in a gap waits in a pending list until the event that owns it:
 *   - a comment on the line where content just ended is that content's
 *     line comment (the value, or the key when a block collection follows);
 *     one after an indicator ("- # c", "--- # c") is the next node's;
 *   - own-line comments before a map key, a sequence item or a root scalar
 *     are its head comment (blank lines before them: blank_before);
 *   - own-line comments before the end of a block collection that are
 *     indented at least as far as its entries are its foot comment;
 *     the rest wait for the enclosing collection or the next entry;
 *   - before a document's "---": the stream head (first document) or the
 *     root's head comment (later documents).
 * Comments inside flow collections are dropped.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "doc_int.h"

static int nomem(void)
{
	return ck_err_set(CK_ENOMEM, "doc: out of memory");
}

static uint32_t line_at(struct ck_doc__cm *c, size_t off)
{
	if (off < c->lc_off) {
		c->lc_off = 0;
		c->lc_line = 1;
	}
	while (c->lc_off < off && c->lc_off < c->n) {
		size_t b = ck_doc__brk(c->src, c->n, c->lc_off);

		if (b) {
			c->lc_line++;
			c->lc_off += b;
		} else {
			c->lc_off++;
		}
	}
	return c->lc_line;
}

static int push(struct ck_doc__cm *c, int blank, uint32_t line, uint32_t col, size_t off,
                size_t len)
{
	struct ck_doc__citem *it;

	if (c->npend == c->cappend) {
		size_t cap = c->cappend ? c->cappend * 2 : 16;
		struct ck_doc__citem *p = ck_calloc(cap, sizeof(*p));

		if (p == NULL)
			return nomem();
		if (c->npend)
			memcpy(p, c->pend, c->npend * sizeof(*p));
		ck_free(c->pend);
		c->pend = p;
		c->cappend = cap;
	}
	it = &c->pend[c->npend++];
	it->blank = (unsigned char)blank;
	it->line = line;
	it->col = col;
	it->off = off;
	it->len = len;
	return CK_OK;
}

/* Length of a comment starting at off: to the end of the line, trailing blanks trimmed. */
static size_t comment_len(const struct ck_doc__cm *c, size_t off)
{
	size_t e = off;

	while (e < c->n && !ck_doc__brk(c->src, c->n, e))
		e++;
	while (e > off && (c->src[e - 1] == ' ' || c->src[e - 1] == '\t' || c->src[e - 1] == '\r'))
		e--;
	return e - off;
}

static char *dup_text(struct ck_doc__cm *c, size_t off, size_t len)
{
	return ck_doc_strdup(c->d, c->src + off, len);
}

/* Set a node's line comment from the source; gap = spaces before '#'. */
static int set_line(struct ck_doc__cm *c, struct ck_doc_node *n, size_t off, size_t len)
{
	size_t g = 0;

	while (g < off && c->src[off - g - 1] == ' ')
		g++;
	if ((n->line_comment = dup_text(c, off, len)) == NULL)
		return CK_ENOMEM;
	n->comment_gap = (unsigned char)(g > 1 && g < 200 && c->src[off - g - 1] != '\t' ? g : 0);
	return CK_OK;
}

static int is_bom(const struct ck_doc__cm *c, size_t k)
{
	return k + 2 < c->n && (unsigned char)c->src[k] == 0xef &&
	       (unsigned char)c->src[k + 1] == 0xbb && (unsigned char)c->src[k + 2] == 0xbf;
}

/* Start of the line holding byte i. */
static size_t line_start(const struct ck_doc__cm *c, size_t i)
{
	while (i > c->base && !ck_doc__after_brk(c->src, i))
		i--;
	return i;
}

int ck_doc__cm_gap(struct ck_doc__cm *c, size_t to, int in_flow)
{
	size_t i = c->prev;
	int rc;

	if (!c->on || to <= c->prev || in_flow) {
		/* Comments and blank lines inside flow collections are dropped: no scan. */
		if (to > c->prev)
			c->prev = to;
		return CK_OK;
	}
	if (to > c->n)
		to = c->n;
	while (i < to) {
		/* full: i starts a line (else the gap began after content on it). */
		int full = i == c->base || ck_doc__after_brk(c->src, i), blank = 1;
		size_t e, k;

		for (k = i; k < to && !ck_doc__brk(c->src, c->n, k); k++) {
			char ch = c->src[k];

			if (ch == '#' && ((k == i && full) || c->src[k - 1] == ' ' || c->src[k - 1] == '\t'))
				break;
			if (is_bom(c, k)) {
				k += 2; /* libyaml skips a BOM at a line's start: white space here */
				continue;
			}
			if (ch != ' ' && ch != '\t' && ch != '\r')
				blank = 0;
		}
		for (e = k; e < to && !ck_doc__brk(c->src, c->n, e); e++)
			;
		if (k < e) {
			/* A comment: its own line only if nothing but blanks precedes it there. */
			size_t ls = full ? i : line_start(c, i), p;
			uint32_t line = line_at(c, k);
			size_t len = comment_len(c, k);
			int own = 1;

			for (p = ls; p < k && own; p++)
				if (c->src[p] != ' ' && c->src[p] != '\t')
					own = 0;
			if (!own) {
				if (line == c->last_line && c->last != NULL && c->last->line_comment == NULL) {
					if ((rc = set_line(c, c->last, k, len)) < 0)
						return rc;
				} else if (!c->tl) {
					c->tl = 1;
					c->tl_off = k;
					c->tl_len = len;
				}
			} else if ((rc = push(c, 0, line, (uint32_t)(k - ls), k, len)) < 0) {
				return rc;
			}
		} else if (full && blank && e < to) {
			/* A whole line of white space before the gap's end: a blank line. */
			if ((rc = push(c, 1, line_at(c, i), 0, i, 0)) < 0)
				return rc;
		}
		if (e >= to)
			break;
		i = e + ck_doc__brk(c->src, c->n, e);
	}
	c->prev = to;
	return CK_OK;
}

void ck_doc__cm_content(struct ck_doc__cm *c, size_t end, uint32_t line, struct ck_doc_node *n)
{
	if (end > c->prev)
		c->prev = end;
	c->last_line = line;
	c->last = n;
}

int ck_doc__cm_node(struct ck_doc__cm *c, struct ck_doc_node *n)
{
	int rc = CK_OK;

	c->split = SIZE_MAX;
	if (c->on && c->tl && n->line_comment == NULL) {
		rc = set_line(c, n, c->tl_off, c->tl_len);
		/* Comments after "- # c" are not above the node: inside a collection
		 * (its first entry's), after a scalar (the next entry's). */
		c->split = c->tl_off;
	}
	c->tl = 0;
	return rc;
}

/*
 * Lines of items[from..to) joined by '\n': comments with the spaces they
 * stand beyond ind, blank lines empty.
 */
static char *join(struct ck_doc__cm *c, size_t from, size_t to, long ind)
{
	size_t i, total = 0, o = 0;
	char *t;

	for (i = from; i < to; i++) {
		const struct ck_doc__citem *it = &c->pend[i];

		if (!it->blank) {
			total += it->len;
			if (ind >= 0 && (long)it->col > ind)
				total += (size_t)((long)it->col - ind);
		}
		total++;
	}
	if ((t = ck_doc__alloc(c->d->arena, total + 1)) == NULL) {
		nomem();
		return NULL;
	}
	for (i = from; i < to; i++) {
		const struct ck_doc__citem *it = &c->pend[i];

		if (i > from)
			t[o++] = '\n';
		if (it->blank)
			continue;
		if (ind >= 0 && (long)it->col > ind) {
			memset(t + o, ' ', (size_t)((long)it->col - ind));
			o += (size_t)((long)it->col - ind);
		}
		memcpy(t + o, c->src + it->off, it->len);
		o += it->len;
	}
	t[o] = '\0';
	return t;
}


static void drop(struct ck_doc__cm *c, size_t k)
{
	memmove(c->pend, c->pend + k, (c->npend - k) * sizeof(*c->pend));
	c->npend -= k;
}

/* Give pending items (those before c->split) to n as blank_before and head_comment. */
static int give_head(struct ck_doc__cm *c, struct ck_doc_node *n, long ind)
{
	size_t b = 0, k = 0;

	while (k < c->npend && c->pend[k].off < c->split)
		k++;
	c->split = SIZE_MAX;
	while (b < k && c->pend[b].blank)
		b++;
	n->blank_before += (unsigned)b;
	if (b < k && (n->head_comment = join(c, b, k, ind)) == NULL)
		return CK_ENOMEM;
	drop(c, k);
	return CK_OK;
}

int ck_doc__cm_head(struct ck_doc__cm *c, struct ck_doc_node *n, long ind)
{
	if (!c->on || c->npend == 0 || n->head_comment != NULL)
		return CK_OK;
	return give_head(c, n, ind);
}

int ck_doc__cm_has_comment(const struct ck_doc__cm *c)
{
	size_t i;

	for (i = 0; c->on && i < c->npend; i++)
		if (!c->pend[i].blank)
			return 1;
	return 0;
}

/* Append text to *slot (a new line between). */
static int append(struct ck_doc__cm *c, char **slot, char *add)
{
	size_t a, b;
	char *t;

	if (*slot == NULL) {
		*slot = add;
		return CK_OK;
	}
	a = strlen(*slot);
	b = strlen(add);
	if ((t = ck_doc__alloc(c->d->arena, a + b + 2)) == NULL)
		return nomem();
	memcpy(t, *slot, a);
	t[a] = '\n';
	memcpy(t + a + 1, add, b + 1);
	*slot = t;
	return CK_OK;
}

int ck_doc__cm_foot(struct ck_doc__cm *c, struct ck_doc_node *n, long ind)
{
	return ck_doc__cm_foot_at(c, n, ind, ind);
}

/* Foot comments indented at least `ind`, stored with the spaces beyond `base`. */
int ck_doc__cm_foot_at(struct ck_doc__cm *c, struct ck_doc_node *n, long ind, long base)
{
	size_t i, k = 0;
	char *add;

	if (!c->on)
		return CK_OK;
	for (i = 0; i < c->npend; i++) {
		if (c->pend[i].blank)
			continue;
		if (ind >= 0 && (long)c->pend[i].col < ind)
			break;
		k = i + 1;
	}
	if (k == 0)
		return CK_OK;
	if ((add = join(c, 0, k, base)) == NULL || append(c, &n->foot_comment, add) < 0)
		return CK_ENOMEM;
	drop(c, k);
	return CK_OK;
}

/* Everything pending, as absolute lines (stream head, or a root's head). */
int ck_doc__cm_stream_head(struct ck_doc__cm *c)
{
	char *t;

	if (!c->on || c->npend == 0)
		return CK_OK;
	if ((t = join(c, 0, c->npend, 0)) == NULL)
		return CK_ENOMEM;
	c->d->head_comment = t;
	c->npend = 0;
	return CK_OK;
}

/*
 * Pending items before a later document's "---": comments (after a "..."
 * that the writer does not keep) go where they would go without the "...":
 * the feet of the collections that closed the previous document, innermost
 * first, then its root. The blank lines after them wait for the next root.
 */
int ck_doc__cm_hold(struct ck_doc__cm *c, struct ck_doc_node *prev_root)
{
	size_t i;
	int rc;

	if (!c->on)
		return CK_OK;
	for (i = 0; c->just_closed && i < c->nclosed; i++)
		if ((rc = ck_doc__cm_foot(c, c->closed[i].node, c->closed[i].ind)) < 0)
			return rc;
	if (prev_root != NULL &&
	    (rc = ck_doc__cm_foot_at(c, prev_root, 0,
	                             prev_root->style == CK_DOC_BLOCK ? (long)prev_root->col - 1 : 0)) < 0)
		return rc;
	c->nheld = c->npend;
	return CK_OK;
}

/* A block collection ended right after the previous one (or after content). */
int ck_doc__cm_closed(struct ck_doc__cm *c, struct ck_doc_node *n, long ind, int reset)
{
	if (reset)
		c->nclosed = 0;
	if (c->nclosed == c->capclosed) {
		size_t cap = c->capclosed ? c->capclosed * 2 : 16;
		struct ck_doc__closed *p = ck_calloc(cap, sizeof(*p));

		if (p == NULL)
			return nomem();
		if (c->nclosed)
			memcpy(p, c->closed, c->nclosed * sizeof(*p));
		ck_free(c->closed);
		c->closed = p;
		c->capclosed = cap;
	}
	c->closed[c->nclosed].node = n;
	c->closed[c->nclosed].ind = ind;
	c->nclosed++;
	return CK_OK;
}

int ck_doc__cm_root(struct ck_doc__cm *c, struct ck_doc_node *n)
{
	size_t k = c->nheld, b = 0;

	c->nheld = 0;
	if (!c->on || k == 0)
		return CK_OK;
	while (b < k && c->pend[b].blank)
		b++;
	n->blank_before += (unsigned)b;
	if (b < k && (n->head_comment = join(c, b, k, 0)) == NULL)
		return CK_ENOMEM;
	drop(c, k);
	return CK_OK;
}

/* Block scalar header "|-2  # c": the comment becomes the scalar's line comment. */
int ck_doc__cm_block_header(struct ck_doc__cm *c, struct ck_doc_node *n, size_t ind_off)
{
	size_t i = ind_off + 1;

	if (!c->on)
		return CK_OK;
	while (i < c->n && (c->src[i] == '-' || c->src[i] == '+' || (c->src[i] >= '1' && c->src[i] <= '9')))
		i++;
	while (i < c->n && (c->src[i] == ' ' || c->src[i] == '\t'))
		i++;
	if (i < c->n && c->src[i] == '#' && i > ind_off + 1 &&
	    (c->src[i - 1] == ' ' || c->src[i - 1] == '\t'))
		return set_line(c, n, i, comment_len(c, i));
	return CK_OK;
}

void ck_doc__cm_dispose(struct ck_doc__cm *c)
{
	ck_free(c->closed);
	c->closed = NULL;
	ck_free(c->pend);
	c->pend = NULL;
	c->npend = c->cappend = 0;
}
