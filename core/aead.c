/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "ck/aead.h"
#include "ck/alloc.h"
#include "ck/secret.h"
#include "ossl.h"

struct ck_aead {
	enum ck_aead_alg alg;
	EVP_CIPHER_CTX *enc; /* AES only: key schedule kept between calls */
	EVP_CIPHER_CTX *dec;
	uint8_t key[CK_AEAD_KEY_LEN];
};

struct ck_aead *ck_aead_new(enum ck_aead_alg alg, const uint8_t key[static CK_AEAD_KEY_LEN])
{
	struct ck_aead *a;

	if (ck_core_init() < 0)
		return NULL;
	if ((a = ck_secret_alloc(sizeof(*a))) == NULL) {
		ck_err_set(CK_ENOMEM, "out of memory");
		return NULL;
	}
	a->alg = alg;
	memcpy(a->key, key, CK_AEAD_KEY_LEN);
	if (alg != CK_AES256_GCM)
		return a;
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (a->enc == NULL || a->dec == NULL ||
	    EVP_EncryptInit_ex(a->enc, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(a->dec, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
		ck__ossl_err(CK_ENOMEM, "aead: cannot initialise AES-GCM");
		ck_aead_free(a);
		return NULL;
	}
	return a;
}

void ck_aead_free(struct ck_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	ck_secret_free(a);
}

static int check_lens(size_t taglen, size_t ivlen, size_t aadlen, size_t len)
{
	if (taglen < 4 || taglen > CK_AEAD_TAG_LEN)
		return ck_err_set(CK_EINVAL, "aead: unsupported tag length %zu", taglen);
	if (ivlen == 0 || ivlen > INT_MAX || aadlen > INT_MAX || len > INT_MAX)
		return ck_err_set(CK_EINVAL, "aead: bad IV, AAD or message length");
	return CK_OK;
}

static int gcm_seal(struct ck_aead *a, uint8_t *ct, uint8_t *tag, size_t taglen,
                    const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, size_t ptlen)
{
	EVP_CIPHER_CTX *c = a->enc;
	int n = 0;

	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) != 1 ||
	    EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) != 1 ||
	    (aadlen && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ptlen && EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) != 1) ||
	    EVP_EncryptFinal_ex(c, ct + ptlen, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, (int)taglen, tag) != 1)
		return ck__ossl_err(CK_ECRYPTO, "aes-gcm: encryption failed");
	return CK_OK;
}

static int gcm_open(struct ck_aead *a, uint8_t *pt, const uint8_t *tag, size_t taglen,
                    const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                    const uint8_t *ct, size_t ctlen)
{
	EVP_CIPHER_CTX *c = a->dec;
	uint8_t t[CK_AEAD_TAG_LEN];
	int n = 0;

	memcpy(t, tag, taglen);
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) != 1 ||
	    EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv) != 1 ||
	    (aadlen && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ctlen && EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)taglen, t) != 1)
		return ck__ossl_err(CK_ECRYPTO, "aes-gcm: decryption failed");
	if (EVP_DecryptFinal_ex(c, pt + ctlen, &n) != 1) {
		ck_memzero(pt, ctlen);
		ERR_clear_error();
		return ck_err_set(CK_EAUTH, "aes-gcm: authentication failed");
	}
	return CK_OK;
}

int ck_aead_seal(struct ck_aead *a, uint8_t *ct, uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *pt, size_t ptlen)
{
	unsigned long long tl = 0;
	int rc;

	if ((rc = check_lens(taglen, ivlen, aadlen, ptlen)) < 0)
		return rc;
	switch (a->alg) {
	case CK_AES256_GCM:
		return gcm_seal(a, ct, tag, taglen, iv, ivlen, aad, aadlen, pt, ptlen);
	case CK_CHACHA20_POLY1305:
		if (ivlen != CK_CHACHA_NONCE_LEN || taglen != CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "chacha20-poly1305: bad nonce or tag length");
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(ct, tag, &tl, pt, ptlen, aad,
		                                                   aadlen, NULL, iv, a->key);
		return CK_OK;
	case CK_XCHACHA20_POLY1305:
		if (ivlen != CK_XCHACHA_NONCE_LEN || taglen != CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "xchacha20-poly1305: bad nonce or tag length");
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(ct, tag, &tl, pt, ptlen, aad,
		                                                    aadlen, NULL, iv, a->key);
		return CK_OK;
	}
	return ck_err_set(CK_EINTERNAL, "aead: unknown algorithm");
}

int ck_aead_open(struct ck_aead *a, uint8_t *pt, const uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *ct, size_t ctlen)
{
	int rc, ok;

	if ((rc = check_lens(taglen, ivlen, aadlen, ctlen)) < 0)
		return rc;
	switch (a->alg) {
	case CK_AES256_GCM:
		return gcm_open(a, pt, tag, taglen, iv, ivlen, aad, aadlen, ct, ctlen);
	case CK_CHACHA20_POLY1305:
		if (ivlen != CK_CHACHA_NONCE_LEN || taglen != CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "chacha20-poly1305: bad nonce or tag length");
		ok = crypto_aead_chacha20poly1305_ietf_decrypt_detached(pt, NULL, ct, ctlen, tag,
		                                                        aad, aadlen, iv, a->key);
		break;
	case CK_XCHACHA20_POLY1305:
		if (ivlen != CK_XCHACHA_NONCE_LEN || taglen != CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "xchacha20-poly1305: bad nonce or tag length");
		ok = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(pt, NULL, ct, ctlen, tag,
		                                                         aad, aadlen, iv, a->key);
		break;
	default:
		return ck_err_set(CK_EINTERNAL, "aead: unknown algorithm");
	}
	if (ok != 0)
		return ck_err_set(CK_EAUTH, "%s: authentication failed",
		                  a->alg == CK_CHACHA20_POLY1305 ? "chacha20-poly1305"
		                                                 : "xchacha20-poly1305");
	return CK_OK;
}

static int one_shot_gcm(int seal, uint8_t *out, uint8_t *tag, const uint8_t *key,
                        const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                        const uint8_t *in, size_t n)
{
	struct ck_aead *a = ck_aead_new(CK_AES256_GCM, key);
	int rc;

	if (a == NULL)
		return ck_err_last()->code;
	if (seal)
		rc = ck_aead_seal(a, out, tag, CK_AEAD_TAG_LEN, iv, ivlen, aad, aadlen, in, n);
	else
		rc = ck_aead_open(a, out, tag, CK_AEAD_TAG_LEN, iv, ivlen, aad, aadlen, in, n);
	ck_aead_free(a);
	return rc;
}

int ck_aes256gcm_seal(uint8_t *ct, uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                      size_t ptlen)
{
	return one_shot_gcm(1, ct, tag, key, iv, ivlen, aad, aadlen, pt, ptlen);
}

int ck_aes256gcm_open(uint8_t *pt, const uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                      size_t ctlen)
{
	return one_shot_gcm(0, pt, (uint8_t *)tag, key, iv, ivlen, aad, aadlen, ct, ctlen);
}

int ck_chacha20poly1305_seal(uint8_t *ct, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                             size_t ptlen)
{
	unsigned long long cl = 0;

	if (ck_core_init() < 0)
		return CK_EINTERNAL;
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, &cl, pt, ptlen, aad, aadlen, NULL, nonce,
	                                          key);
	return CK_OK;
}

int ck_chacha20poly1305_open(uint8_t *pt, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                             size_t ctlen)
{
	unsigned long long pl = 0;

	if (ck_core_init() < 0)
		return CK_EINTERNAL;
	if (ctlen < CK_AEAD_TAG_LEN ||
	    crypto_aead_chacha20poly1305_ietf_decrypt(pt, &pl, NULL, ct, ctlen, aad, aadlen,
	                                              nonce, key) != 0)
		return ck_err_set(CK_EAUTH, "chacha20-poly1305: authentication failed");
	return CK_OK;
}
