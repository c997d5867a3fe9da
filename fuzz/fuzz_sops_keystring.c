/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key strings of the network key sources (sops/ks_vault.c, ks_kms.c):
 * Vault transit URIs and KMS ARN[+role] strings from flags and .sops.yaml.
 * First byte picks the type. No crash; an accepted string has the fields
 * sops writes, non-empty where sops needs them, and a Vault URI rebuilt by
 * describe() parses again to the same fields.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_keysource.h"
#include "ck/sops_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct ck_sops_key *a, const struct ck_sops_key *b, const char *f)
{
	const char *x = ck_sops_key_field(a, f), *y = ck_sops_key_field(b, f);

	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_sops_key *k = NULL, *k2 = NULL;
	enum ck_sops_ktype t;
	struct ck_buf d = CK_BUF_INIT;
	char *s;

	if (size < 1 || size > 4096)
		return 0;
	ck_sops_net_register();
	t = (data[0] & 1) ? CK_SOPS_K_KMS : CK_SOPS_K_HC_VAULT;
	if ((s = ck_strndup((const char *)data + 1, size - 1)) == NULL)
		return 0;
	if (ck_sops_key_parse(&k, t, s) == CK_OK) {
		if (t == CK_SOPS_K_KMS) {
			CK_ASSERT(ck_sops_key_field(k, "arn") != NULL &&
			          ck_sops_key_field(k, "arn")[0] != '\0');
			CK_ASSERT(strchr(ck_sops_key_field(k, "arn"), ' ') == NULL);
			CK_ASSERT(ck_sops_key_field(k, "aws_profile") != NULL);
		} else {
			CK_ASSERT(ck_sops_key_field(k, "vault_address")[0] != '\0');
			CK_ASSERT(ck_sops_key_field(k, "engine_path")[0] != '\0');
			CK_ASSERT(ck_sops_key_field(k, "key_name")[0] != '\0');
			CK_ASSERT(strchr(ck_sops_key_field(k, "key_name"), '/') == NULL);
			CK_ASSERT(ck_sops_key_describe(k, &d) == CK_OK);
			CK_ASSERT(ck_sops_key_parse(&k2, t, ck_buf_cstr(&d)) == CK_OK);
			CK_ASSERT(same(k, k2, "vault_address") && same(k, k2, "engine_path") &&
			          same(k, k2, "key_name"));
		}
	}
	ck_sops_key_free(k);
	ck_sops_key_free(k2);
	ck_buf_dispose(&d);
	ck_free(s);
	return 0;
}
