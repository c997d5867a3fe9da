/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the hook module: error lines, ENC[] shape, line index, maps. */
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "hook_int.h"

uint32_t ck_hook__err_line(const char *msg)
{
	const char *p = strstr(msg, "line ");
	unsigned long v = 0;

	if (p == NULL)
		return 0;
	for (p += 5; *p >= '0' && *p <= '9' && v < 0xffffffffUL / 10; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return (uint32_t)v;
}

uint32_t ck_hook__err_line_colon(const char *msg)
{
	const char *p;

	for (p = msg; (p = strchr(p, ':')) != NULL; p++) {
		const char *q = p + 1;
		unsigned long v = 0;

		while (*q >= '0' && *q <= '9' && v < 0xffffffffUL / 10)
			v = v * 10 + (unsigned long)(*q++ - '0');
		if (q > p + 1 && *q == ':')
			return (uint32_t)v;
	}
	return 0;
}

const char *ck_hook__err_text(const char *msg)
{
	const char *p = strstr(msg, "line ");
	const char *c;

	if (p == NULL)
		return msg;
	/* skip "line L, column C: " or "line L: " */
	if ((c = strstr(p, ": ")) != NULL)
		return c + 2;
	return msg;
}

static int b64ish(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '='))
			return 0;
	}
	return 1;
}

/* The value of "name:" in a comma separated ENC[] body, or NULL. */
static const char *field(const char *s, size_t n, const char *name, size_t *len)
{
	size_t nl = strlen(name), i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != ',')
			j++;
		if (j - i > nl && memcmp(s + i, name, nl) == 0) {
			*len = j - i - nl;
			return s + i + nl;
		}
		i = j + 1;
	}
	return NULL;
}

int ck_hook__is_enc(const char *s, size_t n)
{
	static const char pre[] = "ENC[AES256_GCM,";
	const char *body, *v;
	size_t bn, vl;

	if (n < sizeof(pre) || memcmp(s, pre, sizeof(pre) - 1) != 0 || s[n - 1] != ']')
		return 0;
	body = s + sizeof(pre) - 1;
	bn = n - (sizeof(pre) - 1) - 1;
	if ((v = field(body, bn, "data:", &vl)) == NULL || !b64ish(v, vl))
		return 0;
	if ((v = field(body, bn, "iv:", &vl)) == NULL || vl == 0 || !b64ish(v, vl))
		return 0;
	if ((v = field(body, bn, "tag:", &vl)) == NULL || vl == 0 || !b64ish(v, vl))
		return 0;
	if ((v = field(body, bn, "type:", &vl)) == NULL || vl == 0)
		return 0;
	return 1;
}

int ck_hook__is_placeholder(const char *s, size_t n)
{
	size_t i;

	/* Flux post-build substitution: the whole value is ${NAME} */
	if (n >= 4 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}') {
		for (i = 2; i + 1 < n; i++)
			if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
				return 0;
		return 1;
	}
	/* argocd-vault-plugin: <path:secret/data/x#key> */
	if (n > 7 && memcmp(s, "<path:", 6) == 0 && s[n - 1] == '>' && memchr(s, '\n', n) == NULL)
		return 1;
	return 0;
}

const char *ck_hook__str(const struct ck_doc_node *n)
{
	n = ck_doc_resolve(n);
	if (n == NULL || n->kind != CK_DOC_SCALAR)
		return NULL;
	return n->text;
}

/* ---- line index ---- */

int ck_hook__lineidx_build(struct ck_hook_lineidx *li, const char *p, size_t n)
{
	size_t cnt = 1, i = 0, k = 0;
	const char *q;

	memset(li, 0, sizeof(*li));
	li->p = p;
	li->n = n;
	for (q = p; q < p + n && (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
		cnt++;
	if ((li->off = ck_calloc(cnt, sizeof(*li->off))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	li->off[k++] = 0;
	for (i = 0; i < n && k < cnt; i++) {
		const char *nl = memchr(p + i, '\n', n - i);

		if (nl == NULL)
			break;
		i = (size_t)(nl - p);
		li->off[k++] = i + 1;
	}
	li->nlines = k;
	return CK_OK;
}

void ck_hook__lineidx_dispose(struct ck_hook_lineidx *li)
{
	ck_free(li->off);
	memset(li, 0, sizeof(*li));
}

uint32_t ck_hook__lineidx_line(const struct ck_hook_lineidx *li, size_t off)
{
	size_t lo = 0, hi = li->nlines;

	/* the last line start <= off */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (li->off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)(lo + 1 > UINT32_MAX ? UINT32_MAX : lo + 1);
}

const char *ck_hook__lineidx_text(const struct ck_hook_lineidx *li, uint32_t l, size_t *len)
{
	size_t a, b;

	*len = 0;
	if (l == 0 || l > li->nlines)
		return li->p;
	a = li->off[l - 1];
	b = l < li->nlines ? li->off[l] - 1 : li->n;
	if (b > a && li->p[b - 1] == '\r')
		b--;
	*len = b > a ? b - a : 0;
	return li->p + a;
}

/* ---- string map (open addressing, FNV-1a) ---- */

void ck_hook__strmap_init(struct ck_hook_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void ck_hook__strmap_dispose(struct ck_hook_strmap *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		ck_free(m->keys[i]);
		if (free_val != NULL && m->vals[i] != NULL)
			free_val(m->vals[i]);
	}
	ck_free(m->keys);
	ck_free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int ck_hook__strmap_get(const struct ck_hook_strmap *m, const char *key, void **val)
{
	size_t i;

	if (m->cap == 0)
		return 0;
	for (i = hash_str(key) & (m->cap - 1); m->keys[i] != NULL; i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->keys[i], key) == 0) {
			*val = m->vals[i];
			return 1;
		}
	}
	return 0;
}

static void put_slot(char **keys, void **vals, size_t cap, char *key, void *val)
{
	size_t i;

	for (i = hash_str(key) & (cap - 1); keys[i] != NULL; i = (i + 1) & (cap - 1))
		;
	keys[i] = key;
	vals[i] = val;
}

int ck_hook__strmap_put(struct ck_hook_strmap *m, const char *key, void *val)
{
	char *k;

	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64, i;
		char **nk = ck_calloc(nc, sizeof(*nk));
		void **nv = ck_calloc(nc, sizeof(*nv));

		if (nk == NULL || nv == NULL) {
			ck_free(nk);
			ck_free(nv);
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		}
		for (i = 0; i < m->cap; i++)
			if (m->keys[i] != NULL)
				put_slot(nk, nv, nc, m->keys[i], m->vals[i]);
		ck_free(m->keys);
		ck_free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = nc;
	}
	if ((k = ck_strdup(key)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	put_slot(m->keys, m->vals, m->cap, k, val);
	m->n++;
	return CK_OK;
}

/* ---- covered lines ---- */

int ck_hook__cover_add(struct ck_hook_cover *c, uint32_t line)
{
	if (line == 0)
		return CK_OK;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		uint32_t *nl = ck_calloc(nc, sizeof(*nl));

		if (nl == NULL)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		if (c->n > 0)
			memcpy(nl, c->lines, c->n * sizeof(*nl));
		ck_free(c->lines);
		c->lines = nl;
		c->cap = nc;
	}
	c->lines[c->n++] = line;
	return CK_OK;
}

int ck_hook__cover_has(const struct ck_hook_cover *c, uint32_t line)
{
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++)
		if (c->lines[i] == line)
			return 1;
	return 0;
}

void ck_hook__cover_dispose(struct ck_hook_cover *c)
{
	ck_free(c->lines);
	memset(c, 0, sizeof(*c));
}

/* ---- paths ---- */

int ck_hook__path_norm(struct ck_buf *out, const char *dir, const char *rel)
{
	struct ck_buf in;
	char *p, *save = NULL, *seg;
	size_t *stack = NULL, depth = 0, cap;
	int rc = CK_ENOMEM;

	ck_buf_init(&in, 0);
	ck_buf_reset(out);
	if (rel[0] == '/')
		return ck_err_set(CK_EINVAL, "hook: absolute path '%s'", rel);
	if ((dir != NULL && dir[0] != '\0' && ck_buf_printf(&in, "%s/", dir) < 0) ||
	    ck_buf_puts(&in, rel) < 0)
		goto out;
	cap = ck_buf_len(&in) / 2 + 2;
	if ((stack = ck_calloc(cap, sizeof(*stack))) == NULL)
		goto out;
	p = (char *)ck_buf_mutable(&in);
	for (seg = strtok_r(p, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if (depth == 0) {
				rc = ck_err_set(CK_EINVAL, "hook: path '%s' leaves the repository", rel);
				goto out;
			}
			ck_buf_truncate(out, stack[--depth]);
			continue;
		}
		stack[depth++] = ck_buf_len(out);
		if ((ck_buf_len(out) > 0 && ck_buf_putc(out, '/') < 0) || ck_buf_puts(out, seg) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	ck_free(stack);
	ck_buf_dispose(&in);
	return rc;
}
