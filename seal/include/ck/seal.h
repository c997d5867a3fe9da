/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed Secrets hybrid encryption, byte-compatible with bitnami-labs
 * sealed-secrets pkg/crypto (HybridEncrypt / HybridDecrypt):
 *
 *   u16be(k) || RSA-OAEP-SHA256(pub, label, 32-byte AES key) [k bytes]
 *            || AES-256-GCM(key, nonce = 12 zero bytes, no AAD)(plaintext)
 *            || 16-byte tag
 *
 * The zero nonce is safe only because every value gets a fresh session key.
 * The OAEP label binds a value to its scope: strict "namespace/name",
 * namespace-wide "namespace", cluster-wide "" (zero-length). Manifests carry
 * the bytes in standard padded base64 on one line.
 *
 * This module is pure: no network, no terminal. Keys are struct ck_rsa from
 * core (ck/rsa.h); plaintext goes to caller-supplied buffers, which should be
 * secure ones (ck_buf_init_secure).
 */
#ifndef CK_SEAL_H
#define CK_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/rsa.h"

#define CK_SEAL_API_VERSION "bitnami.com/v1alpha1"
#define CK_SEAL_KIND "SealedSecret"
#define CK_SEAL_ANNO_PREFIX "sealedsecrets.bitnami.com/"
#define CK_SEAL_ANNO_CLUSTER_WIDE "sealedsecrets.bitnami.com/cluster-wide"
#define CK_SEAL_ANNO_NAMESPACE_WIDE "sealedsecrets.bitnami.com/namespace-wide"
#define CK_SEAL_ANNO_SKIP_OWNER "sealedsecrets.bitnami.com/skip-set-owner-references"
#define CK_SEAL_ANNO_MANAGED "sealedsecrets.bitnami.com/managed"
#define CK_SEAL_ANNO_PATCH "sealedsecrets.bitnami.com/patch"
#define CK_SEAL_KEY_LABEL "sealedsecrets.bitnami.com/sealed-secrets-key"

/* AES-256 session key and GCM tag sizes of the hybrid format. */
#define CK_SEAL_SESSION_KEY_LEN 32
#define CK_SEAL_TAG_LEN 16
/* Largest plaintext we seal or open (a Secret is limited to 1 MiB by the API). */
#define CK_SEAL_MAX_VALUE ((size_t)64 << 20)

enum ck_seal_scope {
	CK_SEAL_SCOPE_STRICT = 0,
	CK_SEAL_SCOPE_NAMESPACE_WIDE = 1,
	CK_SEAL_SCOPE_CLUSTER_WIDE = 2,
};

/*
 * "strict", "namespace-wide" or "cluster-wide" (and "" for strict, as the
 * upstream flag does). Anything else: CK_EUSAGE naming the valid values.
 */
int ck_seal_scope_parse(enum ck_seal_scope *out, const char *s) CK_WUR;
const char *ck_seal_scope_name(enum ck_seal_scope s);

/*
 * Append the OAEP label of a scope to out: "ns/name", "ns" or nothing.
 * ns and name may be NULL (treated as ""); no validation, like upstream.
 */
int ck_seal_label(struct ck_buf *out, enum ck_seal_scope scope, const char *ns,
                  const char *name) CK_WUR;

/*
 * HybridEncrypt: append 2 + k + ptlen + 16 bytes to out (k = modulus bytes).
 * A fresh session key is drawn for every call and wiped afterwards.
 * Errors: CK_EINVAL (key too large for the u16 prefix, plaintext over
 * CK_SEAL_MAX_VALUE), CK_ECRYPTO, CK_ENOMEM, CK_ETOOBIG (out's limit).
 * On failure out is unchanged.
 */
int ck_seal_hybrid_seal(struct ck_buf *out, const struct ck_rsa *pub, const void *label,
                        size_t labellen, const void *pt, size_t ptlen) CK_WUR;

/*
 * HybridDecrypt with one private key: append the plaintext to out (use a
 * secure buffer). Errors: CK_EINVAL "seal: SealedSecret data is too short"
 * (framing), CK_EAUTH for a wrong key, wrong label or bad tag (one message,
 * no padding oracle), CK_ENOMEM, CK_ETOOBIG. On failure out is unchanged.
 */
int ck_seal_hybrid_open(struct ck_buf *out, const struct ck_rsa *key, const void *label,
                        size_t labellen, const void *ct, size_t ctlen) CK_WUR;

/*
 * 1 if ct has the framing of a hybrid ciphertext (at least 2 + L bytes for
 * its length prefix L, and room for a tag), else 0. No key needed.
 */
int ck_seal_hybrid_framed(const void *ct, size_t ctlen);

/*
 * OpenSSH-style SHA-256 fingerprint of an RSA public key, as the controller
 * and kubeseal use it to name keys: "SHA256:" + unpadded base64 of
 * SHA-256(string "ssh-rsa" || mpint e || mpint n). Appended to out.
 */
int ck_seal_key_fingerprint(struct ck_buf *out, const struct ck_rsa *key) CK_WUR;

/*
 * A set of private keys tried in turn to open values, as the controller and
 * `kubeseal --recovery-unseal` do. No key id is stored in a ciphertext, so
 * every key may have to be tried; the keyring remembers which key opened the
 * last value and tries that one first next time (order never changes the
 * result, only the cost). Not thread-safe: one keyring per thread, or lock.
 */
struct ck_seal_keyring;

int ck_seal_keyring_new(struct ck_seal_keyring **out) CK_WUR;
/* NULL-safe; drops the keyring's references to its keys. */
void ck_seal_keyring_free(struct ck_seal_keyring *kr);

/*
 * Add a private key; the keyring takes its own reference (ck_rsa_ref), the
 * caller keeps theirs. A key already present (same fingerprint) is ignored.
 * CK_EINVAL if the key has no private part.
 */
int ck_seal_keyring_add(struct ck_seal_keyring *kr, struct ck_rsa *key) CK_WUR;

/*
 * Add every RSA private key found in a text, in the forms kubeseal's
 * --recovery-private-key accepts: PEM private keys (PKCS#1 or PKCS#8, several
 * blocks allowed), or YAML/JSON Kubernetes Secrets holding `data.tls.key`
 * (one or more documents, or a `v1 List` of them: the backup from
 * `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`).
 * `source` names the text in messages. Errors: CK_EINVAL (no key found,
 * unreadable document, a Secret without tls.key), CK_EUNSUPPORTED (a key that
 * is not RSA), CK_ENOMEM. On failure no key of this text was added.
 */
int ck_seal_keyring_load(struct ck_seal_keyring *kr, const char *text, size_t n,
                         const char *source) CK_WUR;

size_t ck_seal_keyring_count(const struct ck_seal_keyring *kr);
/* The i-th key (borrowed), in the order added; NULL when out of range. */
struct ck_rsa *ck_seal_keyring_key(const struct ck_seal_keyring *kr, size_t i);
/* Try key i first from now on (e.g. the controller's most recent key). */
void ck_seal_keyring_prefer(struct ck_seal_keyring *kr, size_t i);

/*
 * Open a hybrid ciphertext with the first key that works; *which (if
 * non-NULL) receives that key's index. Errors: CK_EINVAL for bad framing
 * ("seal: SealedSecret data is too short"), CK_ENOKEY "seal: no key could
 * decrypt secret" when no key opens it (per-key errors are not reported, as
 * upstream), CK_ENOMEM. out is unchanged on failure.
 */
int ck_seal_keyring_open(struct ck_buf *out, struct ck_seal_keyring *kr, const void *label,
                         size_t labellen, const void *ct, size_t ctlen, size_t *which) CK_WUR;

/*
 * One manifest value: seal pt for (scope, ns, name) and append the standard
 * base64 text (one line, no newline) to out. Errors as ck_seal_hybrid_seal.
 */
int ck_seal_value_seal(struct ck_buf *out, const struct ck_rsa *pub, enum ck_seal_scope scope,
                       const char *ns, const char *name, const void *pt, size_t ptlen) CK_WUR;

/*
 * Open one base64 manifest value for (scope, ns, name) with a keyring.
 * Base64 as Go's StdEncoding: '=' padding required, CR/LF ignored, anything
 * else (spaces included) is CK_EINVAL. Other errors as ck_seal_keyring_open.
 */
int ck_seal_value_open(struct ck_buf *out, struct ck_seal_keyring *kr, enum ck_seal_scope scope,
                       const char *ns, const char *name, const char *b64, size_t b64len,
                       size_t *which) CK_WUR;

/* A sealing certificate, as kubeseal reads it from --cert or the controller. */
struct ck_seal_cert_info {
	time_t not_before;
	time_t not_after;
	int expired;       /* now is after not_after: kubeseal refuses, we warn */
};

/*
 * Read the public key from the first CERTIFICATE in a PEM text (as kubeseal:
 * no chain, CA or keyUsage checks), or, as an extension, from a bare
 * "PUBLIC KEY" PEM (then info has zero times, not expired). `now` decides
 * info->expired. Errors: CK_EINVAL (no certificate, malformed),
 * CK_EUNSUPPORTED "seal: certificate key is not RSA", CK_ENOMEM.
 */
int ck_seal_cert_parse(struct ck_rsa **out, struct ck_seal_cert_info *info, const char *pem,
                       size_t n, time_t now) CK_WUR;

/*
 * A sealing key pair of the controller's shape: RSA `bits` (4096 by default
 * when 0), e = 65537; self-signed certificate, subject/issuer CN=cn ("" as the
 * controller's default gives an empty name), valid from `now` for `days` days
 * (3650 when 0). Appends the PKCS#1 PEM private key to key_pem (make it a
 * secure buffer) and the PEM certificate to cert_pem.
 */
int ck_seal_keygen(struct ck_buf *key_pem, struct ck_buf *cert_pem, unsigned bits,
                   const char *cn, time_t now, unsigned days) CK_WUR;

/*
 * The controller's key Secret for a key pair (kubernetes.io/tls, tls.crt and
 * tls.key, label sealedsecrets.bitnami.com/sealed-secrets-key: active) as
 * YAML, appended to out (secure buffer: it holds the private key).
 */
int ck_seal_key_secret_format(struct ck_buf *out, const char *key_pem, size_t keylen,
                              const char *cert_pem, size_t certlen, const char *name,
                              const char *ns) CK_WUR;

#endif
