/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AES-256-GCM value cipher of one file (value.c). Internal to the sops
 * module, visible for its tests and fuzz targets.
 */
#ifndef CK_SOPS_CIPHER_H
#define CK_SOPS_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "ck/err.h"

#define CK_SOPS_IV_LEN 32
#define CK_SOPS_MAX_IV 128

struct ck_aead;
struct ck_sops_enc;

/* IVs of decrypted values keyed by (type, AAD, plaintext): re-encrypting an
 * unchanged value under the same data key re-uses its IV (same ciphertext). */
struct ck_sops_ivcache;
struct ck_sops_ivcache *ck_sops__ivcache_new(void);
void ck_sops__ivcache_free(struct ck_sops_ivcache *c);
int ck_sops__ivcache_put(struct ck_sops_ivcache *c, int type, const uint8_t *aad, size_t an,
                         const uint8_t *pt, size_t pn, const uint8_t *iv, size_t ivlen) CK_WUR;
const uint8_t *ck_sops__ivcache_get(const struct ck_sops_ivcache *c, int type,
                                    const uint8_t *aad, size_t an, const uint8_t *pt, size_t pn);

/* One AES-GCM context per file (key schedule kept), an IV pool, a cache. */
struct ck_sops_cipher {
	struct ck_aead *aead;
	struct ck_sops_ivcache *cache; /* borrowed; NULL: always fresh IVs */
	size_t pool_off;
	uint8_t pool[4096];
};

int ck_sops__cipher_init(struct ck_sops_cipher *c, const uint8_t key[static 32]) CK_WUR;
void ck_sops__cipher_dispose(struct ck_sops_cipher *c);

/* Length of the ENC[] string for a plaintext of ptlen bytes. */
size_t ck_sops__enc_len(size_t ptlen, size_t typelen);
const char *ck_sops__enc_type_name(int type);
/*
 * Encrypt pt (n bytes) into out (exactly ck_sops__enc_len bytes, no NUL);
 * scratch has room for n bytes. The IV comes from the cache when (type, aad,
 * pt) is known, else fresh.
 */
int ck_sops__encrypt_value(struct ck_sops_cipher *c, char *out, uint8_t *scratch,
                           const uint8_t *pt, size_t n, int vtype, const uint8_t *aad,
                           size_t aadlen) CK_WUR;
/*
 * The same into a binary record (CK_SOPS_ENCBIN_HDR + n bytes at rec): type
 * byte, IV, tag, ciphertext.
 */
int ck_sops__encrypt_value_bin(struct ck_sops_cipher *c, uint8_t *rec, const uint8_t *pt, size_t n,
                               int vtype, const uint8_t *aad, size_t aadlen) CK_WUR;
/*
 * Decrypt a parsed ENC[] value into pt (room for data_len/4*3 bytes); the IV
 * used goes to iv (room for CK_SOPS_MAX_IV). CK_EINVAL on bad base64,
 * CK_EAUTH on a bad tag.
 */
int ck_sops__decrypt_value(struct ck_sops_cipher *c, uint8_t *pt, size_t *ptlen,
                           const struct ck_sops_enc *e, const uint8_t *aad, size_t aadlen,
                           uint8_t *iv, size_t *ivlen) CK_WUR;

#endif
