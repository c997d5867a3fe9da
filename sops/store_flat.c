/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flat stores: dotenv (KEY=VALUE lines, '#' comments, "\n" escapes) and
 * INI (go-ini's dialect: sections, ';'/'#' comments attached to the next key
 * or section, '=' or ':' delimiters, quoted and """multi-line""" values,
 * aligned output). Both hold only strings; sops's metadata is flattened into
 * them (metadata.c).
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_internal.h"
#include "stores.h"

/* A growable node list used while building. */
struct nv {
	struct ck_sops_node *v;
	size_t n, cap;
};

static int nv_push(struct nv *a, const struct ck_sops_node *x)
{
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		struct ck_sops_node *nn = ck_calloc(nc, sizeof(*nn));

		if (nn == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		if (a->v != NULL) {
			memcpy(nn, a->v, a->n * sizeof(*nn));
			ck_free(a->v);
		}
		a->v = nn;
		a->cap = nc;
	}
	a->v[a->n++] = *x;
	return CK_OK;
}

static int nv_to_node(struct ck_sops_tree *t, struct nv *a, size_t from, enum ck_sops_type type,
                      struct ck_sops_node *out)
{
	size_t n = a->n - from;
	struct ck_sops_node *kids = NULL;

	if (n > 0) {
		if ((kids = ck_sops_tree_alloc(t, n * sizeof(*kids), 0)) == NULL)
			return CK_ENOMEM;
		memcpy(kids, a->v + from, n * sizeof(*kids));
	}
	a->n = from;
	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	out->len = (uint32_t)n;
	out->u.kids = kids;
	return CK_OK;
}

static void str_node(struct ck_sops_node *n, enum ck_sops_type type, const char *s, size_t len)
{
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->u.s = s;
	n->len = (uint32_t)len;
}

static int comment_pair(struct nv *a, const char *s, size_t len)
{
	struct ck_sops_node c, none;
	int rc;

	str_node(&c, CK_SOPS_COMMENT, s, len);
	ck_sops_node_null(&none);
	none.flags = CK_SOPS_F_NONE;
	if ((rc = nv_push(a, &c)) < 0)
		return rc;
	return nv_push(a, &none);
}

/* Replace the two characters \n by a newline; zero copy when there is none. */
static int unescape_nl(struct ck_sops_tree *t, struct ck_sops_node *n, const char *s, size_t len,
                       int secret)
{
	size_t i, o = 0;
	char *d;

	for (i = 0; i + 1 < len; i++)
		if (s[i] == '\\' && s[i + 1] == 'n')
			break;
	if (i + 1 >= len) {
		str_node(n, CK_SOPS_STR, s, len);
		return CK_OK;
	}
	if ((d = ck_sops_tree_alloc(t, len + 1, secret)) == NULL)
		return CK_ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'n') {
			d[o++] = '\n';
			i++;
		} else {
			d[o++] = s[i];
		}
	}
	str_node(n, CK_SOPS_STR, d, o);
	if (secret)
		n->flags |= CK_SOPS_F_SECRET;
	return CK_OK;
}

/* ---- dotenv ---- */

int ck_sops__dotenv_read(struct ck_sops_tree *t, int secret)
{
	const char *s = (const char *)ck_buf_data(&t->src), *end = s + ck_buf_len(&t->src);
	struct nv a = { 0 };
	struct ck_sops_node root;
	uint32_t line = 0;
	int rc = CK_OK;

	while (s < end && rc == CK_OK) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *eq;
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		struct ck_sops_node k, v;

		line++;
		if (len == 0) {
			s = nl ? nl + 1 : end;
			continue;
		}
		if (s[0] == '#') {
			rc = comment_pair(&a, s + 1, len - 1);
		} else if ((eq = memchr(s, '=', len)) == NULL) {
			rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
			                     "dotenv: line %u: invalid dotenv input line (no '=')", line);
		} else {
			str_node(&k, CK_SOPS_STR, s, (size_t)(eq - s));
			k.line = (uint16_t)(line > 65535 ? 65535 : line);
			rc = unescape_nl(t, &v, eq + 1, len - (size_t)(eq - s) - 1, secret);
			if (rc == CK_OK && (rc = nv_push(&a, &k)) == CK_OK)
				rc = nv_push(&a, &v);
		}
		s = nl ? nl + 1 : end;
	}
	if (rc == CK_OK && (rc = nv_to_node(t, &a, 0, CK_SOPS_MAP, &root)) == CK_OK)
		rc = ck_sops_tree_add_doc(t, &root);
	ck_free(a.v);
	return rc;
}

/* A non-string value as the dotenv/INI stores render it. */
int ck_sops__flat_value(struct ck_buf *out, const struct ck_sops_node *v)
{
	double d;
	int rc;

	switch (v->type) {
	case CK_SOPS_NULL:
		return CK_OK;
	case CK_SOPS_BOOL:
		return ck_buf_puts(out, ck_sops_node_is(v, "True") ? "true" : "false");
	case CK_SOPS_FLOAT: {
		size_t start = ck_buf_len(out);
		const char *p;
		size_t i;

		if ((rc = ck_sops__parse_float(v->u.s, v->len, &d)) < 0)
			return ck_err_set(CK_EINTERNAL, "sops: bad float text");
		if ((rc = ck_sops__fmt_float(out, d, 'g')) < 0)
			return rc;
		/* at least one decimal digit */
		p = (const char *)ck_buf_data(out) + start;
		for (i = 0; i < ck_buf_len(out) - start; i++)
			if (p[i] == '.' || p[i] == 'e' || p[i] == 'N' || p[i] == 'I')
				return CK_OK;
		return ck_buf_puts(out, ".0");
	}
	case CK_SOPS_MAP:
	case CK_SOPS_SEQ:
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "cannot use complex value in a dotenv or INI file");
	default:
		if (v->flags & CK_SOPS_F_ENCBIN)
			return ck_sops__encbin_text(out, v);
		return ck_buf_put(out, v->u.s, v->len);
	}
}

static int put_escaped_nl(struct ck_buf *out, const char *s, size_t n)
{
	size_t i, start = 0;
	int rc = CK_OK;

	for (i = 0; i < n && rc == CK_OK; i++) {
		if (s[i] == '\n') {
			rc = ck_buf_put(out, s + start, i - start);
			if (rc == CK_OK)
				rc = ck_buf_put(out, "\\n", 2);
			start = i + 1;
		}
	}
	if (rc == CK_OK)
		rc = ck_buf_put(out, s + start, n - start);
	return rc;
}

int ck_sops__dotenv_emit(struct ck_buf *out, const struct ck_sops_node *root,
                         const struct ck_sops_node *extra, size_t nextra)
{
	struct ck_buf tmp;
	uint32_t i;
	size_t j;
	int rc = CK_OK;

	ck_buf_init_secure(&tmp, 0);
	for (i = 0; i + 1 < root->len + 2 * nextra && rc == CK_OK; i += 2) {
		const struct ck_sops_node *k = i < root->len ? &root->u.kids[i] : &extra[i - root->len];
		const struct ck_sops_node *v = i < root->len ? &root->u.kids[i + 1]
		                                             : &extra[i - root->len + 1];

		if (k->type == CK_SOPS_COMMENT) {
			rc = ck_buf_putc(out, '#');
			if (rc == CK_OK)
				rc = ck_buf_put(out, k->u.s, k->len);
			if (rc == CK_OK)
				rc = ck_buf_putc(out, '\n');
			continue;
		}
		if (v->type == CK_SOPS_MAP || v->type == CK_SOPS_SEQ) {
			rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
			                     "cannot use complex value in dotenv file: %.*s",
			                     (int)(k->len > 60 ? 60 : k->len), k->u.s);
			break;
		}
		ck_buf_reset(&tmp);
		if ((rc = ck_sops__flat_value(&tmp, v)) < 0)
			break;
		rc = ck_buf_put(out, k->u.s, k->len);
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '=');
		if (rc == CK_OK)
			rc = put_escaped_nl(out, (const char *)ck_buf_data(&tmp), ck_buf_len(&tmp));
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '\n');
	}
	(void)j;
	ck_buf_dispose(&tmp);
	if (rc == CK_ENOMEM || rc == CK_ETOOBIG)
		return ck_err_set(rc, "sops: out of memory");
	return rc;
}

/* ---- INI (go-ini) ---- */

static const char *trim_l(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f'))
		s++;
	return s;
}

static const char *trim_r(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n' ||
	                 e[-1] == '\v' || e[-1] == '\f'))
		e--;
	return e;
}

/* First occurrence in [s, e) of the n bytes at needle, or NULL. */
static const char *find(const char *s, const char *e, const char *needle, size_t n)
{
	for (; s + n <= e; s++)
		if (memcmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/*
 * sops strips the marker of a go-ini comment: "; x" -> "x", "# x" -> "x"
 * (TrimLeft of the marker and spaces on the joined comment lines).
 */
static int ini_comment(struct ck_sops_tree *t, struct ck_buf *cb, struct ck_sops_node *out,
                       int secret)
{
	const char *s = (const char *)ck_buf_data(cb), *e = s + ck_buf_len(cb);
	const char *set;

	s = trim_l(s, e);
	e = trim_r(s, e);
	set = s < e && *s == ';' ? "; " : s < e && *s == '#' ? "# " : NULL;
	if (set != NULL)
		while (s < e && strchr(set, *s) != NULL)
			s++;
	str_node(out, CK_SOPS_COMMENT, NULL, 0);
	if ((out->u.s = ck_sops_tree_strdup(t, s, (size_t)(e - s), secret)) == NULL)
		return CK_ENOMEM;
	out->len = (uint32_t)(e - s);
	return CK_OK;
}

struct inir {
	struct ck_sops_tree *t;
	const char *p, *end;
	uint32_t line;
	int secret;
	struct ck_buf com; /* pending comment lines */
	struct ck_buf val;
};

static int ierr(struct inir *r, const char *what)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE, "ini: line %u: %s",
	                       r->line, what);
}

/* Next physical line [*s, *e) (without the break); 0 at the end. */
static int next_line(struct inir *r, const char **s, const char **e)
{
	const char *nl;

	if (r->p >= r->end)
		return 0;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	*s = r->p;
	*e = nl ? nl : r->end;
	r->p = nl ? nl + 1 : r->end;
	r->line++;
	return 1;
}

/* go-ini readValue: quoted, """multi-line""", `raw`, inline comments, continuation. */
static int ini_value(struct inir *r, const char *s, const char *e)
{
	struct ck_buf *b = &r->val;
	const char *ls, *le;

	ck_buf_reset(b);
	s = trim_l(s, e);
	e = trim_r(s, e);
	if (s == e)
		return CK_OK;
	if (e - s >= 3 && memcmp(s, "\"\"\"", 3) == 0) {
		const char *q = s + 3, *c;

		/* closing on the same line? */
		for (c = q; c + 3 <= e; c++)
			if (memcmp(c, "\"\"\"", 3) == 0)
				return ck_buf_put(b, q, (size_t)(c - q)) < 0 ? CK_ENOMEM : CK_OK;
		if (ck_buf_put(b, q, (size_t)(e - q)) < 0 || ck_buf_putc(b, '\n') < 0)
			return CK_ENOMEM;
		while (next_line(r, &ls, &le)) {
			const char *t2 = trim_r(ls, le);

			for (c = ls; c + 3 <= t2; c++) {
				if (memcmp(c, "\"\"\"", 3) == 0)
					return ck_buf_put(b, ls, (size_t)(c - ls)) < 0 ? CK_ENOMEM : CK_OK;
			}
			if (ck_buf_put(b, ls, (size_t)(t2 - ls)) < 0 || ck_buf_putc(b, '\n') < 0)
				return CK_ENOMEM;
		}
		return ierr(r, "missing closing \"\"\"");
	}
	if (*s == '`') {
		const char *c = memchr(s + 1, '`', (size_t)(e - s - 1));

		if (c == NULL)
			return ierr(r, "missing closing `");
		return ck_buf_put(b, s + 1, (size_t)(c - s - 1)) < 0 ? CK_ENOMEM : CK_OK;
	}
	/* continuation lines ending in '\' */
	if (ck_buf_put(b, s, (size_t)(e - s)) < 0)
		return CK_ENOMEM;
	while (ck_buf_len(b) > 0 && ((const char *)ck_buf_data(b))[ck_buf_len(b) - 1] == '\\') {
		ck_buf_truncate(b, ck_buf_len(b) - 1);
		if (!next_line(r, &ls, &le))
			break;
		ls = trim_l(ls, le);
		le = trim_r(ls, le);
		if (ck_buf_put(b, ls, (size_t)(le - ls)) < 0)
			return CK_ENOMEM;
	}
	{
		const char *v = (const char *)ck_buf_data(b), *c;
		size_t n = ck_buf_len(b);

		/* inline comment: everything from the first '#' or ';' */
		for (c = v; c < v + n; c++) {
			if (*c == '#' || *c == ';') {
				if (ck_buf_put(&r->com, c, (size_t)(v + n - c)) < 0 ||
				    ck_buf_putc(&r->com, '\n') < 0)
					return CK_ENOMEM;
				n = (size_t)(trim_r(v, c) - v);
				break;
			}
		}
		if (n >= 2 && ((v[0] == '"' && v[n - 1] == '"') || (v[0] == '\'' && v[n - 1] == '\''))) {
			memmove(ck_buf_mutable(b), v + 1, n - 2);
			n -= 2;
		}
		ck_buf_truncate(b, n);
	}
	return CK_OK;
}

int ck_sops__ini_read(struct ck_sops_tree *t, int secret)
{
	struct inir r;
	struct nv top = { 0 }, sec = { 0 };
	struct ck_sops_node root, secnode, name;
	const char *s, *e;
	int rc = CK_OK, have_default = 1;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.p = (const char *)ck_buf_data(&t->src);
	r.end = r.p + ck_buf_len(&t->src);
	r.secret = secret;
	ck_buf_init(&r.com, 0);
	if (secret)
		ck_buf_init_secure(&r.val, 0);
	else
		ck_buf_init(&r.val, 0);
	if (r.end - r.p >= 3 && memcmp(r.p, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	str_node(&name, CK_SOPS_STR, "DEFAULT", 7);
	while (rc == CK_OK && next_line(&r, &s, &e)) {
		s = trim_l(s, e);
		e = trim_r(s, e);
		if (s == e)
			continue;
		if (*s == '#' || *s == ';') {
			if (ck_buf_len(&r.com) > 0 && ck_buf_putc(&r.com, '\n') < 0)
				rc = CK_ENOMEM;
			else if (ck_buf_put(&r.com, s, (size_t)(e - s)) < 0)
				rc = CK_ENOMEM;
			continue;
		}
		if (*s == '[') {
			const char *c = e;
			struct ck_sops_node cn;

			while (c > s && c[-1] != ']')
				c--;
			if (c <= s + 1) {
				rc = ierr(&r, "unclosed section header");
				break;
			}
			/* close the previous section */
			if ((rc = nv_to_node(t, &sec, 0, CK_SOPS_MAP, &secnode)) < 0 ||
			    (rc = nv_push(&top, &name)) < 0 || (rc = nv_push(&top, &secnode)) < 0)
				break;
			have_default = 0;
			{
				const char *ns = trim_l(s + 1, c - 1), *ne = trim_r(ns, c - 1);
				char *nm = ck_sops_tree_strdup(t, ns, (size_t)(ne - ns), 0);

				if (nm == NULL) {
					rc = CK_ENOMEM;
					break;
				}
				str_node(&name, CK_SOPS_STR, nm, (size_t)(ne - ns));
				name.line = (uint16_t)(r.line > 65535 ? 65535 : r.line);
			}
			if (ck_buf_len(&r.com) > 0) {
				if ((rc = ini_comment(t, &r.com, &cn, secret)) < 0 ||
				    (rc = comment_pair(&sec, cn.u.s, cn.len)) < 0)
					break;
				ck_buf_reset(&r.com);
			}
			continue;
		}
		{
			/* key = value */
			const char *d = s, *ks, *ke;
			struct ck_sops_node k, v;
			char *kc, *vc;

			if (*s == '"' || *s == '`') {
				/* go-ini readKeyName: "key", `key` or """key""" (lines
				 * longer than 6); the delimiter may come anywhere after */
				size_t ql = e - s > 6 && memcmp(s, "\"\"\"", 3) == 0 ? 3 : 1;
				const char *c = find(s + ql, e, s, ql);

				if (c == NULL) {
					rc = ierr(&r, "missing closing key quote");
					break;
				}
				ks = trim_l(s + ql, c);
				ke = trim_r(ks, c);
				for (d = c + ql; d < e && *d != '=' && *d != ':'; d++)
					;
				if (d >= e) {
					rc = ierr(&r, "key-value delimiter not found");
					break;
				}
			} else {
				while (d < e && *d != '=' && *d != ':')
					d++;
				if (d >= e) {
					rc = ierr(&r, "key-value delimiter not found");
					break;
				}
				ks = s;
				ke = trim_r(s, d);
			}
			if ((rc = ini_value(&r, d + 1, e)) < 0)
				break;
			kc = ck_sops_tree_strdup(t, ks, (size_t)(ke - ks), 0);
			vc = ck_sops_tree_strdup(t, (const char *)ck_buf_data(&r.val),
			                         ck_buf_len(&r.val), secret);
			if (kc == NULL || vc == NULL) {
				rc = CK_ENOMEM;
				break;
			}
			str_node(&k, CK_SOPS_STR, kc, (size_t)(ke - ks));
			k.line = (uint16_t)(r.line > 65535 ? 65535 : r.line);
			str_node(&v, CK_SOPS_STR, vc, ck_buf_len(&r.val));
			if (secret)
				v.flags |= CK_SOPS_F_SECRET;
			if ((rc = nv_push(&sec, &k)) < 0 || (rc = nv_push(&sec, &v)) < 0)
				break;
			/* sops puts a key's comment right after the key */
			if (ck_buf_len(&r.com) > 0) {
				struct ck_sops_node cn;

				if ((rc = ini_comment(t, &r.com, &cn, secret)) < 0 ||
				    (rc = comment_pair(&sec, cn.u.s, cn.len)) < 0)
					break;
				ck_buf_reset(&r.com);
			}
		}
	}
	(void)have_default;
	if (rc == CK_OK && (rc = nv_to_node(t, &sec, 0, CK_SOPS_MAP, &secnode)) == CK_OK &&
	    (rc = nv_push(&top, &name)) == CK_OK && (rc = nv_push(&top, &secnode)) == CK_OK &&
	    (rc = nv_to_node(t, &top, 0, CK_SOPS_MAP, &root)) == CK_OK)
		rc = ck_sops_tree_add_doc(t, &root);
	if (rc == CK_ENOMEM)
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
	ck_free(top.v);
	ck_free(sec.v);
	ck_buf_dispose(&r.com);
	ck_buf_dispose(&r.val);
	return rc;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* go-ini comment line(s): "; text" unless the line already has a marker. */
static int ini_put_comment(struct ck_buf *out, const char *s, size_t n, int trim)
{
	const char *p = s, *e = s + n;
	int rc = CK_OK;

	while (p <= e && rc == CK_OK) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e, *ls = p;

		if (le > ls && (*ls == '#' || *ls == ';')) {
			const char *r = trim_l(ls + 1, le), *re = trim_r(r, le);

			rc = ck_buf_putc(out, *ls);
			if (rc == CK_OK)
				rc = ck_buf_putc(out, ' ');
			if (rc == CK_OK)
				rc = ck_buf_put(out, r, (size_t)(re - r));
		} else {
			if (trim) {
				ls = trim_l(ls, le);
				le = trim_r(ls, le);
			}
			rc = ck_buf_puts(out, "; ");
			if (rc == CK_OK)
				rc = ck_buf_put(out, ls, (size_t)(le - ls));
		}
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return rc;
}

/* Contains the n2 bytes at b? */
static int has(const char *k, size_t n, const char *b, size_t n2)
{
	return find(k, k + n, b, n2) != NULL;
}

/*
 * How go-ini writes a key: 0 bare, 1 `key` (a quote or a delimiter, "=:" for
 * sops, inside), 2 """key""" (a backtick inside); the extra width goes to
 * the return value. Where go-ini's own choice would not read back as the
 * same key (a key starting with '#', ';' or '[', or empty, is also quoted
 * here, like one starting with a byte order mark), or no quoting can carry it
 * (both quote kinds, surrounding spaces,
 * line breaks), -1: such a file could never decrypt.
 */
static int ini_key_needs(const char *k, size_t n, int *kind)
{
	int special = n == 0 || has(k, n, "\"", 1) || has(k, n, "=", 1) || has(k, n, ":", 1) ||
	              k[0] == '#' || k[0] == ';' || k[0] == '[' ||
	              (n >= 3 && memcmp(k, "\xef\xbb\xbf", 3) == 0); /* a BOM is dropped at the start */

	*kind = 0;
	if (has(k, n, "\n", 1) || has(k, n, "\r", 1) ||
	    (n > 0 && (trim_l(k, k + n) != k || trim_r(k, k + n) != k + n)))
		return -1;
	if (has(k, n, "`", 1)) {
		if (k[0] == '"' || k[n - 1] == '"' || has(k, n, "\"\"\"", 3))
			return -1;
		*kind = 2;
		return 6;
	}
	if (special) {
		*kind = 1;
		return 2;
	}
	return 0;
}

/*
 * Write one section the way go-ini's WriteTo does (PrettyFormat): keys padded
 * to the longest key, " = ", values quoted when they need it.
 */
static int ini_section(struct ck_buf *out, struct ck_buf *tmp, const struct ck_sops_node *name,
                       const struct ck_sops_node *sec, size_t idx, int last)
{
	size_t align = 0, i, first = 0;
	const char *pending = NULL;
	size_t pendlen = 0;
	int rc = CK_OK;

	if (sec->type != CK_SOPS_MAP)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "ini: section values should always be maps");
	if (sec->len >= 2 && sec->u.kids[0].type == CK_SOPS_COMMENT) {
		rc = ini_put_comment(out, sec->u.kids[0].u.s, sec->u.kids[0].len, 0);
		first = 2;
	}
	if (idx > 0 || !ck_sops_node_is(name, "DEFAULT")) {
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '[');
		if (rc == CK_OK)
			rc = ck_buf_put(out, name->u.s, name->len);
		if (rc == CK_OK)
			rc = ck_buf_puts(out, "]\n");
	} else {
		int any = 0;

		for (i = first; i < sec->len; i += 2)
			if (sec->u.kids[i].type != CK_SOPS_COMMENT)
				any = 1;
		if (!any)
			return rc;
	}
	for (i = first; i < sec->len; i += 2) {
		const struct ck_sops_node *k = &sec->u.kids[i];
		int kind;
		size_t kl;

		if (k->type == CK_SOPS_COMMENT)
			continue;
		kl = k->len + (size_t)ini_key_needs(k->u.s, k->len, &kind);
		if (kl > align)
			align = kl;
	}
	/* a comment after a key is that key's comment (the last one wins) */
	for (i = first; i < sec->len && rc == CK_OK; i += 2) {
		const struct ck_sops_node *k = &sec->u.kids[i], *v = &sec->u.kids[i + 1];
		size_t j, kl;
		int kind;

		if (k->type == CK_SOPS_COMMENT)
			continue;
		pending = NULL;
		for (j = i + 2; j < sec->len && sec->u.kids[j].type == CK_SOPS_COMMENT; j += 2) {
			pending = sec->u.kids[j].u.s;
			pendlen = sec->u.kids[j].len;
		}
		if (pending != NULL && pendlen > 0)
			rc = ini_put_comment(out, pending, pendlen, 1);
		kl = k->len + (size_t)ini_key_needs(k->u.s, k->len, &kind);
		if (rc == CK_OK && kind == 1)
			rc = ck_buf_putc(out, '`');
		else if (rc == CK_OK && kind == 2)
			rc = ck_buf_puts(out, "\"\"\"");
		if (rc == CK_OK)
			rc = ck_buf_put(out, k->u.s, k->len);
		if (rc == CK_OK && kind == 1)
			rc = ck_buf_putc(out, '`');
		else if (rc == CK_OK && kind == 2)
			rc = ck_buf_puts(out, "\"\"\"");
		for (j = kl; j < align && rc == CK_OK; j++)
			rc = ck_buf_putc(out, ' ');
		if (rc == CK_OK)
			rc = ck_buf_puts(out, " = ");
		ck_buf_reset(tmp);
		if (rc == CK_OK)
			rc = ck_sops__flat_value(tmp, v);
		if (rc == CK_OK) {
			const char *vs = (const char *)ck_buf_data(tmp);
			size_t vn = ck_buf_len(tmp);

			if (memchr(vs, '\n', vn) != NULL || memchr(vs, '`', vn) != NULL) {
				/* """...""" ends at the first """: a value ending in a
				 * quote or holding """ (or a CR the line reader trims)
				 * cannot be carried; go-ini would write it anyway */
				if (vs[vn - 1] == '"' || has(vs, vn, "\"\"\"", 3) || memchr(vs, '\r', vn) != NULL)
					return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
					                       "ini: the value of '%.*s' cannot be written so "
					                       "that it reads back",
					                       (int)(k->len > 60 ? 60 : k->len), k->u.s);
				rc = ck_buf_puts(out, "\"\"\"");
				if (rc == CK_OK)
					rc = ck_buf_put(out, vs, vn);
				if (rc == CK_OK)
					rc = ck_buf_puts(out, "\"\"\"");
			} else if (memchr(vs, '#', vn) != NULL || memchr(vs, ';', vn) != NULL) {
				rc = ck_buf_putc(out, '`');
				if (rc == CK_OK)
					rc = ck_buf_put(out, vs, vn);
				if (rc == CK_OK)
					rc = ck_buf_putc(out, '`');
			} else if (vn > 0 && (is_ws(vs[0]) || is_ws(vs[vn - 1]))) {
				rc = ck_buf_putc(out, '"');
				if (rc == CK_OK)
					rc = ck_buf_put(out, vs, vn);
				if (rc == CK_OK)
					rc = ck_buf_putc(out, '"');
			} else if (vn > 0 && (vs[vn - 1] == '\\' || (vn >= 3 && memcmp(vs, "\"\"\"", 3) == 0) ||
			                      (vn >= 2 && (vs[0] == '"' || vs[0] == '\'') && vs[vn - 1] == vs[0]))) {
				/* go-ini writes these bare and then reads them differently
				 * (continuation, multi-line, quotes removed): quote them */
				rc = ck_buf_putc(out, '`');
				if (rc == CK_OK)
					rc = ck_buf_put(out, vs, vn);
				if (rc == CK_OK)
					rc = ck_buf_putc(out, '`');
			} else {
				rc = ck_buf_put(out, vs, vn);
			}
		}
		if (rc == CK_OK)
			rc = ck_buf_putc(out, '\n');
	}
	if (rc == CK_OK && !last)
		rc = ck_buf_putc(out, '\n');
	return rc;
}

int ck_sops__ini_emit(struct ck_buf *out, const struct ck_sops_node *root,
                      const struct ck_sops_node *xk, const struct ck_sops_node *xv)
{
	struct ck_buf tmp;
	size_t i, idx = 0, nsec = 0;
	int rc = CK_OK;

	ck_buf_init_secure(&tmp, 0);
	for (i = 0; i < root->len; i += 2) {
		const struct ck_sops_node *sec = &root->u.kids[i + 1];
		size_t j;
		int kind;

		if (root->u.kids[i].type == CK_SOPS_COMMENT)
			continue;
		nsec++;
		for (j = 0; sec->type == CK_SOPS_MAP && j < sec->len; j += 2) {
			const struct ck_sops_node *k = &sec->u.kids[j];

			if (k->type != CK_SOPS_COMMENT && ini_key_needs(k->u.s, k->len, &kind) < 0) {
				ck_buf_dispose(&tmp);
				return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
				                       "ini: key '%.*s' in section '%.*s' cannot be written "
				                       "so that it reads back",
				                       (int)(k->len > 60 ? 60 : k->len), k->u.s,
				                       (int)(root->u.kids[i].len > 60 ? 60 : root->u.kids[i].len),
				                       root->u.kids[i].u.s);
			}
		}
	}
	if (xk != NULL)
		nsec++;
	for (i = 0; i < root->len + (xk ? 2u : 0u) && rc == CK_OK; i += 2) {
		const struct ck_sops_node *k = i < root->len ? &root->u.kids[i] : xk;
		const struct ck_sops_node *v = i < root->len ? &root->u.kids[i + 1] : xv;

		if (k->type == CK_SOPS_COMMENT)
			continue;
		rc = ini_section(out, &tmp, k, v, idx, idx + 1 == nsec);
		idx++;
	}
	ck_buf_dispose(&tmp);
	if (rc == CK_ENOMEM || rc == CK_ETOOBIG)
		return ck_err_set(rc, "sops: out of memory");
	return rc;
}
