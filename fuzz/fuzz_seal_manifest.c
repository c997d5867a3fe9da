/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SealedSecret reader and everything that trusts its output: read each
 * document, unseal it with an empty keyring (base64, framing, scope labels,
 * templates run; no RSA work, so the fuzzer stays fast), write it back in
 * both formats and read that again (same name, namespace, scope). The same
 * bytes also go through the Secret reader (sealing with a small key made
 * once) and the recovery key-file reader.
 */
#include <string.h>

#include "ck/rsa.h"
#include "ck/seal.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ck_rsa *pub;
static struct ck_seal_keyring *empty;

static void reread(const struct ck_buf *text, const struct ck_seal_sealed *was)
{
	struct ck_doc *d = NULL;
	struct ck_seal_sealed again;

	CK_ASSERT(ck_doc_parse(&d, ck_buf_cstr(text), ck_buf_len(text), CK_DOC_NO_DUP_KEYS) ==
	          CK_OK);
	CK_ASSERT(d->ndocs >= 1);
	CK_ASSERT(ck_seal_sealed_read(&again, d->docs[0], "again") == CK_OK);
	CK_ASSERT(strcmp(again.name, was->name) == 0);
	CK_ASSERT(strcmp(again.ns, was->ns) == 0);
	CK_ASSERT(again.scope == was->scope);
	ck_doc_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_doc *d = NULL, *sec = NULL, *sd = NULL;
	struct ck_seal_sealed ss;
	struct ck_seal_opts o;
	struct ck_seal_keyring *kr = NULL;
	struct ck_buf out = CK_BUF_INIT;
	size_t i;

	if (pub == NULL) {
		CK_ASSERT(ck_core_init() == CK_OK);
		CK_ASSERT(ck_rsa_generate(&pub, 2048) == CK_OK);
		CK_ASSERT(ck_seal_keyring_new(&empty) == CK_OK);
	}
	if (size > 65536)
		return 0;
	/* Duplicate keys refused: JSON readers disagree on which one wins. */
	if (ck_doc_parse(&d, (const char *)data, size, CK_DOC_NO_DUP_KEYS) == CK_OK) {
		for (i = 0; i < d->ndocs && i < 8; i++) {
			if (ck_seal_sealed_read(&ss, d->docs[i], "fuzz") == CK_OK) {
				CK_ASSERT(ss.name != NULL && ss.name[0] != '\0' && ss.ns != NULL);
				CK_ASSERT(ss.scope <= CK_SEAL_SCOPE_CLUSTER_WIDE);
				if (ck_seal_unseal(&sec, &ss, empty, NULL) == CK_OK) {
					/* Only possible with nothing to decrypt. */
					CK_ASSERT(ss.legacy_data == NULL);
					ck_buf_reset(&out);
					(void)ck_seal_manifest_write(&out, sec->docs[0],
					                             CK_SEAL_FORMAT_YAML);
					ck_doc_free(sec);
					sec = NULL;
				} else {
					CK_ASSERT(sec == NULL);
				}
				/* What we print reads back the same (when it prints: a YAML
				 * tree with complex keys has no JSON form). */
				ck_buf_reset(&out);
				if (ck_seal_manifest_write(&out, ss.root, CK_SEAL_FORMAT_JSON) == CK_OK)
					reread(&out, &ss);
				ck_buf_reset(&out);
				if (ck_seal_manifest_write(&out, ss.root, CK_SEAL_FORMAT_YAML) == CK_OK)
					reread(&out, &ss);
			}
			/* The same document as a Secret to seal (few values: RSA costs). */
			memset(&o, 0, sizeof(o));
			o.default_namespace = "default";
			o.allow_empty_data = 1;
			if (size < 4096 && ck_seal_secret_seal(&sd, d->docs[i], pub, &o) == CK_OK) {
				CK_ASSERT(ck_seal_sealed_read(&ss, sd->docs[0], "sealed") == CK_OK);
				ck_doc_free(sd);
				sd = NULL;
			}
		}
	}
	ck_doc_free(d);
	CK_ASSERT(ck_seal_keyring_new(&kr) == CK_OK);
	(void)ck_seal_keyring_load(kr, (const char *)data, size, "fuzz");
	ck_seal_keyring_free(kr);
	ck_buf_dispose(&out);
	return 0;
}
