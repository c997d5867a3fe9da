/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sops key sources that talk to a service: HashiCorp Vault transit
 * (`hc_vault`) and AWS KMS (`kms`), over the ck_net Vault and AWS clients.
 * ck_sops_net_register() puts them in the key-source registry in place of the
 * metadata-only stubs (ck/sops_keysource.h); the CLI does it in cli/setup.c
 * for commands that need the network, other programs (the controller) call
 * it once at start-up. Metadata is read and written by the sops module as
 * before; these sources only parse key strings and wrap/unwrap.
 *
 * hc_vault (sops 3.13 hcvault):
 *   - key string https://host:8200/v1/<engine path>/keys/<key name>: the
 *     address is scheme://host[:port]; the path must look like
 *     /v<N>/<a>/<b>/<c> and must not have a segment before /v<N>/ ("prefixed
 *     url"); key name = last segment, engine path = the segments between
 *     /v<N>/ and the next-to-last one (which sops does not check).
 *   - wrap: POST <addr>/v1/<engine>/encrypt/<key> {"plaintext": base64 of the
 *     raw data key or Shamir share}; enc = data.ciphertext ("vault:v1:...").
 *     unwrap: POST .../decrypt/<key> {"ciphertext": enc}; the key is the
 *     base64-decoded data.plaintext.
 *   - token: opts->vault_token, else VAULT_TOKEN, else ~/.vault-token
 *     (trimmed); the other VAULT_* variables as the vault CLI reads them
 *     (VAULT_NAMESPACE, VAULT_CACERT, VAULT_CLIENT_CERT/KEY, VAULT_SKIP_VERIFY,
 *     VAULT_MAX_RETRIES); VAULT_ADDR is not used: the key names its server.
 *   - SOPS_HC_VAULT_ALLOWLIST: unset or "all": any address; "none": none;
 *     else a comma-separated list of prefixes the address must start with.
 *
 * kms (sops 3.13 kms):
 *   - key string <key ARN>[+arn:aws:iam::<account>:role/<name>] (spaces
 *     removed); fields arn, role (omitted when empty), aws_profile (always
 *     written), the context map, created_at, enc.
 *   - the key ARN must match arn:aws*:kms:<region>:<account>:(key|alias)/...;
 *     its region selects the endpoint. Credentials: the AWS default chain
 *     (ck/aws.h) with the key's aws_profile, then STS AssumeRole of `role`
 *     with session name sops@<hostname> (hostname stripped to the characters
 *     sops keeps, 64 characters at most). AWS_ENDPOINT_URL[_KMS|_STS] work.
 *   - wrap: KMS Encrypt(KeyId=arn, Plaintext=raw key or share,
 *     EncryptionContext=context); enc = standard base64 of CiphertextBlob.
 *     unwrap: KMS Decrypt(KeyId=arn, CiphertextBlob, EncryptionContext).
 *     The context is kept sorted by name (sops writes it as a sorted map).
 *
 * created_at is set (RFC 3339 UTC seconds) when a key is first wrapped and
 * kept on later re-wraps, as sops does.
 *
 * Errors: wrap: the net code (CK_EDENIED, CK_ENOTFOUND, CK_EAUTH, CK_ENET,
 * CK_EINVAL...) with "hc_vault key <uri>: <reason>" / "kms key <arn>:
 * <reason>"; unwrap: the same codes with the reason only (the sops module's
 * report names the key). A refused allowlist is CK_EDENIED. Messages never
 * contain tokens, credentials or key bytes.
 */
#ifndef CK_SOPS_NET_H
#define CK_SOPS_NET_H

#include "ck/aws.h"
#include "ck/sops_keysource.h"

/*
 * Optional settings, passed as ctx->ext (struct ck_sops_keyctx) when a
 * program does not want the environment's: a NULL ext means all defaults.
 */
struct ck_sops_net_opts {
	const char *vault_token;        /* NULL: VAULT_TOKEN, then ~/.vault-token */
	int vault_max_retries;          /* < 0: VAULT_MAX_RETRIES, else 2 */
	long vault_retry_wait_ms;       /* 0: 1000 */
	const struct ck_aws_creds *aws_creds; /* NULL: the default chain */
	const char *aws_endpoint_url;   /* NULL: AWS_ENDPOINT_URL* */
	int aws_max_retries;            /* < 0: 3 */
	long timeout_ms;                /* 0: the clients' defaults */
};

#define CK_SOPS_NET_OPTS_INIT { NULL, -1, 0, NULL, NULL, -1, 0 }

/* Register the hc_vault and kms key sources (idempotent). */
void ck_sops_net_register(void);

#endif
