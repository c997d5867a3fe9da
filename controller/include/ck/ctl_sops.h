/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SopsSecret reconciler: in-cluster SOPS decryption, what
 * sops-secrets-operator does, with the keys Flux reads.
 *
 * Resource cloak.dev/v1alpha1 SopsSecret (deploy/crd-sopssecrets.yaml):
 *
 *   spec:
 *     sops: |        # the SOPS-encrypted file, byte for byte as `sops -e` or
 *       ...          # `cloak sops encrypt` wrote it (so its MAC checks)
 *     format: yaml   # yaml (default; json when the text starts with '{'),
 *                    # json, dotenv, ini
 *     type: Opaque   # Secret type when the document is not a Secret manifest
 *
 * The decrypted document is either a Secret manifest (kind Secret: its data,
 * stringData, type, immutable, labels and annotations are used; its name and
 * namespace are not: the Secret is named after the SopsSecret, in its
 * namespace) or a flat map / dotenv / ini file whose top-level string values
 * become the Secret's keys. This is the file Flux users already keep (a
 * Secret encrypted with --encrypted-regex '^(data|stringData)$'); wrapping
 * it in a SopsSecret keeps its MAC valid because the text is kept as is.
 *
 * Keys: one Secret in the controller's namespace (default sops-keys), its
 * data keys named as Flux names them: *.agekey (age identities), *.asc
 * (armoured PGP private keys, imported into a private GNUPGHOME with gpg),
 * sops.vault-token (Vault transit), sops.aws-kms (YAML aws_access_key_id /
 * aws_secret_access_key / aws_session_token for KMS); other names are
 * ignored. Without sops.vault-token / sops.aws-kms the controller's own
 * environment (VAULT_TOKEN, the AWS default chain) is used, as Flux does.
 * Vault transit and KMS go through the ck_net clients (ck/sops_net.h).
 *
 * The Secret gets a controller ownerReference to the SopsSecret and the
 * label cloak.dev/sopssecret=<name>; an existing Secret without them is not
 * taken over. A MAC mismatch, a missing key or a malformed document is a
 * Ready=False condition (reasons MACMismatch, KeyNotFound, InvalidSpec,
 * SecretConflict, DecryptionFailed) and no Secret is written or changed:
 * decryption finishes before anything is sent. A change of the keys Secret
 * retries every SopsSecret that is not Ready. Unchanged SopsSecrets cost no
 * decryption on resync (a digest of what was applied is kept).
 */
#ifndef CK_CTL_SOPS_H
#define CK_CTL_SOPS_H

#include <stddef.h>
#include <stdint.h>

#include "ck/ctl_informer.h"
#include "ck/kube.h"
#include "ck/ctl_metrics.h"

#define CK_CTL_SOPS_GROUP "cloak.dev"
#define CK_CTL_SOPS_VERSION "v1alpha1"
#define CK_CTL_SOPS_LABEL "cloak.dev/sopssecret"

struct ck_ctl_sops_opts {
	const char *instance;          /* Events' reportingInstance */
	const char *ns;                /* the controller's namespace (the keys Secret) */
	const char *keys_secret;       /* NULL: "sops-keys" */
	const char *const *namespaces; /* NULL: all namespaces */
	int workers;                   /* 0: 2 */
	const char *gpg_exec;          /* NULL: $SOPS_GPG_EXEC or gpg */
	int64_t backoff_base_ms;       /* 0: 1000 */
	int64_t backoff_max_ms;        /* 0: 300000 */
	int watch_min_s, watch_max_s;
};

struct ck_ctl_sops;

/* CK_ENOTFOUND when the API server does not serve cloak.dev/v1alpha1 SopsSecrets. */
int ck_ctl_sops_new(struct ck_ctl_sops **out, struct ck_kube *kube, struct ck_ctl_metrics *metrics,
                    const struct ck_ctl_sops_opts *opts) CK_WUR;
int ck_ctl_sops_start_informers(struct ck_ctl_sops *s) CK_WUR;
int ck_ctl_sops_start_workers(struct ck_ctl_sops *s) CK_WUR;
void ck_ctl_sops_free(struct ck_ctl_sops *s);

int ck_ctl_sops_synced(struct ck_ctl_sops *s);
void ck_ctl_sops_resync(struct ck_ctl_sops *s);
/* Keys queued or in process (0: idle). */
size_t ck_ctl_sops_busy(struct ck_ctl_sops *s);

struct ck_ctl_sops_stats {
	size_t decrypts;       /* documents decrypted */
	size_t failures;
	size_t secret_writes;
	size_t skipped;        /* reconciles with nothing to do */
};
void ck_ctl_sops_stats(struct ck_ctl_sops *s, struct ck_ctl_sops_stats *out);

#endif
