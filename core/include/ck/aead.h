/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authenticated encryption.
 *
 * AES-256-GCM (OpenSSL EVP) accepts any IV length >= 1 (sops uses 32-byte IVs;
 * IVs longer than OpenSSL's 128-byte limit are folded into an equivalent
 * 16-byte one, so the output is standard GCM) and tag lengths 4..16 (the tag
 * is the first taglen bytes of the full tag). ChaCha20-Poly1305 IETF (12-byte
 * nonce) and XChaCha20-Poly1305 (24-byte nonce, HChaCha20 from libsodium)
 * run on OpenSSL's ChaCha20-Poly1305, with 16-byte tags. Messages and AAD are
 * limited to INT_MAX bytes.
 *
 * Detached form: ciphertext has the plaintext's length and the tag is
 * separate. seal/open may work in place (ct == pt); ct/pt may be NULL when
 * the length is 0. open returns CK_EAUTH on a bad tag and then wipes the
 * output it wrote (on every failure, nothing unauthenticated is left).
 * CK_EINVAL for a bad IV/nonce or tag length, CK_ECRYPTO if OpenSSL fails.
 *
 * A struct ck_aead keeps the expanded key for repeated use (thousands of sops
 * values under one data key): it is the fast path, with no allocation and no
 * algorithm lookup per call. One context must not be used by two threads at
 * once. The one-shot helpers build one per call.
 */
#ifndef CK_AEAD_H
#define CK_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "ck/err.h"

#define CK_AEAD_KEY_LEN 32
#define CK_AEAD_TAG_LEN 16
#define CK_AEAD_MIN_TAG_LEN 4 /* AES-GCM only */
#define CK_CHACHA_NONCE_LEN 12
#define CK_XCHACHA_NONCE_LEN 24

enum ck_aead_alg { CK_AES256_GCM, CK_CHACHA20_POLY1305, CK_XCHACHA20_POLY1305 };

struct ck_aead;

/*
 * New context for alg under a 32-byte key (copied into secret memory). NULL
 * on failure: CK_ENOMEM, CK_EINVAL for an unknown alg (message set).
 */
struct ck_aead *ck_aead_new(enum ck_aead_alg alg, const uint8_t key[static CK_AEAD_KEY_LEN]);
/* Wipes the key schedule; NULL-safe. */
void ck_aead_free(struct ck_aead *a);

int ck_aead_seal(struct ck_aead *a, uint8_t *ct, uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *pt, size_t ptlen) CK_WUR;
int ck_aead_open(struct ck_aead *a, uint8_t *pt, const uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *ct, size_t ctlen) CK_WUR;

/* One-shot AES-256-GCM with a 16-byte tag. */
int ck_aes256gcm_seal(uint8_t *ct, uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen,
                      const uint8_t *pt, size_t ptlen) CK_WUR;
int ck_aes256gcm_open(uint8_t *pt, const uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen,
                      const uint8_t *ct, size_t ctlen) CK_WUR;

/*
 * One-shot ChaCha20-Poly1305 in the combined form used by age: ct has
 * ptlen + 16 bytes, tag last; open takes that ctlen (CK_EAUTH below 16) and
 * writes ctlen - 16 bytes. In place is fine (pt == ct). For many messages
 * under one key (age's 64 KiB payload chunks) a struct ck_aead saves the
 * per-call context setup.
 */
int ck_chacha20poly1305_seal(uint8_t *ct, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                             size_t ptlen) CK_WUR;
int ck_chacha20poly1305_open(uint8_t *pt, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                             size_t ctlen) CK_WUR;

#endif
