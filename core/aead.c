/* SPDX-License-Identifier: Apache-2.0 */
/*
 * All three AEADs run on OpenSSL EVP contexts (one-shot AES-GCM with a
 * 96-bit IV aside, see one_shot()): OpenSSL's ChaCha20-Poly1305
 * has AVX2/AVX-512 code and is about 3x faster here than libsodium 1.0.18's
 * (see bench/crypto). XChaCha20-Poly1305 is HChaCha20 (libsodium) to derive a
 * subkey, then ChaCha20-Poly1305 with the last 8 nonce bytes, exactly as the
 * draft defines it. Wycheproof covers all three (tests/core/vec_wycheproof.c).
 */
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
	EVP_CIPHER_CTX *enc; /* key set up once; each call sets only the nonce */
	EVP_CIPHER_CTX *dec;
	size_t enc_ivlen;    /* GCM: IV length last set on enc/dec (0: none yet) */
	size_t dec_ivlen;
	uint8_t key[CK_AEAD_KEY_LEN]; /* GCM fold and XChaCha subkeys need it */
};

static const char *alg_name(enum ck_aead_alg alg)
{
	switch (alg) {
	case CK_AES256_GCM: return "aes-gcm";
	case CK_CHACHA20_POLY1305: return "chacha20-poly1305";
	default: return "xchacha20-poly1305";
	}
}

static const EVP_CIPHER *cipher_of(enum ck_aead_alg alg)
{
	return alg == CK_AES256_GCM ? ck__ossl_aes256gcm() : ck__ossl_chacha20poly1305();
}

/* Key ctx for alg (XChaCha: the key comes with each nonce). 0 on failure. */
static int ctx_init(EVP_CIPHER_CTX *c, enum ck_aead_alg alg, const uint8_t *key, int enc)
{
	const EVP_CIPHER *cipher = cipher_of(alg);

	return cipher != NULL &&
	       EVP_CipherInit_ex(c, cipher, NULL, alg == CK_XCHACHA20_POLY1305 ? NULL : key, NULL,
	                         enc) == 1;
}

struct ck_aead *ck_aead_new(enum ck_aead_alg alg, const uint8_t key[static CK_AEAD_KEY_LEN])
{
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
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (a->enc == NULL || a->dec == NULL || !ctx_init(a->enc, alg, key, 1) ||
	    !ctx_init(a->dec, alg, key, 0)) {
		ck__ossl_err(CK_ENOMEM, "aead: cannot initialise the cipher");
		ck_aead_free(a);
		return NULL;
	}
	return a;
}

void ck_aead_free(struct ck_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->enc); /* OpenSSL wipes its key schedule */
	EVP_CIPHER_CTX_free(a->dec);
	ck_secret_free(a);
}

static int check_lens(enum ck_aead_alg alg, size_t taglen, size_t ivlen, size_t aadlen,
                      size_t len)
{
	size_t want = alg == CK_CHACHA20_POLY1305 ? CK_CHACHA_NONCE_LEN : CK_XCHACHA_NONCE_LEN;

	if (alg == CK_AES256_GCM) {
		if (taglen < CK_AEAD_MIN_TAG_LEN || taglen > CK_AEAD_TAG_LEN)
			return ck_err_set(CK_EINVAL, "aes-gcm: unsupported tag length %zu", taglen);
		if (ivlen == 0 || ivlen > INT_MAX)
			return ck_err_set(CK_EINVAL, "aes-gcm: bad IV length %zu", ivlen);
	} else if (ivlen != want || taglen != CK_AEAD_TAG_LEN) {
		return ck_err_set(CK_EINVAL, "%s: nonce must be %zu bytes and tag 16 (got %zu, %zu)",
		                  alg_name(alg), want, ivlen, taglen);
	}
	if (aadlen > INT_MAX || len > INT_MAX)
		return ck_err_set(CK_EINVAL, "%s: AAD or message too long", alg_name(alg));
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

/*
 * Put the nonce into c (which holds the key): GCM sets the IV length only
 * when it changes and folds IVs OpenSSL cannot take; XChaCha derives the
 * subkey HChaCha20(key, nonce[0..16)) and uses 0^4 || nonce[16..24).
 */
static int set_nonce(enum ck_aead_alg alg, EVP_CIPHER_CTX *c, size_t *cur, int enc,
                     const uint8_t *key, const uint8_t *iv, size_t ivlen)
{
	uint8_t folded[16], sub[CK_AEAD_KEY_LEN], n12[CK_CHACHA_NONCE_LEN];
	const uint8_t *k = NULL;
	int rc = CK_EINTERNAL;

	if (alg == CK_XCHACHA20_POLY1305) {
		crypto_core_hchacha20(sub, iv, key, NULL);
		memset(n12, 0, 4);
		memcpy(n12 + 4, iv + 16, 8);
		k = sub;
		iv = n12;
	} else if (alg == CK_AES256_GCM) {
		if (ivlen > GCM_OSSL_IV_MAX) {
			if ((rc = ck__gcm_fold_iv(folded, key, iv, ivlen)) < 0)
				goto out;
			iv = folded;
			ivlen = sizeof(folded);
		}
		if (*cur != ivlen) {
			if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)ivlen, NULL) != 1) {
				*cur = 0;
				rc = ck__ossl_err(CK_ECRYPTO, "aes-gcm: bad IV length");
				goto out;
			}
			*cur = ivlen;
		}
	}
	if (EVP_CipherInit_ex(c, NULL, NULL, k, iv, enc) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "aead: cannot set the nonce");
		goto out;
	}
	rc = CK_OK;
out:
	ck_memzero(folded, sizeof(folded));
	ck_memzero(sub, sizeof(sub));
	return rc;
}

static int do_seal(enum ck_aead_alg alg, EVP_CIPHER_CTX *c, size_t *cur, const uint8_t *key,
                   uint8_t *ct, uint8_t *tag, size_t taglen, const uint8_t *iv, size_t ivlen,
                   const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen)
{
	uint8_t fin[CK_AEAD_TAG_LEN]; /* final writes nothing for AEADs; ct may be NULL */
	int n = 0, rc;

	if ((rc = check_lens(alg, taglen, ivlen, aadlen, ptlen)) < 0 ||
	    (rc = set_nonce(alg, c, cur, 1, key, iv, ivlen)) < 0)
		return rc;
	if ((aadlen && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ptlen && EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) != 1) ||
	    EVP_EncryptFinal_ex(c, fin, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)taglen, tag) != 1)
		return ck__ossl_err(CK_ECRYPTO, alg == CK_AES256_GCM ? "aes-gcm: encryption failed"
		                                                     : "chacha20: encryption failed");
	return CK_OK;
}

static int do_open(enum ck_aead_alg alg, EVP_CIPHER_CTX *c, size_t *cur, const uint8_t *key,
                   uint8_t *pt, const uint8_t *tag, size_t taglen, const uint8_t *iv,
                   size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                   size_t ctlen)
{
	uint8_t t[CK_AEAD_TAG_LEN], fin[CK_AEAD_TAG_LEN];
	int n = 0, rc = CK_EINTERNAL;

	if ((rc = check_lens(alg, taglen, ivlen, aadlen, ctlen)) < 0)
		return rc;
	memcpy(t, tag, taglen); /* SET_TAG takes a non-const pointer */
	if ((rc = set_nonce(alg, c, cur, 0, key, iv, ivlen)) < 0)
		goto out;
	if ((aadlen && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
	    (ctlen && EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)taglen, t) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "aead: decryption failed");
		goto out;
	}
	if (EVP_DecryptFinal_ex(c, fin, &n) != 1) {
		ERR_clear_error();
		rc = ck_err_set(CK_EAUTH, "%s: authentication failed", alg_name(alg));
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
	return do_seal(a->alg, a->enc, &a->enc_ivlen, a->key, ct, tag, taglen, iv, ivlen, aad,
	               aadlen, pt, ptlen);
}

int ck_aead_open(struct ck_aead *a, uint8_t *pt, const uint8_t *tag, size_t taglen,
                 const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                 const uint8_t *ct, size_t ctlen)
{
	return do_open(a->alg, a->dec, &a->dec_ivlen, a->key, pt, tag, taglen, iv, ivlen, aad,
	               aadlen, ct, ctlen);
}

/*
 * One-shot: a bare EVP context (no secret-memory page for a single call;
 * OpenSSL wipes its copy of the key when the context is freed).
 */
static int sodium_gcm(int seal, uint8_t *out, uint8_t *tag, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                      size_t n)
{
	uint8_t none = 0;

	if (out == NULL)
		out = &none; /* n is 0: nothing is written */
	if (seal) {
		if (crypto_aead_aes256gcm_encrypt_detached(out, tag, NULL, in, n, aad, aadlen, NULL, iv,
		                                           key) != 0)
			return ck_err_set(CK_ECRYPTO, "aes-gcm: encryption failed");
		return CK_OK;
	}
	if (crypto_aead_aes256gcm_decrypt_detached(out, NULL, in, n, tag, aad, aadlen, iv, key) != 0) {
		/* Unauthenticated plaintext never reaches the caller. */
		if (n)
			ck_memzero(out, n);
		return ck_err_set(CK_EAUTH, "aes-gcm: authentication failed");
	}
	return CK_OK;
}

static int overlap(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n && a != NULL && b != NULL && a < b + n && b < a + n;
}

static int one_shot(enum ck_aead_alg alg, int seal, uint8_t *out, uint8_t *tag,
                    const uint8_t *key, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                    size_t aadlen, const uint8_t *in, size_t n)
{
	EVP_CIPHER_CTX *c = NULL;
	size_t cur = 0;
	int rc = CK_EINTERNAL;

	/*
	 * AES-GCM with a 96-bit IV on a CPU with AES-NI and CLMUL runs in
	 * libsodium: no OpenSSL cipher fetch, whose first use builds the method
	 * store of every cipher (~3 million instructions), most of a small
	 * command's crypto set-up. The one-shot calls carry short values
	 * (sealed secrets, key wrapping); sops's 32-byte IVs and the streaming
	 * contexts stay on OpenSSL. Wycheproof runs through both paths.
	 */
	if (alg == CK_AES256_GCM && ivlen == 12 && !overlap(out, in, n) && ck_core_init() == CK_OK &&
	    crypto_aead_aes256gcm_is_available()) {
		if ((rc = check_lens(alg, CK_AEAD_TAG_LEN, ivlen, aadlen, n)) < 0)
			return rc;
		return sodium_gcm(seal, out, tag, key, iv, aad, aadlen, in, n);
	}
	if ((c = EVP_CIPHER_CTX_new()) == NULL || !ctx_init(c, alg, key, seal)) {
		rc = ck__ossl_err(CK_ENOMEM, "aead: cannot initialise the cipher");
		goto out;
	}
	if (seal)
		rc = do_seal(alg, c, &cur, key, out, tag, CK_AEAD_TAG_LEN, iv, ivlen, aad, aadlen, in,
		             n);
	else
		rc = do_open(alg, c, &cur, key, out, tag, CK_AEAD_TAG_LEN, iv, ivlen, aad, aadlen, in,
		             n);
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int ck_aes256gcm_seal(uint8_t *ct, uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                      size_t ptlen)
{
	return one_shot(CK_AES256_GCM, 1, ct, tag, key, iv, ivlen, aad, aadlen, pt, ptlen);
}

int ck_aes256gcm_open(uint8_t *pt, const uint8_t tag[static CK_AEAD_TAG_LEN],
                      const uint8_t key[static CK_AEAD_KEY_LEN], const uint8_t *iv,
                      size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                      size_t ctlen)
{
	return one_shot(CK_AES256_GCM, 0, pt, (uint8_t *)tag, key, iv, ivlen, aad, aadlen, ct,
	                ctlen);
}

int ck_chacha20poly1305_seal(uint8_t *ct, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                             size_t ptlen)
{
	/* Combined form: the tag follows the ciphertext. */
	return one_shot(CK_CHACHA20_POLY1305, 1, ct, ct + ptlen, key, nonce, CK_CHACHA_NONCE_LEN,
	                aad, aadlen, pt, ptlen);
}

int ck_chacha20poly1305_open(uint8_t *pt, const uint8_t key[static CK_AEAD_KEY_LEN],
                             const uint8_t nonce[static CK_CHACHA_NONCE_LEN],
                             const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                             size_t ctlen)
{
	if (ctlen < CK_AEAD_TAG_LEN)
		return ck_err_set(CK_EAUTH, "chacha20-poly1305: authentication failed");
	return one_shot(CK_CHACHA20_POLY1305, 0, pt, (uint8_t *)ct + ctlen - CK_AEAD_TAG_LEN, key,
	                nonce, CK_CHACHA_NONCE_LEN, aad, aadlen, ct, ctlen - CK_AEAD_TAG_LEN);
}
