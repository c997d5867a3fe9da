/* SPDX-License-Identifier: Apache-2.0 */
/* The SopsSecret reconciler's key material (not a public header). */
#ifndef CK_CTL_SOPSSECRET_INT_H
#define CK_CTL_SOPSSECRET_INT_H

#include <stddef.h>

#include "ck/aws.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/sops_keysource.h"
#include "ck/sops_net.h"

struct ck_age_identities;

/*
 * The decryption keys of one version of the keys Secret, read the way Flux
 * reads them (ck/ctl_sops.h). Immutable once built; shared by workers.
 */
struct ck_ctl__sops_keys {
	char version[80];                /* uid/resourceVersion of the keys Secret ("" when none) */
	struct ck_age_identities *age;   /* *.agekey, or NULL */
	size_t nage, npgp;
	char *gnupghome;                 /* private keyring with the *.asc keys, or NULL */
	char *vault_token;               /* sops.vault-token (secret memory) */
	char *aws_akid, *aws_secret, *aws_session; /* sops.aws-kms (secret memory) */
	struct ck_aws_creds creds;
	struct ck_sops_net_opts net;
	char problems[512];              /* keys that could not be read, for the status */
};

/*
 * Build from the keys Secret (obj NULL: no Secret). A key that cannot be
 * used is skipped and named in ->problems (never its content). gpg_exec
 * imports *.asc. CK_ENOMEM, CK_EIO (no temporary directory).
 */
int ck_ctl__sops_keys_new(struct ck_ctl__sops_keys **out, const struct ck_doc_node *obj,
                          const char *gpg_exec) CK_WUR;
/* Free, wiping secrets and removing the private keyring. NULL-safe. */
void ck_ctl__sops_keys_free(struct ck_ctl__sops_keys *k);

/* A key context that borrows k (release with ck_ctl__sops_keyctx_dispose). */
void ck_ctl__sops_keyctx(struct ck_sops_keyctx *ctx, const struct ck_ctl__sops_keys *k,
                         const char *gpg_exec);
void ck_ctl__sops_keyctx_dispose(struct ck_sops_keyctx *ctx);

#endif
