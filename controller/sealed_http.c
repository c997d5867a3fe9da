/* SPDX-License-Identifier: Apache-2.0 */
/* /v1/verify and /v1/rotate of the Sealed Secrets HTTP API. */
#include <string.h>

#include "ck/ctl_sealed.h"
#include "ck/log.h"
#include "ck/rsa.h"
#include "ck/seal_manifest.h"
#include "ctl_int.h"

#define SOURCE "request body"

/*
 * Decode the body as one SealedSecret (JSON or YAML), as the universal
 * decoder does: one document, apiVersion and kind present and right.
 */
static int decode(struct ck_doc **doc, struct ck_seal_sealed *ss, const void *body, size_t len)
{
	const struct ck_doc_node *root;
	int rc;

	*doc = NULL;
	if ((rc = ck_doc_parse(doc, body, len, CK_DOC_NO_COMMENTS)) < 0)
		return rc;
	if ((*doc)->ndocs != 1 || (root = (*doc)->docs[0]) == NULL || root->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "controller: the body must be one SealedSecret object");
	if (!ck_doc_scalar_is(ck_doc_map_get(root, "apiVersion"), CK_SEAL_API_VERSION) ||
	    !ck_doc_scalar_is(ck_doc_map_get(root, "kind"), CK_SEAL_KIND))
		return ck_err_set(CK_EINVAL, "controller: the body is not a %s %s",
		                  CK_SEAL_API_VERSION, CK_SEAL_KIND);
	return ck_seal_sealed_read(ss, root, SOURCE);
}

int ck_ctl_sealed_verify(struct ck_ctl_keys *keys, const void *body, size_t len, int *status,
                         struct ck_buf *out)
{
	struct ck_seal_keyring *kr = NULL;
	struct ck_doc *doc = NULL, *secret = NULL;
	struct ck_seal_sealed ss;
	int rc;

	if (decode(&doc, &ss, body, len) < 0) {
		*status = 500;
		rc = ck_buf_printf(out, "%s\n", ck_err_last()->msg);
		goto out;
	}
	if ((rc = ck_ctl_keys_keyring(keys, &kr, NULL)) < 0) {
		*status = 500;
		rc = ck_buf_puts(out, "no sealing keys\n");
		goto out;
	}
	if (ck_seal_unseal(&secret, &ss, kr, NULL) < 0) {
		*status = 409;
		rc = CK_OK;
		goto out;
	}
	*status = 200;
	rc = CK_OK;
out:
	ck_doc_free(doc);
	ck_doc_free(secret);
	ck_seal_keyring_free(kr);
	return rc == CK_ENOMEM ? rc : CK_OK;
}

int ck_ctl_sealed_rotate(struct ck_ctl_keys *keys, const void *body, size_t len, int *status,
                         struct ck_buf *out)
{
	struct ck_seal_keyring *kr = NULL;
	struct ck_doc *doc = NULL, *secret = NULL, *resealed = NULL;
	struct ck_rsa *pub = NULL;
	struct ck_seal_sealed ss;
	struct ck_seal_opts so;
	struct ck_doc_node *root;
	int rc;

	*status = 500;
	if ((rc = decode(&doc, &ss, body, len)) < 0 ||
	    (rc = ck_ctl_keys_keyring(keys, &kr, NULL)) < 0 ||
	    (rc = ck_ctl_keys_newest_public(keys, &pub)) < 0)
		goto fail;
	if ((rc = ck_seal_unseal(&secret, &ss, kr, NULL)) < 0) {
		ck_err_context("Error decrypting secret");
		goto fail;
	}
	memset(&so, 0, sizeof(so));
	so.source = SOURCE;
	/* Keep the scope that opened it, wherever its annotation was written. */
	so.scope_set = 1;
	so.scope = ss.scope;
	so.default_namespace = ss.ns && *ss.ns ? ss.ns : "default";
	so.allow_empty_data = 1;
	if ((rc = ck_seal_secret_seal(&resealed, secret->docs[0], pub, &so)) < 0) {
		ck_err_context("Error creating new sealed secret");
		goto fail;
	}
	/* As upstream answers: the object without kind and apiVersion. */
	root = resealed->docs[0];
	ck_doc_map_remove(root, "kind");
	ck_doc_map_remove(root, "apiVersion");
	if ((rc = ck_ctl__write_json(out, root)) < 0 || (rc = ck_buf_putc(out, '\n')) < 0)
		goto out;
	*status = 200;
	rc = CK_OK;
	goto out;
fail:
	ck_buf_reset(out);
	rc = ck_buf_printf(out, "%s\n", ck_err_last()->msg);
out:
	ck_rsa_free(pub);
	ck_doc_free(doc);
	ck_doc_free(secret);
	ck_doc_free(resealed);
	ck_seal_keyring_free(kr);
	return rc == CK_ENOMEM ? rc : CK_OK;
}
