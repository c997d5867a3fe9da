/* SPDX-License-Identifier: Apache-2.0 */
/* .cloak.yaml: the allowlist, and the path patterns it uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/hook.h"
#include "hook_int.h"

struct allow {
	char **paths;
	size_t npaths;
	uint32_t rules; /* bit per rule; 0: every rule */
	char **fps;
	size_t nfps;
};

struct ck_hook_config {
	struct allow *allow;
	size_t nallow;
	size_t max_size;
};

/* ---- path patterns ---- */

/*
 * Pattern match in O(|pattern| x |path|): walk the pattern once, keeping the
 * set of path positions reachable so far. '*' and '?' never cross '/', "**"
 * does, and "**\/" matches zero or more whole components.
 */
static int match_set(const char *p, const char *s, size_t sl, unsigned char *cur, unsigned char *nxt)
{
	size_t k;

	memset(cur, 0, sl + 1);
	cur[0] = 1;
	while (*p) {
		int any = 0;

		memset(nxt, 0, sl + 1);
		if (p[0] == '*' && p[1] == '*' && p[2] == '/') {
			for (k = 0; k <= sl; k++) {
				nxt[k] = cur[k] || (k > 0 && s[k - 1] == '/' && any);
				any |= cur[k];
			}
			p += 3;
		} else if (p[0] == '*' && p[1] == '*') {
			for (k = 0; k <= sl; k++) {
				any |= cur[k];
				nxt[k] = (unsigned char)any;
			}
			p += 2;
		} else if (p[0] == '*') {
			for (k = 0; k <= sl; k++) {
				if (k > 0 && s[k - 1] == '/')
					any = 0;
				any |= cur[k];
				nxt[k] = (unsigned char)any;
			}
			p++;
		} else {
			for (k = 0; k < sl; k++)
				if (cur[k] && (*p == '?' ? s[k] != '/' : s[k] == *p))
					nxt[k + 1] = 1;
			p++;
		}
		memcpy(cur, nxt, sl + 1);
	}
	return cur[sl];
}

static int match_here(const char *p, const char *s)
{
	unsigned char small[2][512];
	unsigned char *a = small[0], *b = small[1];
	size_t sl = strlen(s);
	int m;

	if (sl + 1 > sizeof(small[0])) {
		a = ck_calloc(2, sl + 1);
		if (a == NULL)
			return 0;
		b = a + sl + 1;
	}
	m = match_set(p, s, sl, a, b);
	if (a != small[0])
		ck_free(a);
	return m;
}

int ck_hook_glob_match(const char *pattern, const char *path)
{
	size_t pl;

	if (pattern == NULL || path == NULL || pattern[0] == '\0')
		return 0;
	while (pattern[0] == '.' && pattern[1] == '/')
		pattern += 2;
	while (pattern[0] == '/')
		pattern++;
	pl = strlen(pattern);
	if (pl > 0 && pattern[pl - 1] == '/') {
		/* a directory: everything under it */
		return strncmp(path, pattern, pl) == 0 ||
		       (strncmp(path, pattern, pl - 1) == 0 && path[pl - 1] == '\0');
	}
	return match_here(pattern, path);
}

/* ---- parsing ---- */

static void allow_dispose(struct allow *a)
{
	size_t i;

	for (i = 0; i < a->npaths; i++)
		ck_free(a->paths[i]);
	ck_free(a->paths);
	for (i = 0; i < a->nfps; i++)
		ck_free(a->fps[i]);
	ck_free(a->fps);
}

void ck_hook_config_free(struct ck_hook_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nallow; i++)
		allow_dispose(&c->allow[i]);
	ck_free(c->allow);
	ck_free(c);
}

static int cerr(const char *source, const struct ck_doc_node *n, const char *what)
{
	return ck_err_set(CK_EINVAL, "%s:%lu: %s", source, (unsigned long)(n ? n->line : 0), what);
}

/* A string or a list of strings, copied into a new array. */
static int str_list(char ***out, size_t *nout, const struct ck_doc_node *v, const char *source,
                    const char *key)
{
	char **arr = NULL;
	size_t n = 0, i;
	const struct ck_doc_node *one = NULL;
	int rc = CK_ENOMEM;

	v = ck_doc_resolve(v);
	if (v != NULL && v->kind == CK_DOC_SCALAR)
		one = v;
	else if (v == NULL || v->kind != CK_DOC_SEQ)
		return ck_err_set(CK_EINVAL, "%s:%lu: %s must be a list of strings", source,
		                  (unsigned long)(v ? v->line : 0), key);
	n = one != NULL ? 1 : v->nkids;
	if (n > 0 && (arr = ck_calloc(n, sizeof(*arr))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		const struct ck_doc_node *it = ck_doc_resolve(one != NULL ? one : v->kids[i]);

		if (it == NULL || it->kind != CK_DOC_SCALAR || it->len == 0 ||
		    memchr(it->text, 0, it->len) != NULL) {
			rc = ck_err_set(CK_EINVAL, "%s:%lu: %s must be a list of non-empty strings", source,
			                (unsigned long)(it ? it->line : v->line), key);
			goto fail;
		}
		if ((arr[i] = ck_strndup(it->text, it->len)) == NULL)
			goto fail;
	}
	*out = arr;
	*nout = n;
	return CK_OK;
fail:
	for (i = 0; arr != NULL && i < n; i++)
		ck_free(arr[i]);
	ck_free(arr);
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	return rc;
}

static int parse_allow(struct allow *a, const struct ck_doc_node *m, const char *source)
{
	size_t i, j;
	int rc;

	memset(a, 0, sizeof(*a));
	if (m == NULL || m->kind != CK_DOC_MAP)
		return cerr(source, m, "each allow entry must be a map with paths, rules or fingerprints");
	for (i = 0; i < ck_doc_map_len(m); i++) {
		const struct ck_doc_node *k = ck_doc_map_key(m, i), *v = ck_doc_map_value(m, i);

		if (k == NULL || k->kind != CK_DOC_SCALAR)
			return cerr(source, m, "allow entry keys must be strings");
		if (strcmp(k->text, "paths") == 0) {
			if ((rc = str_list(&a->paths, &a->npaths, v, source, "paths")) < 0)
				return rc;
			for (j = 0; j < a->npaths; j++)
				if (strlen(a->paths[j]) > 4096)
					return ck_err_set(CK_EINVAL, "%s:%lu: path pattern '%.64s...' is too long",
					                  source, (unsigned long)(v ? v->line : k->line), a->paths[j]);
		} else if (strcmp(k->text, "fingerprints") == 0) {
			if ((rc = str_list(&a->fps, &a->nfps, v, source, "fingerprints")) < 0)
				return rc;
		} else if (strcmp(k->text, "rules") == 0) {
			char **ids = NULL;
			size_t nids = 0;

			if ((rc = str_list(&ids, &nids, v, source, "rules")) < 0)
				return rc;
			for (j = 0; j < nids && rc == CK_OK; j++) {
				int id = ck_hook_rule_from_id(ids[j], strlen(ids[j]));

				if (id < 0)
					rc = ck_err_set(CK_EINVAL, "%s:%lu: unknown rule '%s' (see 'cloak hook rules')",
					                source, (unsigned long)(v ? v->line : k->line), ids[j]);
				else
					a->rules |= 1u << id;
			}
			for (j = 0; j < nids; j++)
				ck_free(ids[j]);
			ck_free(ids);
			if (rc < 0)
				return rc;
		} else if (strcmp(k->text, "reason") == 0) {
			/* documentation only */
		} else {
			return ck_err_set(CK_EINVAL,
			                  "%s:%lu: unknown key '%s' in an allow entry (paths, rules, "
			                  "fingerprints, reason)",
			                  source, (unsigned long)k->line, k->text);
		}
	}
	if (a->npaths == 0 && a->rules == 0 && a->nfps == 0)
		return cerr(source, m, "an allow entry needs paths, rules or fingerprints");
	return CK_OK;
}

static int parse_size(size_t *out, const struct ck_doc_node *v, const char *source)
{
	char *end = NULL;
	unsigned long long x;

	v = ck_doc_resolve(v);
	if (v == NULL || v->kind != CK_DOC_SCALAR || ck_doc_scalar_type(v) != CK_DOC_T_INT ||
	    v->text[0] == '-')
		return cerr(source, v, "max_file_size must be a positive number of bytes");
	errno = 0;
	x = strtoull(v->text, &end, 10);
	if (errno != 0 || end == v->text || *end != '\0' || x == 0 || x > ((size_t)1 << 30))
		return cerr(source, v, "max_file_size must be between 1 and 1073741824 bytes");
	*out = (size_t)x;
	return CK_OK;
}

int ck_hook_config_parse(struct ck_hook_config **out, const char *text, size_t n,
                         const char *source)
{
	struct ck_hook_config *c = ck_calloc(1, sizeof(*c));
	struct ck_doc *d = NULL;
	const struct ck_doc_node *root;
	size_t i;
	int rc;

	*out = NULL;
	if (c == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	c->max_size = CK_HOOK_MAX_FILE;
	if ((rc = ck_doc_parse_yaml(&d, text, n, CK_DOC_NO_COMMENTS | CK_DOC_NO_DUP_KEYS)) < 0) {
		char msg[CK_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		/* "doc: line L, column C: what" -> "SOURCE:L: what" */
		rc = ck_err_set(rc, "%s:%lu: %s", source, (unsigned long)ck_hook__err_line(msg),
		                ck_hook__err_text(msg));
		goto fail;
	}
	rc = CK_EINVAL;
	if (d->ndocs > 1) {
		rc = cerr(source, d->docs[1], "only one YAML document is allowed");
		goto fail;
	}
	root = d->ndocs > 0 ? ck_doc_resolve(d->docs[0]) : NULL;
	if (root == NULL || (root->kind == CK_DOC_SCALAR && ck_doc_scalar_type(root) == CK_DOC_T_NULL)) {
		ck_doc_free(d);
		*out = c;
		return CK_OK;
	}
	if (root->kind != CK_DOC_MAP) {
		rc = cerr(source, root, "the top level must be a map (max_file_size, allow)");
		goto fail;
	}
	for (i = 0; i < ck_doc_map_len(root); i++) {
		const struct ck_doc_node *k = ck_doc_map_key(root, i), *v = ck_doc_map_value(root, i);
		size_t j;

		if (k == NULL || k->kind != CK_DOC_SCALAR) {
			rc = cerr(source, root, "top-level keys must be strings");
			goto fail;
		}
		if (strcmp(k->text, "version") == 0) {
			if (!ck_doc_scalar_is(v, "1")) {
				rc = cerr(source, v, "version must be 1");
				goto fail;
			}
		} else if (strcmp(k->text, "max_file_size") == 0) {
			if ((rc = parse_size(&c->max_size, v, source)) < 0)
				goto fail;
		} else if (strcmp(k->text, "allow") == 0) {
			v = ck_doc_resolve(v);
			if (v == NULL || (v->kind == CK_DOC_SCALAR && ck_doc_scalar_type(v) == CK_DOC_T_NULL))
				continue;
			if (v->kind != CK_DOC_SEQ) {
				rc = cerr(source, v, "allow must be a list of entries");
				goto fail;
			}
			if (c->nallow > 0) {
				rc = cerr(source, k, "allow given twice");
				goto fail;
			}
			if (v->nkids > 0 && (c->allow = ck_calloc(v->nkids, sizeof(*c->allow))) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				goto fail;
			}
			for (j = 0; j < v->nkids; j++) {
				rc = parse_allow(&c->allow[j], ck_doc_resolve(v->kids[j]), source);
				c->nallow = j + 1;
				if (rc < 0)
					goto fail;
			}
		} else {
			rc = ck_err_set(CK_EINVAL, "%s:%lu: unknown key '%s' (version, max_file_size, allow)",
			                source, (unsigned long)k->line, k->text);
			goto fail;
		}
	}
	ck_doc_free(d);
	*out = c;
	return CK_OK;
fail:
	ck_doc_free(d);
	ck_hook_config_free(c);
	return rc;
}

/* ---- queries ---- */

static int path_in(const struct allow *a, const char *path)
{
	size_t i;

	if (a->npaths == 0)
		return 1;
	for (i = 0; i < a->npaths; i++)
		if (ck_hook_glob_match(a->paths[i], path))
			return 1;
	return 0;
}

int ck_hook_config_allows(const struct ck_hook_config *c, enum ck_hook_rule rule,
                          const char *path, const char *fingerprint)
{
	size_t i, j;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->nallow; i++) {
		const struct allow *a = &c->allow[i];

		if (a->nfps > 0) {
			for (j = 0; j < a->nfps; j++)
				if (fingerprint != NULL && strcmp(a->fps[j], fingerprint) == 0)
					return 1;
			continue;
		}
		if (a->rules != 0 && !(a->rules & (1u << rule)))
			continue;
		if (path_in(a, path))
			return 1;
	}
	return 0;
}

int ck_hook_config_skips(const struct ck_hook_config *c, const char *path)
{
	size_t i;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->nallow; i++) {
		const struct allow *a = &c->allow[i];

		if (a->nfps == 0 && a->rules == 0 && a->npaths > 0 && path_in(a, path))
			return 1;
	}
	return 0;
}

size_t ck_hook_config_max_size(const struct ck_hook_config *c)
{
	return c != NULL ? c->max_size : CK_HOOK_MAX_FILE;
}
