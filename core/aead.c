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

/* The longest IV OpenSSL 3's GCM accepts directly (GCM_IV_MAX_SIZE). */
#define GCM_OSSL_IV_MAX 128

struct ck_aead {
	enum ck_aead_alg alg;
	EVP_CIPHER_CTX *enc; /* AES only: key schedule kept between calls */
	EVP_CIPHER_CTX *dec;
	size_t enc_ivlen;    /* IV length last set on enc/dec (0: none yet) */
	size_t dec_ivlen;
	uint8_t key[CK_AEAD_KEY_LEN];
};

struct ck_aead *ck_aead_new(enum ck_aead_alg alg, const uint8_t key[static CK_AEAD_KEY_LEN])
{
	const EVP_CIPHER *gcm;
	struct ck_aead *a;

	if (ck_core_init() < 0)
		return NULL;
	if (alg != CK_AES256_GCM && alg != CK_CHACHA20_POLY1305 && alg != CK_XCHACHA20_POLY1305) {
		ck_err_set(CK_EINVAL, "aead: unknown algorithm %d", (int)alg);
		return NULL;
	}
	if ((a = ck_secret_alloc(sizeof(*a))) == NULL) {
		ck_err_set(CK_ENOMEM, "out of memory");
		return NULL;
	}
	a->alg = alg;
	memcpy(a->key, key, CK_AEAD_KEY_LEN);
	if (alg != CK_AES256_GCM)
		return a;
	gcm = ck__ossl_aes256gcm();
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (gcm == NULL || a->enc == NULL || a->dec == NULL ||
	    EVP_EncryptInit_ex(a->enc, gcm, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(a->dec, gcm, NULL, key, NULL) != 1) {
		ck__ossl_err(CK_ENOMEM, "aead: cannot initialise AES-GCM");
		ck_aead_free(a);
		return NULL;
	}
	/* OpenSSL holds the key schedule now; ours is needed only for long IVs. */
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
	if (taglen < CK_AEAD_MIN_TAG_LEN || taglen > CK_AEAD_TAG_LEN)
		return ck_err_set(CK_EINVAL, "aead: unsupported tag length %zu", taglen);
	if (ivlen == 0 || ivlen > INT_MAX || aadlen > INT_MAX || len > INT_MAX)
		return ck_err_set(CK_EINVAL, "aead: bad IV, AAD or message length");
	return CK_OK;
}

/*
 * GCM over GF(2^128) in the bit order of SP 800-38D (bit 0 is the MSB of byte
 * 0), as two big-endian 64-bit halves. Constant time: H is key material.
 */
struct gf {
	uint64_t hi, lo;
};

static struct gf gf_load(const uint8_t b[16])
{
	struct gf x = { 0, 0 };
	int i;

	for (i = 0; i < 8; i++) {
		x.hi = (x.hi << 8) | b[i];
		x.lo = (x.lo << 8) | b[8 + i];
	}
	return x;
}

static void gf_store(uint8_t b[16], struct gf x)
{
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(x.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(x.lo >> (56 - 8 * i));
	}
}

static struct gf gf_mul(struct gf x, struct gf y)
{
	struct gf z = { 0, 0 }, v = y;
	uint64_t m;
	int i;

	for (i = 0; i < 128; i++) {
		m = 0 - ((i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i)) & 1);
		z.hi ^= v.hi & m;
		z.lo ^= v.lo & m;
		m = 0 - (v.lo & 1);
		v.lo = (v.lo >> 1) | (v.hi << 63);
		v.hi = (v.hi >> 1) ^ (0xe100000000000000ull & m);
	}
	return z;
}

/*
 * OpenSSL 3 refuses GCM IVs longer than 128 bytes, but GCM allows any length
 * and "any IV length" is our contract. Such an IV only enters GCM through
 * J0 = GHASH(IV || pad || len(IV)); a 16-byte IV' with the same J0 gives the
 * same ciphertext and tag (for any IV but a 96-bit one, which is not hashed).
 * J0' = IV'*H^2 + L*H (L: the length block for 128 bits), so
 * IV' = (J0 + L*H) * H^-2, with H^-2 = H^(2^128 - 3). (If H were 0,
 * every J0 is 0 and IV' = 0 is right too.)
 */
int ck__gcm_fold_iv(uint8_t out[16], const uint8_t key[static CK_AEAD_KEY_LEN],
                    const uint8_t *iv, size_t ivlen);
int ck__gcm_fold_iv(uint8_t out[16], const uint8_t key[static CK_AEAD_KEY_LEN],
                    const uint8_t *iv, size_t ivlen)
{
	static const uint8_t zero[16];
	EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
	uint8_t hb[16], blk[16];
	struct gf h, y = { 0, 0 }, l, inv2, sq;
	size_t off, take;
	int n = 0, i, rc = CK_EINTERNAL;

	if (ecb == NULL || EVP_EncryptInit_ex(ecb, EVP_aes_256_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ecb, 0) != 1 ||
	    EVP_EncryptUpdate(ecb, hb, &n, zero, 16) != 1 || n != 16) {
		rc = ck__ossl_err(CK_ECRYPTO, "aes-gcm: cannot derive the hash key");
		goto out;
	}
	h = gf_load(hb);
	for (off = 0; off < ivlen; off += 16) {
		take = ivlen - off < 16 ? ivlen - off : 16;
		memset(blk, 0, sizeof(blk));
		memcpy(blk, iv + off, take);
		l = gf_load(blk);
		y.hi ^= l.hi;
		y.lo ^= l.lo;
		y = gf_mul(y, h);
	}
	y.lo ^= (uint64_t)ivlen * 8;
	y = gf_mul(y, h); /* y = J0 */
	l.hi = 0;
	l.lo = 128;
	l = gf_mul(l, h);
	y.hi ^= l.hi;
	y.lo ^= l.lo;
	/* inv2 = H^(2^128 - 3): every exponent bit is 1 except bit 1. */
	inv2.hi = 0;
	inv2.lo = 0;
	sq = h;
	for (i = 0; i < 128; i++) {
		struct gf t = i == 0 ? sq : gf_mul(inv2, sq);
		uint64_t m = i == 1 ? 0 : ~(uint64_t)0;

		/* The first set bit starts the product; i == 0 is always set. */
		inv2.hi = (t.hi & m) | (inv2.hi & ~m);
		inv2.lo = (t.lo & m) | (inv2.lo & ~m);
		sq = gf_mul(sq, sq);
	}
	gf_store(out, gf_mul(y, inv2));
	rc = CK_OK;
out:
	EVP_CIPHER_CTX_free(ecb);
	ck_memzero(hb, sizeof(hb));
	ck_memzero(blk, sizeof(blk));
	ck_memzero(&h, sizeof(h));
	ck_memzero(&y, sizeof(y));
	ck_memzero(&l, sizeof(l));
	ck_memzero(&inv2, sizeof(inv2));
	ck_memzero(&sq, sizeof(sq));
	return rc;
}

/* Set the IV on c (folding an over-long one), changing its length only when needed. */
static int gcm_set_iv(struct ck_aead *a, EVP_CIPHER_CTX *c, size_t *cur, int enc,
                      const uint8_t *iv, size_t ivlen)
{
	uint8_t folded[16];
	int rc = CK_EINTERNAL;

	if (ivlen > GCM_OSSL_IV_MAX) {
		if ((rc = ck__gcm_fold_iv(folded, a->key, iv, ivlen)) < 0)
			goto out;
		iv = folded;
		ivlen = sizeof(folded);
	}
	if (*cur != ivlen) {
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) != 1) {
			*cur = 0;
			rc = ck__ossl_err(CK_ECRYPTO, "aes-gcm: bad IV length");
			goto out;
		}
		*cur = ivlen;
	}
	if ((enc ? EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv)
	         : EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv)) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "aes-gcm: cannot set the IV");
		goto out;
	}
	rc = CK_OK;
out:
	ck_memzero(folded, sizeof(folded));
	return rc;
}

static int gcm_seal(struct ck_aead *a, uint8_t *ct, uint8_t *tag, size_t taglen,
                    const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, size_t ptlen)
{
	EVP_CIPHER_CTX *c = a->enc;
	uint8_t fin[CK_AEAD_TAG_LEN]; /* GCM's final writes nothing; ct may be NULL */
	int n = 0, rc;

	if ((rc = gcm_set_iv(a, c, &a->enc_ivlen, 1, iv, ivlen)) < 0)
		return rc;
	if ((aadlen && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ptlen && EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) != 1) ||
	    EVP_EncryptFinal_ex(c, fin, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, (int)taglen, tag) != 1)
		return ck__ossl_err(CK_ECRYPTO, "aes-gcm: encryption failed");
	return CK_OK;
}

static int gcm_open(struct ck_aead *a, uint8_t *pt, const uint8_t *tag, size_t taglen,
                    const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                    const uint8_t *ct, size_t ctlen)
{
	EVP_CIPHER_CTX *c = a->dec;
	uint8_t t[CK_AEAD_TAG_LEN], fin[CK_AEAD_TAG_LEN];
	int n = 0, rc = CK_EINTERNAL;

	memcpy(t, tag, taglen); /* SET_TAG takes a non-const pointer */
	if ((rc = gcm_set_iv(a, c, &a->dec_ivlen, 0, iv, ivlen)) < 0)
		goto out;
	if ((aadlen && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ctlen && EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)taglen, t) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "aes-gcm: decryption failed");
		goto out;
	}
	if (EVP_DecryptFinal_ex(c, fin, &n) != 1) {
		ERR_clear_error();
		rc = ck_err_set(CK_EAUTH, "aes-gcm: authentication failed");
		goto out;
	}
	rc = CK_OK;
out:
	/* Unauthenticated plaintext never reaches the caller. */
	if (rc < 0 && ctlen)
		ck_memzero(pt, ctlen);
	return rc;
}

int ck_aead_seal(struct ck_aead *a, uint8_t *ct, uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *pt, size_t ptlen)
{
	unsigned long long tl = 0;
	uint8_t dummy[1];
	int rc;

	if ((rc = check_lens(taglen, ivlen, aadlen, ptlen)) < 0)
		return rc;
	if (ct == NULL) /* libsodium wants a pointer even for 0 bytes */
		ct = dummy;
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
	uint8_t dummy[1];
	int rc, ok;

	if ((rc = check_lens(taglen, ivlen, aadlen, ctlen)) < 0)
		return rc;
	if (ct == NULL) /* libsodium wants a pointer even for 0 bytes */
		ct = dummy;
	switch (a->alg) {
	case CK_AES256_GCM:
		return gcm_open(a, pt, tag, taglen, iv, ivlen, aad, aadlen, ct, ctlen);
	case CK_CHACHA20_POLY1305:
		if (ivlen != CK_CHACHA_NONCE_LEN || taglen != CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "chacha20-poly1305: bad nonce or tag length");
		/* libsodium checks the tag first and zeroes pt on failure. */
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
	if (ptlen > INT_MAX)
		return ck_err_set(CK_EINVAL, "chacha20-poly1305: message too long");
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
