/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registration of the network key sources and what they share. The sources
 * keep the stubs' field lists and describe() (the metadata layout does not
 * change) and bring their own parse, wrap and unwrap.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_config.h"
#include "ks_net.h"

static const struct ck_sops_net_opts defaults = CK_SOPS_NET_OPTS_INIT;

const struct ck_sops_net_opts *ck_sops__net_opts(const struct ck_sops_keyctx *ctx)
{
	if (ctx == NULL || ctx->ext == NULL)
		return &defaults;
	return (const struct ck_sops_net_opts *)ctx->ext;
}

int ck_sops__net_set_fieldn(struct ck_sops_key *k, const char *name, const char *s, size_t n)
{
	char *v = ck_strndup(s, n);
	int rc;

	if (v == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	rc = ck_sops_key_set_field(k, name, v);
	ck_free(v);
	return rc;
}

int ck_sops__net_set_enc(struct ck_sops_key *k, const char *s, size_t n)
{
	struct ck_buf now;
	char *enc = NULL, *ca = NULL;
	int rc = CK_OK;

	ck_buf_init(&now, 0);
	/* sops stamps a key when it is made and keeps the date on later re-wraps */
	if (k->created_at == NULL &&
	    ((rc = ck_sops_now_rfc3339(&now)) < 0 ||
	     (ca = ck_strndup(ck_buf_cstr(&now), ck_buf_len(&now))) == NULL))
		goto fail;
	if ((enc = ck_strndup(s, n)) == NULL)
		goto fail;
	ck_free(k->enc);
	k->enc = enc;
	if (ca != NULL) {
		ck_free(k->created_at);
		k->created_at = ca;
	}
	ck_buf_dispose(&now);
	return CK_OK;
fail:
	ck_free(ca);
	ck_buf_dispose(&now);
	return rc < 0 ? rc : ck_err_set(CK_ENOMEM, "sops: out of memory");
}

int ck_sops__meta_add_kms(struct ck_sops_meta *m, const char *list, const char *context)
{
	struct ck_sops_meta tmp;
	size_t i, j;
	int rc;

	ck_sops_meta_init(&tmp);
	if ((rc = ck_sops_meta_add_keys_str(&tmp, 0, CK_SOPS_K_KMS, list)) < 0 ||
	    (context != NULL && (rc = ck_sops_meta_set_kms_context(&tmp, context)) < 0) ||
	    (m->ngroups == 0 && (rc = ck_sops_meta_add_key(m, 0, NULL)) < 0))
		goto out;
	for (i = 0; i < tmp.groups[0].n; i++) {
		struct ck_sops_key *k = tmp.groups[0].keys[i];
		int dup = 0;

		for (j = 0; j < m->groups[0].n; j++)
			dup |= ck_sops_key_same(m->groups[0].keys[j], k);
		if (dup)
			continue;
		tmp.groups[0].keys[i] = NULL; /* moved (add_key frees it on failure) */
		if ((rc = ck_sops_meta_add_key(m, 0, k)) < 0)
			goto out;
	}
out:
	ck_sops_meta_dispose(&tmp);
	return rc;
}

void ck_sops_net_register(void)
{
	static struct ck_sops_keysource vault, kms;
	static int done;

	if (done)
		return;
	vault = *ck_sops_keysource_get(CK_SOPS_K_HC_VAULT);
	vault.parse = ck_sops__vault_parse;
	vault.wrap = ck_sops__vault_wrap;
	vault.unwrap = ck_sops__vault_unwrap;
	kms = *ck_sops_keysource_get(CK_SOPS_K_KMS);
	kms.parse = ck_sops__kms_parse;
	kms.wrap = ck_sops__kms_wrap;
	kms.unwrap = ck_sops__kms_unwrap;
	ck_sops_keysource_register(&vault);
	ck_sops_keysource_register(&kms);
	done = 1;
}
