/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSA keys and RSA-OAEP (OpenSSL EVP). A struct ck_rsa holds a public key or
 * a key pair. OAEP uses SHA-256 for both the label hash and MGF1, as Sealed
 * Secrets and age's ssh-rsa do; the label may be empty (an empty label and
 * "no label" are the same thing in OAEP: lHash = SHA-256("")).
 *
 * Key policy, applied to every key loaded or generated: modulus of 2048 to
 * 16384 bits, odd public exponent from 3 to 2^32 - 1. Anything else is
 * CK_EUNSUPPORTED. A loaded private key is checked once with a raw RSA round
 * trip, so a corrupted key fails at load time instead of at every decrypt.
 *
 * A struct ck_rsa may be shared by threads for encrypt/decrypt: it keeps one
 * OAEP context per direction (set up once, so a call does no algorithm
 * lookups) behind a lock, and a thread that finds it busy uses a fresh one.
 */
#ifndef CK_RSA_H
#define CK_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

#define CK_RSA_MIN_BITS 2048
#define CK_RSA_MAX_BITS 16384

struct ck_rsa;

/* New key pair of `bits` (2048, 3072 or 4096; e = 65537). CK_EINVAL otherwise. */
int ck_rsa_generate(struct ck_rsa **out, unsigned bits) CK_WUR;

/*
 * Load a private key from PEM text: the first block labelled "RSA PRIVATE
 * KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8); other blocks (certificates) are
 * skipped. A PKCS#8 key of another algorithm, an encrypted key ("ENCRYPTED
 * PRIVATE KEY", legacy Proc-Type), or a key outside the policy is
 * CK_EUNSUPPORTED; no private key block or a malformed one is CK_EINVAL.
 * Intermediate copies of the key are kept in secret memory and wiped.
 */
int ck_rsa_private_parse(struct ck_rsa **out, const char *pem, size_t n) CK_WUR;
/*
 * Load a public key from PEM: the first block labelled "PUBLIC KEY" (SPKI)
 * or "RSA PUBLIC KEY" (PKCS#1). Codes as above.
 */
int ck_rsa_public_parse(struct ck_rsa **out, const char *pem, size_t n) CK_WUR;
/* Load a public key from DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey. */
int ck_rsa_public_from_der(struct ck_rsa **out, const uint8_t *der, size_t n) CK_WUR;

/*
 * Append the private key as PEM: PKCS#1 ("RSA PRIVATE KEY", what the Sealed
 * Secrets controller writes to tls.key) when pkcs1, else PKCS#8. Use a secure
 * out buffer. CK_EINVAL for a public-only key.
 */
int ck_rsa_private_format(struct ck_buf *out, const struct ck_rsa *k, int pkcs1) CK_WUR;
/* Append the public key as PEM SubjectPublicKeyInfo ("PUBLIC KEY"). */
int ck_rsa_public_format(struct ck_buf *out, const struct ck_rsa *k) CK_WUR;
/* Append the DER public key: SubjectPublicKeyInfo (spki=1) or PKCS#1 (spki=0). */
int ck_rsa_public_der(struct ck_buf *out, const struct ck_rsa *k, int spki) CK_WUR;

int ck_rsa_has_private(const struct ck_rsa *k);
unsigned ck_rsa_bits(const struct ck_rsa *k);
/* Modulus size in bytes (OAEP ciphertext length). */
size_t ck_rsa_size(const struct ck_rsa *k);
/* Longest OAEP-SHA256 plaintext for this key: size - 66. */
size_t ck_rsa_oaep_max(const struct ck_rsa *k);

/*
 * The Sealed Secrets key id (pkg/crypto PublicKeyFingerprint, the same as
 * `ssh-keygen -lf`): "SHA256:" followed by unpadded standard base64 of
 * SHA-256 over the SSH wire encoding of the public key (string "ssh-rsa",
 * mpint e, mpint n). Appended to out, NUL-terminated.
 */
int ck_rsa_fingerprint(struct ck_buf *out, const struct ck_rsa *k) CK_WUR;

/*
 * RSA-OAEP-SHA256 encrypt; appends ck_rsa_size() bytes to out. A plaintext
 * longer than ck_rsa_oaep_max() is CK_EINVAL.
 */
int ck_rsa_oaep_encrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *pt, size_t ptlen) CK_WUR;
/*
 * RSA-OAEP-SHA256 decrypt; appends the plaintext to out (use a secure buffer).
 * Any failure of the ciphertext (wrong key, wrong label, bad padding, wrong
 * length) is CK_EAUTH with the one fixed message "rsa: decryption failed", so
 * no padding oracle is exposed; out is then unchanged. A public-only key is
 * CK_EINVAL; CK_ENOMEM/CK_ETOOBIG if out cannot take ck_rsa_size() bytes.
 */
int ck_rsa_oaep_decrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *ct, size_t ctlen) CK_WUR;

/*
 * Shared ownership: ck_rsa_ref adds an owner (thread-safe) and returns k;
 * every owner calls ck_rsa_free (NULL-safe), the last one frees the key.
 */
struct ck_rsa *ck_rsa_ref(struct ck_rsa *k);
void ck_rsa_free(struct ck_rsa *k);

#endif
