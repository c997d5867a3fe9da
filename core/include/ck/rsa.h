/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSA keys and RSA-OAEP (OpenSSL EVP). A struct ck_rsa holds a public key or
 * a key pair. OAEP uses SHA-256 for both the label hash and MGF1, as Sealed
 * Secrets and age's ssh-rsa do; the label may be empty.
 */
#ifndef CK_RSA_H
#define CK_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

struct ck_rsa;

/* New key pair of `bits` (2048, 3072 or 4096). */
int ck_rsa_generate(struct ck_rsa **out, unsigned bits) CK_WUR;

/*
 * Load a private key from PEM: PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
 * ("PRIVATE KEY"); a key of any other type is CK_EUNSUPPORTED.
 */
int ck_rsa_private_parse(struct ck_rsa **out, const char *pem, size_t n) CK_WUR;
/* Load a public key from PEM ("PUBLIC KEY" SPKI or "RSA PUBLIC KEY" PKCS#1). */
int ck_rsa_public_parse(struct ck_rsa **out, const char *pem, size_t n) CK_WUR;
/* Load a public key from DER SubjectPublicKeyInfo or PKCS#1. */
int ck_rsa_public_from_der(struct ck_rsa **out, const uint8_t *der, size_t n) CK_WUR;

/* Write the private key as PEM: PKCS#1 when pkcs1, else PKCS#8. */
int ck_rsa_private_format(struct ck_buf *out, const struct ck_rsa *k, int pkcs1) CK_WUR;
/* Write the public key as PEM SubjectPublicKeyInfo. */
int ck_rsa_public_format(struct ck_buf *out, const struct ck_rsa *k) CK_WUR;
/* DER of the public key: SubjectPublicKeyInfo (spki=1) or PKCS#1 (spki=0). */
int ck_rsa_public_der(struct ck_buf *out, const struct ck_rsa *k, int spki) CK_WUR;

int ck_rsa_has_private(const struct ck_rsa *k);
unsigned ck_rsa_bits(const struct ck_rsa *k);
/* Modulus size in bytes (OAEP ciphertext length). */
size_t ck_rsa_size(const struct ck_rsa *k);

/*
 * SHA-256 fingerprint of the PKCS#1 DER public key as lower-case hex (the
 * Sealed Secrets key id), appended to out.
 */
int ck_rsa_fingerprint(struct ck_buf *out, const struct ck_rsa *k) CK_WUR;

/* RSA-OAEP-SHA256 encrypt; appends ck_rsa_size() bytes to out. */
int ck_rsa_oaep_encrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *pt, size_t ptlen) CK_WUR;
/*
 * RSA-OAEP-SHA256 decrypt; appends the plaintext to out (use a secure buffer).
 * Any failure (wrong key, wrong label, bad padding) is CK_EAUTH with one fixed
 * message, so no padding oracle is exposed.
 */
int ck_rsa_oaep_decrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *ct, size_t ctlen) CK_WUR;

/* Shared reference for callers that keep several owners; then free twice. */
struct ck_rsa *ck_rsa_ref(struct ck_rsa *k);
void ck_rsa_free(struct ck_rsa *k);

#endif
