/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256/512, HMAC-SHA-256/512, HKDF-SHA-256 and scrypt (OpenSSL EVP).
 * One-shot functions write fixed-size outputs; the streaming context is for
 * long inputs (the sops MAC). Keys and outputs are the caller's memory: wipe
 * them when done.
 */
#ifndef CK_HASH_H
#define CK_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "ck/err.h"

#define CK_SHA256_LEN 32
#define CK_SHA512_LEN 64

enum ck_hash_alg { CK_SHA256, CK_SHA512 };

void ck_sha256(uint8_t out[static CK_SHA256_LEN], const void *p, size_t n);
void ck_sha512(uint8_t out[static CK_SHA512_LEN], const void *p, size_t n);

/* Streaming hash. new: NULL on CK_ENOMEM (message set). */
struct ck_hash;
struct ck_hash *ck_hash_new(enum ck_hash_alg alg);
void ck_hash_update(struct ck_hash *h, const void *p, size_t n);
/* Writes 32 or 64 bytes; the context may not be updated afterwards. */
void ck_hash_final(struct ck_hash *h, uint8_t *out);
void ck_hash_free(struct ck_hash *h);

/*
 * HMAC; out receives 32 (SHA-256) or 64 (SHA-512) bytes. A zero-length key is
 * allowed. CK_ENOMEM or CK_ECRYPTO on failure.
 */
int ck_hmac(enum ck_hash_alg alg, uint8_t *out, const void *key, size_t keylen,
            const void *msg, size_t n) CK_WUR;

/* Shortest truncated HMAC tag ck_hmac_verify accepts (128 bits). */
#define CK_HMAC_MIN_TAG_LEN 16

/*
 * Verify a full or truncated HMAC tag in constant time: tag must equal the
 * first taglen bytes of HMAC(key, msg). taglen from CK_HMAC_MIN_TAG_LEN to the
 * full length, else CK_EINVAL. CK_EAUTH on mismatch.
 */
int ck_hmac_verify(enum ck_hash_alg alg, const uint8_t *tag, size_t taglen, const void *key,
                   size_t keylen, const void *msg, size_t n) CK_WUR;

/*
 * Streaming HMAC (age header MAC, SigV4 chains use the one-shot form).
 * new: NULL on failure (CK_ENOMEM / CK_ECRYPTO, message set).
 */
struct ck_hmac_ctx;
struct ck_hmac_ctx *ck_hmac_new(enum ck_hash_alg alg, const void *key, size_t keylen);
void ck_hmac_update(struct ck_hmac_ctx *h, const void *p, size_t n);
void ck_hmac_final(struct ck_hmac_ctx *h, uint8_t *out);
void ck_hmac_free(struct ck_hmac_ctx *h);

/*
 * HKDF-SHA-256 (RFC 5869): extract with salt (NULL/0 = zero-length salt),
 * expand with info to outlen bytes (<= 255*32). CK_EINVAL on a bad length.
 */
int ck_hkdf_sha256(uint8_t *out, size_t outlen, const void *ikm, size_t ikmlen,
                   const void *salt, size_t saltlen, const void *info,
                   size_t infolen) CK_WUR;

/* scrypt with N = 2^log_n, r = 8, p = 1 (age's parameters). */
int ck_scrypt(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
              const void *salt, size_t saltlen, unsigned log_n) CK_WUR;

#endif
