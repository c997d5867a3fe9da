/* SPDX-License-Identifier: Apache-2.0 */
/* The namespace of the current kubeconfig context, as client-go resolves it for kubeseal. */
#include <string.h>

#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/seal_manifest.h"
#include "seal_int.h"

#define KUBECONFIG_MAX ((size_t)16 << 20)

struct kc {
	struct ck_doc *docs[32];
	size_t n;
};

static int load_one(struct kc *k, const char *path, int explicit_file)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	int rc = CK_EINTERNAL;

	if (!ck_file_exists(path)) {
		if (explicit_file)
			rc = ck_err_set(CK_ENOTFOUND, "seal: kubeconfig %s: no such file", path);
		else
			rc = CK_OK; /* client-go skips missing files of KUBECONFIG */
		goto out;
	}
	if (k->n == sizeof(k->docs) / sizeof(k->docs[0])) {
		rc = CK_OK;
		goto out;
	}
	if ((rc = ck_file_read(&b, path, KUBECONFIG_MAX)) < 0) {
		ck_err_context("seal: kubeconfig %s", path);
		goto out;
	}
	if ((rc = ck_doc_parse_yaml(&d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("seal: kubeconfig %s", path);
		goto out;
	}
	k->docs[k->n++] = d;
	d = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_doc_free(d);
	ck_buf_dispose(&b);
	return rc;
}

static const struct ck_doc_node *root_of(const struct kc *k, size_t i)
{
	const struct ck_doc_node *r = k->docs[i]->ndocs ? ck_doc_resolve(k->docs[i]->docs[0]) : NULL;

	return r != NULL && r->kind == CK_DOC_MAP ? r : NULL;
}

int ck_seal_kubeconfig_namespace(struct ck_buf *out, const char *paths, int explicit_file,
                                 const char *context)
{
	struct kc k;
	const struct ck_doc_node *r, *ctxs, *c, *inner;
	const char *cur = context, *ns = NULL, *p, *e, *name;
	char *path = NULL;
	size_t i, j;
	int rc = CK_EINTERNAL, found = 0;

	memset(&k, 0, sizeof(k));
	for (p = paths ? paths : ""; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p)
			continue;
		ck_free(path);
		if ((path = ck_strndup(p, (size_t)(e - p))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		if ((rc = load_one(&k, path, explicit_file)) < 0)
			goto out;
	}
	/* The first file that sets current-context wins. */
	for (i = 0; (cur == NULL || !cur[0]) && i < k.n; i++)
		if ((r = root_of(&k, i)) != NULL)
			cur = ck_seal__str(ck_doc_map_get(r, "current-context"));
	/* The first definition of a context name wins. */
	for (i = 0; cur != NULL && cur[0] && !found && i < k.n; i++) {
		if ((r = root_of(&k, i)) == NULL)
			continue;
		ctxs = ck_doc_resolve(ck_doc_map_get(r, "contexts"));
		for (j = 0; ctxs != NULL && ctxs->kind == CK_DOC_SEQ && j < ctxs->nkids; j++) {
			c = ck_doc_resolve(ctxs->kids[j]);
			if (c == NULL || c->kind != CK_DOC_MAP)
				continue;
			name = ck_seal__str(ck_doc_map_get(c, "name"));
			if (name == NULL || strcmp(name, cur) != 0)
				continue;
			inner = ck_doc_resolve(ck_doc_map_get(c, "context"));
			ns = inner ? ck_seal__str(ck_doc_map_get(inner, "namespace")) : NULL;
			found = 1;
			break;
		}
	}
	if (context != NULL && context[0] && !found) {
		rc = ck_err_set(CK_ENOTFOUND, "seal: kubeconfig: context \"%s\" not found", context);
		goto out;
	}
	rc = ck_buf_puts(out, ns != NULL && ns[0] ? ns : "default");
out:
	ck_free(path);
	for (i = 0; i < k.n; i++)
		ck_doc_free(k.docs[i]);
	return rc;
}
