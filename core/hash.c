/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ck/alloc.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "ossl.h"

static const char *md_name(enum ck_hash_alg alg)
{
	return alg == CK_SHA512 ? "SHA2-512" : "SHA2-256";
}

static size_t len_of(enum ck_hash_alg alg)
{
	return alg == CK_SHA512 ? CK_SHA512_LEN : CK_SHA256_LEN;
}

void ck_sha256(uint8_t out[static CK_SHA256_LEN], const void *p, size_t n)
{
	CK_ASSERT(EVP_Digest(p, n, out, NULL, ck__ossl_md(CK_SHA256), NULL) == 1);
}

void ck_sha512(uint8_t out[static CK_SHA512_LEN], const void *p, size_t n)
{
	CK_ASSERT(EVP_Digest(p, n, out, NULL, ck__ossl_md(CK_SHA512), NULL) == 1);
}

struct ck_hash {
	EVP_MD_CTX *ctx;
};

struct ck_hash *ck_hash_new(enum ck_hash_alg alg)
{
	struct ck_hash *h = ck_calloc(1, sizeof(*h));

	if (h == NULL) {
		ck_err_set(CK_ENOMEM, "out of memory");
		return NULL;
	}
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, ck__ossl_md(alg), NULL) != 1) {
		ck__ossl_err(CK_ENOMEM, "hash: cannot initialise");
		ck_hash_free(h);
		return NULL;
	}
	return h;
}

void ck_hash_update(struct ck_hash *h, const void *p, size_t n)
{
	CK_ASSERT(EVP_DigestUpdate(h->ctx, p, n) == 1);
}

void ck_hash_final(struct ck_hash *h, uint8_t *out)
{
	CK_ASSERT(EVP_DigestFinal_ex(h->ctx, out, NULL) == 1);
}

void ck_hash_free(struct ck_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	ck_free(h);
}

struct ck_hmac_ctx {
	EVP_MAC_CTX *ctx;
	size_t len;
};

struct ck_hmac_ctx *ck_hmac_new(enum ck_hash_alg alg, const void *key, size_t keylen)
{
	struct ck_hmac_ctx *h = ck_calloc(1, sizeof(*h));
	OSSL_PARAM params[2];
	static const uint8_t nokey[1];

	if (h == NULL) {
		ck_err_set(CK_ENOMEM, "out of memory");
		return NULL;
	}
	h->len = len_of(alg);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_name(alg), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ck__ossl_hmac() == NULL || (h->ctx = EVP_MAC_CTX_new(ck__ossl_hmac())) == NULL ||
	    EVP_MAC_init(h->ctx, keylen ? key : nokey, keylen, params) != 1) {
		ck__ossl_err(CK_ECRYPTO, "hmac: cannot initialise");
		ck_hmac_free(h);
		return NULL;
	}
	return h;
}

void ck_hmac_update(struct ck_hmac_ctx *h, const void *p, size_t n)
{
	CK_ASSERT(EVP_MAC_update(h->ctx, p, n) == 1);
}

void ck_hmac_final(struct ck_hmac_ctx *h, uint8_t *out)
{
	size_t len = 0;

	CK_ASSERT(EVP_MAC_final(h->ctx, out, &len, h->len) == 1);
}

void ck_hmac_free(struct ck_hmac_ctx *h)
{
	if (h == NULL)
		return;
	EVP_MAC_CTX_free(h->ctx);
	ck_free(h);
}

int ck_hmac(enum ck_hash_alg alg, uint8_t *out, const void *key, size_t keylen,
            const void *msg, size_t n)
{
	struct ck_hmac_ctx *h = ck_hmac_new(alg, key, keylen);

	if (h == NULL)
		return ck_err_last()->code;
	ck_hmac_update(h, msg, n);
	ck_hmac_final(h, out);
	ck_hmac_free(h);
	return CK_OK;
}

int ck_hmac_verify(enum ck_hash_alg alg, const uint8_t *tag, size_t taglen, const void *key,
                   size_t keylen, const void *msg, size_t n)
{
	uint8_t mac[CK_SHA512_LEN];
	int rc = CK_EINTERNAL;

	if (taglen < CK_HMAC_MIN_TAG_LEN || taglen > len_of(alg)) {
		rc = ck_err_set(CK_EINVAL, "hmac: unsupported tag length %zu", taglen);
		goto out;
	}
	if ((rc = ck_hmac(alg, mac, key, keylen, msg, n)) < 0)
		goto out;
	rc = ck_memeq(mac, tag, taglen) ? CK_OK : ck_err_set(CK_EAUTH, "hmac: tag mismatch");
out:
	ck_memzero(mac, sizeof(mac));
	return rc;
}

int ck_hkdf_sha256(uint8_t *out, size_t outlen, const void *ikm, size_t ikmlen,
                   const void *salt, size_t saltlen, const void *info, size_t infolen)
{
	uint8_t prk[CK_SHA256_LEN], t[CK_SHA256_LEN], zero[CK_SHA256_LEN] = { 0 };
	struct ck_hmac_ctx *h = NULL;
	size_t done = 0, take;
	uint8_t ctr = 0;
	int rc = CK_EINTERNAL;

	if (outlen > 255 * CK_SHA256_LEN) {
		rc = ck_err_set(CK_EINVAL, "hkdf: output length %zu too large", outlen);
		goto out;
	}
	/* RFC 5869: a missing salt is HashLen zero bytes. */
	if (saltlen == 0) {
		salt = zero;
		saltlen = sizeof(zero);
	}
	if ((rc = ck_hmac(CK_SHA256, prk, salt, saltlen, ikm, ikmlen)) < 0)
		goto out;
	while (done < outlen) {
		ctr++;
		if ((h = ck_hmac_new(CK_SHA256, prk, sizeof(prk))) == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		if (ctr > 1)
			ck_hmac_update(h, t, sizeof(t));
		ck_hmac_update(h, info, infolen);
		ck_hmac_update(h, &ctr, 1);
		ck_hmac_final(h, t);
		ck_hmac_free(h);
		h = NULL;
		take = outlen - done < sizeof(t) ? outlen - done : sizeof(t);
		memcpy(out + done, t, take);
		done += take;
	}
	rc = CK_OK;
out:
	ck_hmac_free(h);
	ck_memzero(prk, sizeof(prk));
	ck_memzero(t, sizeof(t));
	return rc;
}

int ck_scrypt(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
              const void *salt, size_t saltlen, unsigned log_n)
{
	uint64_t n;

	if (log_n == 0 || log_n > 30)
		return ck_err_set(CK_EINVAL, "scrypt: work factor %u out of range", log_n);
	n = (uint64_t)1 << log_n;
	/* 128 * r * N bytes of state, plus slack. */
	if (EVP_PBE_scrypt(pass, passlen, salt, saltlen, n, 8, 1,
	                   128ull * 8 * n + (1u << 20), out, outlen) != 1)
		return ck__ossl_err(CK_ECRYPTO, "scrypt failed");
	return CK_OK;
}
